// The rules of a case's life: agents' actions, requester replies, deadlines, silence and escalations.
import { describe, expect, it } from 'vitest';
import { PRIORITIES, type Actor, type CaseRecord } from '#domain/case.ts';
import {
  AGENT_ROLES,
  ROLE_RIGHTS,
  TransitionError,
  applyAgentAction,
  applyRequesterReply,
  mayAct,
  nextTimer,
  onTimerExpired,
  pageRiskTeam,
  recordEscalationStep,
  workflowState,
  LINGER_SECONDS,
  type ActionType,
  type AgentAction,
  type Change,
  type RequesterMessage,
} from '#domain/lifecycle.ts';
import { businessTimeBetween } from '#domain/sla/calendar.ts';
import { policies } from '#lib/policies.ts';
import { CASE_ID, DAY, HOUR, MINUTE, NO_FOUR_EYES, OPENED, at, caseAt, deepFreeze, plan } from '../functions/lifecycle-fakes.ts';

const sla = policies.sla;
const SILENCE = sla.autoCloseAfterMinutes * MINUTE;
const agent = { kind: 'agent', id: 'agent-7', role: 'agent' } as const;
const lead = { kind: 'agent', id: 'lead-2', role: 'lead' } as const;
const system: Actor = { kind: 'system' };
const iso = (d: Date) => d.toISOString();

/** Applies an action to a frozen copy of the case: the domain must not touch its input. */
const act = (record: CaseRecord, action: AgentAction, now: Date, actor: Actor & { kind: 'agent' } = agent): Change =>
  applyAgentAction(deepFreeze(structuredClone(record)), action, actor, now, sla, NO_FOUR_EYES);

/** Applies a sequence of actions, each at its own instant; the case after the last. */
function after(record: CaseRecord, ...steps: [AgentAction, Date][]): CaseRecord {
  return steps.reduce((r, [action, now]) => act(r, action, now, lead).record, record);
}

const reply = (message = 'We are looking into it.'): AgentAction => ({ type: 'reply', message });
const requestInfo = (message = 'Which account did you use?'): AgentAction => ({ type: 'request-info', message });
const resolve: AgentAction = { type: 'resolve', outcome: 'resolved' };

const requesterMessage = (overrides: Partial<RequesterMessage> = {}): RequesterMessage => ({
  email: 'alice@example.com',
  subject: 'Re: [TD-00000C] We need more information',
  message: 'It was my main account.',
  messageId: '<reply-1@example.com>',
  attachments: [],
  ...overrides,
});

const expired = (record: CaseRecord, now: Date) => onTimerExpired(deepFreeze(structuredClone(record)), now, sla);

/** Every change the timer records at `now`, one per call, until nothing more is due. */
function drain(record: CaseRecord, now: Date): Change[] {
  const changes: Change[] = [];
  for (let change = expired(record, now); change; change = expired(change.record, now)) {
    changes.push(change);
    if (changes.length > 10) throw new Error('onTimerExpired never stops');
  }
  return changes;
}

