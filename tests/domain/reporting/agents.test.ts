// The per-agent fold and report: who each event counts for, the medians from bounded histograms, and the
// rows per agent and category (domain/reporting/agents.ts), with the lifecycle's own resolvedBy.
import { describe, expect, it } from 'vitest';
import type { Actor, CaseEvent, CaseRecord } from '../../../domain/case.ts';
import { openCase } from '../../../domain/intake.ts';
import { applyAgentAction, applyRequesterReply } from '../../../domain/lifecycle.ts';
import type { CaseDims } from '../../../domain/reporting/aggregate.ts';
import { agentCountersFor, agentDeltasFor, agentReport, agentStats, type AgentRow } from '../../../domain/reporting/agents.ts';
import { fourEyes } from '../../../functions/lib/governance-config.ts';
import { policies } from '../../../functions/lib/policies.ts';
import { NO_FOUR_EYES } from '../../functions/lifecycle-fakes.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
// Tuesday 2026-11-24 23:30 PST.
const OPENED_AT = '2026-11-25T07:30:00.000Z';
const plus = (ms: number) => new Date(Date.parse(OPENED_AT) + ms).toISOString();
const ANA: Actor & { kind: 'agent' } = { kind: 'agent', id: 'agent-ana', role: 'agent' };
const BO: Actor & { kind: 'agent' } = { kind: 'agent', id: 'agent-bo', role: 'lead' };

const dims = (over: Partial<CaseDims> = {}): CaseDims => ({
  category: 'refund',
  priority: 'P2',
  channel: 'web',
  openedAt: OPENED_AT,
  deadlines: { firstResponseDue: plus(4 * HOUR), resolutionDue: plus(48 * HOUR) },
  ...over,
});
let version = 0;
const ev = (type: string, data: Record<string, unknown>, at: string, actor: Actor = ANA): CaseEvent => ({ caseId: 'case-1', version: ++version, type, at, actor, data });

