// The steps of the lifecycle and escalation workflows, and the signals that start and resume them.
// Every step reads the case from the table and writes its change with the event that explains it.
//
// Who holds a case's next timer, exactly one at a time (the lifecycle wait item says which): a lifecycle
// execution waiting on its task token (at most LINGER_SECONDS, then it hands a far timer over), or an
// alarm (a one-time schedule, AlarmClock) set for one lifecycle version. Every hand-over writes the wait item
// first and then reads the case again, so a change committed in between is seen by the hand-over or by the
// signal that follows the change, never by neither. A change to a handed-over case moves the alarm (0 state
// transitions); an alarm that rings for a version the case left, or twice, does nothing.
import type { CaseRecord, EscalationTier } from '#domain/case.ts';
import { alarmFor, wokenExecutionName, type Alarm } from '#domain/alarm.ts';
import { consultState, onConsultTimer, openConsults, type ConsultState } from '#domain/consult.ts';
import type { EscalationPolicy } from '#domain/escalation-policy.ts';
import { onTimerExpired, pageRiskTeam, recordEscalationStep, workflowState, type Change, type WorkflowState } from '#domain/lifecycle.ts';
import type { SlaPolicy } from '#domain/sla/policy.ts';
import type { EscalationState, LifecycleWaitFor } from '#workflows/steps.ts';
import { BusyError } from '../errors.ts';
import { METRIC } from '../metrics.ts';
import type { AlarmClock, CaseStore, Clock, Mailer, Metrics, WorkflowEngine } from '../ports.ts';
import { escalationEmail } from './email-templates.ts';
import { sendNoticeOnce } from './notify.ts';

export interface WorkflowDeps {
  store: CaseStore;
  engine: WorkflowEngine;
  clock: Clock;
  mailer: Mailer;
  sla: SlaPolicy;
  escalation: EscalationPolicy;
  consoleUrl: string;
  metrics: Metrics;
  alarms: AlarmClock;
}

/** What the signal consumer needs: no mail, no escalation policy. */
export type SignalDeps = Pick<WorkflowDeps, 'store' | 'engine' | 'clock' | 'sla' | 'alarms'>;

/** What re-arming needs: executions only (the alarms a restart keeps are still set). */
export type RestartDeps = Pick<WorkflowDeps, 'store' | 'engine' | 'clock' | 'sla'>;

export class CaseGoneError extends Error {
  override name = 'CaseGoneError';
}

const LIFECYCLE = 'lifecycle';
/** The lifecycle wait's token while an alarm holds the case's timer (knownVersion: the version it was set for). */
export const HANDED_OVER = 'handed-over';
const escalationWait = (escalationId: string) => `escalation#${escalationId}`;
const consultWait = (consultId: string) => `consult#${consultId}`;

/** Apply a decision to the current case, again on a concurrent write; the case after it. */
async function mutate(deps: WorkflowDeps, caseId: string, decide: (current: CaseRecord, now: Date) => Change | undefined): Promise<CaseRecord> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await deps.store.getCase(caseId);
    if (!current) throw new CaseGoneError(`case ${caseId} not found`);
    const change = decide(current, deps.clock.now());
    if (!change) return current;
    const outcome = await deps.store.saveChange({ record: change.record, event: change.event });
    if (outcome.kind === 'saved') return change.record;
  }
  throw new BusyError();
}

/**
 * Start a case's lifecycle ('exists' when it was started before). The first is named by the case; a
 * closed case that reopens gets a new one, named by the lifecycle version of the change that reopened
 * it. The signal consumer and the local cloud's re-arm both start it here, so they agree on the name.
 */
function startLifecycle(deps: RestartDeps, record: CaseRecord, reopenedAtLifecycleVersion?: number): Promise<'started' | 'exists'> {
  const name = reopenedAtLifecycleVersion === undefined ? record.caseId : `${record.caseId}-v${reopenedAtLifecycleVersion}`;
  return deps.engine.start('lifecycle', name, workflowState(record, deps.clock.now(), deps.sla));
}

async function startEscalationIfNew(deps: Pick<WorkflowDeps, 'engine'>, before: CaseRecord | undefined, after: CaseRecord): Promise<void> {
  const esc = after.escalation;
  if (esc?.status !== 'active' || esc.id === before?.escalation?.id) return;
  const input: EscalationState = { caseId: after.caseId, escalationId: esc.id, startTier: esc.startTier };
  await deps.engine.start('escalation', esc.id, input);
}