describe('agent actions', () => {
  const fresh = caseAt('P3');
  const t1 = at(30 * MINUTE);

  it('every change adds one version and an event of that version, by the actor, at now', () => {
    const { record, event } = act(fresh, { type: 'note', note: 'Checked the payment logs.' }, t1);
    expect(record.version).toBe(2);
    expect(record.updatedAt).toBe(iso(t1));
    expect(event).toEqual({ caseId: CASE_ID, version: 2, type: 'agent.noted', at: iso(t1), actor: agent, data: { note: 'Checked the payment logs.' } });
  });

  it('a first reply starts the investigation and records the first response', () => {
    const { record, event } = act(fresh, reply(), t1);
    expect(record).toMatchObject({ status: 'investigating', firstRespondedAt: iso(t1), version: 2, lifecycleVersion: 2 });
    expect(event).toMatchObject({ type: 'agent.replied', version: 2, data: { message: 'We are looking into it.', firstResponse: true } });
    expect(record.deadlines).toEqual(fresh.deadlines);
  });

  it('a later reply to an investigated case changes neither the first response nor the lifecycle version', () => {
    const replied = act(fresh, reply(), t1).record;
    const { record, event } = act(replied, reply('Still on it.'), at(2 * HOUR));
    expect(record).toMatchObject({ status: 'investigating', firstRespondedAt: iso(t1), version: 3, lifecycleVersion: 2 });
    expect(event.data).toEqual({ message: 'Still on it.', firstResponse: false });
  });

  it('request-info waits on the requester, opens a pause and counts as the first response', () => {
    const { record, event } = act(fresh, requestInfo(), t1);
    expect(record).toMatchObject({ status: 'waiting_on_user', firstRespondedAt: iso(t1), lifecycleVersion: 2 });
    expect(record.pauses).toEqual([{ from: iso(t1) }]);
    expect(record.deadlines).toEqual(fresh.deadlines); // the clock is stopped, not re-planned
    expect(event).toMatchObject({ type: 'agent.requested-info', data: { message: 'Which account did you use?', firstResponse: true } });
  });

  it('request-info after a reply is not a first response', () => {
    const replied = act(fresh, reply(), t1).record;
    const { record, event } = act(replied, requestInfo(), at(HOUR));
    expect(record.firstRespondedAt).toBe(iso(t1));
    expect(event.data.firstResponse).toBe(false);
  });

  it('a reply to a waiting case closes the pause, re-plans the deadlines and moves the lifecycle', () => {
    const waiting = act(fresh, requestInfo(), at(HOUR)).record; // Wed 10:00
    const { record, event } = act(waiting, reply(), at(3 * HOUR)); // Wed 12:00
    const pauses = [{ from: iso(at(HOUR)), to: iso(at(3 * HOUR)) }];
    expect(record).toMatchObject({ status: 'investigating', pauses, lifecycleVersion: 3, version: 3 });
    expect(record.deadlines).toEqual(plan('P3', pauses));
    expect(event.data).toEqual({ message: 'We are looking into it.', firstResponse: false });
  });

  it('a note changes nothing but the timeline, even on a closed case', () => {
    const closed = caseAt('P3', { status: 'closed', closedAt: iso(t1) });
    const { record, event } = act(closed, { type: 'note', note: 'Audit: confirmed fraud ring.' }, at(HOUR));
    expect(record).toEqual({ ...closed, version: 2, updatedAt: iso(at(HOUR)) });
    expect(event.type).toBe('agent.noted');
  });

  it('assign records the assignee and the previous one', () => {
    const first = act(fresh, { type: 'assign', assignee: 'agent-7' }, t1);
    expect(first.record).toMatchObject({ assignee: 'agent-7', status: 'new', lifecycleVersion: 1 });
    expect(first.event).toMatchObject({ type: 'case.assigned', data: { assignee: 'agent-7', previous: null } });
    const second = act(first.record, { type: 'assign', assignee: 'agent-9' }, at(HOUR));
    expect(second.event.data).toEqual({ assignee: 'agent-9', previous: 'agent-7' });
  });

  it('escalate starts an escalation at L1 without moving the lifecycle', () => {
    const { record, event } = act(fresh, { type: 'escalate', reason: 'VIP creator' }, t1);
    const id = `${CASE_ID}-esc-1`;
    expect(record.escalation).toEqual({ id, startTier: 'L1', status: 'active', reason: 'VIP creator', startedAt: iso(t1) });
    expect(record).toMatchObject({ escalationCount: 1, status: 'new', lifecycleVersion: 1, version: 2 });
    expect(event).toMatchObject({ type: 'escalation.started', data: { escalationId: id, startTier: 'L1', reason: 'VIP creator' } });
  });

  it('escalate is refused while an escalation is active, and starts a new one after an acknowledgement', () => {
    const escalated = act(fresh, { type: 'escalate', reason: 'VIP creator' }, t1).record;
    expect(() => act(escalated, { type: 'escalate', reason: 'again' }, at(HOUR))).toThrow(TransitionError);
    const acknowledged = act(escalated, { type: 'acknowledge' }, at(HOUR), lead).record;
    const { record, event } = act(acknowledged, { type: 'escalate', reason: 'Chargeback filed' }, at(2 * HOUR));
    expect(record.escalation).toMatchObject({ id: `${CASE_ID}-esc-2`, status: 'active', reason: 'Chargeback filed' });
    expect(record.escalationCount).toBe(2);
    expect(event.data.escalationId).toBe(`${CASE_ID}-esc-2`);
  });

  it('acknowledge marks the active escalation, naming who and at which tier', () => {
    const escalated = act(fresh, { type: 'escalate', reason: 'VIP creator' }, t1).record;
    const { record, event } = act(escalated, { type: 'acknowledge' }, at(HOUR), lead);
    expect(record.escalation).toMatchObject({ status: 'acknowledged', acknowledgedAt: iso(at(HOUR)), acknowledgedBy: 'lead-2' });
    expect(record.lifecycleVersion).toBe(1);
    expect(event).toMatchObject({ type: 'escalation.acknowledged', actor: lead, data: { escalationId: `${CASE_ID}-esc-1`, tier: 'L1' } });

    const atL2 = recordEscalationStep(escalated, `${CASE_ID}-esc-1`, { tier: 'L2' }, at(HOUR))!.record;
    expect(act(atL2, { type: 'acknowledge' }, at(2 * HOUR), lead).event.data.tier).toBe('L2');
  });

  it('resolve records the outcome (and summary when given) and moves the lifecycle', () => {
    const replied = act(fresh, reply(), t1).record;
    const { record, event } = act(replied, { type: 'resolve', outcome: 'false_positive', summary: 'Charge was legitimate.' }, at(HOUR));
    expect(record).toMatchObject({ status: 'resolved', resolvedAt: iso(at(HOUR)), outcome: 'false_positive', lifecycleVersion: 3 });
    expect(event).toMatchObject({ type: 'case.resolved', data: { outcome: 'false_positive', summary: 'Charge was legitimate.' } });
    expect(act(replied, resolve, at(HOUR)).event.data).toEqual({ outcome: 'resolved', resolution: 1 });
  });

  it('resolving a waiting case closes the pause and re-plans the deadlines from it', () => {
    const waiting = act(fresh, requestInfo(), at(HOUR)).record;
    const { record } = act(waiting, resolve, at(3 * HOUR));
    const pauses = [{ from: iso(at(HOUR)), to: iso(at(3 * HOUR)) }];
    expect(record.pauses).toEqual(pauses);
    expect(record.deadlines).toEqual(plan('P3', pauses));
  });

  it('reopen brings a resolved or closed case back to investigating and clears how it ended', () => {
    const resolved = after(fresh, [reply(), t1], [resolve, at(HOUR)]);
    const reopened = act(resolved, { type: 'reopen', reason: 'Charged again' }, at(2 * HOUR));
    expect(reopened.record).toMatchObject({ status: 'investigating', resolvedAt: undefined, outcome: undefined, lifecycleVersion: 4 });
    expect(reopened.event).toMatchObject({ type: 'case.reopened', data: { from: 'resolved', reason: 'Charged again' } });

    const closed = { ...resolved, status: 'closed' as const, closedAt: iso(at(DAY)) };
    const fromClosed = act(closed, { type: 'reopen' }, at(2 * DAY));
    expect(fromClosed.record).toMatchObject({ status: 'investigating', closedAt: undefined });
    expect(fromClosed.event.data).toEqual({ from: 'closed', reason: 'reopened by an agent' });
  });

  it('change-priority P3 → P1 re-plans every deadline from the opening, all earlier', () => {
    const { record, event } = act(fresh, { type: 'change-priority', priority: 'P1', reason: 'Account takeover' }, t1, lead);
    expect(record.priority).toBe('P1');
    expect(record.deadlines).toEqual(plan('P1'));
    expect(record.deadlines.firstResponseDue).toBe(iso(at(HOUR))); // 24x7: 60 minutes after opening
    for (const key of ['firstResponseDue', 'resolutionDue', 'firstResponseWarnAt', 'resolutionWarnAt'] as const) {
      expect(Date.parse(record.deadlines[key]!)).toBeLessThan(Date.parse(fresh.deadlines[key]!));
    }
    expect(record.lifecycleVersion).toBe(2);
    expect(event).toMatchObject({ type: 'case.priority-changed', data: { from: 'P3', to: 'P1', reason: 'Account takeover' } });
  });

  it('change-priority on a waiting case keeps the stopped clock; the reply re-plans with the new priority', () => {
    const waiting = act(fresh, requestInfo(), at(HOUR)).record;
    const changed = act(waiting, { type: 'change-priority', priority: 'P2' }, at(2 * HOUR), lead).record;
    expect(changed.deadlines).toEqual(fresh.deadlines);
    const resumed = applyRequesterReply(changed, requesterMessage(), at(3 * HOUR), sla, NO_FOUR_EYES).record;
    expect(resumed.deadlines).toEqual(plan('P2', [{ from: iso(at(HOUR)), to: iso(at(3 * HOUR)) }]));
  });

  describe('refused transitions', () => {
    const closed = caseAt('P3', { status: 'closed', closedAt: iso(t1) });
    const resolved = caseAt('P3', { status: 'resolved', resolvedAt: iso(t1), outcome: 'resolved' });
    const waiting = act(fresh, requestInfo(), t1).record;
    const refused: [string, CaseRecord, AgentAction][] = [
      ['reply on a closed case', closed, reply()],
      ['reply on a resolved case', resolved, reply()],
      ['request-info on a closed case', closed, requestInfo()],
      ['request-info twice', waiting, requestInfo()],
      ['acknowledge without an escalation', fresh, { type: 'acknowledge' }],
      ['escalate a closed case', closed, { type: 'escalate', reason: 'late' }],
      ['resolve a resolved case', resolved, resolve],
      ['reopen a new case', fresh, { type: 'reopen' }],
      ['reopen an investigated case', act(fresh, reply(), t1).record, { type: 'reopen' }],
      ['reopen a waiting case', waiting, { type: 'reopen' }],
      ['change to the same priority', fresh, { type: 'change-priority', priority: 'P3' }],
      ['change the priority of a closed case', closed, { type: 'change-priority', priority: 'P1' }],
    ];
    it.each(refused)('%s', (_name, record, action) => {
      expect(() => act(record, action, at(HOUR), lead)).toThrow(TransitionError);
    });

    it('acknowledge is refused once the escalation is no longer active', () => {
      const escalated = act(fresh, { type: 'escalate', reason: 'VIP' }, t1).record;
      const acknowledged = act(escalated, { type: 'acknowledge' }, at(HOUR), lead).record;
      expect(() => act(acknowledged, { type: 'acknowledge' }, at(2 * HOUR), lead)).toThrow(/no escalation waiting/);
      const exhausted = recordEscalationStep(escalated, `${CASE_ID}-esc-1`, { exhausted: true }, at(HOUR))!.record;
      expect(() => act(exhausted, { type: 'acknowledge' }, at(2 * HOUR), lead)).toThrow(TransitionError);
    });
  });
});

