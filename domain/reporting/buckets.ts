// Time buckets for reporting, in the report's time zone. Pure: zones come from the platform's Intl
// (through calendar.ts), dates are plain strings so they can be storage keys as they are.
//
//   day   'YYYY-MM-DD'     a local calendar day: 24 h, or 23 h / 25 h on DST change days
//   hour  'YYYY-MM-DDTHH'  a local wall-clock hour. On a fall-back day the repeated hour (01 in
//                          America/Los_Angeles) is ONE bucket of two real hours; on a spring-forward
//                          day the skipped hour (02) has no bucket and no instant maps to it.
//   week  'YYYY-Www'       an ISO-8601 week, Monday to Sunday; the year is the ISO week-year
//                          (the year of the week's Thursday), so 2027-01-01 belongs to 2026-W53.
import { localParts, zonedTimeToUtc, type LocalDate } from '../sla/calendar.ts';

export const DEFAULT_REPORT_TIME_ZONE = 'America/Los_Angeles';

/** An instant as a Date, ISO-8601 string or epoch ms. */
export type Instant = Date | string | number;

export type Cadence = 'daily' | 'weekly';

/** A half-open range of real time [start, end). */
export interface TimeRange {
  start: Date;
  end: Date;
}

const MS_PER_DAY = 86_400_000;

