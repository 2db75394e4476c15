// The report model: what the daily and weekly emails say, computed from aggregate rows only. Its cost
// depends on the number of rows (days × categories × priorities × channels × shards), never on the
// number of cases: no case record is an input. Pure.
import { CATEGORIES, CHANNELS, ESCALATION_TIERS, OUTCOMES } from '../case.ts';
import { CONSULT_COUNTER, CONSULT_TURNAROUND_COUNTER } from './counters.ts';
import type { AggregateKey } from './aggregate.ts';
import type { AgentReportRow } from './agents.ts';
import { DEFAULT_REPORT_TIME_ZONE, dayKey, daysBetween, parseDayKey, periodDays, periodRange, previousPeriod, type Cadence } from './buckets.ts';
import { escalationCounter, ratingCounter, resolvedCounter, sumCounters, type Counters } from './counters.ts';
import { histogramQuantile } from './quantile.ts';

// ── input: rows ───────────────────────────────────────────────────────────────────────────────────

/** One stored aggregate item (one shard of one key). */
export interface AggregateRow {
  key: AggregateKey;
  counters: Counters;
}

/** Open cases by opening day (summed over the backlog items of that day). */
export interface BacklogRow {
  openedDay: string;
  open: number;
}

/** One category's last hour as judged by detectSurge. */
export interface TrendRow {
  category: string;
  hour: string;
  lastHour: number;
  baseline: number;
  factor: number;
  threshold: number;
  surge: boolean;
}

/** A surge incident, recorded once per key (category and window) with the incident case opened for it. */
export interface Incident {
  key: string;
  category: string;
  /** The hour key its window starts at (local to the report time zone): the report lists it on that day. */
  windowStart: string;
  detectedAt: string;
  lastHour: number;
  baseline: number;
  caseId: string;
}

/** An incident as the report lists it: with its case's status, without the case id. */
export type IncidentRow = Omit<Incident, 'caseId'> & { status: string };

/** An open case of a top consumer, as the report lists it (subject and name are user-supplied). */
export interface TopConsumerCase {
  caseId: string;
  reference: string;
  subject: string;
  requesterName?: string;
  tier: string;
  category: string;
  priority: string;
  status: string;
  openedAt: string;
}

export interface ReportInput {
  cadence: Cadence;
  /** 'YYYY-MM-DD' (daily) or 'YYYY-WNN' (weekly). */
  period: string;
  /** Day rows of the period; hour rows and rows of other days are ignored. */
  current: readonly AggregateRow[];
  /** Day rows of the previous period (same rules). */
  previous: readonly AggregateRow[];
  backlog: readonly BacklogRow[];
  trends: readonly TrendRow[];
  openIncidents: readonly IncidentRow[];
  topConsumerCases: readonly TopConsumerCase[];
  asOf: Date | string;
  /** Default America/Los_Angeles. */
  timeZone?: string;
  /** How many top repeat-complaint categories to list; default 5. */
  topRepeatCategories?: number;
  /** The per-agent rows of the period (agents.ts agentReport); none by default. */
  agents?: readonly AgentReportRow[];
}

// ── output: the model ─────────────────────────────────────────────────────────────────────────────

export type Unit = 'count' | 'percent' | 'minutes';

/**
 * A number and its change against the previous period. `delta` is current − previous (in points
 * for a percentage); `changePct` is the relative change in % for counts and minutes, null when it
 * means nothing (no previous value, previous = 0 with current ≠ 0, or a percentage).
 */
export interface Metric {
  unit: Unit;
  current: number | null;
  previous: number | null;
  delta: number | null;
  changePct: number | null;
  /** Quantiles beyond the last histogram edge: the value is at least `current` / `previous`. */
  atLeast?: { current: boolean; previous: boolean };
}

export interface Headline {
  opened: Metric;
  resolved: Metric;
  firstResponses: Metric;
  /** % of first responses made by their due time. */
  firstResponseSla: Metric;
  /** % of resolutions made by their due time. */
  resolutionSla: Metric;
  firstResponseP50: Metric;
  firstResponseP90: Metric;
  resolutionP50: Metric;
  resolutionP90: Metric;
  /** % of opened cases from a requester who had complained before. */
  repeatRate: Metric;
  topConsumerOpened: Metric;
  escalationsStarted: Metric;
  reopened: Metric;
}