describe('who may do what', () => {
  const ACTIONS = Object.keys(ROLE_RIGHTS) as ActionType[];

  it('agents may do everything but acknowledge, change the priority and resolve an incident\'s linked cases (merging included)', () => {
    const allowed = ACTIONS.filter((a) => mayAct(['agent'], a));
    expect(allowed.sort()).toEqual(['apply-macro', 'assign', 'consult', 'escalate', 'link-incident', 'merge', 'note', 'reopen', 'reply', 'request-info', 'resolve']);
    expect(mayAct(['agent'], 'acknowledge')).toBe(false);
    expect(mayAct(['agent'], 'change-priority')).toBe(false);
    expect(mayAct(['agent'], 'resolve-linked')).toBe(false);
  });

  it('the risk team may do everything; leads everything but place or release a legal hold', () => {
    for (const action of ACTIONS) expect(mayAct(['risk'], action)).toBe(true);
    expect(ACTIONS.filter((a) => !mayAct(['lead'], a)).sort()).toEqual(['legal-hold', 'release-hold']);
  });

  it('any one of several roles grants the right; no role or an unknown one grants nothing', () => {
    expect(mayAct(['agent', 'lead'], 'acknowledge')).toBe(true);
    for (const action of ACTIONS) {
      expect(mayAct([], action)).toBe(false);
      expect(mayAct(['admin', 'Agent'], action)).toBe(false);
    }
  });

  it('every right names known roles only', () => {
    for (const roles of Object.values(ROLE_RIGHTS)) for (const role of roles) expect(AGENT_ROLES).toContain(role);
  });
});