function toDate(instant: Instant): Date {
  const d = instant instanceof Date ? instant : new Date(instant);
  if (!Number.isFinite(d.getTime())) throw new RangeError(`not a valid instant: ${String(instant)}`);
  return d;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const formatDate = (d: LocalDate) => `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`;

/** Days since 1970-01-01 of a calendar date (proleptic Gregorian, zone-free). */
function epochDay(d: LocalDate): number {
  const t = new Date(Date.UTC(2000, 0, 1));
  t.setUTCFullYear(d.year, d.month - 1, d.day);
  return Math.round(t.getTime() / MS_PER_DAY);
}

function fromEpochDay(n: number): LocalDate {
  const t = new Date(n * MS_PER_DAY);
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

const DAY_KEY = /^(\d{4})-(\d{2})-(\d{2})$/;
const HOUR_KEY = /^(\d{4}-\d{2}-\d{2})T(\d{2})$/;
const WEEK_KEY = /^(\d{4})-W(\d{2})$/;

/** The calendar date of a day key; throws RangeError unless it is a real date. */
export function parseDayKey(key: string): LocalDate {
  const m = DAY_KEY.exec(key);
  if (m) {
    const date = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
    if (formatDate(fromEpochDay(epochDay(date))) === key) return date;
  }
  throw new RangeError(`not a day key "YYYY-MM-DD": ${JSON.stringify(key)}`);
}

/** The day and hour of an hour key; throws RangeError unless it is a real date and hour 00–23. */
export function parseHourKey(key: string): { day: string; hour: number } {
  const m = HOUR_KEY.exec(key);
  if (m && Number(m[2]) < 24) {
    parseDayKey(m[1]!);
    return { day: m[1]!, hour: Number(m[2]) };
  }
  throw new RangeError(`not an hour key "YYYY-MM-DDTHH": ${JSON.stringify(key)}`);
}

/** The local day of an instant, 'YYYY-MM-DD'. */
export function dayKey(instant: Instant, timeZone: string = DEFAULT_REPORT_TIME_ZONE): string {
  return formatDate(localParts(toDate(instant), timeZone));
}

/** The local wall-clock hour of an instant, 'YYYY-MM-DDTHH'. */
export function hourKey(instant: Instant, timeZone: string = DEFAULT_REPORT_TIME_ZONE): string {
  const p = localParts(toDate(instant), timeZone);
  return `${formatDate(p)}T${pad(p.hour)}`;
}

/** The day key `n` calendar days after (n < 0: before) a day key. */
export function addDays(day: string, n: number): string {
  if (!Number.isInteger(n)) throw new RangeError('n must be an integer');
  return formatDate(fromEpochDay(epochDay(parseDayKey(day)) + n));
}

export const previousDay = (day: string): string => addDays(day, -1);
export const nextDay = (day: string): string => addDays(day, 1);

/** Whole calendar days from day `from` to day `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return epochDay(parseDayKey(to)) - epochDay(parseDayKey(from));
}

/** The real time a local day covers: [local midnight, next local midnight). */
export function dayRange(day: string, timeZone: string = DEFAULT_REPORT_TIME_ZONE): TimeRange {
  const start = parseDayKey(day);
  return { start: zonedTimeToUtc(start, timeZone), end: zonedTimeToUtc(parseDayKey(nextDay(day)), timeZone) };
}

/**
 * The real time an hour bucket covers. The repeated fall-back hour covers two real hours; the
 * skipped spring-forward hour covers none (start === end).
 */
export function hourRange(hour: string, timeZone: string = DEFAULT_REPORT_TIME_ZONE): TimeRange {
  const { day, hour: h } = parseHourKey(hour);
  const date = parseDayKey(day);
  const start = zonedTimeToUtc({ ...date, hour: h }, timeZone);
  const end = h === 23 ? zonedTimeToUtc(parseDayKey(nextDay(day)), timeZone) : zonedTimeToUtc({ ...date, hour: h + 1 }, timeZone);
  return { start, end };
}

/** The same local hour on each of the `days` previous days, most recent first. */
export function sameHourPreviousDays(hour: string, days: number): string[] {
  const { day, hour: h } = parseHourKey(hour);
  return Array.from({ length: days }, (_, i) => `${addDays(day, -(i + 1))}T${pad(h)}`);
}

// ── ISO weeks ──────────────────────────────────────────────────────────────────────────────────────

/** The ISO week of a local day, 'YYYY-Www'. */
export function weekOfDay(day: string): string {
  const n = epochDay(parseDayKey(day));
  const mondayBased = (((n + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday → 3
  const thursday = fromEpochDay(n - mondayBased + 3);
  const week = Math.floor((n - mondayBased + 3 - epochDay({ year: thursday.year, month: 1, day: 1 })) / 7) + 1;
  return `${pad(thursday.year, 4)}-W${pad(week)}`;
}

/** The ISO week (Monday start) of an instant's local day, 'YYYY-Www'. */
export function weekOf(instant: Instant, timeZone: string = DEFAULT_REPORT_TIME_ZONE): string {
  return weekOfDay(dayKey(instant, timeZone));
}

/** The seven day keys of an ISO week, Monday first; throws RangeError for a week the year does not have. */
export function weekDays(week: string): string[] {
  const m = WEEK_KEY.exec(week);
  if (m) {
    const jan4 = epochDay({ year: Number(m[1]), month: 1, day: 4 });
    const monday = jan4 - ((((jan4 + 3) % 7) + 7) % 7) + (Number(m[2]) - 1) * 7;
    const days = Array.from({ length: 7 }, (_, i) => formatDate(fromEpochDay(monday + i)));
    if (Number(m[2]) >= 1 && weekOfDay(days[0]!) === week) return days;
  }
  throw new RangeError(`not an ISO week key "YYYY-Www": ${JSON.stringify(week)}`);
}

/** The real time an ISO week covers: [Monday 00:00, next Monday 00:00) local. */
export function weekRange(week: string, timeZone: string = DEFAULT_REPORT_TIME_ZONE): TimeRange {
  const days = weekDays(week);
  return { start: dayRange(days[0]!, timeZone).start, end: dayRange(days[6]!, timeZone).end };
}

export function previousWeek(week: string): string {
  return weekOfDay(addDays(weekDays(week)[0]!, -7));
}

// ── periods of a report ───────────────────────────────────────────────────────────────────────────

/** The day keys a report period is made of: one for a daily period, seven for a weekly one. */
export function periodDays(cadence: Cadence, period: string): string[] {
  return cadence === 'daily' ? [formatDate(parseDayKey(period))] : weekDays(period);
}

export function previousPeriod(cadence: Cadence, period: string): string {
  return cadence === 'daily' ? previousDay(period) : previousWeek(period);
}

export function periodRange(cadence: Cadence, period: string, timeZone: string = DEFAULT_REPORT_TIME_ZONE): TimeRange {
  return cadence === 'daily' ? dayRange(period, timeZone) : weekRange(period, timeZone);
}

/**
 * The last complete period before an instant: what a report run at `instant` covers
 * (yesterday for the daily run, last week for the weekly run).
 */
export function lastCompletePeriod(cadence: Cadence, instant: Instant, timeZone: string = DEFAULT_REPORT_TIME_ZONE): string {
  const today = dayKey(instant, timeZone);
  return cadence === 'daily' ? previousDay(today) : previousWeek(weekOfDay(today));
}
