// Folding case events into aggregate deltas: counters per event type, buckets, backlog, coalescing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CaseEvent, CaseRecord } from '../../../domain/case.ts';
import {
  DEFAULT_AGGREGATION,
  backlogDeltas,
  coalesce,
  countersFor,
  deltasFor,
  keyId,
  type AggregateKey,
  type CaseDims,
  type Delta,
  type EventInput,
} from '../../../domain/reporting/aggregate.ts';
import { openCase } from '../../../domain/intake.ts';
import { applyAgentAction, applyRequesterReply, nextTimer, onTimerExpired } from '../../../domain/lifecycle.ts';
import { sumCounters } from '../../../domain/reporting/counters.ts';
import { policies } from '../../../functions/lib/policies.ts';
import { NO_FOUR_EYES } from '../../functions/lifecycle-fakes.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// Tuesday 2026-11-24 23:30 PST.
const OPENED_AT = '2026-11-25T07:30:00.000Z';
const plus = (ms: number, from = OPENED_AT) => new Date(Date.parse(from) + ms).toISOString();

const dims = (over: Partial<CaseDims> = {}): CaseDims => ({
  category: 'gifts_coins',
  priority: 'P2',
  channel: 'web',
  openedAt: OPENED_AT,
  tier: 'standard',
  deadlines: { firstResponseDue: plus(4 * HOUR), resolutionDue: plus(3 * DAY) },
  ...over,
});

let version = 0;
const ev = (type: string, data: Record<string, unknown> = {}, at = plus(HOUR)): CaseEvent => ({
  caseId: 'case-1',
  version: ++version,
  type,
  at,
  actor: { kind: 'system' },
  data,
});
const input = (event: CaseEvent, d: Partial<CaseDims> = {}): EventInput => ({ event, dims: dims(d) });

const OPENED_DATA = { channel: 'web', reference: 'TD-1', category: 'gifts_coins', priority: 'P2', riskScore: 10, safetyCritical: false, repeatCount: 0 };