describe('pauses: waiting on the requester does not count', () => {
  it('a reply 3 business hours after request-info pushes every deadline by exactly those 3 business hours', () => {
    const fresh = caseAt('P3');
    const asked = at(HOUR); // Wed 10:00
    const answered = at(4 * HOUR); // Wed 13:00
    const waiting = act(fresh, requestInfo(), asked).record;
    const { record, event } = applyRequesterReply(deepFreeze(structuredClone(waiting)), requesterMessage(), answered, sla, NO_FOUR_EYES);

    const pauses = [{ from: iso(asked), to: iso(answered) }];
    expect(record).toMatchObject({ status: 'investigating', pauses, lifecycleVersion: 3, lastUserMessageAt: iso(answered) });
    expect(record.deadlines).toEqual(plan('P3', pauses));
    for (const key of ['firstResponseDue', 'resolutionDue', 'resolutionWarnAt'] as const) {
      expect(businessTimeBetween(new Date(fresh.deadlines[key]!), new Date(record.deadlines[key]!), sla.calendar)).toBe(3 * HOUR);
    }
    expect(event).toMatchObject({ type: 'requester.replied', actor: { kind: 'requester', email: 'alice@example.com' } });
  });

  it('only business time is paused: Sunday 16:00 → Wednesday 10:00 moves later deadlines by 3 business hours', () => {
    const fresh = caseAt('P4'); // first response Fri 15:00, resolution the Wednesday after
    const asked = new Date('2026-04-19T23:00:00.000Z'); // Sun 16:00 PDT
    const answered = new Date('2026-04-22T17:00:00.000Z'); // Wed 10:00 PDT
    const replied = act(fresh, reply(), at(HOUR)).record;
    const waiting = act(replied, requestInfo(), asked).record;
    const { record } = applyRequesterReply(waiting, requesterMessage(), answered, sla, NO_FOUR_EYES);

    expect(record.deadlines).toEqual(plan('P4', [{ from: iso(asked), to: iso(answered) }]));
    expect(record.deadlines.firstResponseDue).toBe(fresh.deadlines.firstResponseDue); // it fell before the pause
    expect(businessTimeBetween(new Date(fresh.deadlines.resolutionDue), new Date(record.deadlines.resolutionDue), sla.calendar)).toBe(3 * HOUR);
    // Wed 09:00 → Wed 12:00: three hours, not the 66 wall-clock hours the requester took.
    expect(Date.parse(record.deadlines.resolutionDue) - Date.parse(fresh.deadlines.resolutionDue)).toBe(3 * HOUR);
  });

  it('a requester reply keeps what they wrote and adds their attachments', () => {
    const attachment = { filename: 'receipt.pdf', contentType: 'application/pdf', size: 1200, sha256: 'a'.repeat(64), key: 'attachments/x/receipt.pdf' };
    const waiting = act(caseAt('P3'), requestInfo(), at(HOUR)).record;
    const { record, event } = applyRequesterReply(waiting, requesterMessage({ attachments: [attachment] }), at(2 * HOUR), sla, NO_FOUR_EYES);
    expect(record.attachments).toEqual([attachment]);
    expect(event.data).toEqual({ subject: 'Re: [TD-00000C] We need more information', message: 'It was my main account.', attachments: [attachment], messageId: '<reply-1@example.com>' });
  });

  it('a requester reply to a case under investigation is recorded without moving the lifecycle', () => {
    const investigating = act(caseAt('P3'), reply(), at(HOUR)).record;
    const { record, event } = applyRequesterReply(investigating, requesterMessage({ messageId: undefined }), at(2 * HOUR), sla, NO_FOUR_EYES);
    expect(record).toMatchObject({ status: 'investigating', version: 3, lifecycleVersion: 2, deadlines: investigating.deadlines, lastUserMessageAt: iso(at(2 * HOUR)) });
    expect(event.data).not.toHaveProperty('messageId');
  });

  it.each(['resolved', 'closed'] as const)('a requester reply reopens a %s case', (status) => {
    const ended = caseAt('P3', { status, resolvedAt: iso(at(HOUR)), outcome: 'resolved', ...(status === 'closed' && { closedAt: iso(at(DAY)) }) });
    const { record, event } = applyRequesterReply(ended, requesterMessage(), at(2 * DAY), sla, NO_FOUR_EYES);
    expect(record).toMatchObject({ status: 'investigating', resolvedAt: undefined, outcome: undefined, closedAt: undefined, lifecycleVersion: 2 });
    expect(event).toMatchObject({ type: 'requester.replied', data: { reopened: true, from: status, message: 'It was my main account.' } });
  });

  it('a case closed for silence while waiting reopens with deadlines that exclude the wait', () => {
    const waiting = act(caseAt('P4'), requestInfo(), at(HOUR)).record;
    const closed = expired(waiting, at(HOUR + SILENCE))!.record;
    const pauses = [{ from: iso(at(HOUR)), to: iso(at(HOUR + SILENCE)) }];
    expect(closed).toMatchObject({ status: 'closed', pauses, deadlines: plan('P4', pauses) });
    const reopened = applyRequesterReply(closed, requesterMessage(), at(HOUR + SILENCE + DAY), sla, NO_FOUR_EYES).record;
    expect(reopened).toMatchObject({ status: 'investigating', pauses, deadlines: plan('P4', pauses) });
  });
});

