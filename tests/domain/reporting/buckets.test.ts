// Report buckets in America/Los_Angeles: PDT (UTC-7) until 2026-11-01 02:00, PST (UTC-8) after;
// PST → PDT on 2026-03-08 at 02:00 (the 02:xx hour does not exist that day).
import { describe, expect, it } from 'vitest';
import {
  addDays,
  dayKey,
  dayRange,
  daysBetween,
  hourKey,
  hourRange,
  lastCompletePeriod,
  nextDay,
  parseDayKey,
  periodDays,
  periodRange,
  previousDay,
  previousPeriod,
  previousWeek,
  sameHourPreviousDays,
  weekDays,
  weekOf,
  weekOfDay,
  weekRange,
} from '../../../domain/reporting/buckets.ts';

const LA = 'America/Los_Angeles';
const HOUR = 3_600_000;
const span = (r: { start: Date; end: Date }) => (r.end.getTime() - r.start.getTime()) / HOUR;

describe('dayKey and hourKey', () => {
  it('use the local day and hour, not UTC', () => {
    expect(dayKey('2026-11-25T07:59:59.999Z', LA)).toBe('2026-11-24'); // 23:59:59 PST
    expect(dayKey('2026-11-25T08:00:00Z', LA)).toBe('2026-11-25');
    expect(hourKey('2026-11-25T08:00:00Z', LA)).toBe('2026-11-25T00');
    expect(hourKey('2026-06-10T15:30:00Z', LA)).toBe('2026-06-10T08'); // PDT
    expect(dayKey('2026-06-10T06:59:00Z')).toBe('2026-06-09'); // default zone is Los Angeles
    expect(dayKey(new Date('2026-06-10T12:00:00Z'), 'UTC')).toBe('2026-06-10');
    expect(dayKey(Date.parse('2026-06-10T12:00:00Z'), 'Asia/Tokyo')).toBe('2026-06-10');
  });

  it('put both 01:xx hours of the fall-back day in one hour bucket', () => {
    expect(hourKey('2026-11-01T08:30:00Z', LA)).toBe('2026-11-01T01'); // 01:30 PDT
    expect(hourKey('2026-11-01T09:30:00Z', LA)).toBe('2026-11-01T01'); // 01:30 PST
    expect(hourKey('2026-11-01T10:00:00Z', LA)).toBe('2026-11-01T02');
    const r = hourRange('2026-11-01T01', LA);
    expect(r.start.toISOString()).toBe('2026-11-01T08:00:00.000Z');
    expect(r.end.toISOString()).toBe('2026-11-01T10:00:00.000Z');
  });

  it('skip the 02:xx hour on the spring-forward day', () => {
    expect(hourKey('2026-03-08T09:59:59Z', LA)).toBe('2026-03-08T01'); // 01:59:59 PST
    expect(hourKey('2026-03-08T10:00:00Z', LA)).toBe('2026-03-08T03'); // 03:00 PDT
    const r = hourRange('2026-03-08T02', LA);
    expect(r.start.getTime()).toBe(r.end.getTime());
  });

  it('reject invalid instants', () => {
    expect(() => dayKey('not a date', LA)).toThrow(RangeError);
  });
});

describe('dayRange', () => {
  it('is 24 hours on an ordinary day', () => {
    const r = dayRange('2026-11-25', LA);
    expect(r.start.toISOString()).toBe('2026-11-25T08:00:00.000Z');
    expect(r.end.toISOString()).toBe('2026-11-26T08:00:00.000Z');
  });

  it('is 23 hours on the spring-forward day and 25 on the fall-back day', () => {
    const spring = dayRange('2026-03-08', LA);
    expect(spring.start.toISOString()).toBe('2026-03-08T08:00:00.000Z');
    expect(spring.end.toISOString()).toBe('2026-03-09T07:00:00.000Z');
    expect(span(spring)).toBe(23);
    const fall = dayRange('2026-11-01', LA);
    expect(fall.start.toISOString()).toBe('2026-11-01T07:00:00.000Z');
    expect(fall.end.toISOString()).toBe('2026-11-02T08:00:00.000Z');
    expect(span(fall)).toBe(25);
  });

  it('contains exactly the instants whose dayKey is that day, across DST days', () => {
    for (const day of ['2026-03-07', '2026-03-08', '2026-03-09', '2026-10-31', '2026-11-01', '2026-11-02']) {
      const { start, end } = dayRange(day, LA);
      expect(dayKey(new Date(start.getTime() - 1), LA)).toBe(previousDay(day));
      for (let t = start.getTime(); t < end.getTime(); t += 15 * 60_000) expect(dayKey(new Date(t), LA)).toBe(day);
      expect(dayKey(new Date(end.getTime() - 1), LA)).toBe(day);
      expect(dayKey(end, LA)).toBe(nextDay(day));
    }
  });

  it('rejects day keys that are not real dates', () => {
    for (const bad of ['2026-02-30', '2026-13-01', '2026-1-01', '20260101', '']) expect(() => dayRange(bad, LA)).toThrow(RangeError);
  });
});

