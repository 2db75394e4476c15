// Business calendar arithmetic for SLA clocks. Pure functions: no I/O, no date library,
// time zones come only from the platform's Intl API.
//
// A business calendar is a set of daily windows [open, close) in a time zone's local
// wall-clock time, on the configured weekdays, minus holiday dates. Business time is the
// real elapsed time (in ms) spent inside those windows, so a window that happens to contain
// a DST change counts the time that actually passes, not the wall-clock difference.

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface BusinessCalendar {
  /** IANA time zone, e.g. "America/Los_Angeles". */
  readonly timeZone: string;
  readonly workDays: readonly Weekday[];
  /** Local opening time "HH:MM" (inclusive). */
  readonly open: string;
  /** Local closing time "HH:MM" (exclusive); must be after `open`. */
  readonly close: string;
  /** Local dates "YYYY-MM-DD" on which the team does not work. */
  readonly holidays: readonly string[];
}

/** Local wall-clock fields of an instant in a zone (month 1–12, weekday from WEEKDAYS). */
export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  weekday: Weekday;
}

/** A local calendar date (month 1–12). */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

const MS_PER_DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Zone conversion
// ---------------------------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // Throws RangeError for an unknown zone, which is what we want.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the platform's Intl knows the zone. */
export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || timeZone.length === 0) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** UTC epoch ms for the given fields interpreted as UTC (safe for years 0–99). */
function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const d = new Date(Date.UTC(2000, 0, 1, hour, minute, second, ms));
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

function weekdayOf(date: LocalDate): Weekday {
  return WEEKDAYS[new Date(utcMs(date.year, date.month, date.day)).getUTCDay()]!;
}

function assertValidInstant(t: number, what: string): void {
  if (!Number.isFinite(t)) throw new RangeError(`${what} is not a valid date`);
}

/** Local wall-clock parts of `instant` in `timeZone`. */
export function localParts(instant: Date, timeZone: string): LocalParts {
  const t = instant.getTime();
  assertValidInstant(t, 'instant');
  // Intl works at second precision here; carry the milliseconds ourselves.
  const millisecond = ((t % 1000) + 1000) % 1000;
  const fields: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(t - millisecond))) fields[p.type] = p.value;
  let year = Number(fields.year);
  if (fields.era === 'BC' || fields.era === 'B') year = 1 - year;
  const date = { year, month: Number(fields.month), day: Number(fields.day) };
  return {
    ...date,
    hour: Number(fields.hour) % 24,
    minute: Number(fields.minute),
    second: Number(fields.second),
    millisecond,
    weekday: weekdayOf(date),
  };
}

/** Zone offset (local − UTC, in ms) in effect at epoch ms `t`. */
function offsetAt(t: number, timeZone: string): number {
  const p = localParts(new Date(t), timeZone);
  return utcMs(p.year, p.month, p.day, p.hour, p.minute, p.second, p.millisecond) - t;
}

/**
 * The UTC instant of a local wall time in a zone.
 * - In a DST gap (a wall time that does not exist, e.g. 02:30 on a spring-forward day in
 *   America/Los_Angeles) the time maps forward by the length of the gap (→ 03:30 PDT).
 * - In a DST overlap (a wall time that happens twice, e.g. 01:30 on a fall-back day) the
 *   earlier instant is returned (01:30 PDT).
 */
export function zonedTimeToUtc(
  wall: LocalDate & { hour?: number; minute?: number; second?: number; millisecond?: number },
  timeZone: string,
): Date {
  const { hour = 0, minute = 0, second = 0, millisecond = 0 } = wall;
  const asUtc = utcMs(wall.year, wall.month, wall.day, hour, minute, second, millisecond);
  assertValidInstant(asUtc, 'local time');
  // Offsets around the wall time; real zones change offset at most once in such a window.
  const offsets = new Set([offsetAt(asUtc - MS_PER_DAY, timeZone), offsetAt(asUtc + MS_PER_DAY, timeZone)]);
  const candidates = [...offsets].map((o) => asUtc - o);
  const valid = candidates.filter((t) => offsetAt(t, timeZone) === asUtc - t);
  if (valid.length > 0) return new Date(Math.min(...valid)); // overlap: earlier instant
  // Gap: use the offset in effect before the transition (the smaller one), which yields the
  // later candidate instant, i.e. the wall time shifted forward by the gap length.
  return new Date(Math.max(...candidates));
}

// ---------------------------------------------------------------------------------------------
// Business windows
// ---------------------------------------------------------------------------------------------