describe('agentCountersFor: who an event counts for', () => {
  it('counts a first response for the agent who sent it, with its minutes, histogram and SLA verdict', () => {
    expect(agentCountersFor({ event: ev('agent.replied', { message: 'hi', firstResponse: true }, plus(20 * MINUTE)), dims: dims() })).toEqual({
      agentId: 'agent-ana',
      counters: {
        first_responses: 1,
        first_response_minutes_sum: 20,
        first_response_within_sla: 1,
        frt_le_30: 1,
        frt_le_60: 1,
        frt_le_120: 1,
        frt_le_240: 1,
        frt_le_480: 1,
        frt_le_1440: 1,
        frt_le_2880: 1,
        frt_le_5760: 1,
        frt_le_10080: 1,
        frt_le_inf: 1,
      },
    });
    const late = agentCountersFor({ event: ev('agent.requested-info', { message: 'which order?', firstResponse: true }, plus(5 * HOUR), BO), dims: dims() });
    expect(late?.agentId).toBe('agent-bo');
    expect(late?.counters).toMatchObject({ first_responses: 1, first_response_breached: 1 });
    expect(late?.counters).not.toHaveProperty('first_response_within_sla');
  });

  it('counts nothing for later replies, notes, system or requester events', () => {
    expect(agentCountersFor({ event: ev('agent.replied', { message: 'again', firstResponse: false }, plus(HOUR)), dims: dims() })).toBeUndefined();
    expect(agentCountersFor({ event: ev('agent.noted', { note: 'x' }, plus(HOUR)), dims: dims() })).toBeUndefined();
    expect(agentCountersFor({ event: ev('agent.replied', { message: 'hi', firstResponse: true }, plus(HOUR), { kind: 'system' }), dims: dims() })).toBeUndefined();
    expect(agentCountersFor({ event: ev('requester.replied', { reopened: false }, plus(HOUR), { kind: 'requester', email: 'r@example.com' }), dims: dims({ resolvedBy: 'agent-ana' }) })).toBeUndefined();
  });

  it('counts a resolution for the resolver, and a four-eyes one for its proposer rather than the approver', () => {
    const own = agentCountersFor({ event: ev('case.resolved', { outcome: 'resolved' }, plus(50 * HOUR)), dims: dims() });
    expect(own?.agentId).toBe('agent-ana');
    expect(own?.counters).toMatchObject({ resolved: 1, resolution_minutes_sum: 3000, resolution_breached: 1, rt_le_5760: 1, rt_le_inf: 1 });
    expect(own?.counters).not.toHaveProperty('rt_le_2880');
    const approved = ev('case.resolved', { outcome: 'confirmed_risk', approval: { proposedBy: 'agent-ana', approvedBy: 'agent-bo' } }, plus(HOUR), BO);
    expect(agentCountersFor({ event: approved, dims: dims() })).toMatchObject({ agentId: 'agent-ana', counters: { resolved: 1, resolution_within_sla: 1 } });
  });

  it('counts a reopen and a rating for the agent of the last resolution (the assignee for older cases), never the requester', () => {
    const requester: Actor = { kind: 'requester', email: 'r@example.com' };
    const reopened = ev('case.reopened', { from: 'resolved', reason: 'not fixed' }, plus(HOUR), BO);
    expect(agentCountersFor({ event: reopened, dims: dims({ resolvedBy: 'agent-ana', assignee: 'agent-bo' }) })).toEqual({ agentId: 'agent-ana', counters: { reopened: 1 } });
    expect(agentCountersFor({ event: reopened, dims: dims({ assignee: 'agent-bo' }) })).toEqual({ agentId: 'agent-bo', counters: { reopened: 1 } });
    expect(agentCountersFor({ event: reopened, dims: dims() })).toBeUndefined();
    const byRequester = ev('requester.replied', { reopened: true, from: 'resolved' }, plus(HOUR), requester);
    expect(agentCountersFor({ event: byRequester, dims: dims({ resolvedBy: 'agent-ana' }) })).toEqual({ agentId: 'agent-ana', counters: { reopened: 1 } });
    const rated = ev('satisfaction.rated', { rating: 4, comment: 'quick', resolution: 1 }, plus(HOUR), requester);
    expect(agentCountersFor({ event: rated, dims: dims({ resolvedBy: 'agent-ana' }) })).toEqual({ agentId: 'agent-ana', counters: { satisfaction_count: 1, satisfaction_sum: 4 } });
  });

  it('ignores ratings that are not a whole score from 1 to 5', () => {
    for (const rating of [0, 6, 3.5, '4', null]) {
      expect(agentCountersFor({ event: ev('satisfaction.rated', { rating, resolution: 1 }, plus(HOUR)), dims: dims({ resolvedBy: 'agent-ana' }) })).toBeUndefined();
    }
  });

  it('puts the delta in the local day of the event, under the case category', () => {
    const [delta] = agentDeltasFor({ event: ev('agent.replied', { message: 'hi', firstResponse: true }, plus(20 * MINUTE)), dims: dims({ category: 'payout' }) });
    // 07:50Z is 23:50 on Tuesday in Los Angeles.
    expect(delta?.key).toEqual({ day: '2026-11-24', agentId: 'agent-ana', category: 'payout' });
  });
});

describe('the lifecycle records who resolved', () => {
  const open = (): CaseRecord =>
    openCase(
      { channel: 'web', requester: { email: 'r@example.com' }, subject: 'Refund please', message: 'I was charged twice for my order.', categoryHint: 'refund' },
      { caseId: 'c-1', reference: 'TD-1', now: new Date(OPENED_AT), priorComplaints: [], policies },
    ).record;

  it('keeps resolvedBy through a reopen, so the reopen counts for the resolver', () => {
    const resolved = applyAgentAction(open(), { type: 'resolve', outcome: 'resolved' }, ANA, new Date(plus(HOUR)), policies.sla, NO_FOUR_EYES).record;
    expect(resolved.resolvedBy).toBe('agent-ana');
    const reopen = applyRequesterReply(resolved, { email: 'r@example.com', subject: 'Re: refund', message: 'Still charged twice.', attachments: [] }, new Date(plus(2 * HOUR)), policies.sla, NO_FOUR_EYES);
    expect(reopen.record.resolvedBy).toBe('agent-ana');
    expect(agentCountersFor({ event: reopen.event, dims: { ...dims(), resolvedBy: reopen.record.resolvedBy! } })).toEqual({ agentId: 'agent-ana', counters: { reopened: 1 } });
  });

  it('gives an approved resolution to its proposer', () => {
    const proposed = applyAgentAction(open(), { type: 'resolve', outcome: 'confirmed_risk' }, ANA, new Date(plus(HOUR)), policies.sla, fourEyes);
    expect(proposed.event.type).toBe('approval.requested');
    const approved = applyAgentAction(proposed.record, { type: 'approve' }, BO, new Date(plus(2 * HOUR)), policies.sla, fourEyes);
    expect(approved.event.type).toBe('case.resolved');
    expect(approved.record.resolvedBy).toBe('agent-ana');
    expect(agentCountersFor({ event: approved.event, dims: dims() })?.agentId).toBe('agent-ana');
  });
});