describe('deltasFor: each event contributes to its day and its hour bucket', () => {
  it('counts an opening in the local day and hour of `at`, under the dimensions the event carries', () => {
    const deltas = deltasFor(input(ev('case.opened', { ...OPENED_DATA, priority: 'P3' }, OPENED_AT), { priority: 'P1' }));
    expect(deltas).toEqual([
      { key: { granularity: 'day', period: '2026-11-24', category: 'gifts_coins', priority: 'P3', channel: 'web' }, counters: { opened: 1 } },
      { key: { granularity: 'hour', period: '2026-11-24T23', category: 'gifts_coins', priority: 'P3', channel: 'web' }, counters: { opened: 1 } },
    ]);
    expect(deltas[0]!.counters).not.toBe(deltas[1]!.counters);
  });

  it('later events take the dimensions from dims', () => {
    const [day] = deltasFor(input(ev('case.closed', { reason: 'no-reply-from-requester' }), { priority: 'P1', channel: 'email', category: 'payout' }));
    expect(day!.key).toEqual({ granularity: 'day', period: '2026-11-25', category: 'payout', priority: 'P1', channel: 'email' });
  });

  it('flags repeat, top-consumer and safety-critical openings', () => {
    const e = ev('case.opened', { ...OPENED_DATA, repeatCount: 2, safetyCritical: true, topConsumer: true }, OPENED_AT);
    expect(countersFor(input(e, { tier: 'top' }))).toEqual({ opened: 1, opened_repeat: 1, opened_top_consumer: 1, opened_safety_critical: 1 });
    const { topConsumer: _, ...notTop } = e.data;
    expect(countersFor(input({ ...e, data: notTop }, { tier: 'top' }))).toEqual({ opened: 1, opened_repeat: 1, opened_safety_critical: 1 });
  });

  it('counts a case that became a top consumer by its spend once, when the evidence says so', () => {
    expect(countersFor(input(ev('evidence.gathered', { topConsumer: true, spendUsd90d: 2400 }, plus(MINUTE))))).toEqual({ opened_top_consumer: 1 });
    expect(countersFor(input(ev('evidence.gathered', { spendUsd90d: 2400 }, plus(MINUTE))))).toEqual({});
  });

  it('counts a first response with its time, histogram buckets and SLA verdict', () => {
    const c = countersFor(input(ev('agent.replied', { message: 'hi', firstResponse: true }, plus(45 * MINUTE))));
    expect(c).toEqual({
      first_responses: 1,
      first_response_minutes_sum: 45,
      first_response_within_sla: 1,
      frt_le_60: 1,
      frt_le_120: 1,
      frt_le_240: 1,
      frt_le_480: 1,
      frt_le_1440: 1,
      frt_le_2880: 1,
      frt_le_5760: 1,
      frt_le_10080: 1,
      frt_le_inf: 1,
    });
  });

  it('a request for information can be the first response, and a late one is breached', () => {
    const c = countersFor(input(ev('agent.requested-info', { message: '?', firstResponse: true }, plus(5 * HOUR))));
    expect(c).toMatchObject({ first_responses: 1, first_response_minutes_sum: 300, first_response_breached: 1, frt_le_480: 1, frt_le_inf: 1 });
    expect(c).not.toHaveProperty('frt_le_240');
    expect(c).not.toHaveProperty('first_response_within_sla');
  });

  it('a response exactly at the due time is within the SLA', () => {
    const c = countersFor(input(ev('agent.replied', { firstResponse: true }, plus(4 * HOUR))));
    expect(c).toMatchObject({ first_response_within_sla: 1, frt_le_240: 1 });
  });

  it('without due times a response is counted but not judged', () => {
    const c = countersFor(input(ev('agent.replied', { firstResponse: true }, plus(10 * MINUTE)), { deadlines: undefined }));
    expect(c).toMatchObject({ first_responses: 1, frt_le_15: 1 });
    expect(Object.keys(c).some((k) => k.includes('sla') || k.includes('breached'))).toBe(false);
  });

  it('later replies are not first responses', () => {
    expect(deltasFor(input(ev('agent.replied', { firstResponse: false })))).toEqual([]);
  });

  it('counts a resolution by outcome, with its time and SLA verdict', () => {
    const c = countersFor(input(ev('case.resolved', { outcome: 'confirmed_risk' }, plus(4 * DAY))));
    expect(c).toEqual({
      resolved: 1,
      resolved_confirmed_risk: 1,
      resolution_minutes_sum: 5760,
      resolution_breached: 1,
      rt_le_5760: 1,
      rt_le_10080: 1,
      rt_le_inf: 1,
    });
    expect(countersFor(input(ev('case.resolved', { outcome: 'made-up' }, plus(HOUR))))).toMatchObject({ resolved: 1, resolved_other: 1, resolution_within_sla: 1 });
  });

  it('uses the configured histogram edges', () => {
    const c = countersFor(input(ev('case.resolved', { outcome: 'resolved' }, plus(90 * MINUTE))), { ...DEFAULT_AGGREGATION, histogramEdges: [60, 100] });
    expect(Object.keys(c).filter((k) => k.startsWith('rt_le_'))).toEqual(['rt_le_100', 'rt_le_inf']);
  });

  it.each([
    ['case.closed', { reason: 'no-reply-from-requester' }, { closed: 1 }],
    ['case.reopened', { from: 'resolved', reason: 'x' }, { reopened: 1 }],
    ['requester.replied', { subject: 's', message: 'm', reopened: true, from: 'closed' }, { reopened: 1 }],
    ['sla.warning', { deadline: 'firstResponse', dueAt: OPENED_AT }, { sla_warning_first_response: 1 }],
    ['sla.warning', { deadline: 'resolution', dueAt: OPENED_AT }, { sla_warning_resolution: 1 }],
    ['sla.breached', { deadline: 'firstResponse', dueAt: OPENED_AT }, { sla_breach_first_response: 1 }],
    ['sla.breached', { deadline: 'resolution', dueAt: OPENED_AT, escalationId: 'e-1', startTier: 'L1' }, { sla_breach_resolution: 1, escalations_started: 1 }],
    ['sla.breached', { deadline: 'firstResponse', dueAt: OPENED_AT, escalationId: 'e-1', recordedOnEscalation: true }, { sla_breach_first_response: 1 }],
    ['escalation.started', { escalationId: 'e-1', startTier: 'risk' }, { escalations_started: 1 }],
    ['escalation.notified', { escalationId: 'e-1', tier: 'L1' }, { escalations_L1: 1 }],
    ['escalation.notified', { escalationId: 'e-1', tier: 'L2' }, { escalations_L2: 1 }],
    ['escalation.notified', { escalationId: 'e-1', tier: 'risk' }, { escalations_risk: 1 }],
    ['escalation.acknowledged', { escalationId: 'e-1', tier: 'L2' }, { acknowledged: 1 }],
    ['escalation.unacknowledged', { escalationId: 'e-1', tier: 'risk' }, { unacknowledged: 1 }],
    ['case.priority-changed', { from: 'P3', to: 'P1' }, { priority_changed: 1 }],
  ])('%s %j → %j', (type, data, expected) => {
    const deltas = deltasFor(input(ev(type, data)));
    expect(deltas.map((d) => d.key.granularity)).toEqual(['day', 'hour']);
    for (const d of deltas) expect(d.counters).toEqual(expected);
  });

  it.each([
    ['requester.replied', { subject: 's', message: 'm' }],
    ['agent.noted', { note: 'n' }],
    ['case.assigned', { assignee: 'a' }],
    ['escalation.notified', { escalationId: 'e-1', tier: '<b>nope</b>' }],
    ['something.new', {}],
  ])('%s %j counts nothing', (type, data) => {
    expect(deltasFor(input(ev(type, data)))).toEqual([]);
  });

  it('buckets by the local hour across the fall-back (both 01:xx hours in one bucket)', () => {
    const a = deltasFor(input(ev('case.closed', {}, '2026-11-01T08:30:00Z')));
    const b = deltasFor(input(ev('case.closed', {}, '2026-11-01T09:30:00Z')));
    expect(a[1]!.key.period).toBe('2026-11-01T01');
    expect(keyId(a[1]!.key)).toBe(keyId(b[1]!.key));
  });
});

