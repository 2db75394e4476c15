// The case's domain events for other teams: a case's real life (opened by the domain, acted on, breached,
// resolved, reopened, closed) mapped to what the bus carries, each event valid against the published schema
// (events/domain-events.ts), with no personal data in it, and nothing published for the events that tell
// other teams nothing.
import { describe, expect, it } from 'vitest';
import type { CaseEvent, CaseRecord } from '#domain/case.ts';
import { DOMAIN_EVENT_TYPES, domainEventsFor, mayPublish } from '#domain/domain-events.ts';
import { openIncident } from '#domain/incident.ts';
import { applyAgentAction, applyRequesterReply, onTimerExpired, pageRiskTeam } from '#domain/lifecycle.ts';
import { CHANGE_KIND_OF, DomainEventDetailSchema } from '#events/domain-events.ts';
import { policies } from '#lib/policies.ts';
import { DAY, HOUR, NO_FOUR_EYES, OPENED, at, caseAt, inquiry } from '../functions/lifecycle-fakes.ts';
import { openCase } from '#domain/intake.ts';

const agent = { kind: 'agent' as const, id: 'agent-7', role: 'agent' };
const lead = { kind: 'agent' as const, id: 'lead-1', role: 'lead' };
const sla = policies.sla;
const iso = (d: Date) => d.toISOString();

/** Every event of one case's life, with the case after each. */
function aLife(): { record: CaseRecord; event: CaseEvent }[] {
  const opened = openCase(inquiry({ requester: { email: 'alice@example.com', name: 'Alice', userId: 'u-42' } }), { caseId: 'c-1', reference: 'TD-AAAAAA', now: OPENED, priorComplaints: [], policies });
  const life = [opened];
  const step = (c: { record: CaseRecord; event: CaseEvent } | undefined) => {
    if (!c) throw new Error('no change');
    life.push(c);
    return c.record;
  };
  let r = opened.record;
  r = step(onTimerExpired(r, new Date(r.deadlines.firstResponseWarnAt!), sla)); // the warning before it
  r = step(onTimerExpired(r, new Date(r.deadlines.firstResponseDue), sla)); // the first-response breach (starts L1)
  r = step(applyAgentAction(r, { type: 'reply', message: 'We are looking into it, Alice.' }, agent, at(2 * DAY), sla, NO_FOUR_EYES));
  r = step(applyAgentAction(r, { type: 'change-priority', priority: 'P2' }, lead, at(2 * DAY + HOUR), sla, NO_FOUR_EYES));
  r = step(applyAgentAction(r, { type: 'request-info', message: 'Which card?' }, agent, at(2 * DAY + 2 * HOUR), sla, NO_FOUR_EYES));
  r = step(applyAgentAction(r, { type: 'resolve', outcome: 'false_positive', summary: 'The coins arrived.' }, agent, at(3 * DAY), sla, NO_FOUR_EYES));
  r = step(applyRequesterReply(r, { email: 'alice@example.com', subject: 'Re: coins', message: 'No they did not.', attachments: [] }, at(4 * DAY), sla, NO_FOUR_EYES));
  r = step(applyAgentAction(r, { type: 'escalate', reason: 'second complaint' }, agent, at(4 * DAY + HOUR), sla, NO_FOUR_EYES));
  step(applyAgentAction(r, { type: 'note', note: 'called the payments team' }, agent, at(4 * DAY + 2 * HOUR), sla, NO_FOUR_EYES));
  return life;
}

