import { describe, it, expect } from 'vitest';
import policyJson from '../../../config/triage-policy.json' with { type: 'json' };
import { parseTriagePolicy, scanText, scoreRisk, type RiskInput } from '../../../domain/triage/index.ts';
import type { PriorComplaint } from '../../../domain/case.ts';

const policy = parseTriagePolicy(policyJson);
const NOW = new Date('2025-06-30T12:00:00.000Z');
const DAY = 86_400_000;

function input(overrides: Partial<RiskInput> & { text?: string } = {}): RiskInput {
  const { text = '', ...rest } = overrides;
  return { category: 'other', scan: scanText('', text, policy), priorComplaints: [], now: NOW, ...rest };
}

function prior(caseId: string, daysAgo: number): PriorComplaint {
  return {
    caseId,
    reference: `REF-${caseId}`,
    category: 'refund',
    openedAt: new Date(NOW.getTime() - daysAgo * DAY).toISOString(),
  };
}

function pointsOf(code: string, factors: { code: string; points: number }[]): number | undefined {
  return factors.find((f) => f.code === code)?.points;
}

describe('scoreRisk: factors', () => {
  it('is 0 with no factors for an unremarkable inquiry', () => {
    expect(scoreRisk(input(), policy)).toEqual({ score: 0, unclampedScore: 0, factors: [], repeatOf: [] });
  });

  it('adds the category base points', () => {
    const r = scoreRisk(input({ category: 'unauthorized_charge' }), policy);
    expect(r.factors).toEqual([{ code: 'category', points: 25, detail: 'Category unauthorized_charge' }]);
    expect(r.score).toBe(25);
  });

  it('sums every factor, orders them by points and explains each', () => {
    const r = scoreRisk(
      input({
        category: 'payout', // 15
        amount: 600, // band >= 500: 20
        currency: 'USD',
        profile: { userId: 'u1', tier: 'gold', lifetimeSpend: 300 }, // 10
        text: 'I will call the police about this chargeback', // police 10 + chargeback 15
        priorComplaints: [prior('c1', 3)], // 10
      }),
      policy,
    );
    expect(r.factors.map((f) => [f.code, f.points])).toEqual([
      ['suspicious_keywords', 25],
      ['amount', 20],
      ['category', 15],
      ['value_tier', 10],
      ['repeat_complaints', 10],
    ]);
    expect(r.unclampedScore).toBe(80);
    expect(r.score).toBe(80);
    expect(r.factors.reduce((s, f) => s + f.points, 0)).toBe(r.unclampedScore);
    for (const f of r.factors) expect(f.detail.length).toBeGreaterThan(0);
    expect(r.factors.find((f) => f.code === 'suspicious_keywords')!.detail).toBe(
      'Suspicious keywords: "police" (10), "chargeback" (15)',
    );
  });

  it('clamps the score at 100 while the factors still add up to the unclamped sum', () => {
    const greedy = parseTriagePolicy({
      ...policyJson,
      categories: { ...policyJson.categories, basePoints: { ...policyJson.categories.basePoints, fraud_scam: 90 } },
    });
    const r = scoreRisk(
      { category: 'fraud_scam', scan: scanText('', '', greedy), amount: 20_000, currency: 'USD', priorComplaints: [], now: NOW },
      greedy,
    );
    expect(r.unclampedScore).toBe(130);
    expect(r.score).toBe(100);
    expect(r.factors.reduce((s, f) => s + f.points, 0)).toBe(130);
  });

  it('caps suspicious keyword points', () => {
    const r = scoreRisk(input({ text: 'Hacked! Stolen card, identity theft, phishing. Calling my lawyer.' }), policy);
    // 15 + 20 + 20 + 15 + 10 = 80, capped at 40
    expect(pointsOf('suspicious_keywords', r.factors)).toBe(40);
    expect(r.factors[0]!.detail).toMatch(/capped at 40$/);
  });
});