/**
 * Give the case's next timer to its holder: an alarm when it is far (the wait item records the hand-over,
 * then the case is read again: a change committed meanwhile gets its own alarm here or from its signal);
 * a lifecycle execution named by the version when it is near, due or critical; nobody once it is closed.
 * The alarm of the version the case left (`left`) is taken back.
 */
async function handOverTimer(deps: SignalDeps, record: CaseRecord, left?: number): Promise<string> {
  let current = record;
  let previous = left;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (previous !== undefined && previous !== current.lifecycleVersion) await deps.alarms.cancel(current.caseId, previous);
    if (current.status === 'closed') return 'alarm none (closed)';
    const now = deps.clock.now();
    const alarm = workflowState(current, now, deps.sla, { lingered: true }).handOver ? alarmFor(current, now, deps.sla) : undefined;
    if (!alarm) {
      const name = wokenExecutionName(current.caseId, current.lifecycleVersion);
      return `lifecycle ${await deps.engine.start('lifecycle', name, workflowState(current, now, deps.sla))}`;
    }
    const outcome = await deps.alarms.set(alarm);
    await deps.store.putWorkflowWait(current.caseId, LIFECYCLE, { token: HANDED_OVER, knownVersion: current.lifecycleVersion, waitFor: 'alarm' });
    const again = await deps.store.getCase(current.caseId);
    if (!again || again.lifecycleVersion <= current.lifecycleVersion) return `alarm ${outcome}`;
    previous = current.lifecycleVersion;
    current = again;
  }
  throw new BusyError();
}

// ── lifecycle steps ───────────────────────────────────────────────────────────────────────────────

/** Park the lifecycle on a task token; resume at once if the case moved since the state was computed. */
export async function awaitCase(deps: WorkflowDeps, taskToken: string, state: WorkflowState, waitFor: LifecycleWaitFor): Promise<void> {
  // Token first, then look: a change committed in between is seen by us or by the signal consumer.
  await deps.store.putWorkflowWait(state.caseId, LIFECYCLE, { token: taskToken, knownVersion: state.lifecycleVersion, waitFor });
  const current = await deps.store.getCase(state.caseId);
  if (!current) throw new CaseGoneError(`case ${state.caseId} not found`);
  if (current.lifecycleVersion > state.lifecycleVersion) await deps.engine.resume(taskToken, workflowState(current, deps.clock.now(), deps.sla));
}

export async function timerExpired(deps: WorkflowDeps, state: WorkflowState): Promise<WorkflowState> {
  let before: CaseRecord | undefined;
  let decided: Change | undefined;
  const after = await mutate(deps, state.caseId, (current, now) => {
    before = current;
    decided = onTimerExpired(current, now, deps.sla);
    return decided;
  });
  // The last decision is the one saved (mutate returns only once its change is stored), and a retried
  // step finds the breach already recorded: one count per breached deadline.
  if (decided?.event.type === 'sla.breached') deps.metrics.count(METRIC.slaBreached);
  await startEscalationIfNew(deps, before, after);
  // Nothing was due: the wait ran out because it waited in person long enough, and a far timer is handed
  // over now. A timer that fired is a change like any other: the execution waits in person again.
  return workflowState(after, deps.clock.now(), deps.sla, { lingered: decided === undefined });
}

/** The lifecycle's next timer is far: an alarm takes it, and the execution ends. */
export async function handOver(deps: WorkflowDeps, state: WorkflowState): Promise<string> {
  const current = await deps.store.getCase(state.caseId);
  if (!current) throw new CaseGoneError(`case ${state.caseId} not found`);
  return handOverTimer(deps, current);
}

/**
 * An alarm rang and the case timer slept to its exact instant. Stale (nothing happens) when the case moved
 * past the alarm's version, is closed, or a lifecycle execution holds its timer again; otherwise the timer
 * is recorded as a waiting execution would have, and the next one is handed on.
 */
