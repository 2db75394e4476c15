import { describe, it, expect } from 'vitest';
import policyJson from '../../../config/triage-policy.json' with { type: 'json' };
import {
  compilePolicy,
  normalizeText,
  parseTriagePolicy,
  tokenize,
  TriagePolicyError,
} from '../../../domain/triage/index.ts';

/** A deep copy of the real config that a test may break. */
function configCopy(): any {
  return structuredClone(policyJson);
}

function problemsOf(json: unknown): { path: string; message: string }[] {
  try {
    parseTriagePolicy(json);
  } catch (err) {
    expect(err).toBeInstanceOf(TriagePolicyError);
    return [...(err as TriagePolicyError).problems];
  }
  throw new Error('expected the policy to be rejected');
}

describe('parseTriagePolicy: the real config', () => {
  it('accepts config/triage-policy.json with the documented defaults', () => {
    const policy = parseTriagePolicy(policyJson);
    expect(policy.repeatComplaints.windowDays).toBe(30);
    expect(policy.priority.categoryMinimum).toMatchObject({ unauthorized_charge: 'P2', fraud_scam: 'P2', safety: 'P2' });
    expect(policy.fx.toUsd['USD']).toBe(1);
    for (const code of ['EUR', 'GBP', 'JPY', 'CAD', 'AUD', 'BRL', 'INR', 'KRW', 'MXN', 'PHP', 'IDR', 'TRY']) {
      expect(policy.fx.toUsd[code], code).toBeGreaterThan(0);
    }
    expect(policy.safetyCritical.minors.phrases).toEqual(expect.arrayContaining(['minor', 'underage', 'child', '13 year old']));
    expect(policy.safetyCritical.selfHarm.phrases).toEqual(expect.arrayContaining(['suicide', 'kill myself', 'self harm']));
  });

  it('returns a deep-frozen policy so the compiled matcher cache cannot go stale', () => {
    const policy = parseTriagePolicy(policyJson);
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.categories.keywords.refund)).toBe(true);
    expect(() => {
      (policy.categories.keywords.refund as string[]).push('x');
    }).toThrow(TypeError);
  });

  it('compiles each policy object once and caches it', () => {
    const a = parseTriagePolicy(policyJson);
    const b = parseTriagePolicy(policyJson);
    expect(compilePolicy(a)).toBe(compilePolicy(a));
    expect(compilePolicy(a)).not.toBe(compilePolicy(b));
  });
});