describe('agentStats: medians from the bounded histogram', () => {
  const responses = (minutes: number[]) =>
    minutes.reduce<Record<string, number>>((c, m) => {
      const d = agentCountersFor({ event: ev('agent.replied', { message: 'hi', firstResponse: true }, plus(m * MINUTE)), dims: dims() })!.counters;
      for (const [k, v] of Object.entries(d)) c[k] = (c[k] ?? 0) + v;
      return c;
    }, {});

  it('interpolates the median within its bucket (10, 20, 50 minutes → between the 15 and 30 edges)', () => {
    const s = agentStats(responses([10, 20, 50]));
    expect(s.firstResponses).toBe(3);
    expect(s.medianFirstResponse).toEqual({ minutes: 22.5, atLeast: false });
    expect(s.medianResolution).toBeNull();
  });

  it('says "at least" when the median is beyond the last edge', () => {
    expect(agentStats(responses([20_000, 30_000, 5])).medianFirstResponse).toEqual({ minutes: 10080, atLeast: true });
  });

  it('computes attainment, reopen rate and satisfaction from the counters', () => {
    const s = agentStats({ resolved: 4, resolution_within_sla: 3, resolution_breached: 1, first_response_within_sla: 1, first_response_breached: 1, reopened: 1, satisfaction_count: 3, satisfaction_sum: 13 });
    expect(s).toMatchObject({ handled: 4, resolutionSla: 75, firstResponseSla: 50, reopened: 1, reopenRate: 25, satisfaction: { average: 4.33, count: 3 } });
    expect(agentStats({})).toMatchObject({ handled: 0, resolutionSla: null, reopenRate: null, satisfaction: { average: null, count: 0 } });
  });
});

describe('agentReport: rows per agent and category', () => {
  const row = (day: string, agentId: string, category: string, counters: Record<string, number>): AgentRow => ({ key: { day, agentId, category }, counters });
  const rows = [
    row('2026-11-23', 'agent-ana', 'refund', { resolved: 2, satisfaction_count: 1, satisfaction_sum: 5 }),
    row('2026-11-24', 'agent-ana', 'refund', { resolved: 1, reopened: 1, satisfaction_count: 1, satisfaction_sum: 3 }),
    row('2026-11-24', 'agent-ana', 'payout', { resolved: 1 }),
    row('2026-11-24', 'agent-bo', 'refund', { resolved: 5 }),
    row('2026-11-24', 'agent-gone', 'payout', { first_responses: 1 }),
    // Outside the period: left out.
    row('2026-11-16', 'agent-ana', 'refund', { resolved: 50 }),
  ];
  const days = ['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29'];
  const names = new Map([
    ['agent-ana', 'Ana Lima'],
    ['agent-bo', 'Bo Chen'],
  ]);

  it('sums the period days per agent and per category, busiest first, named by agent record (the id when none)', () => {
    const report = agentReport(rows, days, names);
    expect(report.map((a) => [a.agentId, a.name, a.handled])).toEqual([
      ['agent-bo', 'Bo Chen', 5],
      ['agent-ana', 'Ana Lima', 4],
      ['agent-gone', 'agent-gone', 0],
    ]);
    const ana = report[1]!;
    expect(ana).toMatchObject({ reopened: 1, reopenRate: 25, satisfaction: { average: 4, count: 2 } });
    expect(ana.byCategory.map((c) => [c.id, c.label, c.handled, c.reopenRate])).toEqual([
      ['refund', 'Refund', 3, (1 / 3) * 100],
      ['payout', 'Payout', 1, 0],
    ]);
  });

  it('is empty without rows in the period', () => {
    expect(agentReport(rows, ['2026-12-01'], names)).toEqual([]);
  });
});
