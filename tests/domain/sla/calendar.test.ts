import { describe, expect, it } from 'vitest';
import {
  addBusinessTime,
  businessTimeBetween,
  businessWindow,
  isBusinessInstant,
  localParts,
  zonedTimeToUtc,
  type BusinessCalendar,
} from '../../../domain/sla/calendar.ts';
import { at, cal, HOUR, MINUTE, SECOND } from './fixtures.ts';

const LA = 'America/Los_Angeles';

describe('localParts', () => {
  it('gives the local wall clock in PDT (UTC-7) and PST (UTC-8), with milliseconds and weekday', () => {
    // 2026-06-10T15:30:45.123Z = Wed 08:30:45.123 PDT
    expect(localParts(at('2026-06-10T15:30:45.123Z'), LA)).toEqual({
      year: 2026, month: 6, day: 10, hour: 8, minute: 30, second: 45, millisecond: 123, weekday: 'wed',
    });
    // 2026-12-01T07:59:59Z = Mon 2026-11-30 23:59:59 PST (previous local day)
    expect(localParts(at('2026-12-01T07:59:59Z'), LA)).toMatchObject({
      year: 2026, month: 11, day: 30, hour: 23, minute: 59, second: 59, weekday: 'mon',
    });
  });

  it('shows the repeated 01:30 of the fall-back night twice, one hour apart', () => {
    expect(localParts(at('2026-11-01T08:30:00Z'), LA)).toMatchObject({ hour: 1, minute: 30 }); // PDT
    expect(localParts(at('2026-11-01T09:30:00Z'), LA)).toMatchObject({ hour: 1, minute: 30 }); // PST
  });

  it('rejects unknown zones', () => {
    expect(() => localParts(new Date(), 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

describe('zonedTimeToUtc', () => {
  it('converts ordinary wall times on both sides of DST', () => {
    expect(zonedTimeToUtc({ year: 2026, month: 1, day: 15, hour: 8 }, LA).toISOString()).toBe('2026-01-15T16:00:00.000Z');
    expect(zonedTimeToUtc({ year: 2026, month: 6, day: 15, hour: 8 }, LA).toISOString()).toBe('2026-06-15T15:00:00.000Z');
  });

  it('maps a non-existent 02:30 on spring-forward day 2026-03-08 forward to 03:30 PDT', () => {
    // 03:30 PDT = 10:30Z
    expect(zonedTimeToUtc({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, LA).toISOString()).toBe(
      '2026-03-08T10:30:00.000Z',
    );
    // the instants just around the gap are exact
    expect(zonedTimeToUtc({ year: 2026, month: 3, day: 8, hour: 1, minute: 59, second: 59 }, LA).toISOString()).toBe(
      '2026-03-08T09:59:59.000Z',
    );
    expect(zonedTimeToUtc({ year: 2026, month: 3, day: 8, hour: 3 }, LA).toISOString()).toBe('2026-03-08T10:00:00.000Z');
  });

  it('picks the earlier instant for the ambiguous 01:30 on fall-back day 2026-11-01 (01:30 PDT = 08:30Z)', () => {
    expect(zonedTimeToUtc({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, LA).toISOString()).toBe(
      '2026-11-01T08:30:00.000Z',
    );
    // 02:00 happens once (PST), = 10:00Z
    expect(zonedTimeToUtc({ year: 2026, month: 11, day: 1, hour: 2 }, LA).toISOString()).toBe('2026-11-01T10:00:00.000Z');
  });

  it('round-trips with localParts through 2026 (the second 01:00–01:59 of fall-back maps to the first)', () => {
    let checked = 0;
    let shifted = 0;
    for (let t = Date.parse('2026-01-01T00:00:00Z'); t < Date.parse('2027-01-01T00:00:00Z'); t += 37 * MINUTE) {
      const p = localParts(new Date(t), LA);
      const back = zonedTimeToUtc(p, LA).getTime();
      // In the fall-back overlap the later occurrence maps to the earlier one, one hour before.
      if (back !== t) {
        expect(back, new Date(t).toISOString()).toBe(t - HOUR);
        expect(t).toBeGreaterThanOrEqual(Date.parse('2026-11-01T09:00:00Z'));
        expect(t).toBeLessThan(Date.parse('2026-11-01T10:00:00Z'));
        shifted++;
      }
      checked++;
    }
    expect(checked).toBe(Math.ceil((365 * 1440) / 37));
    expect(shifted).toBeGreaterThan(0);
  });
});

describe('isBusinessInstant (Wed–Sun 08:00–17:00 America/Los_Angeles)', () => {
  it('is open from 08:00 inclusive to 17:00 exclusive on a work day', () => {
    // Wed 2026-06-10, PDT
    expect(isBusinessInstant(at('2026-06-10T14:59:59.999Z'), cal)).toBe(false); // 07:59:59.999
    expect(isBusinessInstant(at('2026-06-10T15:00:00Z'), cal)).toBe(true); // 08:00
    expect(isBusinessInstant(at('2026-06-10T23:59:59.999Z'), cal)).toBe(true); // 16:59:59.999
    expect(isBusinessInstant(at('2026-06-11T00:00:00Z'), cal)).toBe(false); // 17:00
  });

  it('is closed all of Monday and Tuesday', () => {
    expect(isBusinessInstant(at('2026-06-15T19:00:00Z'), cal)).toBe(false); // Mon 12:00
    expect(isBusinessInstant(at('2026-06-16T19:00:00Z'), cal)).toBe(false); // Tue 12:00
    expect(isBusinessInstant(at('2026-06-14T19:00:00Z'), cal)).toBe(true); // Sun 12:00
  });

  it('is closed on Thanksgiving 2026-11-26 (a Thursday) but open the day before and after', () => {
    expect(isBusinessInstant(at('2026-11-26T20:00:00Z'), cal)).toBe(false); // Thu 12:00 PST
    expect(isBusinessInstant(at('2026-11-25T20:00:00Z'), cal)).toBe(true);
    expect(isBusinessInstant(at('2026-11-27T20:00:00Z'), cal)).toBe(true);
  });

  it('uses the local clock on DST days: Sunday 2026-03-08 opens at 08:00 PDT = 15:00Z', () => {
    expect(isBusinessInstant(at('2026-03-08T14:59:59Z'), cal)).toBe(false);
    expect(isBusinessInstant(at('2026-03-08T15:00:00Z'), cal)).toBe(true);
    // Sunday 2026-11-01 opens at 08:00 PST = 16:00Z
    expect(isBusinessInstant(at('2026-11-01T15:59:59Z'), cal)).toBe(false);
    expect(isBusinessInstant(at('2026-11-01T16:00:00Z'), cal)).toBe(true);
    expect(businessWindow({ year: 2026, month: 11, day: 1 }, cal)).toEqual({
      open: at('2026-11-01T16:00:00Z'),
      close: at('2026-11-02T01:00:00Z'),
    });
    expect(businessWindow({ year: 2026, month: 11, day: 2 }, cal)).toBeUndefined(); // Monday
  });
});

describe('addBusinessTime / businessTimeBetween', () => {
  it('counts from the next opening when started on a closed day (Tue 2026-06-09 → Wed 08:00 PDT)', () => {
    // Tue 10:00 PDT + 1 h → Wed 09:00 PDT = 16:00Z
    expect(addBusinessTime(at('2026-06-09T17:00:00Z'), HOUR, cal).toISOString()).toBe('2026-06-10T16:00:00.000Z');
  });

  it('Sunday 16:30 PDT + 1 h → 30 min Sunday, 30 min Wednesday → Wed 08:30 PDT (15:30Z)', () => {
    expect(addBusinessTime(at('2026-06-14T23:30:00Z'), HOUR, cal).toISOString()).toBe('2026-06-17T15:30:00.000Z');
  });

  it('ends exactly at closing time rather than the next opening', () => {
    // Wed 16:00 PDT + 1 h → Wed 17:00 PDT = Thu 00:00Z
    expect(addBusinessTime(at('2026-06-10T23:00:00Z'), HOUR, cal).toISOString()).toBe('2026-06-11T00:00:00.000Z');
    // one more second spills to Thu 08:00:01 PDT
    expect(addBusinessTime(at('2026-06-10T23:00:00Z'), HOUR + SECOND, cal).toISOString()).toBe(
      '2026-06-11T15:00:01.000Z',
    );
  });

  it('returns the start unchanged for zero', () => {
    expect(addBusinessTime(at('2026-06-09T17:00:00Z'), 0, cal).toISOString()).toBe('2026-06-09T17:00:00.000Z');
  });

  it('counts real elapsed time inside a window that contains a DST change', () => {
    const night: BusinessCalendar = { ...cal, open: '00:00', close: '06:00', holidays: [] };
    // Sun 2026-03-08: 00:00 PST (08:00Z) → 06:00 PDT (13:00Z) is only 5 hours
    expect(businessTimeBetween(at('2026-03-08T00:00:00Z'), at('2026-03-09T00:00:00Z'), night)).toBe(5 * HOUR);
    expect(addBusinessTime(at('2026-03-08T08:00:00Z'), 5 * HOUR, night).toISOString()).toBe('2026-03-08T13:00:00.000Z');
    // one more minute → next work day, Wed 2026-03-11 00:01 PDT = 07:01Z
    expect(addBusinessTime(at('2026-03-08T08:00:00Z'), 5 * HOUR + MINUTE, night).toISOString()).toBe(
      '2026-03-11T07:01:00.000Z',
    );
    // Sun 2026-11-01: 00:00 PDT (07:00Z) → 06:00 PST (14:00Z) is 7 hours
    expect(businessTimeBetween(at('2026-11-01T00:00:00Z'), at('2026-11-02T00:00:00Z'), night)).toBe(7 * HOUR);
  });

  it('businessTimeBetween is signed and zero across closed time', () => {
    const a = at('2026-06-10T16:00:00Z'); // Wed 09:00 PDT
    const b = at('2026-06-11T16:00:00Z'); // Thu 09:00 PDT
    expect(businessTimeBetween(a, b, cal)).toBe(9 * HOUR);
    expect(businessTimeBetween(b, a, cal)).toBe(-9 * HOUR);
    // Sun 17:00 → Wed 08:00 is all closed
    expect(businessTimeBetween(at('2026-06-15T00:00:00Z'), at('2026-06-17T15:00:00Z'), cal)).toBe(0);
  });
});

/** Deterministic pseudo-random numbers (LCG), so failures are reproducible. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('businessTimeBetween is the inverse of addBusinessTime (property-style)', () => {
  // Starts across two ranges that include both DST changes, Juneteenth, July 4th,
  // Veterans Day, Thanksgiving, Christmas and New Year.
  const ranges: [string, string][] = [
    ['2026-02-20T00:00:00Z', '2026-07-20T00:00:00Z'],
    ['2026-10-20T00:00:00Z', '2027-01-10T00:00:00Z'],
  ];

  it('between(start, add(start, ms)) === ms, and the result is in or at the end of a business window', () => {
    const rnd = lcg(42);
    let cases = 0;
    for (const [from, to] of ranges) {
      // an odd step so starts land on every minute/second offset, open and closed times alike
      for (let t = Date.parse(from); t < Date.parse(to); t += 7 * HOUR + 13 * MINUTE + 17 * SECOND + 3) {
        const start = new Date(t);
        const ms = Math.floor(rnd() * 100 * HOUR);
        const end = addBusinessTime(start, ms, cal);
        expect(businessTimeBetween(start, end, cal), `${start.toISOString()} + ${ms}`).toBe(ms);
        expect(end.getTime()).toBeGreaterThanOrEqual(t);
        if (ms > 0) expect(isBusinessInstant(new Date(end.getTime() - 1), cal), end.toISOString()).toBe(true);
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(700);
  });

  it('add(a, between(a, b)) is the earliest instant with the same count, never after b', () => {
    const rnd = lcg(7);
    for (let i = 0; i < 500; i++) {
      const a = Date.parse('2026-02-20T00:00:00Z') + Math.floor(rnd() * 320 * 24 * HOUR);
      const b = a + Math.floor(rnd() * 20 * 24 * HOUR);
      const counted = businessTimeBetween(new Date(a), new Date(b), cal);
      const d = addBusinessTime(new Date(a), counted, cal).getTime();
      expect(d).toBeLessThanOrEqual(b);
      expect(businessTimeBetween(new Date(d), new Date(b), cal)).toBe(0);
      if (counted > 0) expect(businessTimeBetween(new Date(a), new Date(d - 1), cal)).toBe(counted - 1);
    }
  });

  it('is additive: add(add(s, x), y) === add(s, x + y) when x ends inside a window', () => {
    const rnd = lcg(99);
    for (let i = 0; i < 300; i++) {
      const s = new Date(Date.parse('2026-02-20T00:00:00Z') + Math.floor(rnd() * 320 * 24 * HOUR));
      const x = 1 + Math.floor(rnd() * 40 * HOUR);
      const y = 1 + Math.floor(rnd() * 40 * HOUR);
      const mid = addBusinessTime(s, x, cal);
      if (!isBusinessInstant(mid, cal)) continue; // landed exactly on a close: restart point differs
      expect(addBusinessTime(mid, y, cal).getTime()).toBe(addBusinessTime(s, x + y, cal).getTime());
    }
  });
});
