// The life of one case, as a Step Functions state machine (Standard, JSONPath).
//
// The state carried between states is small (`WorkflowState`: case id, status, timer); every step reads
// the case itself from DynamoDB, so the table stays the single source of truth. Waits are task tokens
// whose timeout is the next deadline: an agent's action or the requester's reply resumes the wait at once,
// and a deadline fires exactly on time when nobody acts. No polling, no sweeps.
//
// No execution is held open through days of waiting (the open-executions quota, bench/SCALE.md): a wait
// lasts at most LINGER_SECONDS (domain/lifecycle.ts); a timer further away is then handed to an alarm, a
// one-time EventBridge Scheduler schedule that starts the short case-timer machine (workflows/timer.ts) just
// before it is due, and the execution ends. The silence before an auto-close is handed over at once: the
// signal that sees a case resolved fails the wait with HANDED_OVER_ERROR, caught straight into the end.
import { Duration } from 'aws-cdk-lib';
import { Choice, Condition, Errors, IntegrationPattern, JitterType, JsonPath, Succeed, TaskInput, Timeout, type IChainable } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { HANDED_OVER_ERROR, STEP, type StepArguments, type StepName } from './steps.ts';

export interface WorkflowSteps {
  /** The function that runs every step of trustdesk's workflows (`functions/workflow-steps`). */
  readonly steps: IFunction;
}

/** A step's fixed arguments: required when the step declares any (steps.ts), omitted when it has none. */
type ArgumentsOf<S extends StepName> = [keyof StepArguments<S>] extends [never] ? [args?: StepArguments<S>] : [args: StepArguments<S>];

/** A step that does its work and returns the next WorkflowState. */
export function step<S extends StepName>(scope: Construct, id: string, steps: IFunction, name: S, ...[args]: ArgumentsOf<S>) {
  return retried(
    new LambdaInvoke(scope, id, {
      lambdaFunction: steps,
      payload: TaskInput.fromObject({ step: name, 'input.$': '$', ...args }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    }),
  );
}

/** A step that fails (SES throttling, a write contended for too long) is tried again, not the end of the case. */
function retried<T extends LambdaInvoke>(task: T): T {
  task.addRetry({ errors: [Errors.TASKS_FAILED], interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6, jitterStrategy: JitterType.FULL });
  return task;
}

/**
 * A wait for something outside the workflow, with the timer in `$.timer.seconds` as its timeout. The
 * step stores the task token on the case; the whole state input travels as `input` (the local cloud
 * evaluates the timeout path there, as AWS does on the state input).
 */
export function waitFor<S extends StepName>(scope: Construct, id: string, steps: IFunction, name: S, ...[args]: ArgumentsOf<S>) {
  const wait = new LambdaInvoke(scope, id, {
    lambdaFunction: steps,
    integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: TaskInput.fromObject({ step: name, taskToken: JsonPath.taskToken, 'input.$': '$', ...args }),
    taskTimeout: Timeout.at('$.timer.seconds'),
  });
  // A wait handed over to an alarm is never tried again (this retrier comes first; States.TaskFailed matches it too).
  wait.addRetry({ errors: [HANDED_OVER_ERROR], maxAttempts: 0 });
  return retried(wait);
}

export function caseLifecycle(scope: Construct, { steps }: WorkflowSteps): IChainable {
  const closed = new Succeed(scope, 'Closed');

  // Every timer that runs out comes here: a pre-breach warning, a breach (which starts the escalation),
  // or the silence after which a resolved or unanswered case closes with a notice to the requester.
  const timerExpired = step(scope, 'Deadline or silence reached', steps, STEP.timerExpired);

  const awaitAgent = waitFor(scope, 'Investigating: wait for an agent until the next deadline', steps, STEP.await, { waitFor: 'agent' });
  const awaitRequester = waitFor(scope, 'Waiting on the requester (SLA paused)', steps, STEP.await, { waitFor: 'user' });
  const awaitSilence = waitFor(scope, 'Resolved: wait for silence before closing', steps, STEP.await, { waitFor: 'silence' });
  // Four-eyes: its own deadlines (a reminder, then the lead tier), not the SLA's.
  const awaitApproval = waitFor(scope, 'Pending approval: wait for a second person until the reminder or escalation', steps, STEP.await, { waitFor: 'approval' });
  const pageRiskTeam = step(scope, 'Critical: page the risk team now', steps, STEP.pageRisk);
  // The end of an execution whose far timer an alarm now holds (workflows/timer.ts rings it).
  const handOver = step(scope, 'Far timer: hand it to an alarm and end', steps, STEP.handOver);
  const handedOver = new Succeed(scope, 'Handed over to an alarm');

  const whereIsTheCase = new Choice(scope, 'Where is the case?')
    .when(Condition.stringEquals('$.status', 'closed'), closed)
    .when(Condition.booleanEquals('$.critical', true), pageRiskTeam)
    .when(Condition.booleanEquals('$.due', true), timerExpired)
    .when(Condition.booleanEquals('$.handOver', true), handOver)
    .when(Condition.stringEquals('$.status', 'waiting_on_user'), awaitRequester)
    .when(Condition.stringEquals('$.status', 'resolved'), awaitSilence)
    .when(Condition.stringEquals('$.status', 'pending_approval'), awaitApproval)
    .otherwise(awaitAgent);

  pageRiskTeam.next(whereIsTheCase);
  for (const wait of [awaitAgent, awaitRequester, awaitSilence, awaitApproval]) {
    wait.addCatch(timerExpired, { errors: [Errors.TIMEOUT], resultPath: '$.expired' });
    wait.addCatch(handedOver, { errors: [HANDED_OVER_ERROR] });
    wait.next(whereIsTheCase);
  }
  timerExpired.next(whereIsTheCase);
  return whereIsTheCase;
}
