import { describe, it, expect } from 'vitest';
import policyJson from '../../../config/triage-policy.json' with { type: 'json' };
import { parseTriagePolicy, triage, type TriageInput } from '../../../domain/triage/index.ts';

const policy = parseTriagePolicy(policyJson);
const NOW = new Date('2025-06-30T12:00:00.000Z');
const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY).toISOString();

describe('triage end to end', () => {
  it('stolen card, gold user, repeat complainant', () => {
    const input: TriageInput = {
      subject: 'Charges I did not make',
      message:
        "My card was stolen last week and someone used my card to buy coins on your app. I didn't authorize any of this, my bank told me to contact you.",
      amount: 450,
      currency: 'EUR',
      profile: { userId: 'u-1', tier: 'gold', lifetimeSpend: 1200 },
      priorComplaints: [
        { caseId: 'case-2', reference: 'TD-0002', category: 'refund', openedAt: daysAgo(5) },
        { caseId: 'case-1', reference: 'TD-0001', category: 'refund', openedAt: daysAgo(90) },
      ],
      now: NOW,
    };
    const r = triage(input, policy);
    expect(r.category).toBe('unauthorized_charge');
    expect(r.categorySource).toBe('text');
    expect(r.matchedKeywords).toEqual(['card was stolen', 'someone used my card', "didn't authorize", 'bank']);
    // category 25 + amount (468 USD -> band 100) 10 + gold 10 + suspicious min(55, 40) + repeat 10 = 95
    expect(r.riskFactors.map((f) => [f.code, f.points])).toEqual([
      ['suspicious_keywords', 40],
      ['category', 25],
      ['amount', 10],
      ['value_tier', 10],
      ['repeat_complaints', 10],
    ]);
    expect(r.riskScore).toBe(95);
    expect(r.repeatCount).toBe(1);
    expect(r.repeatOf).toEqual(['case-2']);
    expect(r.priority).toBe('P1');
    expect(r.safetyCritical).toBe(false);
  });

  it('a plain refund request from an unknown user is low priority', () => {
    const r = triage(
      { subject: 'Refund', message: 'I bought a subscription by accident, can I get a refund?', priorComplaints: [], now: NOW },
      policy,
    );
    expect(r).toEqual({
      category: 'refund',
      categorySource: 'text',
      matchedKeywords: [],
      riskScore: 5,
      riskFactors: [{ code: 'category', points: 5, detail: 'Category refund' }],
      repeatCount: 0,
      repeatOf: [],
      priority: 'P4',
      safetyCritical: false,
    });
  });

  it('the category floor applies to the text classification', () => {
    const r = triage({ subject: 'Scam', message: 'This is a scam', priorComplaints: [], now: NOW }, policy);
    expect(r.category).toBe('fraud_scam');
    expect(r.riskScore).toBeLessThan(policy.priority.thresholds.P2);
    expect(r.priority).toBe('P2');
  });

  it('matchedKeywords are distinct, lower-case, suspicious and safety only', () => {
    const r = triage(
      {
        subject: 'CHARGEBACK',
        message: 'Chargeback chargeback! The streamer is a MINOR. I want a refund for my coins.',
        priorComplaints: [],
        now: NOW,
      },
      policy,
    );
    expect(r.matchedKeywords).toEqual(['chargeback', 'minor']);
  });

  it('risk factors are ordered by points and add up to the unclamped score; riskScore is a clamped integer', () => {
    const r = triage(
      {
        subject: 'Hacked and scammed',
        message: 'Phishing link, identity theft, sim swap. My lawyer and the police are involved.',
        categoryHint: 'fraud_scam',
        amount: 25_000,
        currency: 'CAD',
        profile: { userId: 'u', tier: 'top', lifetimeSpend: 90_000 },
        priorComplaints: [1, 2, 3, 4].map((n) => ({ caseId: `c${n}`, reference: `R${n}`, category: 'fraud_scam' as const, openedAt: daysAgo(n) })),
        now: NOW,
      },
      policy,
    );
    const points = r.riskFactors.map((f) => f.points);
    expect(points).toEqual([...points].sort((a, b) => b - a));
    const sum = points.reduce((a, b) => a + b, 0);
    expect(sum).toBe(25 + 40 + 20 + 40 + 30); // category, amount (17,500 USD), top tier, suspicious cap, repeat cap
    expect(r.riskScore).toBe(100);
    expect(Number.isInteger(r.riskScore)).toBe(true);
    expect(r.repeatCount).toBe(4);
    expect(r.repeatOf).toEqual(['c1', 'c2', 'c3', 'c4']);
  });

  it('does not mutate its input', () => {
    const priorComplaints = [
      { caseId: 'a', reference: 'A', category: 'refund' as const, openedAt: daysAgo(20) },
      { caseId: 'b', reference: 'B', category: 'refund' as const, openedAt: daysAgo(1) },
    ];
    const snapshot = structuredClone(priorComplaints);
    const r = triage({ subject: 's', message: 'm', priorComplaints, now: NOW }, policy);
    expect(r.repeatOf).toEqual(['b', 'a']);
    expect(priorComplaints).toEqual(snapshot);
  });
});
