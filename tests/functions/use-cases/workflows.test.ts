// The workflow steps and the signals that start and resume the workflows, against an in-memory table,
// a recording workflow engine and a fixed clock.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CaseRecord } from '#domain/case.ts';
import { applyAgentAction, applyRequesterReply, onTimerExpired, pageRiskTeam, workflowState, type AgentAction, type Change } from '#domain/lifecycle.ts';
import { BusyError } from '#lib/errors.ts';
import { escalationPolicy } from '#lib/escalation-policy-config.ts';
import { fourEyes } from '#lib/governance-config.ts';
import { policies } from '#lib/policies.ts';
import { escalationEmail } from '#lib/use-cases/email-templates.ts';
import {
  CaseGoneError,
  awaitAcknowledgement,
  awaitCase,
  escalationExhausted,
  notifyTier,
  onCaseChanged,
  pageRisk,
  restartWorkflows,
  timerExpired,
  alarmRang,
  handOver,
  HANDED_OVER,
  type WorkflowDeps,
} from '#lib/use-cases/workflows.ts';
import { alarmFor } from '#domain/alarm.ts';
import { LINGER_SECONDS } from '#domain/lifecycle.ts';
import type { EscalationState } from '#workflows/steps.ts';
import { FakeMailer, FixedClock, InMemoryCaseStore, RecordingMetrics } from '../fakes.ts';
import { CASE_ID, DAY, FakeAlarmClock, FakeEngine, HOUR, MINUTE, NO_FOUR_EYES, at, caseAt } from '../lifecycle-fakes.ts';

const sla = policies.sla;
const CONSOLE = 'https://console.trustdesk.local';
const ESC = `${CASE_ID}-esc-1`;
const lead = { kind: 'agent', id: 'lead-2', role: 'lead' } as const;

let store: InMemoryCaseStore;
let engine: FakeEngine;
let clock: FixedClock;
let mailer: FakeMailer;
let metrics: RecordingMetrics;
let deps: WorkflowDeps;
let alarms: FakeAlarmClock;

beforeEach(() => {
  store = new InMemoryCaseStore();
  engine = new FakeEngine();
  clock = new FixedClock(at(10 * MINUTE));
  mailer = new FakeMailer();
  metrics = new RecordingMetrics();
  alarms = new FakeAlarmClock();
  deps = { store, engine, clock, mailer, sla, escalation: escalationPolicy, consoleUrl: CONSOLE, metrics, alarms };
});

/** Puts a case in the table as it was opened. */
function seed(record: CaseRecord): CaseRecord {
  store.cases.set(record.caseId, structuredClone(record));
  store.events.set(record.caseId, []);
  return record;
}

/** Saves a change the way every writer does; the case after it. */
async function save(change: Change | undefined): Promise<CaseRecord> {
  if (!change) throw new Error('no change to save');
  await expect(store.saveChange(change)).resolves.toEqual({ kind: 'saved' });
  return change.record;
}

const act = (record: CaseRecord, action: AgentAction, now = clock.now()) => applyAgentAction(record, action, lead, now, sla, NO_FOUR_EYES);
const stored = () => store.cases.get(CASE_ID)!;
const eventTypes = () => (store.events.get(CASE_ID) ?? []).map((e) => e.type);
const lifecycleWait = (token: string, knownVersion: number) => store.putWorkflowWait(CASE_ID, 'lifecycle', { token, knownVersion, waitFor: 'agent' });

