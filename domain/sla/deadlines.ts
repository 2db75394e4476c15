// SLA deadlines for a case. Pure functions: no AWS, no I/O.
//
// An SLA clock counts time from `openedAt`: all elapsed time on a '24x7' clock, only business
// time (see calendar.ts) on a 'business' clock. Pauses (time spent waiting on the user) never
// count, whatever the clock. A deadline is the first instant at which the counted time reaches
// the target.
import type { Priority, SlaDeadlines } from '../case.ts';
import { addBusinessTime, businessTimeBetween, type BusinessCalendar } from './calendar.ts';
import type { SlaClock, SlaPolicy } from './policy.ts';

export interface Interval {
  from: Date;
  /** undefined = the pause is still open. */
  to?: Date;
}

export interface DeadlineInput {
  openedAt: Date;
  priority: Priority;
  pauses?: Interval[];
  /** A top consumer's first response is due by the policy's topConsumer target when that is sooner. */
  topConsumer?: boolean;
}

export type PlannedDeadlines = SlaDeadlines & {
  firstResponseWarnAt: string; // ISO-8601 instant
  resolutionWarnAt: string; // ISO-8601 instant
};

const MS_PER_MINUTE = 60_000;

/** Disjoint, sorted [from, to) pauses in epoch ms; `to` may be Infinity for an open pause. */
function normalizePauses(pauses: readonly Interval[]): { from: number; to: number }[] {
  const spans = pauses.map((p, i) => {
    const from = p.from.getTime();
    const to = p.to === undefined ? Infinity : p.to.getTime();
    if (Number.isNaN(from) || Number.isNaN(to)) throw new RangeError(`pauses[${i}] has an invalid date`);
    if (to < from) throw new RangeError(`pauses[${i}] ends before it starts`);
    return { from, to };
  });
  spans.sort((a, b) => a.from - b.from);
  const merged: { from: number; to: number }[] = [];
  for (const s of spans) {
    if (s.to === s.from) continue;
    const last = merged[merged.length - 1];
    if (last && s.from <= last.to) last.to = Math.max(last.to, s.to);
    else merged.push({ ...s });
  }
  return merged;
}

/** Counted time of the bare clock (no pauses) between two instants, a <= b. */
function clockBetween(a: number, b: number, clock: SlaClock, cal: BusinessCalendar): number {
  if (b <= a) return 0;
  return clock === '24x7' ? b - a : businessTimeBetween(new Date(a), new Date(b), cal);
}

/** The instant at which the bare clock (no pauses) has counted `ms` after `start`. */
function clockAdd(start: number, ms: number, clock: SlaClock, cal: BusinessCalendar): number {
  if (ms <= 0) return start;
  return clock === '24x7' ? start + ms : addBusinessTime(new Date(start), ms, cal).getTime();
}

/**
 * The first instant at which `targetMs` of SLA time has been counted since `start`, on the
 * given clock, excluding the (possibly overlapping, unsorted) pauses. Throws a RangeError when
 * an open pause (no `to`) begins before the target is reached: the deadline is then unknown.
 */
export function deadlineAfter(
  start: Date,
  targetMs: number,
  clock: SlaClock,
  pauses: readonly Interval[],
  cal: BusinessCalendar,
): Date {
  let cursor = start.getTime();
  if (Number.isNaN(cursor)) throw new RangeError('start is not a valid date');
  if (!Number.isFinite(targetMs)) throw new RangeError('targetMs must be a finite number');
  let remaining = Math.max(0, targetMs);
  if (remaining === 0) return new Date(cursor); // nothing to count: due at once
  for (const pause of normalizePauses(pauses)) {
    if (pause.to <= cursor) continue;
    if (pause.from > cursor) {
      const due = clockAdd(cursor, remaining, clock, cal);
      if (due <= pause.from) return new Date(due);
      remaining -= clockBetween(cursor, pause.from, clock, cal);
    }
    if (pause.to === Infinity) {
      throw new RangeError('the SLA clock is paused indefinitely (open pause) before the target is reached');
    }
    cursor = pause.to;
  }
  return new Date(clockAdd(cursor, remaining, clock, cal));
}

/** SLA time (ms) counted between `openedAt` and `at`, excluding pauses (an open pause runs to `at`). */
export function slaClockElapsed(
  openedAt: Date,
  at: Date,
  clock: SlaClock,
  pauses: readonly Interval[],
  cal: BusinessCalendar,
): number {
  const start = openedAt.getTime();
  const end = at.getTime();
  if (Number.isNaN(start) || Number.isNaN(end)) throw new RangeError('openedAt and at must be valid dates');
  if (end <= start) return 0;
  let counted = clockBetween(start, end, clock, cal);
  for (const pause of normalizePauses(pauses)) {
    const from = Math.max(pause.from, start);
    const to = Math.min(pause.to, end);
    if (to > from) counted -= clockBetween(from, to, clock, cal);
  }
  return counted;
}

/**
 * First-response and resolution deadlines of a case, with their pre-breach warning instants,
 * or `{ paused: true }` while a pause is still open (the clock is stopped, nothing is due).
 *
 * Everything is planned from `openedAt`, so a change of priority is just another call with the
 * new priority. A warning is the instant at which the counted SLA time reaches
 * `target - warningLead` (same clock, same pauses), i.e. "lead" of SLA time before the deadline;
 * it is never before `openedAt`.
 */
export function planDeadlines(input: DeadlineInput, policy: SlaPolicy): PlannedDeadlines | { paused: true } {
  const pauses = input.pauses ?? [];
  if (pauses.some((p) => p.to === undefined)) return { paused: true };
  const target = policy.targets[input.priority];
  const leadMs = policy.preBreachWarningMinutes[input.priority] * MS_PER_MINUTE;
  const at = (ms: number) => deadlineAfter(input.openedAt, ms, target.clock, pauses, policy.calendar).toISOString();
  const tighter = input.topConsumer ? policy.topConsumer?.firstResponseMinutes[input.priority] : undefined;
  const firstResponseMs = Math.min(target.firstResponseMinutes, tighter ?? Infinity) * MS_PER_MINUTE;
  const resolutionMs = target.resolutionMinutes * MS_PER_MINUTE;
  return {
    firstResponseDue: at(firstResponseMs),
    resolutionDue: at(resolutionMs),
    firstResponseWarnAt: at(Math.max(0, firstResponseMs - leadMs)),
    resolutionWarnAt: at(Math.max(0, resolutionMs - leadMs)),
  };
}