describe('nextTimer', () => {
  // P1 runs on a 24x7 clock: first response warning +45 min, breach +60 min; resolution warning +23h45, breach +24h.
  const p1 = caseAt('P1');
  const now = at(10 * MINUTE);
  const flags = (f: Partial<CaseRecord['sla']>) => ({ ...p1, sla: { ...p1.sla, ...f } });

  it('waits for the agent until each deadline in order, in whole seconds from now', () => {
    expect(nextTimer(p1, now, sla)).toEqual({ waitFor: 'agent', phase: 'first-response-warning', seconds: 35 * 60 });
    expect(nextTimer(flags({ firstResponseWarned: true }), now, sla)).toEqual({ waitFor: 'agent', phase: 'first-response-breach', seconds: 50 * 60 });
    const firstDone = { firstResponseWarned: true, firstResponseBreached: true };
    expect(nextTimer(flags(firstDone), now, sla)).toEqual({ waitFor: 'agent', phase: 'resolution-warning', seconds: (23 * 60 + 35) * 60 });
    expect(nextTimer(flags({ ...firstDone, resolutionWarned: true }), now, sla)).toEqual({ waitFor: 'agent', phase: 'resolution-breach', seconds: (24 * 60 - 10) * 60 });
    const allDone = { ...firstDone, resolutionWarned: true, resolutionBreached: true };
    expect(nextTimer(flags(allDone), now, sla)).toEqual({ waitFor: 'agent', phase: 'overdue', seconds: 7 * 86_400 });
  });

  it('rounds up to the next whole second and never goes below zero', () => {
    expect(nextTimer(p1, at(500), sla).seconds).toBe(45 * 60); // 2699.5 s → 2700: never fires early
    expect(nextTimer(p1, at(45 * MINUTE), sla).seconds).toBe(0);
    expect(nextTimer(p1, at(3 * HOUR), sla)).toMatchObject({ phase: 'first-response-warning', seconds: 0 });
  });

  it('counts business deadlines in wall-clock seconds', () => {
    const p3 = caseAt('P3'); // first response due Wed 17:00 PDT, warning at 15:00
    expect(p3.deadlines.firstResponseDue).toBe('2026-04-16T00:00:00.000Z');
    const warned = { ...p3, sla: { ...p3.sla, firstResponseWarned: true } };
    expect(nextTimer(warned, at(7 * HOUR), sla)).toEqual({ waitFor: 'agent', phase: 'first-response-breach', seconds: 3600 });
  });

  it('after the first response only the resolution timers remain', () => {
    const replied = act(p1, reply(), at(5 * MINUTE)).record;
    expect(nextTimer(replied, now, sla)).toEqual({ waitFor: 'agent', phase: 'resolution-warning', seconds: (23 * 60 + 35) * 60 });
  });

  it('waits for the requester until the silence closes a waiting case', () => {
    const waiting = act(p1, requestInfo(), at(5 * MINUTE)).record;
    expect(nextTimer(waiting, at(5 * MINUTE + DAY), sla)).toEqual({ waitFor: 'user', phase: 'auto-close', seconds: (SILENCE - DAY) / 1000 });
  });

  it('waits for silence after a resolution, counted from the resolution', () => {
    const resolved = after(p1, [reply(), at(5 * MINUTE)], [resolve, at(HOUR)]);
    expect(nextTimer(resolved, at(HOUR + 2 * DAY), sla)).toEqual({ waitFor: 'silence', phase: 'auto-close', seconds: (SILENCE - 2 * DAY) / 1000 });
  });

  it('waits for nothing once closed', () => {
    expect(nextTimer({ ...p1, status: 'closed' }, now, sla)).toEqual({ waitFor: 'nothing', phase: 'none', seconds: 0 });
  });
});

