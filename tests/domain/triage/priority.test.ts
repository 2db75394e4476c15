import { describe, it, expect } from 'vitest';
import policyJson from '../../../config/triage-policy.json' with { type: 'json' };
import { decidePriority, parseTriagePolicy, priorityFromScore, scanText, triage } from '../../../domain/triage/index.ts';
import type { Category } from '../../../domain/case.ts';

const policy = parseTriagePolicy(policyJson);
const NOW = new Date('2025-06-30T12:00:00.000Z');
const noText = scanText('', '', policy);

describe('priorityFromScore: thresholds P1 >= 70, P2 >= 45, P3 >= 20', () => {
  it.each([
    [100, 'P1'],
    [70, 'P1'],
    [69, 'P2'],
    [45, 'P2'],
    [44, 'P3'],
    [20, 'P3'],
    [19, 'P4'],
    [0, 'P4'],
  ] as const)('score %i -> %s', (score, expected) => {
    expect(priorityFromScore(score, policy)).toBe(expected);
  });
});

describe('decidePriority: category minimum', () => {
  const decide = (riskScore: number, category: Category) => decidePriority({ riskScore, category, scan: noText }, policy);

  it('raises a low score to the category floor', () => {
    expect(decide(10, 'unauthorized_charge')).toMatchObject({ priority: 'P2', safetyCritical: false });
    expect(decide(10, 'fraud_scam').priority).toBe('P2');
    expect(decide(0, 'safety').priority).toBe('P2');
    expect(decide(5, 'account_access').priority).toBe('P3');
    expect(decide(10, 'unauthorized_charge').reason).toBe('Risk score 10 gives P4; category unauthorized_charge is at least P2');
  });

  it('categories without a floor follow the score', () => {
    expect(decide(5, 'payout').priority).toBe('P4');
    expect(decide(5, 'other').priority).toBe('P4');
  });

  it('never lowers a score priority that is above the floor', () => {
    expect(decide(80, 'unauthorized_charge').priority).toBe('P1');
    expect(decide(50, 'account_access').priority).toBe('P2');
  });
});

describe('safety-critical: minors and self-harm are always P1', () => {
  const run = (subject: string, message: string, categoryHint: Category | undefined) =>
    triage({ subject, message, categoryHint, amount: 0, currency: 'USD', priorComplaints: [], now: NOW }, policy);

  it('minors, with category hint other and amount 0', () => {
    const r = run('Question', 'A streamer keeps messaging my 13 year old and asking for pictures', 'other');
    expect(r).toMatchObject({ category: 'other', categorySource: 'form', priority: 'P1', safetyCritical: true });
    expect(r.riskScore).toBeLessThan(policy.priority.thresholds.P3); // the score alone would be P4
    expect(r.matchedKeywords).toEqual(['13 year old']);
  });

  it('self-harm, with category hint other and amount 0', () => {
    const r = run('', 'If I lose this account I will KILL MYSELF', 'other');
    expect(r).toMatchObject({ priority: 'P1', safetyCritical: true, riskScore: 0 });
    expect(r.matchedKeywords).toEqual(['kill myself']);
  });

  it('detects it in the subject too, under any category, in spite of punctuation and hyphen variants', () => {
    expect(run('Self‑harm stream!!', 'please look at this', 'gifts_coins')).toMatchObject({ priority: 'P1', safetyCritical: true });
    expect(run('Underage streamer', 'she says she is 15-years-old', 'payout').priority).toBe('P1');
    expect(run('', 'I think this user is a minor.', undefined)).toMatchObject({ category: 'safety', priority: 'P1' });
  });

  it('the decision says why', () => {
    const d = decidePriority({ riskScore: 0, category: 'other', scan: scanText('', 'suicide and an underage user', policy) }, policy);
    expect(d.reason).toBe('Safety-critical (self-harm and minors): "suicide", "underage"');
  });

  it('"minor" used as an adjective is not a safety report', () => {
    const r = run('Minor issue', 'Just a minor glitch: my gift animation lagged.', 'gifts_coins');
    expect(r.safetyCritical).toBe(false);
    expect(r.priority).toBe('P4');
  });

  it('an exception only hides the words it covers', () => {
    const r = run('', 'A minor issue, but the viewer harassing me is a minor', 'safety');
    expect(r).toMatchObject({ safetyCritical: true, priority: 'P1', matchedKeywords: ['minor'] });
  });

  it('no safety phrase, no override', () => {
    const r = run('Feedback', 'The app is great, keep it up', 'other');
    expect(r).toMatchObject({ safetyCritical: false, priority: 'P4' });
  });
});
