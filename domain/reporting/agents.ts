// The per-agent report: counters folded per (local day, agent, category) and the rows the report shows.
// Pure, like aggregate.ts, and folded by the same consumer in the same exactly-once apply (the case's
// watermark moves with them), so a redelivered event is never counted twice here either.
//
// Who a number belongs to (the agent who handled the case, never a requester):
//   - a first response (agent.replied / agent.requested-info with firstResponse) → the agent who sent it;
//   - a resolution (case.resolved) → the agent who resolved it; for a four-eyes resolution the agent who
//     proposed it (data.approval.proposedBy), not the approver;
//   - a reopen (case.reopened, requester.replied that reopened) and a rating (satisfaction.rated) → the
//     agent of the case's last resolution (CaseRecord.resolvedBy, as the consumer reads the case; the
//     assignee for cases resolved before resolvedBy existed). Reopens of cases nobody resolved are not counted.
// The category is the case's category as read with the event (CaseDims).
//
// Medians come from the same bounded cumulative histograms as the headline (frt_le_*, rt_le_*; edges in
// the reporting policy): an item holds at most ~35 counters whatever the number of cases, never the values.
// One item per (day, agent, category) keeps each item small (≈ 1 KB) and the weekly read bounded by
// 7 × agents × categories; an agent acts a few times a minute, so these items need no shards.
import type { CaseEvent } from '../case.ts';
import type { AggregationSettings, CaseDims } from './aggregate.ts';
import { DEFAULT_AGGREGATION } from './aggregate.ts';
import { dayKey } from './buckets.ts';
import { addCounters, histogramCounters, sumCounters, type Counters } from './counters.ts';
import { histogramQuantile, type Quantile } from './quantile.ts';
import { categoryLabel, percent } from './report.ts';

/** Where an agent delta goes: one stored item per local day, agent and category. */
export interface AgentKey {
  /** 'YYYY-MM-DD', local to the report time zone. */
  day: string;
  agentId: string;
  category: string;
}

export interface AgentDelta {
  key: AgentKey;
  counters: Counters;
}

/** One stored agent item (as the store returns it; values unchecked). */
export interface AgentRow {
  key: AgentKey;
  counters: Counters;
}

// Counter names of an agent item (counts of events in the day, for the agent and category):
//   first_responses, first_response_minutes_sum, first_response_within_sla, first_response_breached, frt_le_*
//   resolved (cases handled), resolution_minutes_sum, resolution_within_sla, resolution_breached, rt_le_*
//   reopened            reopens of cases the agent resolved
//   satisfaction_count  ratings of the agent's resolutions; satisfaction_sum their scores (1–5) summed

const MINUTE = 60_000;
const round2 = (n: number) => Math.round(n * 100) / 100;

function minutesBetween(from: string, to: string): number | undefined {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? Math.max(0, ms) / MINUTE : undefined;
}

function judged(prefix: 'first_response' | 'resolution', at: string, due: string | undefined): Counters {
  const dueMs = due === undefined ? NaN : Date.parse(due);
  if (!Number.isFinite(dueMs)) return {};
  return Date.parse(at) <= dueMs ? { [`${prefix}_within_sla`]: 1 } : { [`${prefix}_breached`]: 1 };
}

/** A first response or a resolution: its count, its minutes since opening (sum and histogram) and its deadline's verdict. */
function milestone(
  count: Counters,
  prefix: 'first_response' | 'resolution',
  histogram: 'frt' | 'rt',
  at: string,
  openedAt: string,
  due: string | undefined,
  edges: AggregationSettings['histogramEdges'],
): Counters {
  const c: Counters = { ...count };
  const minutes = minutesBetween(openedAt, at);
  if (minutes !== undefined) {
    c[`${prefix}_minutes_sum`] = round2(minutes);
    addCounters(c, histogramCounters(histogram, minutes, edges));
  }
  addCounters(c, judged(prefix, at, due));
  return c;
}