describe('onTimerExpired', () => {
  const p1 = caseAt('P1');
  const due = p1.deadlines;

  it('records nothing before the next deadline', () => {
    expect(expired(p1, at(45 * MINUTE - 1))).toBeUndefined();
  });

  it('records each warning and breach at its deadline, in order, once', () => {
    const warning = expired(p1, at(45 * MINUTE))!;
    expect(warning.event).toEqual({
      caseId: CASE_ID,
      version: 2,
      type: 'sla.warning',
      at: iso(at(45 * MINUTE)),
      actor: system,
      data: { deadline: 'firstResponse', dueAt: due.firstResponseDue },
    });
    expect(warning.record).toMatchObject({ sla: { firstResponseWarned: true, firstResponseBreached: false }, lifecycleVersion: 2 });
    expect(expired(warning.record, at(45 * MINUTE))).toBeUndefined(); // a retried step after the same instant

    const breach = expired(warning.record, at(HOUR))!;
    const escalationId = `${CASE_ID}-esc-1`;
    expect(breach.event).toMatchObject({
      version: 3,
      type: 'sla.breached',
      actor: system,
      data: { deadline: 'firstResponse', dueAt: due.firstResponseDue, escalationId, startTier: 'L1', reason: 'firstResponse deadline breached' },
    });
    expect(breach.record.escalation).toEqual({ id: escalationId, startTier: 'L1', status: 'active', reason: 'firstResponse deadline breached', startedAt: iso(at(HOUR)) });
    expect(breach.record).toMatchObject({ escalationCount: 1, lifecycleVersion: 3, sla: { firstResponseBreached: true } });
    expect(expired(breach.record, at(HOUR))).toBeUndefined();

    const resolutionWarning = expired(breach.record, at(24 * HOUR - 15 * MINUTE))!;
    expect(resolutionWarning.event).toMatchObject({ type: 'sla.warning', data: { deadline: 'resolution', dueAt: due.resolutionDue } });

    // The first escalation is still active: the resolution breach does not start another.
    const resolutionBreach = expired(resolutionWarning.record, at(24 * HOUR))!;
    expect(resolutionBreach.event.data).toEqual({ deadline: 'resolution', dueAt: due.resolutionDue });
    expect(resolutionBreach.record).toMatchObject({ escalationCount: 1, escalation: { id: escalationId }, sla: { resolutionWarned: true, resolutionBreached: true } });
    expect(expired(resolutionBreach.record, at(30 * HOUR))).toBeUndefined();
  });

  it('woken late, records what is due one per call, oldest first', () => {
    const changes = drain(p1, at(25 * HOUR));
    expect(changes.map((c) => [c.event.type, c.event.data.deadline, c.event.version])).toEqual([
      ['sla.warning', 'firstResponse', 2],
      ['sla.breached', 'firstResponse', 3],
      ['sla.warning', 'resolution', 4],
      ['sla.breached', 'resolution', 5],
    ]);
  });

  it('a breach after an earlier escalation was acknowledged starts a new one', () => {
    const acknowledged = caseAt('P1', {
      escalation: { id: `${CASE_ID}-esc-1`, startTier: 'L1', status: 'acknowledged', reason: 'VIP', startedAt: iso(at(MINUTE)) },
      escalationCount: 1,
      sla: { firstResponseWarned: true, firstResponseBreached: false, resolutionWarned: false, resolutionBreached: false },
    });
    const { record, event } = expired(acknowledged, at(HOUR))!;
    expect(event.data.escalationId).toBe(`${CASE_ID}-esc-2`);
    expect(record.escalation).toMatchObject({ id: `${CASE_ID}-esc-2`, status: 'active' });
  });

  describe('a P1 already in front of the risk team is paged once (issue 13 point 10)', () => {
    const warnedFlags = { firstResponseWarned: true, firstResponseBreached: false, resolutionWarned: false, resolutionBreached: false };
    const atRisk = (escalation: Partial<CaseRecord['escalation'] & object>) =>
      caseAt('P1', {
        escalation: { id: `${CASE_ID}-esc-1`, startTier: 'risk', status: 'active', reason: 'P1 case', startedAt: iso(at(0)), ...escalation },
        escalationCount: 1,
        sla: warnedFlags,
      });

    it.each(['active', 'acknowledged', 'unacknowledged'] as const)('a breach while the risk-tier escalation is %s is recorded on it; no chain starts, at L1 or at the risk tier', (status) => {
      const { record, event } = expired(atRisk({ status }), at(HOUR))!;
      expect(event).toMatchObject({ type: 'sla.breached', data: { deadline: 'firstResponse', escalationId: `${CASE_ID}-esc-1`, recordedOnEscalation: true } });
      expect(event.data).not.toHaveProperty('startTier');
      expect(record).toMatchObject({ escalationCount: 1, escalation: { id: `${CASE_ID}-esc-1`, startTier: 'risk', status }, sla: { firstResponseBreached: true } });
    });

    it('an L1 chain that climbed to the risk tier and was acknowledged there is not started again at L1', () => {
      const { record, event } = expired(atRisk({ startTier: 'L1', tier: 'risk', status: 'acknowledged' }), at(HOUR))!;
      expect(event.data).toMatchObject({ escalationId: `${CASE_ID}-esc-1`, recordedOnEscalation: true });
      expect(record.escalationCount).toBe(1);
    });

    it('after a risk-tier escalation that stood down (the case was resolved, then reopened), a breach pages the risk tier again, not L1', () => {
      const { record, event } = expired(atRisk({ status: 'stood_down' }), at(HOUR))!;
      expect(event.data).toMatchObject({ escalationId: `${CASE_ID}-esc-2`, startTier: 'risk', reason: 'firstResponse deadline breached' });
      expect(event.data).not.toHaveProperty('recordedOnEscalation');
      expect(record.escalation).toMatchObject({ id: `${CASE_ID}-esc-2`, startTier: 'risk', status: 'active' });
    });

    it('an escalation running below the risk tier keeps climbing: the breach starts nothing', () => {
      const { record, event } = expired(atRisk({ startTier: 'L1', tier: 'L2', status: 'active' }), at(HOUR))!;
      expect(event.data).toEqual({ deadline: 'firstResponse', dueAt: due.firstResponseDue });
      expect(record.escalation).toMatchObject({ id: `${CASE_ID}-esc-1`, tier: 'L2' });
    });
  });

  it('records nothing when an agent responded before the first-response warning', () => {
    const replied = act(p1, reply(), at(30 * MINUTE)).record;
    expect(expired(replied, at(45 * MINUTE))).toBeUndefined();
    expect(expired(replied, at(HOUR))).toBeUndefined();
  });

  it('closes a case waiting on the requester after the silence', () => {
    const waiting = act(caseAt('P3'), requestInfo(), at(HOUR)).record;
    expect(expired(waiting, at(HOUR + SILENCE - 1))).toBeUndefined();
    const closing = at(HOUR + SILENCE);
    const { record, event } = expired(waiting, closing)!;
    expect(record).toMatchObject({ status: 'closed', closedAt: iso(closing), pauses: [{ from: iso(at(HOUR)), to: iso(closing) }], lifecycleVersion: 3 });
    expect(event).toMatchObject({ type: 'case.closed', actor: system, data: { reason: 'no-reply-from-requester' } });
    expect(expired(record, at(HOUR + 2 * SILENCE))).toBeUndefined();
  });

  it('closes a resolved case after the silence', () => {
    const resolved = after(caseAt('P3'), [reply(), at(HOUR)], [resolve, at(2 * HOUR)]);
    expect(expired(resolved, at(2 * HOUR + SILENCE - 1))).toBeUndefined();
    const { record, event } = expired(resolved, at(2 * HOUR + SILENCE))!;
    expect(record).toMatchObject({ status: 'closed', closedAt: iso(at(2 * HOUR + SILENCE)), outcome: 'resolved' });
    expect(event.data).toEqual({ reason: 'resolved-and-silent' });
  });
});

