// The clock of one consult (a question to another team), as its own small Standard state machine: one
// execution per consult, named by the consult id so the signal consumer starts it once. It waits on a task
// token whose timeout is the reminder, then the target; the answer resumes it at once. Kept apart from the
// case lifecycle so several consults run side by side and the case's SLA clock is never touched by them.
import { Choice, Condition, Errors, Succeed, type IChainable } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { step, waitFor, type WorkflowSteps } from './case-lifecycle.ts';
import { STEP } from './steps.ts';

export function consult(scope: Construct, { steps }: WorkflowSteps): IChainable {
  const over = new Succeed(scope, 'Answered, or escalated to the team lead');
  const timeUp = step(scope, "Consult reminder or target reached", steps, STEP.consultTimerExpired);
  const untilReminder = waitFor(scope, 'Wait for the team to answer until the reminder', steps, STEP.awaitConsult, { phase: 'reminder' });
  const untilTarget = waitFor(scope, 'Wait for the team to answer until the target', steps, STEP.awaitConsult, { phase: 'target' });

  const next = new Choice(scope, 'What is the consult waiting for?')
    .when(Condition.stringEquals('$.phase', 'none'), over)
    .when(Condition.booleanEquals('$.due', true), timeUp)
    .when(Condition.stringEquals('$.phase', 'reminder'), untilReminder)
    .otherwise(untilTarget);

  for (const wait of [untilReminder, untilTarget]) {
    wait.addCatch(timeUp, { errors: [Errors.TIMEOUT], resultPath: '$.expired' });
    wait.next(next);
  }
  timeUp.next(next);
  return next;
}