describe('onCaseChanged', () => {
  it('starts the lifecycle of a new case, named by the case id, once', async () => {
    const opened = seed(caseAt('P3'));
    await expect(onCaseChanged(deps, undefined, opened)).resolves.toEqual(['lifecycle started']);
    expect(engine.starts).toEqual([{ workflow: 'lifecycle', name: CASE_ID, input: workflowState(opened, clock.now(), sla), outcome: 'started' }]);
    await expect(onCaseChanged(deps, undefined, opened)).resolves.toEqual(['lifecycle exists']); // a redelivered record
    expect(engine.started()).toEqual([`lifecycle:${CASE_ID}`]);
  });

  it('starts a P1 case as critical', async () => {
    const opened = seed(caseAt('P1'));
    await onCaseChanged(deps, undefined, opened);
    expect(engine.starts[0]?.input).toMatchObject({ critical: true, status: 'new' });
  });

  it('starts a new lifecycle, named by the lifecycle version, when a closed case reopens', async () => {
    const closed = seed(caseAt('P3', { status: 'closed', closedAt: at(DAY).toISOString(), version: 6, lifecycleVersion: 6 }));
    await lifecycleWait('old-token', 5); // left by the first execution, which ended with the case
    const reopened = await save(applyRequesterReply(closed, { email: 'alice@example.com', subject: 'Re: again', message: 'Still broken', attachments: [] }, clock.now(), sla, NO_FOUR_EYES));
    await expect(onCaseChanged(deps, closed, reopened)).resolves.toEqual(['lifecycle started']);
    expect(reopened.lifecycleVersion).toBe(7);
    expect(engine.starts).toEqual([{ workflow: 'lifecycle', name: `${CASE_ID}-v7`, input: workflowState(reopened, clock.now(), sla), outcome: 'started' }]);
    expect(engine.resumes).toEqual([]);
  });

  it('resumes a resolved case waiting for silence when it reopens (no new execution)', async () => {
    const resolved = seed(caseAt('P3', { status: 'resolved', resolvedAt: at(HOUR).toISOString(), version: 3, lifecycleVersion: 3 }));
    await lifecycleWait('silence-token', 3);
    engine.waiting.add('silence-token');
    const reopened = await save(act(resolved, { type: 'reopen' }));
    await expect(onCaseChanged(deps, resolved, reopened)).resolves.toEqual(['lifecycle resumed']);
    expect(engine.starts).toEqual([]);
    expect(engine.resumes).toEqual([{ token: 'silence-token', output: workflowState(reopened, clock.now(), sla), outcome: 'resumed' }]);
  });

  it('resumes the waiting lifecycle with the case as it is now when the lifecycle version moved past the wait', async () => {
    const opened = seed(caseAt('P3'));
    await lifecycleWait('agent-token', 1);
    engine.waiting.add('agent-token');
    const replied = await save(act(opened, { type: 'reply', message: 'On it' }));
    const waiting = await save(act(replied, { type: 'request-info', message: 'Which card?' })); // committed before the signal ran
    // Waiting on the requester now: a silence, so an alarm takes it (for the case as it is now) and the wait ends.
    await expect(onCaseChanged(deps, opened, replied)).resolves.toEqual(['alarm set', 'lifecycle handed-over']);
    expect(engine.resumes).toEqual([]);
    expect(engine.handOvers).toEqual([{ token: 'agent-token', outcome: 'handed-over' }]);
    expect(alarms.list()).toEqual([`3:auto-close@${alarmFor(waiting, clock.now(), sla)!.ringAt}→${alarmFor(waiting, clock.now(), sla)!.dueAt}`]);
    await expect(store.getWorkflowWait(CASE_ID, 'lifecycle')).resolves.toEqual({ token: HANDED_OVER, knownVersion: 3, waitFor: 'alarm' });
  });

  it.each([
    ['already knows this version', 2],
    ['knows a later one (an old record redelivered)', 5],
  ])('does not resume a wait that %s', async (_name, knownVersion) => {
    const opened = seed(caseAt('P3'));
    const replied = await save(act(opened, { type: 'reply', message: 'On it' }));
    await lifecycleWait('agent-token', knownVersion);
    await expect(onCaseChanged(deps, opened, replied)).resolves.toEqual([]);
    expect(engine.resumes).toEqual([]);
  });

  it('does not look for a wait when the lifecycle version did not move', async () => {
    const opened = seed(caseAt('P3'));
    await lifecycleWait('agent-token', 0);
    const getWorkflowWait = vi.spyOn(store, 'getWorkflowWait');
    const noted = await save(act(opened, { type: 'note', note: 'n' }));
    await expect(onCaseChanged(deps, opened, noted)).resolves.toEqual([]);
    expect(getWorkflowWait).not.toHaveBeenCalled();
    expect(engine.resumes).toEqual([]);
  });

  it('does nothing when the lifecycle moved but no workflow waits', async () => {
    const opened = seed(caseAt('P3'));
    const replied = await save(act(opened, { type: 'reply', message: 'On it' }));
    await expect(onCaseChanged(deps, opened, replied)).resolves.toEqual([]);
    expect(engine.resumes).toEqual([]);
    expect(engine.starts).toEqual([]);
  });

  it('starts the escalation workflow, named by the escalation id, when an escalation appears', async () => {
    const opened = seed(caseAt('P3'));
    const escalated = await save(act(opened, { type: 'escalate', reason: 'VIP creator' }));
    await expect(onCaseChanged(deps, opened, escalated)).resolves.toEqual(['escalation started']);
    expect(engine.starts).toEqual([{ workflow: 'escalation', name: ESC, input: { caseId: CASE_ID, escalationId: ESC, startTier: 'L1' }, outcome: 'started' }]);

    const noted = await save(act(escalated, { type: 'note', note: 'n' }));
    await expect(onCaseChanged(deps, escalated, noted)).resolves.toEqual([]);
    expect(engine.starts).toHaveLength(1);
  });

  it('on a breach, resumes the lifecycle and starts the escalation', async () => {
    const opened = seed(caseAt('P1', { sla: { firstResponseWarned: true, firstResponseBreached: false, resolutionWarned: false, resolutionBreached: false } }));
    await lifecycleWait('agent-token', 1);
    const breached = await save(onTimerExpired(opened, at(HOUR), sla));
    const done = await onCaseChanged(deps, opened, breached);
    expect(done).toEqual(['lifecycle gone', 'escalation started']); // the token already timed out
    expect(engine.started()).toEqual([`escalation:${ESC}`]);
  });

  it('resumes the escalation wait when the escalation is acknowledged', async () => {
    const escalated = seed(caseAt('P3', { escalation: { id: ESC, startTier: 'L1', tier: 'L2', status: 'active', reason: 'VIP', startedAt: at(MINUTE).toISOString() }, escalationCount: 1 }));
    await store.putWorkflowWait(CASE_ID, `escalation#${ESC}`, { token: 'ack-token', knownVersion: 0, waitFor: 'ack' });
    engine.waiting.add('ack-token');
    const acknowledged = await save(act(escalated, { type: 'acknowledge' }));
    await expect(onCaseChanged(deps, escalated, acknowledged)).resolves.toEqual(['escalation resumed']);
    expect(engine.resumes).toEqual([{ token: 'ack-token', output: { caseId: CASE_ID, escalationId: ESC, startTier: 'L1', acknowledged: true }, outcome: 'resumed' }]);

    // The same record redelivered: the escalation was already acknowledged before it, nothing to resume.
    const noted = await save(act(acknowledged, { type: 'note', note: 'n' }));
    await expect(onCaseChanged(deps, acknowledged, noted)).resolves.toEqual([]);
    expect(engine.resumes).toHaveLength(1);
    expect(engine.starts).toEqual([]);
  });

  it('acknowledging an escalation nobody waits on yet resumes nothing (the wait step looks itself)', async () => {
    const escalated = seed(caseAt('P3', { escalation: { id: ESC, startTier: 'L1', status: 'active', reason: 'VIP', startedAt: at(MINUTE).toISOString() }, escalationCount: 1 }));
    const acknowledged = await save(act(escalated, { type: 'acknowledge' }));
    await expect(onCaseChanged(deps, escalated, acknowledged)).resolves.toEqual([]);
    expect(engine.resumes).toEqual([]);
  });
});