describe('scoreRisk: amount and FX', () => {
  it('uses the USD band', () => {
    expect(pointsOf('amount', scoreRisk(input({ amount: 19.99, currency: 'USD' }), policy).factors)).toBe(0);
    expect(pointsOf('amount', scoreRisk(input({ amount: 20, currency: 'USD' }), policy).factors)).toBe(5);
    expect(pointsOf('amount', scoreRisk(input({ amount: 2000, currency: 'USD' }), policy).factors)).toBe(30);
    expect(pointsOf('amount', scoreRisk(input({ amount: 1_000_000, currency: 'USD' }), policy).factors)).toBe(40);
  });

  it('converts other currencies with the policy rates', () => {
    // 100 EUR * 1.04 = 104 USD -> band >= 100
    const eur = scoreRisk(input({ amount: 100, currency: 'EUR' }), policy).factors[0]!;
    expect(eur).toMatchObject({ code: 'amount', points: 10 });
    expect(eur.detail).toContain('≈ 104.00 USD');
    // 90 EUR = 93.60 USD -> band >= 20 (it would be 10 points if read as USD... it is not)
    expect(pointsOf('amount', scoreRisk(input({ amount: 90, currency: 'EUR' }), policy).factors)).toBe(5);
    // 10,000 JPY = 64 USD -> band >= 20, not the 10,000 band
    expect(pointsOf('amount', scoreRisk(input({ amount: 10_000, currency: 'JPY' }), policy).factors)).toBe(5);
    // 10,000,000 IDR = 620 USD -> band >= 500
    expect(pointsOf('amount', scoreRisk(input({ amount: 10_000_000, currency: 'IDR' }), policy).factors)).toBe(20);
    // 2,000 GBP = 2,500 USD -> band >= 2000
    expect(pointsOf('amount', scoreRisk(input({ amount: 2_000, currency: 'GBP' }), policy).factors)).toBe(30);
  });

  it('an unknown currency gives a 0-point factor saying it is unrated', () => {
    const r = scoreRisk(input({ amount: 5000, currency: 'XAU' }), policy);
    expect(r.factors).toHaveLength(1);
    expect(r.factors[0]).toMatchObject({ code: 'amount_unrated', points: 0 });
    expect(r.factors[0]!.detail).toMatch(/XAU not rated/);
    expect(r.score).toBe(0);
  });

  it('an amount without currency is unrated, no amount gives no factor', () => {
    expect(scoreRisk(input({ amount: 50 }), policy).factors[0]).toMatchObject({ code: 'amount_unrated', points: 0 });
    expect(scoreRisk(input({ currency: 'USD' }), policy).factors).toEqual([]);
  });
});

describe('scoreRisk: value tier and lifetime spend', () => {
  const tier = (t: 'standard' | 'silver' | 'gold' | 'platinum' | 'top', lifetimeSpend = 0) =>
    scoreRisk(input({ profile: { userId: 'u', tier: t, lifetimeSpend } }), policy).factors;

  it('gives the tier points', () => {
    expect(tier('standard')).toEqual([]);
    expect(pointsOf('value_tier', tier('silver'))).toBe(5);
    expect(pointsOf('value_tier', tier('gold'))).toBe(10);
    expect(pointsOf('value_tier', tier('platinum'))).toBe(15);
    expect(pointsOf('value_tier', tier('top'))).toBe(20);
  });

  it('a high lifetime spend counts even for a standard user, but not on top of a better tier', () => {
    expect(tier('standard', 4999.99)).toEqual([]);
    expect(tier('standard', 5000)).toEqual([expect.objectContaining({ code: 'lifetime_spend', points: 10 })]);
    expect(tier('silver', 9000)).toEqual([expect.objectContaining({ code: 'lifetime_spend', points: 10 })]);
    expect(tier('top', 9000)).toEqual([expect.objectContaining({ code: 'value_tier', points: 20 })]);
  });

  it('an unknown user gives no value factor', () => {
    expect(scoreRisk(input({ profile: undefined }), policy).factors).toEqual([]);
  });
});

describe('scoreRisk: repeat complaints', () => {
  it('counts a complaint 29 days old but not one 31 days old', () => {
    const r = scoreRisk(input({ priorComplaints: [prior('old', 31), prior('recent', 29)] }), policy);
    expect(r.repeatOf.map((c) => c.caseId)).toEqual(['recent']);
    expect(r.factors).toEqual([
      {
        code: 'repeat_complaints',
        points: 10,
        detail: '1 earlier complaint in the last 30 days (REF-recent) × 10',
      },
    ]);
  });

  it('includes the exact window edge and excludes anything a millisecond older or in the future', () => {
    const edge = prior('edge', 30);
    const justOut = { ...prior('just-out', 30), openedAt: new Date(NOW.getTime() - 30 * DAY - 1).toISOString() };
    const future = { ...prior('future', 0), openedAt: new Date(NOW.getTime() + 60_000).toISOString() };
    const r = scoreRisk(input({ priorComplaints: [justOut, edge, future] }), policy);
    expect(r.repeatOf.map((c) => c.caseId)).toEqual(['edge']);
  });

  it('lists the most recent first, ignores duplicates and unparseable dates, and caps the points', () => {
    const broken = { ...prior('broken', 1), openedAt: 'yesterday' };
    const r = scoreRisk(
      input({ priorComplaints: [prior('a', 20), prior('b', 2), prior('b', 2), prior('c', 10), prior('d', 1), broken] }),
      policy,
    );
    expect(r.repeatOf.map((c) => c.caseId)).toEqual(['d', 'b', 'c', 'a']);
    expect(pointsOf('repeat_complaints', r.factors)).toBe(30); // 4 x 10, capped at 30
  });
});
