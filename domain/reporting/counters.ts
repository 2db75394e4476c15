// The counters an aggregate row holds: a flat map of name → number, so that a stream consumer can
// apply a delta as one DynamoDB `ADD name :n, ...` per row and the report can sum rows blindly.
//
// Names (all counts are events in the bucket's period, attributed to the case's dimensions):
//   opened                      cases opened
//   opened_repeat               … whose requester had complained before (repeatCount > 0)
//   opened_top_consumer         … whose requester is a top consumer (by value tier or 90-day spend: the SLA policy's topConsumer)
//   opened_safety_critical      … flagged safety-critical at intake
//   first_responses             first agent responses (a reply or a request for information)
//   first_response_minutes_sum  elapsed (wall-clock) minutes from opening to those responses, summed
//   first_response_within_sla   first responses at or before the case's first-response due time
//   first_response_breached     first responses after it (within + breached = responses whose due time was known)
//   resolved                    resolutions (a resolve after a reopen counts again)
//   resolved_<outcome>          … by outcome (resolved, confirmed_risk, false_positive, duplicate; other)
//   resolution_minutes_sum      elapsed minutes from opening to resolution, summed
//   resolution_within_sla       resolutions at or before the resolution due time
//   resolution_breached         resolutions after it
//   sla_warning_first_response, sla_warning_resolution   pre-breach warnings sent
//   sla_breach_first_response,  sla_breach_resolution    deadlines that passed (counted when they pass)
//   escalations_started         escalations started (by an agent, a breach or a risk page)
//   escalations_<tier>          escalations that reached a tier (L1, L2, risk): one per tier notified
//   acknowledged                escalations acknowledged
//   unacknowledged              escalations that ran out of tiers without an acknowledgement
//   reopened                    cases reopened (by an agent, or by the requester writing again)
//   closed                      cases closed (auto-close after silence)
//   priority_changed            priority changes
//   internal_escalations        cases escalated by an internal requester (internal.escalated)
//   consults_asked__<team>      consults asked of a team (config/teams.json)
//   consults_answered__<team>   … answered; consults_within_target__<team> … of them by the team's target
//   consults_escalated__<team>  … that reached their target unanswered (the team lead was told)
//   consult_turnaround__<team>__<m>  answers that took m business minutes (exact, so the median is exact)
//   ratings                     satisfaction ratings recorded (satisfaction.rated; one per rated resolution)
//   ratings_sum                 their scores (1–5), summed: the average is ratings_sum / ratings
//   ratings_<n>                 … of score n (1 to 5)
//   frt_le_<m>, frt_le_inf      first responses within m minutes of opening: CUMULATIVE (Prometheus "le")
//   rt_le_<m>,  rt_le_inf       resolutions within m minutes of opening: CUMULATIVE; *_le_inf = the total
import { ESCALATION_TIERS, OUTCOMES } from '../case.ts';

export type Counters = Record<string, number>;

export const DEFAULT_HISTOGRAM_EDGES: readonly number[] = [15, 30, 60, 120, 240, 480, 1440, 2880, 5760, 10080];

export type Histogram = 'frt' | 'rt';

export const resolvedCounter = (outcome: unknown): string =>
  `resolved_${(OUTCOMES as readonly unknown[]).includes(outcome) ? String(outcome) : 'other'}`;

export const escalationCounter = (tier: string): string => `escalations_${tier}`;

export const histogramCounter = (histogram: Histogram, edge: number | 'inf'): string => `${histogram}_le_${edge}`;

/** The cumulative histogram counters one observation of `minutes` increments. */
export function histogramCounters(histogram: Histogram, minutes: number, edges: readonly number[]): Counters {
  const out: Counters = {};
  for (const edge of edges) if (minutes <= edge) out[histogramCounter(histogram, edge)] = 1;
  out[histogramCounter(histogram, 'inf')] = 1;
  return out;
}

/** The edges (ascending, Infinity last) found in counter names of one histogram. */
export function histogramEdgesIn(counters: Counters, histogram: Histogram): number[] {
  const prefix = `${histogram}_le_`;
  const edges = new Set<number>();
  for (const name of Object.keys(counters)) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    if (rest === 'inf') edges.add(Infinity);
    else if (/^\d+$/.test(rest)) edges.add(Number(rest));
  }
  return [...edges].sort((a, b) => a - b);
}

/** Adds `b` into `a` (in place) and returns `a`. Sums are rounded to 1e-6 to keep float noise out of stored totals. */
export function addCounters(a: Counters, b: Readonly<Counters>): Counters {
  for (const [name, n] of Object.entries(b)) {
    if (!Number.isFinite(n)) continue;
    a[name] = Math.round(((a[name] ?? 0) + n) * 1e6) / 1e6;
  }
  return a;
}

/** Sums counters; names that are missing count as 0. */
export function sumCounters(list: Iterable<Readonly<Counters>>): Counters {
  const total: Counters = {};
  for (const c of list) addCounters(total, c);
  return total;
}

/** The counters without zero entries (nothing to write). */
export function withoutZeros(c: Readonly<Counters>): Counters {
  return Object.fromEntries(Object.entries(c).filter(([, n]) => n !== 0));
}

export const ESCALATION_COUNTERS = ESCALATION_TIERS.map(escalationCounter);

/** Consult counters are named per team (a team is a config name: lower-case letters, digits and dashes). */
export const consultCounter = (what: 'asked' | 'answered' | 'within_target' | 'escalated', team: string): string => `consults_${what}__${team}`;
export const consultTurnaroundCounter = (team: string, minutes: number): string => `consult_turnaround__${team}__${minutes}`;
export const CONSULT_COUNTER = /^consults_(asked|answered|within_target|escalated)__([a-z][a-z0-9-]*)$/;
export const CONSULT_TURNAROUND_COUNTER = /^consult_turnaround__([a-z][a-z0-9-]*)__(\d+)$/;

/** Satisfaction ratings are scored 1 to 5 (domain/satisfaction.ts). */
export const ratingCounter = (score: number): string => `ratings_${score}`;
