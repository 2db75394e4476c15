// The evidence policy file: the shipped one parses and says what the defaults say, every key may be left out, and a
// bad value is refused with its field named (a bad regex, one matching nothing but empty text, unknown keys and
// networks, priorities, currency codes, a ring threshold above its bound, a buffer as long as a respond-by period).
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRANSACTION_ID_PATTERNS, EvidencePolicySchema, parseEvidencePolicy } from '#domain/evidence/index.ts';
import { evidencePolicy } from '#lib/evidence-policy.ts';
import evidencePolicyJson from '../../../config/evidence-policy.json' with { type: 'json' };

const problems = (json: unknown): string => {
  try {
    parseEvidencePolicy(json);
  } catch (error) {
    return (error as Error).message;
  }
  return '';
};

describe('parseEvidencePolicy', () => {
  it('accepts the shipped policy, which the functions load at cold start, and which spells out the defaults', () => {
    expect(evidencePolicy.windowDaysBefore).toBe(14);
    expect(evidencePolicy.chargebackRespondByDays).toMatchObject({ visa: 30, mastercard: 45, amex: 20, discover: 30 });
    expect(evidencePolicy.ring).toEqual({ minAccounts: 3, maxLinkedAccounts: 20 });
    const { _comment, ...shipped } = parseEvidencePolicy(evidencePolicyJson);
    expect(_comment).toBeDefined();
    expect(parseEvidencePolicy({})).toEqual(shipped);
    expect(parseEvidencePolicy({}).transactionIdPatterns).toEqual(DEFAULT_TRANSACTION_ID_PATTERNS);
  });

  it('fills every left-out key, nested ones too, with its default', () => {
    const p = parseEvidencePolicy({ points: { possible_ring: 50 }, chargebackRespondByDays: { visa: 15 }, ring: { minAccounts: 4 }, amountTolerance: { percent: 0 } });
    expect(p.points).toMatchObject({ possible_ring: 50, duplicate_charge: 25 });
    expect(p.chargebackRespondByDays).toMatchObject({ visa: 15, mastercard: 45 });
    expect(p.ring).toEqual({ minAccounts: 4, maxLinkedAccounts: 20 });
    expect(p.amountTolerance).toEqual({ absolute: 0.01, percent: 0 });
  });

  it('names each bad field', () => {
    const message = problems({
      windowDaysBefore: 0,
      duplicateChargeWithinMinutes: 1.5,
      chargebackRespondByDays: { visa: 0, diners: 30 },
      transactionIdPatterns: ['tx_(', 'a*'],
      currencySymbols: { '1$': 'USD', '€': 'euro' },
      currencyCodes: ['usd'],
      points: { duplicate_charge: 101, unknown_code: 1 },
      raisesPriorityTo: { duplicate_charge: 'P0' },
      ring: { maxLinkedAccounts: 0 },
      extra: true,
    });
    for (const field of [
      'windowDaysBefore',
      'duplicateChargeWithinMinutes',
      'chargebackRespondByDays.visa',
      'transactionIdPatterns.0',
      'transactionIdPatterns.1',
      'currencySymbols.1$',
      'currencySymbols.€',
      'currencyCodes.0',
      'points.duplicate_charge',
      'raisesPriorityTo.duplicate_charge',
      'ring.maxLinkedAccounts',
    ]) {
      expect(message).toContain(`- ${field}:`);
    }
    expect(message).toMatch(/Invalid evidence policy/);
    expect(message).toMatch(/diners/);
    expect(message).toMatch(/unknown_code/);
    expect(message).toMatch(/extra/);
    expect(message).toMatch(/transactionIdPatterns\.0: not a valid regular expression: "tx_\("/);
    expect(message).toMatch(/transactionIdPatterns\.1: must not match empty text/);
    expect(message).not.toMatch(/chargebackBufferHours/); // not blamed for the bad visa period
  });

  it('refuses a ring threshold above its bound, a buffer as long as the shortest respond-by period, and no pattern at all', () => {
    expect(problems({ ring: { minAccounts: 22, maxLinkedAccounts: 20 } })).toMatch(/- ring\.minAccounts: must be at most ring\.maxLinkedAccounts \+ 1 \(21\)/);
    expect(problems({ ring: { minAccounts: 21, maxLinkedAccounts: 20 } })).toBe('');
    expect(problems({ chargebackBufferHours: 480 })).toMatch(/- chargebackBufferHours: must be shorter than the shortest respond-by period/);
    expect(problems({ chargebackBufferHours: 479 })).toBe('');
    expect(problems({ chargebackRespondByDaysUnknownNetwork: 2, chargebackBufferHours: 48 })).toMatch(/chargebackBufferHours/);
    expect(problems({ transactionIdPatterns: [] })).toMatch(/- transactionIdPatterns: at least one pattern is required/);
    expect(problems({ currencySymbols: { USD: 'USD' } })).toMatch(/- currencySymbols\.USD: is already an ISO code in currencyCodes/);
  });

  it('exports its schema for other checks', () => {
    expect(EvidencePolicySchema.safeParse({ windowDaysBefore: 400 }).success).toBe(false);
  });
});