describe('escalations started by the system', () => {
  it('pageRiskTeam starts a risk-tier escalation once', () => {
    const p1 = caseAt('P1');
    const paged = pageRiskTeam(deepFreeze(structuredClone(p1)), at(MINUTE))!;
    expect(paged.event).toMatchObject({ type: 'escalation.started', actor: system, data: { escalationId: `${CASE_ID}-esc-1`, startTier: 'risk', reason: 'P1 case' } });
    expect(paged.record).toMatchObject({ escalation: { startTier: 'risk', status: 'active' }, escalationCount: 1, lifecycleVersion: 1 });
    expect(pageRiskTeam(paged.record, at(2 * MINUTE))).toBeUndefined();
    expect(pageRiskTeam(caseAt('P3', { safetyCritical: true }), at(MINUTE))!.event.data.reason).toBe('safety-critical report');
  });

  it('recordEscalationStep records each tier once, then the exhaustion once', () => {
    const escalated = act(caseAt('P3'), { type: 'escalate', reason: 'VIP' }, at(MINUTE)).record;
    const id = `${CASE_ID}-esc-1`;
    const l1 = recordEscalationStep(escalated, id, { tier: 'L1' }, at(2 * MINUTE))!;
    expect(l1.event).toMatchObject({ type: 'escalation.notified', actor: system, data: { escalationId: id, tier: 'L1' } });
    expect(l1.record.escalation).toMatchObject({ tier: 'L1', status: 'active' });
    expect(recordEscalationStep(l1.record, id, { tier: 'L1' }, at(3 * MINUTE))).toBeUndefined();

    const l2 = recordEscalationStep(l1.record, id, { tier: 'L2' }, at(40 * MINUTE))!;
    const exhausted = recordEscalationStep(l2.record, id, { exhausted: true }, at(2 * HOUR))!;
    expect(exhausted.event).toMatchObject({ type: 'escalation.unacknowledged', data: { escalationId: id, tier: 'L2' } });
    expect(exhausted.record.escalation).toMatchObject({ status: 'unacknowledged', tier: 'L2' });
    expect(exhausted.record.version).toBe(escalated.version + 3);
    expect(recordEscalationStep(exhausted.record, id, { exhausted: true }, at(3 * HOUR))).toBeUndefined();
    expect(recordEscalationStep(exhausted.record, id, { tier: 'risk' }, at(3 * HOUR))).toBeUndefined();
  });

  it('recordEscalationStep ignores another escalation, an acknowledged one, or none', () => {
    const escalated = act(caseAt('P3'), { type: 'escalate', reason: 'VIP' }, at(MINUTE)).record;
    expect(recordEscalationStep(escalated, `${CASE_ID}-esc-9`, { tier: 'L1' }, at(HOUR))).toBeUndefined();
    const acknowledged = act(escalated, { type: 'acknowledge' }, at(2 * MINUTE), lead).record;
    expect(recordEscalationStep(acknowledged, `${CASE_ID}-esc-1`, { tier: 'L2' }, at(HOUR))).toBeUndefined();
    expect(recordEscalationStep(caseAt('P3'), `${CASE_ID}-esc-1`, { exhausted: true }, at(HOUR))).toBeUndefined();
  });
});

