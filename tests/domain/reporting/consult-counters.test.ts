// What the aggregator counts of consults and internal escalations: per team, answers by their exact
// business-minute turnaround (so the report's median is exact), nothing for a team name it cannot store.
import { describe, expect, it } from 'vitest';
import type { CaseEvent } from '#domain/case.ts';
import { countersFor, type CaseDims } from '#domain/reporting/aggregate.ts';

const dims: CaseDims = { category: 'payout', priority: 'P3', channel: 'web', openedAt: '2026-04-15T16:00:00.000Z' };
const event = (type: string, data: Record<string, unknown>): CaseEvent => ({ caseId: 'c', version: 2, type, at: '2026-04-15T17:00:00.000Z', actor: { kind: 'system' }, data });

describe('consult and internal counters', () => {
  it('counts a question, an answer with its turnaround and target, and an escalation per team', () => {
    expect(countersFor({ event: event('consult.asked', { team: 'payments' }), dims })).toEqual({ consults_asked__payments: 1 });
    expect(countersFor({ event: event('consult.answered', { team: 'payments', turnaroundMinutes: 42, withinTarget: true }), dims })).toEqual({
      consults_answered__payments: 1,
      consults_within_target__payments: 1,
      consult_turnaround__payments__42: 1,
    });
    expect(countersFor({ event: event('consult.answered', { team: 'legal', turnaroundMinutes: 900, withinTarget: false }), dims })).toEqual({ consults_answered__legal: 1, consult_turnaround__legal__900: 1 });
    expect(countersFor({ event: event('consult.escalated', { team: 'legal' }), dims })).toEqual({ consults_escalated__legal: 1 });
    expect(countersFor({ event: event('internal.escalated', {}), dims })).toEqual({ internal_escalations: 1 });
  });

  it('ignores a team name that is not a config name', () => {
    expect(countersFor({ event: event('consult.asked', { team: 'Pay ments#1' }), dims })).toEqual({});
  });
});