describe('domain events', () => {
  const life = aLife();
  const published = life.flatMap(({ record, event }) => domainEventsFor(event, record));

  it('tells the case’s life as the detail-types other teams subscribe to, in order', () => {
    expect(life.map((c) => c.event.type)).toEqual(['case.opened', 'sla.warning', 'sla.breached', 'agent.replied', 'case.priority-changed', 'agent.requested-info', 'case.resolved', 'requester.replied', 'escalation.started', 'agent.noted']);
    expect(published.map((e) => e.detailType)).toEqual(['Case Opened', 'Case SLA Breached', 'Case Escalated', 'Case Replied', 'Case Priority Changed', 'Case Info Requested', 'Case Resolved', 'Case Reopened', 'Case Escalated']);
  });

  it('carries what subscribers filter on, valid against the published schema, its change matching its detail-type', () => {
    for (const e of published) {
      expect(DomainEventDetailSchema.parse(e.detail)).toEqual(e.detail);
      expect(e.detail.change.kind).toBe(CHANGE_KIND_OF[e.detailType]);
      expect(e.detail.case).toMatchObject({ caseId: 'c-1', reference: 'TD-AAAAAA', channel: 'web', userId: 'u-42' });
    }
    const byType = (t: string) => published.filter((e) => e.detailType === t).map((e) => e.detail.change);
    expect(byType('Case Resolved')).toEqual([{ kind: 'resolved', outcome: 'false_positive' }]);
    expect(byType('Case Priority Changed')).toEqual([{ kind: 'priority-changed', from: life[0]!.record.priority, to: 'P2' }]);
    expect(byType('Case Reopened')).toEqual([{ kind: 'reopened', from: 'resolved', by: 'requester' }]);
    expect(byType('Case Escalated').map((c) => c.kind === 'escalated' && [c.tier, c.trigger])).toEqual([
      ['L1', 'sla-breach'],
      ['L1', 'agent'],
    ]);
    // The priority an event states is the one published (the case read later may say another).
    expect(published.find((e) => e.detailType === 'Case Priority Changed')?.detail.case.priority).toBe('P2');
  });

  it('gives each event an id stable across redeliveries, unique within the case', () => {
    const ids = published.map((e) => e.detail.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    const again = life.flatMap(({ record, event }) => domainEventsFor(event, record)).map((e) => e.detail.eventId);
    expect(again).toEqual(ids);
    expect(ids[0]).toBe('c-1:1');
  });

  it('never carries the requester’s address, name, subject or messages', () => {
    const text = JSON.stringify(published);
    for (const secret of ['alice@example.com', 'Alice', 'Coins never arrived', 'balance', 'We are looking', 'Which card', 'coins arrived', 'No they did not', 'payments team']) expect(text).not.toContain(secret);
  });

  it('publishes nothing for notes, assignments, warnings and plain requester replies', () => {
    expect(published.some((e) => e.detail.caseEventType === 'agent.noted')).toBe(false);
    for (const type of ['agent.noted', 'case.assigned', 'sla.warning', 'escalation.acknowledged', 'personal-data.erased']) expect(mayPublish(type)).toBe(false);
    const r = caseAt('P3');
    const reply = applyRequesterReply(r, { email: 'alice@example.com', subject: 'more', message: 'one more thing', attachments: [] }, at(HOUR), sla, NO_FOUR_EYES);
    expect(domainEventsFor(reply.event, reply.record)).toEqual([]);
  });

  it('tells a P1 page and a surge incident as escalations to the risk team', () => {
    const p1 = caseAt('P1');
    const page = pageRiskTeam(p1, at(1000))!;
    expect(domainEventsFor(page.event, page.record).map((e) => e.detail.change)).toEqual([{ kind: 'escalated', escalationId: `${p1.caseId}-esc-1`, tier: 'risk', trigger: 'critical-case' }]);
    const incident = openIncident(
      { incidentKey: 'payment_dispute#2026-04-15T16', category: 'payment_dispute', hour: '2026-04-15T16:00:00.000Z', lastHour: 40, baseline: 3, linkedCaseIds: ['a', 'b', 'c'] },
      { caseId: 'inc-1', reference: 'TD-INC001', now: OPENED, policies },
    );
    const events = domainEventsFor(incident.event, incident.record);
    expect(events.map((e) => [e.detailType, e.detail.change.kind])).toEqual([
      ['Incident Opened', 'incident-opened'],
      ['Case Escalated', 'escalated'],
    ]);
    expect(events[0]?.detail.case).toMatchObject({ channel: 'system', priority: 'P1', incidentKey: 'payment_dispute#2026-04-15T16' });
    expect(events[0]?.detail.change).toEqual({ kind: 'incident-opened', linkedCases: 3 });
    for (const e of events) DomainEventDetailSchema.parse(e.detail);
  });

  it('tells a merged duplicate as Case Merged, naming the case that carries on', () => {
    const dup = caseAt('P3');
    const event: CaseEvent = { caseId: dup.caseId, version: 2, type: 'case.merged', at: iso(at(HOUR)), actor: agent, data: { intoCaseId: 'c-target', intoReference: 'TD-TARGET', from: 'new' } };
    const [merged] = domainEventsFor(event, { ...dup, status: 'closed', outcome: 'duplicate', version: 2 });
    expect(merged?.detailType).toBe('Case Merged');
    expect(merged?.detail.change).toEqual({ kind: 'merged', intoCaseId: 'c-target', intoReference: 'TD-TARGET' });
    DomainEventDetailSchema.parse(merged?.detail);
  });

  it('lists every detail-type in the schema’s table', () => {
    expect(Object.keys(CHANGE_KIND_OF).sort()).toEqual([...DOMAIN_EVENT_TYPES].sort());
  });
});
