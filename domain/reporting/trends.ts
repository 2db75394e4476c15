// Surge detection: one complaint kind suddenly much more frequent than usual. Pure.
//
// Baseline = the MEDIAN of the same local hour over the previous `baselineDays` days, never below
// `baselineFloor`. Median rather than mean: a past surge (or a quiet holiday) inside the window
// would drag a mean along — a single day at 10× the usual inflates a 7-day mean by ~2.3× and would
// hide the next surge — while the median ignores up to half the days being unusual. Same hour of
// day because volume follows the time of day; the floor keeps quiet categories (baseline 0–1) from
// alarming on 3 cases, and minCount does the same in absolute terms.
import { parseHourKey } from './buckets.ts';
import type { SurgePolicy } from './policy.ts';

export interface SurgeInput {
  category: string;
  /** Cases opened in the category in the last complete hour. */
  lastHour: number;
  /** The same hour's counts on previous days, most recent first; only the first baselineDays are used. */
  sameHourPreviousDays: readonly number[];
  policy: Pick<SurgePolicy, 'factor' | 'baselineDays' | 'baselineFloor' | 'minCount'>;
}

export interface SurgeResult {
  category: string;
  surge: boolean;
  lastHour: number;
  /** max(baselineFloor, median of the previous days). */
  baseline: number;
  /** How many times the baseline the last hour was (lastHour / baseline). */
  factor: number;
  /** The count at which the hour is a surge: max(minCount, policy.factor × baseline). */
  threshold: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function assertCount(n: number, what: string): void {
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`${what} must be a non-negative number, got ${n}`);
}

export function detectSurge({ category, lastHour, sameHourPreviousDays, policy }: SurgeInput): SurgeResult {
  assertCount(lastHour, 'lastHour');
  const window = sameHourPreviousDays.slice(0, policy.baselineDays);
  window.forEach((n, i) => {
    assertCount(n, `sameHourPreviousDays[${i}]`);
  });
  const baseline = Math.max(policy.baselineFloor, median(window));
  const threshold = Math.max(policy.minCount, policy.factor * baseline);
  const factor = baseline > 0 ? lastHour / baseline : lastHour > 0 ? Infinity : 0;
  return { category, surge: lastHour >= threshold, lastHour, baseline, factor, threshold };
}

/** The start (an hour key) of the incident window an hour belongs to; windows are aligned to local midnight. */
export function incidentWindowStart(hour: string, windowHours: number): string {
  if (!Number.isInteger(windowHours) || windowHours < 1 || 24 % windowHours !== 0) {
    throw new RangeError(`windowHours must divide 24, got ${windowHours}`);
  }
  const { day, hour: h } = parseHourKey(hour);
  return `${day}T${String(h - (h % windowHours)).padStart(2, '0')}`;
}

/**
 * The identity of "a surge of this category in this window": the consumer creates the incident with
 * a conditional put on this key, so a surge that lasts several hours (or is detected twice) is one
 * incident and one alert.
 */
export function incidentKey(category: string, windowStartHour: string): string {
  parseHourKey(windowStartHour);
  if (category.length === 0) throw new RangeError('category must not be empty');
  return `surge#${category}#${windowStartHour}`;
}
