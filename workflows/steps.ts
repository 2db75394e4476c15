// The contract between the state machines (workflows/*.ts, which name a step in each task's payload) and
// the function that runs the steps (functions/workflow-steps): every step name and the payload it carries.
// Both sides import these, so a renamed or reshaped step fails the type check on the other side.
// Types and plain constants only (no CDK import): it is bundled into the steps function.
import type { Alarm } from '#domain/alarm.ts';
import type { EscalationTier } from '#domain/case.ts';
import type { ConsultState } from '#domain/consult.ts';
import type { Timer, WorkflowState } from '#domain/lifecycle.ts';

export const STEP = {
  /** Lifecycle: park on a task token until the next deadline or a change to the case. */
  await: 'await',
  /** Lifecycle: a timer ran out (warning, breach, or the silence that closes a case). */
  timerExpired: 'timer-expired',
  /** Lifecycle: the next timer is far; hand it to an alarm (a one-time schedule) and end the execution. */
  handOver: 'hand-over',
  /** Case timer: an alarm rang and its exact instant came; record the timer (or nothing, if the alarm is stale). */
  alarmRang: 'alarm-rang',
  /** Lifecycle: a critical case pages the risk team at once. */
  pageRisk: 'page-risk',
  /** Escalation: tell one tier and start its acknowledgement deadline. */
  notifyTier: 'notify-tier',
  /** Escalation: park on a task token until the tier acknowledges or its deadline passes. */
  awaitAck: 'await-ack',
  /** Escalation: nobody acknowledged; record it. */
  escalationExhausted: 'escalation-exhausted',
  /** Consult: park on a task token until the team answers or the reminder (then the target) is due. */
  awaitConsult: 'await-consult',
  /** Consult: the reminder or the target came; record it (the notifier emails the team or its lead). */
  consultTimerExpired: 'consult-timer-expired',
} as const;

export type StepName = (typeof STEP)[keyof typeof STEP];
export const STEP_NAMES: readonly StepName[] = Object.values(STEP);

/** The state the escalation machine carries between its states. */
export interface EscalationState {
  caseId: string;
  escalationId: string;
  startTier: EscalationTier;
  tier?: EscalationTier;
  timer?: { seconds: number };
  acknowledged?: boolean;
}

/**
 * The error a wait fails with when its case's timer was handed to an alarm (SendTaskFailure): the wait's
 * catcher ends the execution in one transition, and no retrier tries it again.
 */
export const HANDED_OVER_ERROR = 'Trustdesk.HandedOver';

/** What the lifecycle waits for in one of its waiting states. */
export type LifecycleWaitFor = Exclude<Timer['waitFor'], 'nothing'>;

/** The payload each step receives: `input` is the state machine's state, `taskToken` that of a waiting step. */
export interface StepPayloads {
  [STEP.await]: { taskToken: string; waitFor: LifecycleWaitFor; input: WorkflowState };
  [STEP.timerExpired]: { input: WorkflowState };
  [STEP.pageRisk]: { input: WorkflowState };
  [STEP.handOver]: { input: WorkflowState };
  [STEP.alarmRang]: { input: Alarm };
  [STEP.notifyTier]: { tier: EscalationTier; input: EscalationState };
  [STEP.awaitAck]: { taskToken: string; tier: EscalationTier; input: EscalationState };
  [STEP.escalationExhausted]: { input: EscalationState };
  [STEP.awaitConsult]: { taskToken: string; phase: 'reminder' | 'target'; input: ConsultState };
  [STEP.consultTimerExpired]: { input: ConsultState };
}

/** One invocation of the steps function. */
export type StepRequest = { [S in StepName]: { step: S } & StepPayloads[S] }[StepName];

/** The fixed arguments a state machine writes into a step's payload (beside the step name, input and token). */
export type StepArguments<S extends StepName> = Omit<StepPayloads[S], 'input' | 'taskToken'>;