export const HEADLINE_LABELS: Record<keyof Headline, string> = {
  opened: 'Cases opened',
  resolved: 'Cases resolved',
  firstResponses: 'First responses',
  firstResponseSla: 'First response within SLA',
  resolutionSla: 'Resolution within SLA',
  firstResponseP50: 'First response p50',
  firstResponseP90: 'First response p90',
  resolutionP50: 'Resolution p50',
  resolutionP90: 'Resolution p90',
  repeatRate: 'Repeat complaints',
  topConsumerOpened: 'Top-consumer cases opened',
  escalationsStarted: 'Escalations started',
  reopened: 'Cases reopened',
};

export interface Breakdown {
  /** The stored value (a category, channel, tier or outcome id). */
  id: string;
  label: string;
}

export interface Report {
  title: string;
  cadence: Cadence;
  period: string;
  previousPeriod: string;
  timeZone: string;
  /** The local days the period covers, and its real-time range [start, end) as ISO instants. */
  days: string[];
  range: { start: string; end: string };
  asOf: string;
  headline: Headline;
  /** Escalations that reached each tier, and as % of cases opened in the period. */
  escalationByTier: (Breakdown & { count: Metric; rate: Metric })[];
  topRepeatCategories: (Breakdown & { repeat: number; opened: number; rate: number | null })[];
  byChannel: (Breakdown & { opened: Metric; share: number | null })[];
  byCategory: (Breakdown & { opened: Metric; resolved: number; repeat: number; share: number | null })[];
  outcomes: (Breakdown & { count: number })[];
  backlog: { total: number; oldestOpenedDay: string | null; buckets: BacklogBucket[] };
  /** Surging categories first, then by factor. */
  trends: TrendRow[];
  openIncidents: IncidentRow[];
  topConsumerCases: TopConsumerCase[];
  /** Escalations from inside the company: cases other teams opened, their escalations, first responses by the target. */
  internal: { opened: Metric; escalations: Metric; firstResponseTarget: Metric };
  /** Consults per team asked in or answered in the period: median turnaround (business minutes), share within target. */
  consults: ConsultTeamRow[];
  /** Per agent who handled cases in the period (named by their agent record), each per category: agents.ts. */
  agents: AgentReportRow[];
  /** Satisfaction ratings recorded in the period (1–5): how many, their average, per score and per category. */
  satisfaction: SatisfactionSummary;
}

export interface SatisfactionSummary {
  ratings: Metric;
  /** Average score, 2 decimals; null without ratings. */
  average: Metric;
  byScore: { score: number; count: number }[];
  /** Categories with ratings in the period, most rated first. */
  byCategory: (Breakdown & { ratings: number; average: number | null })[];
}

export interface ConsultTeamRow {
  team: string;
  asked: number;
  answered: number;
  escalated: number;
  /** Median business minutes from question to answer, over the answers of the period; null without any. */
  medianTurnaroundMinutes: number | null;
  /** % of the period's answers that came by the team's target. */
  withinTarget: number | null;
}

export interface BacklogBucket {
  label: '0–1d' | '1–3d' | '3–7d' | '>7d';
  /** Age in whole local days since the opening day, inclusive bounds; null = no upper bound. */
  minDays: number;
  maxDays: number | null;
  count: number;
}

// ── labels ────────────────────────────────────────────────────────────────────────────────────────

const CATEGORY_LABELS: Record<(typeof CATEGORIES)[number], string> = {
  payment_dispute: 'Payment dispute',
  unauthorized_charge: 'Unrecognised charge',
  refund: 'Refund',
  gifts_coins: 'Gifts & coins',
  payout: 'Payout',
  account_access: 'Account access',
  fraud_scam: 'Fraud / scam',
  safety: 'Safety',
  other: 'Other',
};
const CHANNEL_LABELS: Record<(typeof CHANNELS)[number], string> = { web: 'Web form', email: 'Email', system: 'Surge detection', internal: 'Internal escalation' };
const TIER_LABELS: Record<(typeof ESCALATION_TIERS)[number], string> = { L1: 'L1 lead', L2: 'L2 specialist', risk: 'Risk team' };
const OUTCOME_LABELS: Record<(typeof OUTCOMES)[number] | 'other', string> = {
  resolved: 'Resolved',
  confirmed_risk: 'Confirmed risk',
  false_positive: 'False positive',
  duplicate: 'Duplicate',
  other: 'Other',
};