describe('awaitCase', () => {
  it('stores the task token with the version it knows, and waits when the case has not moved', async () => {
    const opened = seed(caseAt('P3'));
    await awaitCase(deps, 'token-1', workflowState(opened, clock.now(), sla), 'agent');
    expect(store.waits.get(`${CASE_ID}#lifecycle`)).toEqual({ token: 'token-1', knownVersion: 1, waitFor: 'agent' });
    expect(engine.resumes).toEqual([]);
  });

  it('does not resume for a change that does not move the lifecycle', async () => {
    const opened = seed(caseAt('P3'));
    const state = workflowState(opened, clock.now(), sla);
    await save(act(opened, { type: 'note', note: 'n' }));
    await awaitCase(deps, 'token-1', state, 'agent');
    expect(engine.resumes).toEqual([]);
  });

  it('resumes at once with the current case when it moved since the state was computed', async () => {
    const opened = seed(caseAt('P3'));
    const state = workflowState(opened, clock.now(), sla);
    const replied = await save(act(opened, { type: 'reply', message: 'On it' }));
    engine.waiting.add('token-1');
    await awaitCase(deps, 'token-1', state, 'agent');
    expect(engine.resumes).toEqual([{ token: 'token-1', output: workflowState(replied, clock.now(), sla), outcome: 'resumed' }]);
  });

  it('stores the token before it reads the case, so a change in between is seen by one side', async () => {
    const opened = seed(caseAt('P3'));
    const put = vi.spyOn(store, 'putWorkflowWait');
    const get = vi.spyOn(store, 'getCase');
    await awaitCase(deps, 'token-1', workflowState(opened, clock.now(), sla), 'agent');
    expect(put.mock.invocationCallOrder[0]).toBeLessThan(get.mock.invocationCallOrder[0]!);
  });

  it('fails when the case is gone', async () => {
    await expect(awaitCase(deps, 'token-1', workflowState(caseAt('P3'), clock.now(), sla), 'agent')).rejects.toThrow(CaseGoneError);
  });
});