describe('backlogDeltas', () => {
  const key = { openedDay: '2026-11-24', category: 'gifts_coins', channel: 'web' };
  it.each([
    ['case.opened', OPENED_DATA, 1],
    ['case.reopened', { from: 'closed' }, 1],
    ['requester.replied', { reopened: true, from: 'resolved' }, 1],
    ['case.resolved', { outcome: 'resolved' }, -1],
    ['case.closed', { reason: 'no-reply-from-requester' }, -1],
  ])('%s → %d on the opening day', (type, data, open) => {
    // Keyed by the opening day (local), whenever the event happens; never by priority.
    expect(backlogDeltas(input(ev(type, data, plus(9 * DAY)), { priority: 'P4' }))).toEqual([{ key, counters: { open } }]);
  });

  it.each([
    ['case.closed', { reason: 'resolved-and-silent' }],
    ['requester.replied', { message: 'still waiting' }],
    ['agent.replied', { firstResponse: true }],
    ['case.priority-changed', { from: 'P3', to: 'P1' }],
  ])('%s %j leaves the backlog alone', (type, data) => {
    expect(backlogDeltas(input(ev(type, data)))).toEqual([]);
  });
});

describe('folding a case that the lifecycle really produced', () => {
  it('counts each step once and nets the backlog to zero when the case ends closed', () => {
    const opened = new Date('2026-04-15T16:00:00.000Z'); // Wednesday 09:00 PDT
    const sla = policies.sla;
    const agent = { kind: 'agent', id: 'agent-7', role: 'agent' } as const;
    const { record, event } = openCase(
      { channel: 'email', requester: { email: 'a@example.com' }, subject: 'Coins never arrived', message: 'I bought coins and they never arrived.' },
      { caseId: 'c-1', reference: 'TD-1', now: opened, priorComplaints: [], policies },
    );
    const events: CaseEvent[] = [event];
    let current: CaseRecord = record;
    const step = (change: { record: CaseRecord; event: CaseEvent } | undefined) => {
      if (!change) throw new Error('expected a change');
      current = change.record;
      events.push(change.event);
    };
    const t = (ms: number) => new Date(opened.getTime() + ms);
    step(applyAgentAction(current, { type: 'reply', message: 'Looking into it' }, agent, t(30 * MINUTE), sla, NO_FOUR_EYES));
    step(applyAgentAction(current, { type: 'request-info', message: 'Receipt?' }, agent, t(HOUR), sla, NO_FOUR_EYES));
    step(applyRequesterReply(current, { email: 'a@example.com', subject: 're', message: 'here', attachments: [] }, t(2 * HOUR), sla, NO_FOUR_EYES));
    step(applyAgentAction(current, { type: 'resolve', outcome: 'resolved' }, agent, t(3 * HOUR), sla, NO_FOUR_EYES));
    const silence = t(3 * HOUR + nextTimer(current, t(3 * HOUR), sla).seconds * 1000);
    step(onTimerExpired(current, silence, sla)); // closed: resolved-and-silent
    step(applyRequesterReply(current, { email: 'a@example.com', subject: 're', message: 'again', attachments: [] }, t(10 * DAY), sla, NO_FOUR_EYES));
    step(applyAgentAction(current, { type: 'resolve', outcome: 'duplicate' }, agent, t(10 * DAY + HOUR), sla, NO_FOUR_EYES));

    const d: CaseDims = { category: current.category, priority: current.priority, channel: current.channel, openedAt: current.openedAt, deadlines: current.deadlines };
    const all = events.flatMap((e) => deltasFor({ event: e, dims: d }));
    const days = sumCounters(all.filter((x) => x.key.granularity === 'day').map((x) => x.counters));
    const hours = sumCounters(all.filter((x) => x.key.granularity === 'hour').map((x) => x.counters));
    expect(hours).toEqual(days);
    expect(days).toMatchObject({ opened: 1, first_responses: 1, first_response_minutes_sum: 30, first_response_within_sla: 1, resolved: 2, resolved_resolved: 1, resolved_duplicate: 1, reopened: 1, closed: 1 });
    // +1 open, −1 resolve, 0 close of a resolved case, +1 reopen by the requester, −1 resolve: nets to zero,
    // and a key whose counters net to zero is not written at all.
    expect(coalesce(events.flatMap((e) => backlogDeltas({ event: e, dims: d })))).toEqual([]);
    // An agent reopens it: one open case, on its opening day.
    step(applyAgentAction(current, { type: 'reopen' }, agent, t(11 * DAY), sla, NO_FOUR_EYES));
    expect(coalesce(events.flatMap((e) => backlogDeltas({ event: e, dims: d })))).toEqual([
      { key: { openedDay: '2026-04-15', category: current.category, channel: 'email' }, counters: { open: 1 } },
    ]);
  });
});

