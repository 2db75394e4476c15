import { describe, expect, it } from 'vitest';
import { acknowledgementDecision, acknowledgementHour, parseEmailPolicy } from '#domain/email/loop-breaker.ts';
import emailPolicy from '../../../config/email-policy.json' with { type: 'json' };

describe('loop breaker', () => {
  it('ships a policy of 5 acknowledgements per sender an hour, and defaults to 5 when it says nothing', () => {
    expect(parseEmailPolicy(emailPolicy).acknowledgementsPerSenderPerHour).toBe(5);
    expect(parseEmailPolicy({ version: 1 }).acknowledgementsPerSenderPerHour).toBe(5);
  });

  it('sends up to the cap and withholds the rest', () => {
    const policy = parseEmailPolicy({ version: 1, acknowledgementsPerSenderPerHour: 2 });
    expect([1, 2, 3, 4].map((nth) => acknowledgementDecision(nth, policy))).toEqual(['send', 'send', 'withhold', 'withhold']);
  });

  it('counts per UTC hour', () => {
    expect(acknowledgementHour(new Date('2026-12-03T14:59:59.999Z'))).toBe('2026-12-03T14');
    expect(acknowledgementHour(new Date('2026-12-03T15:00:00Z'))).toBe('2026-12-03T15');
  });

  it('refuses a policy with a negative, fractional or unknown setting, naming it', () => {
    expect(() => parseEmailPolicy({ version: 1, acknowledgementsPerSenderPerHour: -1 })).toThrow(/acknowledgementsPerSenderPerHour/);
    expect(() => parseEmailPolicy({ version: 1, acknowledgementsPerSenderPerHour: 1.5 })).toThrow(/acknowledgementsPerSenderPerHour/);
    expect(() => parseEmailPolicy({ version: 1, ackCap: 3 })).toThrow(/ackCap|unrecognized/i);
  });
});
