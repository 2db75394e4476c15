// Runs every step of the lifecycle, escalation, consult and case-timer state machines; the payload's `step` picks which
// (the names and payloads are the contract in workflows/steps.ts, shared with the state machines).
import { EmfMetrics } from '#lib/adapters/cloudwatch-metrics.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { SesMailer } from '#lib/adapters/ses-mailer.ts';
import { SchedulerAlarmClock } from '#lib/adapters/eventbridge-scheduler.ts';
import { StepFunctionsEngine } from '#lib/adapters/sfn.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { escalationPolicy } from '#lib/escalation-policy-config.ts';
import { slaPolicy } from '#lib/sla-config.ts';
import {
  alarmRang,
  awaitAcknowledgement,
  awaitCase,
  awaitConsult,
  consultTimerExpired,
  escalationExhausted,
  handOver,
  notifyTier,
  pageRisk,
  timerExpired,
  type WorkflowDeps,
} from '#lib/use-cases/workflows.ts';
import { STEP, type StepRequest } from '#workflows/steps.ts';

const env = loadEnv('workflow-steps');
const deps: WorkflowDeps = {
  store: new DynamoCaseStore(env.CASES_TABLE, undefined),
  engine: new StepFunctionsEngine({ lifecycle: env.LIFECYCLE_STATE_MACHINE_ARN, escalation: env.ESCALATION_STATE_MACHINE_ARN, consult: env.CONSULT_STATE_MACHINE_ARN }),
  clock: systemClock,
  mailer: new SesMailer(env.SENDER_ADDRESS, { configurationSet: env.CONFIGURATION_SET }),
  sla: slaPolicy,
  escalation: escalationPolicy,
  consoleUrl: env.CONSOLE_URL,
  metrics: new EmfMetrics(),
  alarms: new SchedulerAlarmClock({ group: env.TIMER_SCHEDULE_GROUP, roleArn: env.TIMER_SCHEDULER_ROLE_ARN, timerMachineArn: env.TIMER_STATE_MACHINE_ARN }),
};

export class UnknownStepError extends Error {
  override name = 'UnknownStepError';
}

export async function handler(request: StepRequest): Promise<unknown> {
  switch (request.step) {
    case STEP.await:
      return awaitCase(deps, request.taskToken, request.input, request.waitFor);
    case STEP.timerExpired:
      return timerExpired(deps, request.input);
    case STEP.pageRisk:
      return pageRisk(deps, request.input);
    case STEP.handOver:
      return handOver(deps, request.input);
    case STEP.alarmRang:
      return alarmRang(deps, request.input);
    case STEP.notifyTier:
      return notifyTier(deps, request.input, request.tier);
    case STEP.awaitAck:
      return awaitAcknowledgement(deps, request.taskToken, request.input);
    case STEP.escalationExhausted:
      return escalationExhausted(deps, request.input);
    case STEP.awaitConsult:
      return awaitConsult(deps, request.taskToken, request.input);
    case STEP.consultTimerExpired:
      return consultTimerExpired(deps, request.input);
    default:
      throw new UnknownStepError(`unknown step ${(request as { step: string }).step}`);
  }
}
