// Evidence on the case: one `evidence.gathered` change whose findings replace the last gathering's risk factors,
// may raise the priority (never lower it), and whose chargeback respond-by caps the resolution deadline for good.
import { describe, expect, it } from 'vitest';
import type { Finding } from '#domain/evidence/index.ts';
import { applyAgentAction, applyEvidence, type GatheredEvidence } from '#domain/lifecycle.ts';
import { policies } from '#lib/policies.ts';
import { DAY, HOUR, MINUTE, NO_FOUR_EYES, OPENED, at, caseAt } from '../functions/lifecycle-fakes.ts';

const finding = (code: Finding['code'], points: number, extra: Partial<Finding> = {}): Finding => ({ code, points, explanation: `${code} explained`, transactionIds: ['tx_1'], ...extra });

const gathered = (over: Partial<GatheredEvidence> = {}): GatheredEvidence => ({
  trigger: { type: 'case.opened', version: 1 },
  userId: 'u-1',
  transactionIds: ['tx_1'],
  amounts: [{ amount: 120, currency: 'USD' }],
  transactionsRead: 3,
  findings: [],
  points: 100,
  linkedAccounts: [],
  priority: 'P4',
  ...over,
});

describe('applyEvidence', () => {
  it('records one system event, adds the findings as risk factors and raises the priority with its deadlines', () => {
    const current = caseAt('P3');
    const { record, event } = applyEvidence(current, gathered({ findings: [finding('duplicate_charge', 25)], priority: 'P2' }), at(MINUTE), policies.sla);
    expect(event).toMatchObject({ type: 'evidence.gathered', actor: { kind: 'system' }, data: { priority: { from: 'P3', to: 'P2' }, transactionIds: ['tx_1'] } });
    expect(record.priority).toBe('P2');
    expect(record.riskFactors).toContainEqual({ code: 'evidence:duplicate_charge', points: 25, detail: 'duplicate_charge explained' });
    expect(record.riskScore).toBe(Math.min(100, current.riskFactors.reduce((s, f) => s + f.points, 0) + 25));
    expect(Date.parse(record.deadlines.resolutionDue)).toBeLessThan(Date.parse(current.deadlines.resolutionDue));
    expect(record.evidence).toMatchObject({ userId: 'u-1', transactionIds: ['tx_1'], linkedAccounts: 0 });
    expect(record.lifecycleVersion).toBe(record.version);
  });

  it('counts each finding code once, and no more than the evidence points the policy allows', () => {
    const current = caseAt('P3');
    const { record } = applyEvidence(current, gathered({ findings: [finding('duplicate_charge', 25), finding('duplicate_charge', 25), finding('chargeback_open', 30)], points: 40, priority: 'P3' }), at(MINUTE), policies.sla);
    const evidence = record.riskFactors.filter((f) => f.code.startsWith('evidence:'));
    expect(evidence.map((f) => [f.code, f.points])).toEqual([['evidence:chargeback_open', 30], ['evidence:duplicate_charge', 25], ['evidence:cap', -15]]);
    expect(record.riskScore - current.riskScore).toBe(40);
  });

  it('never lowers the priority, and a second gathering replaces the first one’s factors', () => {
    const first = applyEvidence(caseAt('P2'), gathered({ findings: [finding('chargeback_open', 30)], priority: 'P2' }), at(MINUTE), policies.sla).record;
    const { record, event } = applyEvidence(first, gathered({ trigger: { type: 'requester.replied', version: 3 }, findings: [finding('refund_issued', 10)], priority: 'P4' }), at(2 * MINUTE), policies.sla);
    expect(record.priority).toBe('P2');
    expect(event.data.priority).toBeUndefined();
    expect(record.riskFactors.filter((f) => f.code.startsWith('evidence:')).map((f) => f.code)).toEqual(['evidence:refund_issued']);
  });

  it('caps the resolution deadline at the chargeback’s resolve-by, and keeps the cap when a pause re-plans the SLA', () => {
    const current = caseAt('P3');
    const resolveBy = new Date(OPENED.getTime() + 2 * DAY + 3 * HOUR).toISOString();
    expect(Date.parse(current.deadlines.resolutionDue)).toBeGreaterThan(Date.parse(resolveBy));
    const { record } = applyEvidence(current, gathered({ findings: [finding('chargeback_open', 30, { respondBy: new Date(Date.parse(resolveBy) + 2 * DAY).toISOString() })], priority: 'P3', resolveBy }), at(MINUTE), policies.sla);
    expect(record.deadlines.resolutionDue).toBe(resolveBy);
    expect(Date.parse(record.deadlines.resolutionWarnAt!)).toBeLessThan(Date.parse(resolveBy));
    // The agent waits on the requester for a day; the reply re-plans without moving past the chargeback.
    const actor = { kind: 'agent' as const, id: 'ann', role: 'agent' as const };
    const asked = applyAgentAction(record, { type: 'request-info', message: 'Which card?' }, actor, at(HOUR), policies.sla, NO_FOUR_EYES).record;
    const changed = applyAgentAction(asked, { type: 'change-priority', priority: 'P4' }, { ...actor, role: 'lead' }, at(DAY), policies.sla, NO_FOUR_EYES).record;
    expect(changed.deadlines.resolutionDue).toBe(resolveBy);
  });

  it('changes neither the priority nor the deadlines of a case no longer open', () => {
    const closed = caseAt('P3', { status: 'closed' });
    const { record, event } = applyEvidence(closed, gathered({ findings: [finding('possible_ring', 40)], priority: 'P1', ring: { key: 'ring-1', accounts: 4 } }), at(MINUTE), policies.sla);
    expect(record.priority).toBe('P3');
    expect(record.deadlines).toEqual(closed.deadlines);
    expect(record.evidence?.ring).toEqual({ key: 'ring-1', accounts: 4 });
    expect(event.data.ring).toEqual({ key: 'ring-1', accounts: 4 });
  });
});