const AGENT_ID = /^[^\s#]{1,200}$/;
const agentId = (v: unknown): string | undefined => (typeof v === 'string' && AGENT_ID.test(v) ? v : undefined);
const actingAgent = (event: CaseEvent) => (event.actor.kind === 'agent' ? agentId(event.actor.id) : undefined);
/** The agent of the case's last resolution. */
const resolver = (dims: CaseDims) => agentId(dims.resolvedBy) ?? agentId(dims.assignee);

/** The agent an event counts for and what it adds to them; undefined when it counts for nobody. */
export function agentCountersFor(
  { event, dims }: { event: CaseEvent; dims: CaseDims },
  settings: Pick<AggregationSettings, 'histogramEdges'> = DEFAULT_AGGREGATION,
): { agentId: string; counters: Counters } | undefined {
  const d = event.data;
  switch (event.type) {
    case 'agent.replied':
    case 'agent.requested-info': {
      const agent = actingAgent(event);
      if (d.firstResponse !== true || !agent) return undefined;
      return { agentId: agent, counters: milestone({ first_responses: 1 }, 'first_response', 'frt', event.at, dims.openedAt, dims.deadlines?.firstResponseDue, settings.histogramEdges) };
    }
    case 'case.resolved': {
      const approval = d.approval as { proposedBy?: unknown } | undefined;
      const agent = agentId(approval?.proposedBy) ?? actingAgent(event);
      if (!agent) return undefined;
      return { agentId: agent, counters: milestone({ resolved: 1 }, 'resolution', 'rt', event.at, dims.openedAt, dims.deadlines?.resolutionDue, settings.histogramEdges) };
    }
    case 'case.reopened':
    case 'requester.replied': {
      if (event.type === 'requester.replied' && d.reopened !== true) return undefined;
      const agent = resolver(dims);
      return agent ? { agentId: agent, counters: { reopened: 1 } } : undefined;
    }
    case 'satisfaction.rated': {
      const rating = d.rating;
      if (typeof rating !== 'number' || !Number.isInteger(rating) || rating < 1 || rating > 5) return undefined;
      const agent = resolver(dims);
      return agent ? { agentId: agent, counters: { satisfaction_count: 1, satisfaction_sum: rating } } : undefined;
    }
    default:
      return undefined;
  }
}

/** The agent delta of one event (its local day's item), or none. */
export function agentDeltasFor(input: { event: CaseEvent; dims: CaseDims }, settings: Pick<AggregationSettings, 'histogramEdges' | 'timeZone'> = DEFAULT_AGGREGATION): AgentDelta[] {
  const found = agentCountersFor(input, settings);
  if (!found) return [];
  return [{ key: { day: dayKey(input.event.at, settings.timeZone), agentId: found.agentId, category: input.dims.category }, counters: found.counters }];
}

// ── the report's rows ─────────────────────────────────────────────────────────────────────────────

/** A median estimated from a histogram: `atLeast` when it fell beyond the last edge. */
export interface Median {
  minutes: number;
  atLeast: boolean;
}

export interface AgentStats {
  /** Cases the agent resolved in the period (a resolve after a reopen counts again). */
  handled: number;
  firstResponses: number;
  /** % of the agent's first responses made by their due time (null: none with a known due time). */
  firstResponseSla: number | null;
  /** % of the agent's resolutions made by their due time. */
  resolutionSla: number | null;
  /** Median minutes from opening to the agent's first responses / resolutions (histogram estimate). */
  medianFirstResponse: Median | null;
  medianResolution: Median | null;
  reopened: number;
  /** reopened / handled in % (null when nothing was handled). */
  reopenRate: number | null;
  /** Average rating (1–5) of the agent's resolutions rated in the period, and how many ratings. */
  satisfaction: { average: number | null; count: number };
}

export interface AgentCategoryRow extends AgentStats {
  id: string;
  label: string;
}

export interface AgentReportRow extends AgentStats {
  agentId: string;
  /** The agent record's name; the id when the directory has no record for it. */
  name: string;
  byCategory: AgentCategoryRow[];
}

const n = (c: Readonly<Counters>, name: string) => c[name] ?? 0;

function sla(c: Counters, prefix: 'first_response' | 'resolution'): number | null {
  const within = n(c, `${prefix}_within_sla`);
  return percent(within, within + n(c, `${prefix}_breached`));
}

const median = (q: Quantile | null): Median | null => (q ? { minutes: Math.round(q.minutes * 10) / 10, atLeast: q.atLeast } : null);

export function agentStats(c: Counters): AgentStats {
  const ratings = n(c, 'satisfaction_count');
  return {
    handled: n(c, 'resolved'),
    firstResponses: n(c, 'first_responses'),
    firstResponseSla: sla(c, 'first_response'),
    resolutionSla: sla(c, 'resolution'),
    medianFirstResponse: median(histogramQuantile(c, 'frt', 0.5)),
    medianResolution: median(histogramQuantile(c, 'rt', 0.5)),
    reopened: n(c, 'reopened'),
    reopenRate: percent(n(c, 'reopened'), n(c, 'resolved')),
    satisfaction: { average: ratings > 0 ? Math.round((n(c, 'satisfaction_sum') / ratings) * 100) / 100 : null, count: ratings },
  };
}

/**
 * Per agent (most cases handled first, then by name), each with its categories (most handled first):
 * the rows of the period's days summed. `names` maps agent ids to their agent record's name.
 */
export function agentReport(rows: readonly AgentRow[], days: readonly string[], names: ReadonlyMap<string, string>): AgentReportRow[] {
  const wanted = new Set(days);
  const perAgent = new Map<string, Map<string, Counters>>();
  for (const r of rows) {
    if (!wanted.has(r.key.day)) continue;
    const categories = perAgent.get(r.key.agentId) ?? perAgent.set(r.key.agentId, new Map()).get(r.key.agentId)!;
    categories.set(r.key.category, sumCounters([categories.get(r.key.category) ?? {}, r.counters]));
  }
  const busiest = (a: AgentStats, b: AgentStats) => b.handled - a.handled || b.firstResponses - a.firstResponses;
  return [...perAgent]
    .map(([id, categories]): AgentReportRow => {
      const byCategory = [...categories]
        .map(([category, c]) => ({ id: category, label: categoryLabel(category), ...agentStats(c) }))
        .sort((a, b) => busiest(a, b) || (a.id < b.id ? -1 : 1));
      return { agentId: id, name: names.get(id) ?? id, ...agentStats(sumCounters(categories.values())), byCategory };
    })
    .sort((a, b) => busiest(a, b) || a.name.localeCompare(b.name) || (a.agentId < b.agentId ? -1 : 1));
}
