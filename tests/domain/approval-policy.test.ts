// Which resolutions and reopenings need a second person, and the policy file that says so.
import { describe, expect, it } from 'vitest';
import { approvalRules, parseApprovalPolicy, type FourEyes } from '#domain/approval-policy.ts';
import { fourEyes } from '#lib/governance-config.ts';
import { policies } from '#lib/policies.ts';
import approvalPolicyJson from '../../config/approval-policy.json' with { type: 'json' };
import { caseAt } from '../functions/lifecycle-fakes.ts';

const policy = parseApprovalPolicy(approvalPolicyJson);
const rules: FourEyes = { policy: { ...policy, riskScoreAtLeast: 70, amountUsdAtLeast: 2000 }, triage: { ...policies.triage, fx: { ...policies.triage.fx, toUsd: { USD: 1, EUR: 1.1 } } } };
const ordinary = caseAt('P3', { category: 'gifts_coins', riskScore: 10 });

describe('approvalRules', () => {
  it('needs nothing for an ordinary resolution', () => {
    for (const outcome of ['resolved', 'false_positive', 'duplicate'] as const) expect(approvalRules(ordinary, { kind: 'resolve', outcome }, rules)).toEqual([]);
  });

  it('names each rule that applies: the outcome, the category, the risk score, the amount in USD', () => {
    expect(approvalRules(ordinary, { kind: 'resolve', outcome: 'confirmed_risk' }, rules)).toEqual(['outcome confirmed_risk']);
    expect(approvalRules({ ...ordinary, category: 'safety' }, { kind: 'resolve', outcome: 'resolved' }, rules)).toEqual(['category safety']);
    expect(approvalRules({ ...ordinary, riskScore: 70 }, { kind: 'resolve', outcome: 'resolved' }, rules)).toEqual(['risk score 70 ≥ 70']);
    expect(approvalRules({ ...ordinary, riskScore: 69 }, { kind: 'resolve', outcome: 'resolved' }, rules)).toEqual([]);
    const all = { ...ordinary, category: 'safety' as const, riskScore: 90, amount: 2000, currency: 'USD' };
    expect(approvalRules(all, { kind: 'resolve', outcome: 'confirmed_risk' }, rules)).toEqual(['outcome confirmed_risk', 'category safety', 'risk score 90 ≥ 70', 'amount ≥ 2000 USD']);
  });

  it('judges the amount in USD at the policy rates, at or above the threshold', () => {
    const amount = (value: number, currency: string) => approvalRules({ ...ordinary, amount: value, currency }, { kind: 'resolve', outcome: 'resolved' }, rules);
    expect(amount(1999.99, 'USD')).toEqual([]);
    expect(amount(2000, 'USD')).toEqual(['amount ≥ 2000 USD']);
    expect(amount(1818, 'EUR')).toEqual([]); // 1999.80 USD
    expect(amount(1820, 'eur')).toEqual(['amount ≥ 2000 USD']); // 2002 USD
    expect(amount(1_000_000, 'XYZ')).toEqual([]); // no rate: not judged by amount
    expect(amount(1_000_000, 'XYZ')).toEqual([]);
  });

  it('needs approval to reopen a case resolved as a listed outcome only', () => {
    expect(approvalRules({ ...ordinary, status: 'resolved', outcome: 'confirmed_risk' }, { kind: 'reopen' }, rules)).toEqual(['reopening a case resolved as confirmed_risk']);
    expect(approvalRules({ ...ordinary, status: 'closed', outcome: 'resolved', category: 'safety' }, { kind: 'reopen' }, rules)).toEqual([]);
  });
});

describe('parseApprovalPolicy', () => {
  it('accepts the shipped policy, and four-eyes uses the triage rates', () => {
    expect(policy.outcomes).toEqual(['confirmed_risk']);
    expect(policy.categories).toEqual(['safety']);
    expect(fourEyes.triage).toBe(policies.triage);
  });

  it('refuses unknown outcomes and categories, bad minutes, an escalation before the reminder, and unknown keys, naming each', () => {
    const bad = { ...approvalPolicyJson, outcomes: ['maybe'], categories: ['spam'], remindAfterMinutes: 0, approversAddress: 'nobody', extra: 1 };
    let message = '';
    try {
      parseApprovalPolicy(bad);
    } catch (error) {
      message = (error as Error).message;
    }
    for (const field of ['outcomes.0', 'categories.0', 'remindAfterMinutes', 'approversAddress']) expect(message).toContain(`- ${field}:`);
    expect(message).toMatch(/extra/);
    expect(() => parseApprovalPolicy({ ...approvalPolicyJson, escalateAfterMinutes: approvalPolicyJson.remindAfterMinutes })).toThrow(/escalateAfterMinutes: must be after remindAfterMinutes/);
  });
});