describe('day arithmetic', () => {
  it('crosses months, leap days and years', () => {
    expect(previousDay('2026-03-01')).toBe('2026-02-28');
    expect(previousDay('2024-03-01')).toBe('2024-02-29');
    expect(previousDay('2027-01-01')).toBe('2026-12-31');
    expect(nextDay('2026-12-31')).toBe('2027-01-01');
    expect(addDays('2026-11-25', -30)).toBe('2026-10-26');
    expect(daysBetween('2026-10-26', '2026-11-25')).toBe(30);
    expect(daysBetween('2026-11-25', '2026-11-24')).toBe(-1);
    expect(parseDayKey('2026-11-25')).toEqual({ year: 2026, month: 11, day: 25 });
  });

  it('gives the same hour on previous days, across a DST change', () => {
    expect(sameHourPreviousDays('2026-03-09T02', 3)).toEqual(['2026-03-08T02', '2026-03-07T02', '2026-03-06T02']);
    expect(sameHourPreviousDays('2026-01-01T23', 1)).toEqual(['2025-12-31T23']);
    expect(() => sameHourPreviousDays('2026-01-01T24', 1)).toThrow(RangeError);
  });
});

describe('ISO weeks', () => {
  it('start on Monday in the local zone', () => {
    expect(weekOf('2026-11-25T20:00:00Z', LA)).toBe('2026-W48');
    // Monday 2026-11-30 07:59 UTC is still Sunday 23:59 in Los Angeles.
    expect(weekOf('2026-11-30T07:59:59Z', LA)).toBe('2026-W48');
    expect(weekOf('2026-11-30T08:00:00Z', LA)).toBe('2026-W49');
    expect(weekOf('2026-11-30T07:59:59Z', 'UTC')).toBe('2026-W49');
  });

  it('use the ISO week-year at year ends', () => {
    expect(weekOfDay('2026-12-31')).toBe('2026-W53');
    expect(weekOfDay('2027-01-01')).toBe('2026-W53');
    expect(weekOfDay('2027-01-03')).toBe('2026-W53');
    expect(weekOfDay('2027-01-04')).toBe('2027-W01');
    expect(weekOfDay('2024-12-30')).toBe('2025-W01');
    expect(weekOfDay('2025-12-28')).toBe('2025-W52');
  });

  it('list their seven days, Monday first', () => {
    expect(weekDays('2026-W48')).toEqual(['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29']);
    expect(weekDays('2026-W53')).toEqual(['2026-12-28', '2026-12-29', '2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02', '2027-01-03']);
    expect(weekDays('2025-W01')[0]).toBe('2024-12-30');
    for (const bad of ['2025-W53', '2026-W00', '2026-W54', '2026-48', 'W48']) expect(() => weekDays(bad)).toThrow(RangeError);
  });

  it('every day of a week maps back to it', () => {
    for (const week of ['2026-W01', '2026-W10', '2026-W44', '2026-W53', '2027-W01']) {
      for (const day of weekDays(week)) expect(weekOfDay(day)).toBe(week);
    }
  });

  it('go back across a year end', () => {
    expect(previousWeek('2027-W01')).toBe('2026-W53');
    expect(previousWeek('2026-W01')).toBe('2025-W52');
    expect(previousWeek('2026-W48')).toBe('2026-W47');
  });

  it('cover 7 × 24 hours, plus one on the week of the fall-back', () => {
    expect(span(weekRange('2026-W48', LA))).toBe(168);
    const fallWeek = weekRange('2026-W44', LA); // Mon 2026-10-26 … Sun 2026-11-01
    expect(fallWeek.start.toISOString()).toBe('2026-10-26T07:00:00.000Z');
    expect(fallWeek.end.toISOString()).toBe('2026-11-02T08:00:00.000Z');
    expect(span(fallWeek)).toBe(169);
    expect(span(weekRange('2026-W10', LA))).toBe(167); // holds 2026-03-08
  });
});

describe('report periods', () => {
  it('are a day or a week', () => {
    expect(periodDays('daily', '2026-11-24')).toEqual(['2026-11-24']);
    expect(periodDays('weekly', '2026-W48')).toHaveLength(7);
    expect(previousPeriod('daily', '2026-11-01')).toBe('2026-10-31');
    expect(previousPeriod('weekly', '2026-W01')).toBe('2025-W52');
    expect(periodRange('daily', '2026-11-01', LA).end.toISOString()).toBe('2026-11-02T08:00:00.000Z');
  });

  it('a run covers the last complete period', () => {
    // Daily run at 07:00 Wednesday 2026-11-25 PST; weekly run at 07:00 Monday 2026-11-30 PST.
    expect(lastCompletePeriod('daily', '2026-11-25T15:00:00Z', LA)).toBe('2026-11-24');
    expect(lastCompletePeriod('weekly', '2026-11-30T15:00:00Z', LA)).toBe('2026-W48');
    expect(lastCompletePeriod('daily', '2027-01-01T15:00:00Z', LA)).toBe('2026-12-31');
  });
});