const labelIn = (labels: Record<string, string>, id: string) => (Object.hasOwn(labels, id) ? labels[id]! : id);
export const categoryLabel = (id: string): string => labelIn(CATEGORY_LABELS, id);
export const channelLabel = (id: string): string => labelIn(CHANNEL_LABELS, id);

// ── arithmetic ────────────────────────────────────────────────────────────────────────────────────

export function metric(unit: Unit, current: number | null, previous: number | null): Metric {
  const both = current !== null && previous !== null;
  const delta = both ? current - previous : null;
  let changePct: number | null = null;
  if (both && unit !== 'percent') changePct = previous === 0 ? (current === 0 ? 0 : null) : ((current - previous) / previous) * 100;
  return { unit, current, previous, delta, changePct };
}

/** part / whole in %, null when whole is 0. */
export const percent = (part: number, whole: number): number | null => (whole > 0 ? (part / whole) * 100 : null);

const n = (c: Readonly<Counters>, name: string) => c[name] ?? 0;

function quantileMetric(cur: Counters, prev: Counters, histogram: 'frt' | 'rt', q: number): Metric {
  const a = histogramQuantile(cur, histogram, q);
  const b = histogramQuantile(prev, histogram, q);
  const m = metric('minutes', a?.minutes ?? null, b?.minutes ?? null);
  if (a?.atLeast || b?.atLeast) m.atLeast = { current: a?.atLeast ?? false, previous: b?.atLeast ?? false };
  return m;
}

function rowsOf(rows: readonly AggregateRow[], days: readonly string[]): AggregateRow[] {
  const wanted = new Set(days);
  return rows.filter((r) => r.key.granularity === 'day' && wanted.has(r.key.period));
}

/** Counters summed by one dimension of the key. */
function sumBy(rows: readonly AggregateRow[], dim: 'category' | 'channel'): Map<string, Counters> {
  const out = new Map<string, Counters>();
  for (const r of rows) {
    const id = r.key[dim];
    out.set(id, sumCounters([out.get(id) ?? {}, r.counters]));
  }
  return out;
}

/** Known ids first (in their order) when they have data or are always shown, then unknown ids seen in the rows. */
const REQUESTER_CHANNELS = CHANNELS.filter((c) => c !== 'system');

function idsOf(known: readonly string[], seen: Iterable<string>, alwaysKnown: boolean): string[] {
  const seenSet = new Set(seen);
  const ids = known.filter((k) => alwaysKnown || seenSet.has(k));
  for (const id of [...seenSet].sort()) if (!known.includes(id)) ids.push(id);
  return ids;
}

function sla(c: Counters, prefix: 'first_response' | 'resolution'): number | null {
  const within = n(c, `${prefix}_within_sla`);
  return percent(within, within + n(c, `${prefix}_breached`));
}

const BACKLOG_BUCKETS: readonly Omit<BacklogBucket, 'count'>[] = [
  { label: '0–1d', minDays: 0, maxDays: 1 },
  { label: '1–3d', minDays: 2, maxDays: 3 },
  { label: '3–7d', minDays: 4, maxDays: 7 },
  { label: '>7d', minDays: 8, maxDays: null },
];

/** Open cases by age: a case opened on the report's local day is 0 days old, yesterday's 1, and so on. */
function agedBacklog(rows: readonly BacklogRow[], asOfDay: string): Report['backlog'] {
  const byDay = new Map<string, number>();
  for (const r of rows) {
    parseDayKey(r.openedDay);
    if (Number.isFinite(r.open)) byDay.set(r.openedDay, (byDay.get(r.openedDay) ?? 0) + r.open);
  }
  const buckets = BACKLOG_BUCKETS.map((b) => ({ ...b, count: 0 }));
  let oldest: string | null = null;
  for (const [day, open] of byDay) {
    if (open <= 0) continue; // a day can only net below zero for cases opened before counting began
    const age = Math.max(0, daysBetween(day, asOfDay));
    buckets.find((b) => b.maxDays === null || age <= b.maxDays)!.count += open;
    if (oldest === null || day < oldest) oldest = day;
  }
  return { total: buckets.reduce((s, b) => s + b.count, 0), oldestOpenedDay: oldest, buckets };
}