describe('timerExpired', () => {
  it('records a due warning and returns the next state, without escalating', async () => {
    seed(caseAt('P1'));
    clock = new FixedClock(at(45 * MINUTE));
    deps.clock = clock;
    const state = await timerExpired(deps, workflowState(stored(), at(10 * MINUTE), sla));
    expect(eventTypes()).toEqual(['sla.warning']);
    expect(state).toEqual(workflowState(stored(), clock.now(), sla));
    // The breach is 15 minutes away: the execution waits in person at most LINGER_SECONDS of it.
    expect(state).toMatchObject({ lifecycleVersion: 2, handOver: false, timer: { phase: 'first-response-breach', seconds: LINGER_SECONDS } });
    expect(engine.starts.filter((s) => s.workflow === 'escalation')).toEqual([]);
    expect(metrics.counted).toEqual([]);
  });

  it('records a breach and starts the escalation workflow named by the escalation id', async () => {
    seed(caseAt('P1', { sla: { firstResponseWarned: true, firstResponseBreached: false, resolutionWarned: false, resolutionBreached: false } }));
    deps.clock = new FixedClock(at(HOUR));
    const state = await timerExpired(deps, workflowState(stored(), at(50 * MINUTE), sla));
    expect(eventTypes()).toEqual(['sla.breached']);
    expect(stored().escalation).toMatchObject({ id: ESC, startTier: 'L1', status: 'active' });
    expect(engine.starts).toEqual([{ workflow: 'escalation', name: ESC, input: { caseId: CASE_ID, escalationId: ESC, startTier: 'L1' }, outcome: 'started' }]);
    expect(state).toMatchObject({ lifecycleVersion: 2, critical: false, timer: { phase: 'resolution-warning' } });
    expect(metrics.counted).toEqual(['SlaBreached']);
  });

  it('counts a breach once when the step is retried after it was recorded', async () => {
    seed(caseAt('P1', { sla: { firstResponseWarned: true, firstResponseBreached: false, resolutionWarned: false, resolutionBreached: false } }));
    deps.clock = new FixedClock(at(HOUR));
    const input = workflowState(stored(), at(50 * MINUTE), sla);
    await timerExpired(deps, input);
    // Step Functions retries the same input (the first attempt's answer was lost).
    await timerExpired(deps, input);
    expect(eventTypes()).toEqual(['sla.breached']);
    expect(metrics.times('SlaBreached')).toBe(1);
  });

  it('counts each breached deadline: first response, then resolution', async () => {
    seed(caseAt('P1', { sla: { firstResponseWarned: true, firstResponseBreached: false, resolutionWarned: true, resolutionBreached: false } }));
    deps.clock = new FixedClock(at(HOUR));
    await timerExpired(deps, workflowState(stored(), at(50 * MINUTE), sla));
    deps.clock = new FixedClock(new Date(Date.parse(stored().deadlines.resolutionDue!) + 1000));
    await timerExpired(deps, workflowState(stored(), deps.clock.now(), sla));
    expect(eventTypes()).toEqual(['sla.breached', 'sla.breached']);
    expect(metrics.counted).toEqual(['SlaBreached', 'SlaBreached']);
  });

  it('does not start another escalation when one is already active', async () => {
    seed(
      caseAt('P1', {
        sla: { firstResponseWarned: true, firstResponseBreached: false, resolutionWarned: false, resolutionBreached: false },
        escalation: { id: ESC, startTier: 'risk', status: 'active', reason: 'P1 case', startedAt: at(MINUTE).toISOString() },
        escalationCount: 1,
      }),
    );
    deps.clock = new FixedClock(at(HOUR));
    await timerExpired(deps, workflowState(stored(), at(50 * MINUTE), sla));
    expect(eventTypes()).toEqual(['sla.breached']);
    expect(engine.starts).toEqual([]);
  });

  it('records nothing when nothing is due, and returns the state of the case as it is', async () => {
    const opened = seed(caseAt('P1'));
    const saveChange = vi.spyOn(store, 'saveChange');
    const state = await timerExpired(deps, workflowState(opened, clock.now(), sla));
    expect(saveChange).not.toHaveBeenCalled();
    expect(state).toEqual(workflowState(opened, clock.now(), sla));
    expect(engine.starts).toEqual([]);
  });

  it('decides again on the newer case when an agent replied concurrently: no breach after a first response', async () => {
    seed(caseAt('P1', { sla: { firstResponseWarned: true, firstResponseBreached: false, resolutionWarned: false, resolutionBreached: false } }));
    deps.clock = new FixedClock(at(HOUR));
    store.beforeWrite = async () => {
      store.beforeWrite = undefined;
      await save(act(stored(), { type: 'reply', message: 'Sorry for the wait' }, at(HOUR - 1000)));
    };
    const state = await timerExpired(deps, workflowState(stored(), at(50 * MINUTE), sla));
    expect(eventTypes()).toEqual(['agent.replied']);
    expect(stored().escalation).toBeUndefined();
    expect(engine.starts).toEqual([]);
    expect(metrics.counted).toEqual([]);
    expect(state).toMatchObject({ status: 'investigating', timer: { phase: 'resolution-warning' } });
  });

  it('gives up with BusyError when the case keeps changing under it', async () => {
    seed(caseAt('P1', { sla: { firstResponseWarned: true, firstResponseBreached: false, resolutionWarned: false, resolutionBreached: false } }));
    deps.clock = new FixedClock(at(HOUR));
    let writes = 0;
    store.beforeWrite = () => {
      writes++;
      store.cases.set(CASE_ID, { ...stored(), version: stored().version + 1 });
    };
    await expect(timerExpired(deps, workflowState(stored(), at(50 * MINUTE), sla))).rejects.toThrow(BusyError);
    expect(writes).toBe(5);
    expect(eventTypes()).toEqual([]);
    expect(metrics.counted).toEqual([]);
    expect(engine.starts).toEqual([]);
  });

  it('fails when the case is gone', async () => {
    await expect(timerExpired(deps, workflowState(caseAt('P1'), clock.now(), sla))).rejects.toThrow(CaseGoneError);
  });
});