describe('parseTriagePolicy: rejects a bad policy naming the bad path', () => {
  it('priority thresholds out of order', () => {
    const json = configCopy();
    json.priority.thresholds.P2 = json.priority.thresholds.P1;
    const problems = problemsOf(json);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe('priority.thresholds.P2');
    expect(problems[0]!.message).toMatch(/below P1/);
  });

  it('the error message lists the path for a human', () => {
    const json = configCopy();
    json.repeatComplaints.windowDays = 0;
    expect(() => parseTriagePolicy(json)).toThrow(/Invalid triage policy \(1 problem\):\n {2}- repeatComplaints\.windowDays: /);
  });

  it('a category missing from the keyword lists', () => {
    const json = configCopy();
    delete json.categories.keywords.payout;
    expect(problemsOf(json).map((p) => p.path)).toEqual(['categories.keywords.payout']);
  });

  it('a lower-case currency code', () => {
    const json = configCopy();
    json.fx.toUsd.eur = 1.1;
    const problems = problemsOf(json);
    expect(problems.map((p) => p.path)).toEqual(['fx.toUsd.eur']);
    expect(problems[0]!.message).toMatch(/ISO 4217/);
  });

  it('USD not at rate 1', () => {
    const json = configCopy();
    json.fx.toUsd.USD = 1.2;
    expect(problemsOf(json).map((p) => p.path)).toEqual(['fx.toUsd.USD']);
  });

  it('a misspelt field', () => {
    const json = configCopy();
    json.repeatComplaint = json.repeatComplaints;
    delete json.repeatComplaints;
    const problems = problemsOf(json);
    expect(problems).toContainEqual({ path: 'repeatComplaint', message: 'unknown field (typo?)' });
    expect(problems.map((p) => p.path)).toContain('repeatComplaints');
  });

  it('negative or fractional points', () => {
    const json = configCopy();
    json.amount.bandsUsd[2].points = -5;
    json.customerValue.tierPoints.gold = 2.5;
    expect(problemsOf(json).map((p) => p.path).sort()).toEqual(['amount.bandsUsd[2].points', 'customerValue.tierPoints.gold']);
  });

  it('amount bands not ascending', () => {
    const json = configCopy();
    json.amount.bandsUsd[3].minUsd = json.amount.bandsUsd[2].minUsd;
    expect(problemsOf(json).map((p) => p.path)).toEqual(['amount.bandsUsd[3].minUsd']);
  });

  it('a keyword that could never match', () => {
    const json = configCopy();
    json.suspiciousKeywords.points['stolen. card'] = 10;
    json.categories.keywords.refund.push('!!!');
    const paths = problemsOf(json).map((p) => p.path);
    expect(paths).toContain('suspiciousKeywords.points["stolen. card"]');
    expect(paths).toContain(`categories.keywords.refund[${json.categories.keywords.refund.length - 1}]`);
  });

  it('two suspicious keywords that are the same once normalised', () => {
    const json = configCopy();
    json.suspiciousKeywords.points['DIDN’T Authorize'] = 5;
    const problems = problemsOf(json);
    expect(problems.map((p) => p.path)).toEqual(['suspiciousKeywords.points["DIDN’T Authorize"]']);
    expect(problems[0]!.message).toMatch(/duplicates "didn't authorize"/);
  });

  it('precedence missing a category or listing one twice', () => {
    const json = configCopy();
    json.categories.precedence = json.categories.precedence.filter((c: string) => c !== 'other');
    json.categories.precedence.push('refund');
    const problems = problemsOf(json);
    expect(problems.map((p) => p.path).sort()).toEqual(['categories.precedence', 'categories.precedence[8]']);
    expect(problems.find((p) => p.path === 'categories.precedence')!.message).toMatch(/missing: other/);
  });

  it('an empty self-harm list and a minimum priority that is not a priority', () => {
    const json = configCopy();
    json.safetyCritical.selfHarm.phrases = [];
    json.priority.categoryMinimum.payout = 'P0';
    expect(problemsOf(json).map((p) => p.path).sort()).toEqual([
      'priority.categoryMinimum.payout',
      'safetyCritical.selfHarm.phrases',
    ]);
  });

  it('a safety exception that contains none of its phrases', () => {
    const json = configCopy();
    json.safetyCritical.minors.exceptWhenPartOf = ['major issue'];
    expect(problemsOf(json).map((p) => p.path)).toEqual(['safetyCritical.minors.exceptWhenPartOf[0]']);
  });

  it('something that is not a policy at all', () => {
    expect(problemsOf(null).map((p) => p.path)).toEqual(['(root)']);
    expect(problemsOf('{}').map((p) => p.path)).toEqual(['(root)']);
  });
});

describe('normalizeText', () => {
  it('strips accents, lower-cases, drops apostrophes and collapses gaps', () => {
    expect(normalizeText('  Café  DIDN’T\n\tauthorize — Self-Harm!')).toBe('cafe didnt authorize self harm .');
  });

  it('folds compatibility characters (full-width, ligatures) with NFKD', () => {
    expect(normalizeText('ＲＥＦＵＮＤ ﬁx')).toBe('refund fix');
  });

  it('handles emoji, astral letters, modifier apostrophes and non-Latin scripts', () => {
    expect(normalizeText('🙂refund🙂 𝐫𝐞𝐟𝐮𝐧𝐝 didnʼt İSTANBUL')).toBe('refund refund didnt istanbul');
    expect(tokenize('코인을 못 받았어요. Coins!')).toEqual(['코인을'.normalize('NFKD'), '못'.normalize('NFKD'), '받았어요'.normalize('NFKD'), '.', 'coins', '.']);
    expect(tokenize('')).toEqual([]);
    expect(tokenize(' ... ')).toEqual([]);
  });

  it('keeps clause punctuation as a break token', () => {
    expect(normalizeText('stolen. Card, please?')).toBe('stolen . card . please .');
  });
});