/** Per team, from the consult counters (names in counters.ts); the median is exact (turnarounds are counted per minute). */
function consultRows(c: Readonly<Counters>): ConsultTeamRow[] {
  const teams = new Map<string, { asked: number; answered: number; within: number; escalated: number; turnarounds: [number, number][] }>();
  const team = (name: string) => teams.get(name) ?? teams.set(name, { asked: 0, answered: 0, within: 0, escalated: 0, turnarounds: [] }).get(name)!;
  for (const [name, value] of Object.entries(c)) {
    const counter = CONSULT_COUNTER.exec(name);
    if (counter) {
      const t = team(counter[2]!);
      if (counter[1] === 'asked') t.asked += value;
      else if (counter[1] === 'answered') t.answered += value;
      else if (counter[1] === 'within_target') t.within += value;
      else t.escalated += value;
      continue;
    }
    const turnaround = CONSULT_TURNAROUND_COUNTER.exec(name);
    if (turnaround && value > 0) team(turnaround[1]!).turnarounds.push([Number(turnaround[2]), value]);
  }
  return [...teams]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, t]) => ({ team: name, asked: t.asked, answered: t.answered, escalated: t.escalated, medianTurnaroundMinutes: median(t.turnarounds), withinTarget: percent(t.within, t.answered) }));
}

/** The median of a distribution given as (value, count) pairs: the middle value, or the mean of the two middle ones. */
function median(counts: [number, number][]): number | null {
  const total = counts.reduce((s, [, k]) => s + k, 0);
  if (total === 0) return null;
  const sorted = [...counts].sort((a, b) => a[0] - b[0]);
  const at = (rank: number) => {
    let seen = 0;
    for (const [value, k] of sorted) {
      seen += k;
      if (rank < seen) return value;
    }
    return sorted[sorted.length - 1]![0];
  };
  return total % 2 === 1 ? at((total - 1) / 2) : (at(total / 2 - 1) + at(total / 2)) / 2;
}

// ── the report ────────────────────────────────────────────────────────────────────────────────────

