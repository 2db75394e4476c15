// Runs every step of the lifecycle and escalation state machines; the payload's `step` picks which.
import type { EscalationTier } from '#domain/case.ts';
import type { WorkflowState } from '#domain/lifecycle.ts';
import { EmfMetrics } from '#lib/adapters/cloudwatch-metrics.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { SesMailer } from '#lib/adapters/ses-mailer.ts';
import { StepFunctionsEngine } from '#lib/adapters/sfn.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { escalationPolicy } from '#lib/escalation-policy-config.ts';
import { policies } from '#lib/policies.ts';
import {
  awaitAcknowledgement,
  awaitCase,
  escalationExhausted,
  notifyTier,
  pageRisk,
  timerExpired,
  type EscalationState,
  type WorkflowDeps,
} from '#lib/use-cases/workflows.ts';

const env = loadEnv('workflow-steps');
const deps: WorkflowDeps = {
  store: new DynamoCaseStore(env.CASES_TABLE, undefined),
  engine: new StepFunctionsEngine({ lifecycle: env.LIFECYCLE_STATE_MACHINE_ARN, escalation: env.ESCALATION_STATE_MACHINE_ARN }),
  clock: systemClock,
  mailer: new SesMailer(env.SENDER_ADDRESS),
  sla: policies.sla,
  escalation: escalationPolicy,
  consoleUrl: env.CONSOLE_URL,
  metrics: new EmfMetrics(),
};

export type StepRequest =
  | { step: 'await'; taskToken: string; waitFor: string; input: WorkflowState }
  | { step: 'timer-expired' | 'page-risk'; input: WorkflowState }
  | { step: 'notify-tier'; tier: EscalationTier; input: EscalationState }
  | { step: 'await-ack'; taskToken: string; input: EscalationState }
  | { step: 'escalation-exhausted'; input: EscalationState };

export class UnknownStepError extends Error {
  override name = 'UnknownStepError';
}

export async function handler(request: StepRequest): Promise<unknown> {
  switch (request.step) {
    case 'await':
      return awaitCase(deps, request.taskToken, request.input, request.waitFor);
    case 'timer-expired':
      return timerExpired(deps, request.input);
    case 'page-risk':
      return pageRisk(deps, request.input);
    case 'notify-tier':
      return notifyTier(deps, request.input, request.tier);
    case 'await-ack':
      return awaitAcknowledgement(deps, request.taskToken, request.input);
    case 'escalation-exhausted':
      return escalationExhausted(deps, request.input);
    default:
      throw new UnknownStepError(`unknown step ${(request as { step: string }).step}`);
  }
}