describe('pageRisk', () => {
  it('starts a risk-tier escalation once, and its workflow named by the escalation id', async () => {
    const opened = seed(caseAt('P1'));
    const state = await pageRisk(deps, workflowState(opened, clock.now(), sla));
    expect(eventTypes()).toEqual(['escalation.started']);
    expect(stored().escalation).toMatchObject({ id: ESC, startTier: 'risk', status: 'active' });
    expect(engine.starts).toEqual([{ workflow: 'escalation', name: ESC, input: { caseId: CASE_ID, escalationId: ESC, startTier: 'risk' }, outcome: 'started' }]);
    expect(state).toMatchObject({ critical: false, lifecycleVersion: 1 });

    await pageRisk(deps, workflowState(opened, clock.now(), sla)); // a retried step
    expect(eventTypes()).toEqual(['escalation.started']);
    expect(engine.started()).toEqual([`escalation:${ESC}`]);
  });
});

describe('escalation steps', () => {
  const state: EscalationState = { caseId: CASE_ID, escalationId: ESC, startTier: 'L1' };
  const tiers = escalationPolicy.tiers;

  beforeEach(async () => {
    const opened = seed(caseAt('P3'));
    await save(act(opened, { type: 'escalate', reason: 'VIP creator' }, at(5 * MINUTE)));
  });

  it('notifyTier records the tier, emails it once and returns its acknowledgement timer', async () => {
    const next = await notifyTier(deps, state, 'L1');
    expect(next).toEqual({ ...state, tier: 'L1', timer: { seconds: tiers.L1.ackMinutes * 60 } });
    expect(eventTypes()).toEqual(['escalation.started', 'escalation.notified']);
    expect(mailer.sent).toEqual([escalationEmail(stored(), tiers.L1, CONSOLE)]);
    expect(mailer.sent[0]?.to).toBe(tiers.L1.address);
    expect(mailer.sent[0]?.text).toContain(`${CONSOLE}/cases/${CASE_ID}`);
    expect(store.notices.get(`${CASE_ID}#escalation-${ESC}-L1`)).toEqual({ status: 'sent', providerId: 'ses-1' });

    await expect(notifyTier(deps, state, 'L1')).resolves.toEqual(next); // a retried step
    expect(mailer.sent).toHaveLength(1);
    expect(eventTypes()).toEqual(['escalation.started', 'escalation.notified']);
  });

  it('notifyTier does not page the tier twice when recording the sent email fails and the step is retried', async () => {
    vi.spyOn(store, 'markNoticeSent').mockRejectedValueOnce(new Error('throttled'));
    const release = vi.spyOn(store, 'releaseNotice');
    const next = await notifyTier(deps, state, 'L1');
    expect(next.tier).toBe('L1');
    expect(release).not.toHaveBeenCalled();
    expect(mailer.sent).toHaveLength(1);
  });

  it('notifyTier emails each tier in turn, one email each', async () => {
    await notifyTier(deps, state, 'L1');
    const l2 = await notifyTier(deps, { ...state, tier: 'L1' }, 'L2');
    const risk = await notifyTier(deps, { ...state, tier: 'L2' }, 'risk');
    expect(l2.timer).toEqual({ seconds: tiers.L2.ackMinutes * 60 });
    expect(risk.timer).toEqual({ seconds: tiers.risk.ackMinutes * 60 });
    expect(mailer.sent.map((m) => m.to)).toEqual([tiers.L1.address, tiers.L2.address, tiers.risk.address]);
    expect(stored().escalation?.tier).toBe('risk');
  });

  it('notifyTier returns acknowledged without an email once the escalation is no longer active', async () => {
    await save(act(stored(), { type: 'acknowledge' }));
    const before = eventTypes();
    await expect(notifyTier(deps, state, 'L2')).resolves.toEqual({ ...state, tier: 'L2', timer: { seconds: tiers.L2.ackMinutes * 60 }, acknowledged: true });
    expect(mailer.sent).toEqual([]);
    expect(eventTypes()).toEqual(before);
    expect(store.notices.size).toBe(0);
  });

  it('notifyTier treats an escalation that was replaced by another as finished', async () => {
    await expect(notifyTier(deps, { ...state, escalationId: `${CASE_ID}-esc-0` }, 'L1')).resolves.toMatchObject({ acknowledged: true });
    expect(mailer.sent).toEqual([]);
  });

  it('notifyTier releases the notice when the mail fails, so the retried step sends it', async () => {
    mailer.failures.push(new Error('SES throttled'));
    await expect(notifyTier(deps, state, 'L1')).rejects.toThrow('SES throttled');
    expect(store.notices.size).toBe(0);
    await notifyTier(deps, state, 'L1');
    expect(mailer.sent).toHaveLength(1);
    expect(eventTypes()).toEqual(['escalation.started', 'escalation.notified']);
  });

  it('awaitAcknowledgement stores its token and waits while the escalation is active', async () => {
    await awaitAcknowledgement(deps, 'ack-token', { ...state, tier: 'L1' });
    expect(store.waits.get(`${CASE_ID}#escalation#${ESC}`)).toEqual({ token: 'ack-token', knownVersion: 0, waitFor: 'ack' });
    expect(engine.resumes).toEqual([]);
  });

  it('awaitAcknowledgement resumes at once when the escalation was acknowledged meanwhile', async () => {
    await save(act(stored(), { type: 'acknowledge' }));
    engine.waiting.add('ack-token');
    await awaitAcknowledgement(deps, 'ack-token', { ...state, tier: 'L1' });
    expect(engine.resumes).toEqual([{ token: 'ack-token', output: { ...state, tier: 'L1', acknowledged: true }, outcome: 'resumed' }]);
  });

  it('escalationExhausted records that nobody acknowledged, once', async () => {
    await notifyTier(deps, state, 'risk');
    await expect(escalationExhausted(deps, { ...state, tier: 'risk' })).resolves.toEqual({ ...state, tier: 'risk', acknowledged: false });
    expect(stored().escalation).toMatchObject({ status: 'unacknowledged', tier: 'risk' });
    await escalationExhausted(deps, { ...state, tier: 'risk' });
    expect(eventTypes()).toEqual(['escalation.started', 'escalation.notified', 'escalation.unacknowledged']);
  });

  it('a P1 page goes to the risk team first', async () => {
    store.cases.clear();
    const opened = seed(caseAt('P1'));
    await save(pageRiskTeam(opened, clock.now()));
    await notifyTier(deps, { ...state, startTier: 'risk' }, 'risk');
    expect(mailer.sent.map((m) => m.to)).toEqual([tiers.risk.address]);
    expect(mailer.sent[0]?.subject).toContain(tiers.risk.label);
  });
});