function parseHhMm(value: string, what: string): { hour: number; minute: number } {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (!m) throw new RangeError(`${what} must be "HH:MM", got ${JSON.stringify(value)}`);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

interface CompiledCalendar {
  timeZone: string;
  workDays: ReadonlySet<Weekday>;
  open: { hour: number; minute: number };
  close: { hour: number; minute: number };
  holidays: ReadonlySet<string>;
  /** Memoized windows by ISO local date (null = closed day). */
  windows: Map<string, { start: number; end: number } | null>;
}

// Keyed by content (not identity) so that a calendar mutated in place is never served stale.
const compiled = new Map<string, CompiledCalendar>();

function compile(cal: BusinessCalendar): CompiledCalendar {
  const key = JSON.stringify([cal.timeZone, cal.workDays, cal.open, cal.close, cal.holidays]);
  let c = compiled.get(key);
  if (c) return c;
  const open = parseHhMm(cal.open, 'calendar.open');
  const close = parseHhMm(cal.close, 'calendar.close');
  if (open.hour * 60 + open.minute >= close.hour * 60 + close.minute) {
    throw new RangeError(`calendar.open (${cal.open}) must be before calendar.close (${cal.close})`);
  }
  if (cal.workDays.length === 0) throw new RangeError('calendar.workDays must not be empty');
  formatterFor(cal.timeZone);
  c = {
    timeZone: cal.timeZone,
    workDays: new Set(cal.workDays),
    open,
    close,
    holidays: new Set(cal.holidays),
    windows: new Map(),
  };
  if (compiled.size >= 100) compiled.clear();
  compiled.set(key, c);
  return c;
}

function isoDate(d: LocalDate): string {
  const y = String(d.year).padStart(4, '0');
  return `${y}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

function nextDate(d: LocalDate): LocalDate {
  const n = new Date(utcMs(d.year, d.month, d.day) + MS_PER_DAY);
  return { year: n.getUTCFullYear(), month: n.getUTCMonth() + 1, day: n.getUTCDate() };
}

function compareDates(a: LocalDate, b: LocalDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

/** The business window [start, end) of a local date as epoch ms, or undefined on a closed day. */
const MAX_MEMOIZED_WINDOWS = 20_000;

function windowOf(date: LocalDate, c: CompiledCalendar): { start: number; end: number } | undefined {
  const key = isoDate(date);
  const memo = c.windows.get(key);
  if (memo !== undefined) return memo ?? undefined;
  let w: { start: number; end: number } | null = null;
  if (c.workDays.has(weekdayOf(date)) && !c.holidays.has(key)) {
    const start = zonedTimeToUtc({ ...date, ...c.open }, c.timeZone).getTime();
    const end = zonedTimeToUtc({ ...date, ...c.close }, c.timeZone).getTime();
    if (end > start) w = { start, end };
  }
  if (c.windows.size >= MAX_MEMOIZED_WINDOWS) c.windows.clear();
  c.windows.set(key, w);
  return w ?? undefined;
}

/** The business window [open, close) of a local date, or undefined when the team is closed that day. */
export function businessWindow(date: LocalDate, cal: BusinessCalendar): { open: Date; close: Date } | undefined {
  const w = windowOf(date, compile(cal));
  return w && { open: new Date(w.start), close: new Date(w.end) };
}

function localDateOf(t: number, timeZone: string): LocalDate {
  const p = localParts(new Date(t), timeZone);
  return { year: p.year, month: p.month, day: p.day };
}

/** True when the team is working at `instant` (open inclusive, close exclusive). */
export function isBusinessInstant(instant: Date, cal: BusinessCalendar): boolean {
  const c = compile(cal);
  const t = instant.getTime();
  assertValidInstant(t, 'instant');
  const w = windowOf(localDateOf(t, c.timeZone), c);
  return w !== undefined && t >= w.start && t < w.end;
}

// Guard against calendars whose holidays swallow every work day in the searched range.
const MAX_CLOSED_DAYS_IN_A_ROW = 3_660;

/**
 * The instant at which `ms` of business time has elapsed after `start`.
 * Counting starts at the first business instant at or after `start`; when the amount runs out
 * exactly at a closing time, the closing time is returned (not the next opening).
 * `ms <= 0` returns `start` unchanged. Iterates day by day.
 */
export function addBusinessTime(start: Date, ms: number, cal: BusinessCalendar): Date {
  const c = compile(cal);
  const t0 = start.getTime();
  assertValidInstant(t0, 'start');
  if (!Number.isFinite(ms)) throw new RangeError('ms must be a finite number');
  if (ms <= 0) return new Date(t0);
  let remaining = ms;
  let date = localDateOf(t0, c.timeZone);
  let closedInARow = 0;
  for (;;) {
    const w = windowOf(date, c);
    if (w) {
      closedInARow = 0;
      const from = Math.max(t0, w.start);
      if (from < w.end) {
        const available = w.end - from;
        if (remaining <= available) return new Date(from + remaining);
        remaining -= available;
      }
    } else if (++closedInARow > MAX_CLOSED_DAYS_IN_A_ROW) {
      throw new RangeError('business calendar has no open days in range');
    }
    date = nextDate(date);
  }
}

/**
 * Business time (ms) between two instants. Signed: negative when `b` is before `a`, so that
 * `businessTimeBetween(start, addBusinessTime(start, ms)) === ms` for every ms >= 0.
 */
export function businessTimeBetween(a: Date, b: Date, cal: BusinessCalendar): number {
  const c = compile(cal);
  const ta = a.getTime();
  const tb = b.getTime();
  assertValidInstant(ta, 'a');
  assertValidInstant(tb, 'b');
  if (tb < ta) return -businessTimeBetween(b, a, cal);
  let total = 0;
  const last = localDateOf(tb, c.timeZone);
  for (let date = localDateOf(ta, c.timeZone); compareDates(date, last) <= 0; date = nextDate(date)) {
    const w = windowOf(date, c);
    if (!w) continue;
    const from = Math.max(ta, w.start);
    const to = Math.min(tb, w.end);
    if (to > from) total += to - from;
  }
  return total;
}