describe('coalesce', () => {
  const key = (period: string, category = 'refund'): AggregateKey => ({ granularity: 'day', period, category, priority: 'P3', channel: 'web' });

  it('merges by key, sums counters, drops zeros and emptied keys, keeps first-seen order', () => {
    const out = coalesce([
      { key: key('2026-11-24'), counters: { opened: 1, first_responses: 1 } },
      { key: key('2026-11-25'), counters: { opened: 1 } },
      { key: { channel: 'web', priority: 'P3', category: 'refund', period: '2026-11-24', granularity: 'day' }, counters: { opened: 2, first_responses: -1 } },
      { key: key('2026-11-26'), counters: { closed: 1 } },
      { key: key('2026-11-26'), counters: { closed: -1 } },
    ]);
    expect(out).toEqual([
      { key: key('2026-11-24'), counters: { opened: 3 } },
      { key: key('2026-11-25'), counters: { opened: 1 } },
    ]);
  });

  it('does not change its input', () => {
    const deltas = [{ key: key('2026-11-24'), counters: { opened: 1 } }, { key: key('2026-11-24'), counters: { opened: 1 } }];
    const copy = structuredClone(deltas);
    coalesce(Object.freeze(deltas.map((d) => Object.freeze({ ...d, counters: Object.freeze({ ...d.counters }) }))));
    expect(deltas).toEqual(copy);
  });

  it('keeps float noise out of summed minutes', () => {
    const out = coalesce([0.1, 0.2, 0.3].map((m) => ({ key: key('2026-11-24'), counters: { first_response_minutes_sum: m } })));
    expect(out[0]!.counters.first_response_minutes_sum).toBe(0.6);
  });

  it('equals the per-record sum, for any batch', () => {
    const arbKey = fc.record({
      granularity: fc.constantFrom('day' as const, 'hour' as const),
      period: fc.constantFrom('2026-11-24', '2026-11-25', '2026-11-24T01'),
      category: fc.constantFrom('refund', 'payout', 'gifts_coins'),
      priority: fc.constantFrom('P1', 'P2'),
      channel: fc.constantFrom('web', 'email'),
    });
    const arbCounters = fc.dictionary(fc.constantFrom('opened', 'closed', 'reopened', 'frt_le_inf'), fc.integer({ min: -3, max: 3 }));
    fc.assert(
      fc.property(fc.array(fc.record({ key: arbKey, counters: arbCounters }), { maxLength: 60 }), (deltas: Delta<AggregateKey>[]) => {
        const out = coalesce(deltas);
        const ids = out.map((d) => keyId(d.key));
        expect(new Set(ids).size).toBe(ids.length);
        for (const d of out) for (const n of Object.values(d.counters)) expect(n).not.toBe(0);
        const naive = new Map<string, Record<string, number>>();
        for (const d of deltas) naive.set(keyId(d.key), sumCounters([naive.get(keyId(d.key)) ?? {}, d.counters]));
        for (const [id, counters] of naive) {
          const expected = Object.fromEntries(Object.entries(counters).filter(([, n]) => n !== 0));
          expect(out.find((d) => keyId(d.key) === id)?.counters ?? {}).toEqual(expected);
        }
      }),
    );
  });
});