describe('restartWorkflows', () => {
  it('starts an open case again under the name its first start had, so a redelivered record finds it', async () => {
    const opened = seed(caseAt('P3'));
    await expect(restartWorkflows(deps, CASE_ID)).resolves.toEqual(['lifecycle started']);
    expect(engine.starts).toEqual([{ workflow: 'lifecycle', name: CASE_ID, input: workflowState(opened, clock.now(), sla), outcome: 'started' }]);
    await expect(onCaseChanged(deps, undefined, opened)).resolves.toEqual(['lifecycle exists']);
    expect(engine.started()).toEqual([`lifecycle:${CASE_ID}`]);
  });

  it('names a reopened case by the lifecycle version of its reopening, not its current one', async () => {
    const closed = seed(caseAt('P3', { status: 'closed', closedAt: at(DAY).toISOString(), version: 6, lifecycleVersion: 6 }));
    const reopened = await save(applyRequesterReply(closed, { email: 'alice@example.com', subject: 'Re: again', message: 'Still broken', attachments: [] }, clock.now(), sla, NO_FOUR_EYES));
    const replied = await save(act(reopened, { type: 'reply', message: 'Looking again' }));
    expect([reopened.lifecycleVersion, replied.lifecycleVersion]).toEqual([7, 8]);

    await expect(restartWorkflows(deps, CASE_ID)).resolves.toEqual(['lifecycle started']);
    expect(engine.starts).toEqual([{ workflow: 'lifecycle', name: `${CASE_ID}-v7`, input: workflowState(replied, clock.now(), sla), outcome: 'started' }]);
    await expect(onCaseChanged(deps, closed, reopened)).resolves.toEqual(['lifecycle exists']); // the reopening, redelivered
    expect(engine.started()).toEqual([`lifecycle:${CASE_ID}-v7`]);
  });

  it('names a case an agent reopened from closed the same way, and one reopened while resolved by the case', async () => {
    const closed = seed(caseAt('P3', { status: 'closed', closedAt: at(DAY).toISOString(), version: 4, lifecycleVersion: 4 }));
    const reopened = await save(act(closed, { type: 'reopen' }));
    await restartWorkflows(deps, CASE_ID);
    expect(engine.started()).toEqual([`lifecycle:${CASE_ID}-v5`]);

    const resolved = await save(act(reopened, { type: 'resolve', outcome: 'resolved' }));
    await save(act(resolved, { type: 'reopen' })); // from resolved: the same execution carries on
    const again = new FakeEngine();
    await restartWorkflows({ ...deps, engine: again }, CASE_ID);
    expect(again.started()).toEqual([`lifecycle:${CASE_ID}-v5`]);
  });

  it('restarts an active escalation from the tier it reached, and nothing for a closed or unknown case', async () => {
    seed(caseAt('P3', { escalation: { id: ESC, startTier: 'L1', tier: 'L2', status: 'active', reason: 'breach', startedAt: at(HOUR).toISOString() }, escalationCount: 1 }));
    await expect(restartWorkflows(deps, CASE_ID)).resolves.toEqual(['lifecycle started', 'escalation started']);
    expect(engine.starts[1]).toEqual({ workflow: 'escalation', name: ESC, input: { caseId: CASE_ID, escalationId: ESC, startTier: 'L2' }, outcome: 'started' });

    store.cases.clear();
    seed(caseAt('P3', { status: 'closed', closedAt: at(DAY).toISOString() }));
    await expect(restartWorkflows(deps, CASE_ID)).resolves.toEqual([]);
    await expect(restartWorkflows(deps, 'no-such-case')).resolves.toEqual([]);
    expect(engine.starts).toHaveLength(2);
  });
});