export function buildReport(input: ReportInput): Report {
  const timeZone = input.timeZone ?? DEFAULT_REPORT_TIME_ZONE;
  const asOf = input.asOf instanceof Date ? input.asOf : new Date(input.asOf);
  if (!Number.isFinite(asOf.getTime())) throw new RangeError('asOf is not a valid date');
  const days = periodDays(input.cadence, input.period);
  const prevPeriod = previousPeriod(input.cadence, input.period);
  const curRows = rowsOf(input.current, days);
  const prevRows = rowsOf(input.previous, periodDays(input.cadence, prevPeriod));
  const cur = sumCounters(curRows.map((r) => r.counters));
  const prev = sumCounters(prevRows.map((r) => r.counters));
  const count = (name: string) => metric('count', n(cur, name), n(prev, name));
  const rate = (part: string, whole: string) => metric('percent', percent(n(cur, part), n(cur, whole)), percent(n(prev, part), n(prev, whole)));

  const headline: Headline = {
    opened: count('opened'),
    resolved: count('resolved'),
    firstResponses: count('first_responses'),
    firstResponseSla: metric('percent', sla(cur, 'first_response'), sla(prev, 'first_response')),
    resolutionSla: metric('percent', sla(cur, 'resolution'), sla(prev, 'resolution')),
    firstResponseP50: quantileMetric(cur, prev, 'frt', 0.5),
    firstResponseP90: quantileMetric(cur, prev, 'frt', 0.9),
    resolutionP50: quantileMetric(cur, prev, 'rt', 0.5),
    resolutionP90: quantileMetric(cur, prev, 'rt', 0.9),
    repeatRate: rate('opened_repeat', 'opened'),
    topConsumerOpened: count('opened_top_consumer'),
    escalationsStarted: count('escalations_started'),
    reopened: count('reopened'),
  };

  const escalationByTier = ESCALATION_TIERS.map((tier) => ({
    id: tier,
    label: TIER_LABELS[tier],
    count: count(escalationCounter(tier)),
    rate: rate(escalationCounter(tier), 'opened'),
  }));

  const curByCategory = sumBy(curRows, 'category');
  const prevByCategory = sumBy(prevRows, 'category');
  const totalOpened = n(cur, 'opened');
  const byCategory = idsOf(CATEGORIES, [...curByCategory.keys(), ...prevByCategory.keys()], false)
    .map((id) => {
      const c = curByCategory.get(id) ?? {};
      const p = prevByCategory.get(id) ?? {};
      return {
        id,
        label: categoryLabel(id),
        opened: metric('count', n(c, 'opened'), n(p, 'opened')),
        resolved: n(c, 'resolved'),
        repeat: n(c, 'opened_repeat'),
        share: percent(n(c, 'opened'), totalOpened),
      };
    })
    .sort((a, b) => (b.opened.current ?? 0) - (a.opened.current ?? 0));

  const curByChannel = sumBy(curRows, 'channel');
  const prevByChannel = sumBy(prevRows, 'channel');
  // The channels requesters use are always listed; cases trustdesk opens itself only when present.
  const byChannel = idsOf(REQUESTER_CHANNELS, [...curByChannel.keys(), ...prevByChannel.keys()], true).map((id) => ({
    id,
    label: channelLabel(id),
    opened: metric('count', n(curByChannel.get(id) ?? {}, 'opened'), n(prevByChannel.get(id) ?? {}, 'opened')),
    share: percent(n(curByChannel.get(id) ?? {}, 'opened'), totalOpened),
  }));

  const topRepeatCategories = [...curByCategory]
    .map(([id, c]) => ({ id, label: categoryLabel(id), repeat: n(c, 'opened_repeat'), opened: n(c, 'opened'), rate: percent(n(c, 'opened_repeat'), n(c, 'opened')) }))
    .filter((r) => r.repeat > 0)
    .sort((a, b) => b.repeat - a.repeat || (b.rate ?? 0) - (a.rate ?? 0) || (a.id < b.id ? -1 : 1))
    .slice(0, input.topRepeatCategories ?? 5);

  const outcomes = [...OUTCOMES, 'other' as const]
    .map((o) => ({ id: o, label: OUTCOME_LABELS[o], count: n(cur, resolvedCounter(o)) }))
    .filter((o) => o.count !== 0);

  const internalCur = curByChannel.get('internal') ?? {};
  const internalPrev = prevByChannel.get('internal') ?? {};
  const internal = {
    opened: metric('count', n(internalCur, 'opened'), n(internalPrev, 'opened')),
    escalations: count('internal_escalations'),
    firstResponseTarget: metric('percent', sla(internalCur, 'first_response'), sla(internalPrev, 'first_response')),
  };

  const average = (c: Counters): number | null => (n(c, 'ratings') > 0 ? Math.round((n(c, 'ratings_sum') / n(c, 'ratings')) * 100) / 100 : null);
  const satisfaction: SatisfactionSummary = {
    ratings: count('ratings'),
    average: metric('count', average(cur), average(prev)),
    byScore: [1, 2, 3, 4, 5].map((score) => ({ score, count: n(cur, ratingCounter(score)) })),
    byCategory: [...curByCategory]
      .filter(([, c]) => n(c, 'ratings') > 0)
      .map(([id, c]) => ({ id, label: categoryLabel(id), ratings: n(c, 'ratings'), average: average(c) }))
      .sort((a, b) => b.ratings - a.ratings || (a.id < b.id ? -1 : 1)),
  };

  const range = periodRange(input.cadence, input.period, timeZone);
  const title =
    input.cadence === 'daily'
      ? `trustdesk daily report: ${input.period}`
      : `trustdesk weekly report: ${input.period} (${days[0]} to ${days[days.length - 1]})`;

  return {
    title,
    cadence: input.cadence,
    period: input.period,
    previousPeriod: prevPeriod,
    timeZone,
    days,
    range: { start: range.start.toISOString(), end: range.end.toISOString() },
    asOf: asOf.toISOString(),
    headline,
    escalationByTier,
    topRepeatCategories,
    byChannel,
    byCategory,
    outcomes,
    backlog: agedBacklog(input.backlog, dayKey(asOf, timeZone)),
    trends: [...input.trends].sort((a, b) => Number(b.surge) - Number(a.surge) || b.factor - a.factor),
    openIncidents: [...input.openIncidents],
    topConsumerCases: [...input.topConsumerCases],
    internal,
    consults: consultRows(cur),
    satisfaction,
    agents: [...(input.agents ?? [])],
  };
}