export async function alarmRang(deps: WorkflowDeps, alarm: Alarm): Promise<string> {
  const current = await deps.store.getCase(alarm.caseId);
  if (!current || current.status === 'closed' || current.lifecycleVersion !== alarm.lifecycleVersion) return 'stale';
  const wait = await deps.store.getWorkflowWait(alarm.caseId, LIFECYCLE);
  if (wait?.token !== HANDED_OVER || wait.knownVersion !== alarm.lifecycleVersion) return 'stale';
  let before: CaseRecord | undefined;
  let decided: Change | undefined;
  const after = await mutate(deps, alarm.caseId, (record, now) => {
    before = record;
    decided = record.lifecycleVersion === alarm.lifecycleVersion ? onTimerExpired(record, now, deps.sla) : undefined;
    return decided;
  });
  if (decided?.event.type === 'sla.breached') deps.metrics.count(METRIC.slaBreached);
  await startEscalationIfNew(deps, before, after);
  return handOverTimer(deps, after, alarm.lifecycleVersion);
}

export async function pageRisk(deps: WorkflowDeps, state: WorkflowState): Promise<WorkflowState> {
  const after = await mutate(deps, state.caseId, (current, now) => pageRiskTeam(current, now));
  await startEscalationIfNew(deps, undefined, after);
  return workflowState(after, deps.clock.now(), deps.sla);
}

// ── escalation steps ──────────────────────────────────────────────────────────────────────────────

export async function notifyTier(deps: WorkflowDeps, state: EscalationState, tier: EscalationTier): Promise<EscalationState> {
  const after = await mutate(deps, state.caseId, (current, now) => recordEscalationStep(current, state.escalationId, { tier }, now));
  const esc = after.escalation;
  const seconds = deps.escalation.tiers[tier].ackMinutes * 60;
  if (esc?.id !== state.escalationId || esc.status !== 'active') return { ...state, tier, timer: { seconds }, acknowledged: true };
  const notice = `escalation-${state.escalationId}-${tier}`;
  await sendNoticeOnce(deps, after.caseId, notice, escalationEmail(after, deps.escalation.tiers[tier], deps.consoleUrl));
  return { ...state, tier, timer: { seconds } };
}

export async function awaitAcknowledgement(deps: WorkflowDeps, taskToken: string, state: EscalationState): Promise<void> {
  await deps.store.putWorkflowWait(state.caseId, escalationWait(state.escalationId), { token: taskToken, knownVersion: 0, waitFor: 'ack' });
  const current = await deps.store.getCase(state.caseId);
  const esc = current?.escalation;
  if (!esc || esc.id !== state.escalationId || esc.status !== 'active') await deps.engine.resume(taskToken, { ...state, acknowledged: true });
}

export async function escalationExhausted(deps: WorkflowDeps, state: EscalationState): Promise<EscalationState> {
  await mutate(deps, state.caseId, (current, now) => recordEscalationStep(current, state.escalationId, { exhausted: true }, now));
  return { ...state, acknowledged: false };
}

// ── consult steps ─────────────────────────────────────────────────────────────────────────────────

/** Park a consult's timer on a task token; resume at once if it was answered (or its timer moved) meanwhile. */
export async function awaitConsult(deps: WorkflowDeps, taskToken: string, state: ConsultState): Promise<void> {
  await deps.store.putWorkflowWait(state.caseId, consultWait(state.consultId), { token: taskToken, knownVersion: 0, waitFor: `consult-${state.phase}` });
  const current = await deps.store.getCase(state.caseId);
  const now = consultState(current, state.caseId, state.consultId, deps.clock.now());
  if (now.phase !== state.phase) await deps.engine.resume(taskToken, now);
}

/** The reminder or the target came: recorded once (a retried step finds it recorded); the notifier emails it. */
export async function consultTimerExpired(deps: WorkflowDeps, state: ConsultState): Promise<ConsultState> {
  const after = await mutate(deps, state.caseId, (current, now) => onConsultTimer(current, state.consultId, now));
  return consultState(after, state.caseId, state.consultId, deps.clock.now());
}

/** Start the timer of every consult asked by this change (named by its id: a redelivery starts none twice). */
async function startNewConsults(deps: RestartDeps, before: CaseRecord | undefined, after: CaseRecord): Promise<string[]> {
  const known = new Set((before?.consults ?? []).map((c) => c.id));
  const fresh = openConsults(after).filter((c) => !known.has(c.id));
  return Promise.all(fresh.map(async (c) => `consult ${await deps.engine.start('consult', c.id, consultState(after, after.caseId, c.id, deps.clock.now()))}`));
}