describe('the wait for a four-eyes approval', () => {
  const proposal = () => {
    const opened = seed(caseAt('P3'));
    return applyAgentAction(opened, { type: 'resolve', outcome: 'confirmed_risk' }, { kind: 'agent', id: 'agent-7', role: 'agent' }, at(5 * MINUTE), sla, fourEyes);
  };

  it('reminds when the reminder is due, then starts an escalation at the L1 lead tier when nobody decided', async () => {
    const pending = await save(proposal());
    const { remindAfterMinutes, escalateAfterMinutes } = fourEyes.policy;
    deps.clock = new FixedClock(at(5 * MINUTE + remindAfterMinutes * MINUTE));
    const afterReminder = await timerExpired(deps, workflowState(pending, at(5 * MINUTE), sla));
    expect(eventTypes()).toEqual(['approval.requested', 'approval.reminded']);
    expect(afterReminder).toMatchObject({ status: 'pending_approval', timer: { waitFor: 'approval', phase: 'approval-escalation' } });
    expect(engine.starts).toEqual([]);

    deps.clock = new FixedClock(at(5 * MINUTE + escalateAfterMinutes * MINUTE));
    await timerExpired(deps, afterReminder);
    expect(eventTypes()).toEqual(['approval.requested', 'approval.reminded', 'approval.escalated']);
    expect(engine.starts).toEqual([{ workflow: 'escalation', name: ESC, input: { caseId: CASE_ID, escalationId: ESC, startTier: 'L1' }, outcome: 'started' }]);
  });

  it('resumes the waiting lifecycle when the proposal is approved', async () => {
    const pending = await save(proposal());
    engine.waiting.add('approval-token');
    await store.putWorkflowWait(CASE_ID, 'lifecycle', { token: 'approval-token', knownVersion: pending.lifecycleVersion, waitFor: 'approval' });
    const approved = await save(applyAgentAction(pending, { type: 'approve' }, lead, at(HOUR), sla, fourEyes));
    await onCaseChanged(deps, pending, approved);
    // Approved: resolved, so the silence goes to an alarm and the waiting lifecycle ends.
    expect(approved.status).toBe('resolved');
    expect(engine.handOvers).toEqual([{ token: 'approval-token', outcome: 'handed-over' }]);
    expect(alarms.list()).toHaveLength(1);
  });
});