describe('workflowState', () => {
  it('carries the case id, status, lifecycle version and next timer', () => {
    const p3 = caseAt('P3');
    // The first-response warning is hours away: the execution waits in person at most LINGER_SECONDS of it.
    expect(workflowState(p3, OPENED, sla)).toEqual({
      caseId: CASE_ID,
      status: 'new',
      lifecycleVersion: 1,
      critical: false,
      due: false,
      handOver: false,
      timer: { ...nextTimer(p3, OPENED, sla), seconds: LINGER_SECONDS },
    });
  });

  it('hands a far timer over once the execution waited in person, and a silence at once', () => {
    const p3 = caseAt('P3');
    expect(workflowState(p3, OPENED, sla).handOver).toBe(false);
    expect(workflowState(p3, OPENED, sla, { lingered: true }).handOver).toBe(true);
    const resolved = act(p3, { type: 'resolve', outcome: 'resolved' }, OPENED).record;
    expect(workflowState(resolved, OPENED, sla)).toMatchObject({ handOver: true, timer: { phase: 'auto-close', seconds: LINGER_SECONDS } });
    // Near (within LINGER_SECONDS), due or critical: never handed over.
    const p1 = caseAt('P1');
    expect(workflowState(p1, OPENED, sla, { lingered: true })).toMatchObject({ critical: true, handOver: false });
    expect(workflowState(p3, new Date(Date.parse(p3.deadlines.firstResponseWarnAt!) - 60_000), sla, { lingered: true }).handOver).toBe(false);
    expect(workflowState(p3, new Date(Date.parse(p3.deadlines.firstResponseWarnAt!)), sla, { lingered: true })).toMatchObject({ due: true, handOver: false });
  });

  it.each(PRIORITIES)('is critical for %s only when P1 or safety-critical and not yet escalated', (priority) => {
    expect(workflowState(caseAt(priority), OPENED, sla).critical).toBe(priority === 'P1');
    const safety = caseAt(priority, { safetyCritical: true });
    expect(workflowState(safety, OPENED, sla).critical).toBe(true);
    expect(workflowState(pageRiskTeam(safety, OPENED)!.record, OPENED, sla).critical).toBe(false);
  });

  it('never asks a wait for a zero timeout (Step Functions needs a positive integer)', () => {
    const p1 = caseAt('P1');
    expect(nextTimer(p1, at(3 * HOUR), sla).seconds).toBe(0);
    expect(workflowState(p1, at(3 * HOUR), sla).timer).toEqual({ waitFor: 'agent', phase: 'first-response-warning', seconds: 1 });
    // …and says it is due, so the workflow handles it at once instead of waiting that second
    expect(workflowState(p1, at(3 * HOUR), sla).due).toBe(true);
    expect(workflowState(p1, OPENED, sla).due).toBe(false);
  });

  it('stands an active escalation down when the case is resolved', () => {
    const escalated = act(caseAt("P3"), { type: "escalate", reason: "VIP" }, OPENED).record;
    const resolved = act(escalated, { type: "resolve", outcome: "resolved" }, OPENED).record;
    expect(resolved.escalation?.status).toBe('stood_down');
  });

  it('pages the risk team again when a case becomes P1 after an earlier, finished L1 escalation', () => {
    const escalated = act(caseAt("P3"), { type: "escalate", reason: "VIP" }, OPENED).record;
    const acknowledged = act(escalated, { type: "acknowledge" }, OPENED, lead).record;
    const p1 = act(acknowledged, { type: "change-priority", priority: "P1" }, OPENED, lead).record;
    expect(workflowState(p1, OPENED, sla).critical).toBe(true);
    expect(pageRiskTeam(p1, OPENED)?.record.escalation).toMatchObject({ startTier: 'risk', status: 'active' });
  });
});

describe('card data in what agents and requesters write', () => {
  const fresh = caseAt('P3');

  it('masks every text of an agent action before it is applied, and counts it on the case and the event', () => {
    const { record, event } = act(fresh, { type: 'reply', message: 'Is your card 4111 1111 1111 1111 (cvc 999)?' }, at(MINUTE));
    expect(event.data.message).toBe('Is your card •••• •••• •••• 1111 (cvc •••)?');
    expect(event.data.masked).toEqual({ cardNumbers: 1, securityCodes: 1, ssns: 0 });
    expect(record.masked).toEqual({ cardNumbers: 1, securityCodes: 1, ssns: 0 });
    const escalated = act(record, { type: 'escalate', reason: 'customer sent SSN 078-05-1120' }, at(2 * MINUTE));
    expect(escalated.record.escalation?.reason).toBe('customer sent SSN •••-••-••••');
    expect(escalated.record.masked).toEqual({ cardNumbers: 1, securityCodes: 1, ssns: 1 });
    const noted = act(escalated.record, { type: 'note', note: 'checked 5555555555554444' }, at(3 * MINUTE));
    expect(noted.event.data.note).toBe('checked •••• •••• •••• 4444');
  });

  it('masks a requester reply and adds to the counts; a clean one leaves them', () => {
    const replied = applyRequesterReply(fresh, requesterMessage({ subject: 'card 4111-1111-1111-1111', message: 'it is\n4111 1111\n1111 1111' }), at(MINUTE), sla, NO_FOUR_EYES);
    expect(replied.event.data).toMatchObject({ subject: 'card •••• •••• •••• 1111', message: 'it is\n•••• •••• •••• 1111', masked: { cardNumbers: 2, securityCodes: 0, ssns: 0 } });
    expect(replied.record.masked).toEqual({ cardNumbers: 2, securityCodes: 0, ssns: 0 });
    const clean = applyRequesterReply(replied.record, requesterMessage(), at(2 * MINUTE), sla, NO_FOUR_EYES);
    expect(clean.event.data).not.toHaveProperty('masked');
    expect(clean.record.masked).toEqual({ cardNumbers: 2, securityCodes: 0, ssns: 0 });
  });

  it('leaves an action without card data as it was', () => {
    const { event, record } = act(fresh, reply('Order 1234567890 is refunded.'), at(MINUTE));
    expect(event.data.message).toBe('Order 1234567890 is refunded.');
    expect(record).not.toHaveProperty('masked');
  });
});