/** Resume the timer of every consult this change answered (or whose case it merged): its execution ends at once. */
async function resumeAnsweredConsults(deps: RestartDeps, before: CaseRecord | undefined, after: CaseRecord): Promise<string[]> {
  if (!before) return [];
  const wasOpen = new Set(openConsults(before).map((c) => c.id));
  // Answered ones end; so does every open one of a case merged by this change (it waits for nothing now).
  const merged = after.mergedInto !== undefined && before.mergedInto === undefined;
  const answered = (after.consults ?? []).filter((c) => wasOpen.has(c.id) && (c.status === 'answered' || merged));
  const done: string[] = [];
  for (const c of answered) {
    const wait = await deps.store.getWorkflowWait(after.caseId, consultWait(c.id));
    if (wait) done.push(`consult ${await deps.engine.resume(wait.token, consultState(after, after.caseId, c.id, deps.clock.now()))}`);
  }
  return done;
}

// ── signals: committed case changes start and resume workflows ─────────────────────────────────────

export async function onCaseChanged(deps: SignalDeps, before: CaseRecord | undefined, after: CaseRecord): Promise<string[]> {
  const done: string[] = [];
  const now = deps.clock.now();
  if (!before) {
    done.push(`lifecycle ${await startLifecycle(deps, after)}`);
  } else if (before.status === 'closed' && after.status !== 'closed') {
    // The first execution ended with the case; a reopened case gets a new one.
    done.push(`lifecycle ${await startLifecycle(deps, after, after.lifecycleVersion)}`);
  } else if (after.lifecycleVersion > before.lifecycleVersion) {
    const wait = await deps.store.getWorkflowWait(after.caseId, LIFECYCLE);
    if (wait && wait.knownVersion < after.lifecycleVersion) {
      const current = (await deps.store.getCase(after.caseId)) ?? after;
      const state = workflowState(current, now, deps.sla);
      if (wait.token === HANDED_OVER) {
        // An alarm holds the timer: move it (or wake a lifecycle when the next timer is near).
        done.push(await handOverTimer(deps, current, wait.knownVersion));
      } else if (state.handOver) {
        // Resolved or waiting on the requester: an alarm takes the silence, the waiting execution ends.
        done.push(await handOverTimer(deps, current), `lifecycle ${await deps.engine.handOver(wait.token)}`);
      } else {
        done.push(`lifecycle ${await deps.engine.resume(wait.token, state)}`);
      }
    }
  }
  const esc = after.escalation;
  if (esc && esc.id !== before?.escalation?.id && esc.status === 'active') {
    await startEscalationIfNew(deps, before, after);
    done.push('escalation started');
  }
  if (esc && esc.status !== 'active' && before?.escalation?.id === esc.id && before.escalation.status === 'active') {
    const wait = await deps.store.getWorkflowWait(after.caseId, escalationWait(esc.id));
    // Acknowledged, or stood down because the case was resolved: either way the chain stops.
    if (wait) done.push(`escalation ${await deps.engine.resume(wait.token, { caseId: after.caseId, escalationId: esc.id, startTier: esc.startTier, acknowledged: esc.status === 'acknowledged' })}`);
  }
  // Consults: each open one has its own timer, started and ended here; the case's lifecycle never hears of them.
  done.push(...(await startNewConsults(deps, before, after)), ...(await resumeAnsweredConsults(deps, before, after)));
  return done;
}

// ── re-arming: an engine that lost its executions ──────────────────────────────────────────────────

/**
 * Start an open case's workflows again after the engine lost its executions (the local cloud keeps them
 * in memory), under the names onCaseChanged gave them, so a redelivered record finds them started: the
 * lifecycle from the case as stored, an active escalation from the tier it reached.
 */
export async function restartWorkflows(deps: RestartDeps, caseId: string): Promise<string[]> {
  const found = await deps.store.getCaseWithTimeline(caseId);
  if (!found || found.record.status === 'closed') return [];
  const { record, events } = found;
  const reopened = events.findLast((e) => (e.type === 'case.reopened' || e.type === 'requester.replied') && e.data.from === 'closed');
  const done = [`lifecycle ${await startLifecycle(deps, record, reopened?.version)}`];
  const esc = record.escalation;
  if (esc?.status === 'active') {
    const input: EscalationState = { caseId, escalationId: esc.id, startTier: esc.tier ?? esc.startTier };
    done.push(`escalation ${await deps.engine.start('escalation', esc.id, input)}`);
  }
  for (const c of openConsults(record)) {
    const state = consultState(record, caseId, c.id, deps.clock.now());
    if (state.phase !== 'none') done.push(`consult ${await deps.engine.start('consult', c.id, state)}`);
  }
  return done;
}