describe('alarms: far timers held by a one-time schedule', () => {
  it('hands a far timer over after the wait ran out in person: an alarm for this version, the wait marked, no execution', async () => {
    const opened = seed(caseAt('P3'));
    const state = await timerExpired(deps, workflowState(opened, clock.now(), sla)); // the linger ran out, nothing due
    expect(state).toMatchObject({ handOver: true, due: false });
    await expect(handOver(deps, state)).resolves.toBe('alarm set');
    const alarm = alarmFor(opened, clock.now(), sla)!;
    expect(alarm).toMatchObject({ lifecycleVersion: 1, phase: 'first-response-warning', dueAt: opened.deadlines.firstResponseWarnAt });
    expect(Date.parse(alarm.ringAt) % MINUTE).toBe(0);
    expect(Date.parse(alarm.dueAt) - Date.parse(alarm.ringAt)).toBeGreaterThanOrEqual(2 * MINUTE);
    expect(alarms.list()).toEqual([`1:first-response-warning@${alarm.ringAt}→${alarm.dueAt}`]);
    await expect(store.getWorkflowWait(CASE_ID, 'lifecycle')).resolves.toEqual({ token: HANDED_OVER, knownVersion: 1, waitFor: 'alarm' });
    await expect(handOver(deps, state)).resolves.toBe('alarm exists'); // a retried step sets it once
    expect(engine.starts).toEqual([]);
  });

  it('moves the alarm when a handed-over case changes: the old one is taken back, the new one set for the new version', async () => {
    const opened = seed(caseAt('P3'));
    await handOver(deps, workflowState(opened, clock.now(), sla, { lingered: true }));
    const replied = await save(act(opened, { type: 'reply', message: 'On it' }));
    await expect(onCaseChanged(deps, opened, replied)).resolves.toEqual(['alarm set']);
    expect(alarms.cancelled).toEqual([`${CASE_ID}-v1`]);
    expect(alarms.list()).toEqual([expect.stringMatching(/^2:resolution-warning@/)]);
    expect(engine.starts).toEqual([]);
    expect(engine.resumes).toEqual([]);
  });

  it('wakes a lifecycle execution, named by the version, when the next timer of a handed-over case is near', async () => {
    const opened = seed(caseAt('P3'));
    await handOver(deps, workflowState(opened, clock.now(), sla, { lingered: true }));
    const raised = await save(act(opened, { type: 'change-priority', priority: 'P1' })); // critical: the risk team is paged now
    await expect(onCaseChanged(deps, opened, raised)).resolves.toContain('lifecycle started');
    expect(raised.lifecycleVersion).toBeGreaterThan(1);
    expect(engine.started()).toEqual([`lifecycle:${CASE_ID}-w${raised.lifecycleVersion}`]);
    expect(alarms.list()).toEqual([]); // the alarm of version 1 is taken back
  });

  it('records the timer when the alarm rings for the current version, and hands the next one on', async () => {
    const opened = seed(caseAt('P3'));
    await handOver(deps, workflowState(opened, clock.now(), sla, { lingered: true }));
    const alarm = alarmFor(opened, clock.now(), sla)!;
    deps.clock = new FixedClock(new Date(alarm.dueAt)); // the case timer slept to the exact instant
    await expect(alarmRang(deps, alarm)).resolves.toMatch(/^(alarm set|lifecycle started)$/);
    expect(eventTypes()).toEqual(['sla.warning']);
    // Rung again (a redelivery), or a ring for a version the case left: nothing more happens.
    await expect(alarmRang(deps, alarm)).resolves.toBe('stale');
    await expect(alarmRang(deps, { ...alarm, lifecycleVersion: 0 })).resolves.toBe('stale');
    expect(eventTypes()).toEqual(['sla.warning']);
  });

  it('does nothing when a lifecycle execution holds the timer again (its own wait), even for the same version', async () => {
    const opened = seed(caseAt('P3'));
    const alarm = alarmFor(opened, clock.now(), sla)!;
    await lifecycleWait('agent-token', 1);
    deps.clock = new FixedClock(new Date(alarm.dueAt));
    await expect(alarmRang(deps, alarm)).resolves.toBe('stale');
    expect(eventTypes()).toEqual([]);
  });
});
