// Folding audited case events into aggregate deltas. Pure: a stream consumer calls deltasFor for each
// new event (see dedupe.ts), coalesces the batch and applies one `ADD` per key (and shard, shards.ts).
//
// Each event needs only itself and the case's dimensions, which the consumer reads once per batch:
// no state is kept between events, so deltas can be computed in any order and summed.
//   - Flow counters (counters.ts) go to the day AND the hour bucket of the event's `at`, keyed by
//     category, priority and channel. The opening event carries its own category, priority and
//     channel, which win over `dims` (the case may have been re-prioritised since); later events use
//     `dims`, i.e. the case as the consumer read it.
//   - Backlog deltas (backlogDeltas) are a stock: +1 when a case enters the open states, −1 when it
//     leaves. They are keyed by the case's opening day and by dimensions that never change (category,
//     channel), never priority: a stock keyed by a mutable dimension would not net out per key.
import type { CaseEvent, Category, Channel, Priority, ValueTier } from '../case.ts';
import { ESCALATION_TIERS } from '../case.ts';
import { DEFAULT_REPORT_TIME_ZONE, dayKey, hourKey } from './buckets.ts';
import {
  DEFAULT_HISTOGRAM_EDGES,
  addCounters,
  consultCounter,
  consultTurnaroundCounter,
  escalationCounter,
  histogramCounters,
  ratingCounter,
  resolvedCounter,
  withoutZeros,
  type Counters,
} from './counters.ts';
import { keyId } from './shards.ts';

export type { Counters } from './counters.ts';
export { newEvents, nextWatermarks } from './dedupe.ts';
export { keyId, requiredShards, shardFor } from './shards.ts';

export type Granularity = 'day' | 'hour';

/** Where a delta goes. Dimension values are plain strings: rows come back from storage unchecked. */
export interface AggregateKey {
  granularity: Granularity;
  /** 'YYYY-MM-DD' for a day, 'YYYY-MM-DDTHH' for an hour, local to the report time zone. */
  period: string;
  category: string;
  priority: string;
  channel: string;
}

/** Backlog (open cases) by opening day; priority is left out on purpose (it changes). */
export interface BacklogKey {
  openedDay: string;
  category: string;
  channel: string;
}

export interface Delta<K> {
  key: K;
  counters: Counters;
}

/** What the consumer knows about the event's case. */
export interface CaseDims {
  category: Category;
  priority: Priority;
  channel: Channel;
  openedAt: string;
  tier?: ValueTier;
  /**
   * The case's due times as read with the dims (CaseRecord.deadlines). Needed for the
   * *_within_sla / *_breached counters; without them a response or resolution is counted but not
   * judged. Read shortly after the event they are the due times in force when it happened (the
   * resolve re-plans them itself before it is stored).
   */
  deadlines?: { firstResponseDue?: string; resolutionDue?: string };
  /** The case's assignee and the agent of its last resolution, as read: the per-agent report's attribution (agents.ts). */
  assignee?: string;
  resolvedBy?: string;
}

export interface EventInput {
  event: CaseEvent;
  dims: CaseDims;
}

export interface AggregationSettings {
  timeZone: string;
  histogramEdges: readonly number[];
}

export const DEFAULT_AGGREGATION: AggregationSettings = {
  timeZone: DEFAULT_REPORT_TIME_ZONE,
  histogramEdges: DEFAULT_HISTOGRAM_EDGES,
};

const MINUTE = 60_000;

function minutesBetween(from: string, to: string): number | undefined {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? Math.max(0, ms) / MINUTE : undefined;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** within/breached against a due time; nothing when the due time is unknown. */
function judged(prefix: 'first_response' | 'resolution', at: string, due: string | undefined): Counters {
  const dueMs = due === undefined ? NaN : Date.parse(due);
  if (!Number.isFinite(dueMs)) return {};
  return Date.parse(at) <= dueMs ? { [`${prefix}_within_sla`]: 1 } : { [`${prefix}_breached`]: 1 };
}

/** The flow counters one event adds, before bucketing. Events that are not counted give {}. */
export function countersFor({ event, dims }: EventInput, settings: AggregationSettings = DEFAULT_AGGREGATION): Counters {
  const d = event.data;
  const c: Counters = {};
  switch (event.type) {
    case 'case.opened':
      c.opened = 1;
      if (typeof d.repeatCount === 'number' && d.repeatCount > 0) c.opened_repeat = 1;
      // A top consumer by value tier is known at intake (domain/top-consumer.ts); one by spend once evidence is in.
      if (d.topConsumer === true) c.opened_top_consumer = 1;
      if (d.safetyCritical === true) c.opened_safety_critical = 1;
      break;
    case 'evidence.gathered':
      // The case became a top consumer by its 90-day spend: counted among the top-consumer openings (once: it stays one).
      if (d.topConsumer === true) c.opened_top_consumer = 1;
      break;
    case 'agent.replied':
    case 'agent.requested-info': {
      if (d.firstResponse !== true) break;
      const minutes = minutesBetween(dims.openedAt, event.at);
      c.first_responses = 1;
      if (minutes !== undefined) {
        c.first_response_minutes_sum = round2(minutes);
        addCounters(c, histogramCounters('frt', minutes, settings.histogramEdges));
      }
      addCounters(c, judged('first_response', event.at, dims.deadlines?.firstResponseDue));
      break;
    }
    case 'case.resolved': {
      const minutes = minutesBetween(dims.openedAt, event.at);
      c.resolved = 1;
      c[resolvedCounter(d.outcome)] = 1;
      if (minutes !== undefined) {
        c.resolution_minutes_sum = round2(minutes);
        addCounters(c, histogramCounters('rt', minutes, settings.histogramEdges));
      }
      addCounters(c, judged('resolution', event.at, dims.deadlines?.resolutionDue));
      break;
    }
    case 'case.closed':
    case 'case.merged':
      // A merged duplicate is closed into the case that carries on.
      c.closed = 1;
      break;
    case 'satisfaction.rated':
      // Counted under the case's category (dims) on the day it was rated; a score outside 1–5 is not counted.
      if (typeof d.rating === 'number' && Number.isInteger(d.rating) && d.rating >= 1 && d.rating <= 5) {
        c.ratings = 1;
        c.ratings_sum = d.rating;
        c[ratingCounter(d.rating)] = 1;
      }
      break;
    case 'case.reopened':
      c.reopened = 1;
      break;
    case 'requester.replied':
      if (d.reopened === true) c.reopened = 1;
      break;
    case 'sla.warning':
      if (d.deadline === 'firstResponse') c.sla_warning_first_response = 1;
      if (d.deadline === 'resolution') c.sla_warning_resolution = 1;
      break;
    case 'sla.breached':
      if (d.deadline === 'firstResponse') c.sla_breach_first_response = 1;
      if (d.deadline === 'resolution') c.sla_breach_resolution = 1;
      // A breach with no escalation running starts one in the same change; one recorded on the risk team's
      // running escalation (a P1's) starts nothing.
      if (typeof d.escalationId === 'string' && d.recordedOnEscalation !== true) c.escalations_started = 1;
      break;
    case 'escalation.started':
      c.escalations_started = 1;
      break;
    case 'escalation.notified':
      // Every tier an escalation reaches is notified once, the starting tier included.
      if ((ESCALATION_TIERS as readonly unknown[]).includes(d.tier)) c[escalationCounter(String(d.tier))] = 1;
      break;
    case 'escalation.acknowledged':
      c.acknowledged = 1;
      break;
    case 'escalation.unacknowledged':
      c.unacknowledged = 1;
      break;
    case 'case.priority-changed':
      c.priority_changed = 1;
      break;
    case 'internal.escalated':
      c.internal_escalations = 1;
      break;
    case 'consult.asked':
    case 'consult.answered':
    case 'consult.escalated': {
      const team = typeof d.team === 'string' && /^[a-z][a-z0-9-]*$/.test(d.team) ? d.team : undefined;
      if (!team) break;
      if (event.type === 'consult.asked') c[consultCounter('asked', team)] = 1;
      if (event.type === 'consult.escalated') c[consultCounter('escalated', team)] = 1;
      if (event.type === 'consult.answered') {
        c[consultCounter('answered', team)] = 1;
        if (d.withinTarget === true) c[consultCounter('within_target', team)] = 1;
        if (typeof d.turnaroundMinutes === 'number' && Number.isInteger(d.turnaroundMinutes) && d.turnaroundMinutes >= 0) c[consultTurnaroundCounter(team, d.turnaroundMinutes)] = 1;
      }
      break;
    }
  }
  return c;
}

const str = (v: unknown, fallback: string) => (typeof v === 'string' && v.length > 0 ? v : fallback);

/** The dimensions an event is counted under. */
function dimensionsOf({ event, dims }: EventInput): Pick<AggregateKey, 'category' | 'priority' | 'channel'> {
  if (event.type === 'case.opened') {
    return { category: str(event.data.category, dims.category), priority: str(event.data.priority, dims.priority), channel: str(event.data.channel, dims.channel) };
  }
  return { category: dims.category, priority: dims.priority, channel: dims.channel };
}

/** The deltas of one event: its counters in the day bucket and in the hour bucket of `event.at`. */
export function deltasFor(input: EventInput, settings: AggregationSettings = DEFAULT_AGGREGATION): Delta<AggregateKey>[] {
  const counters = countersFor(input, settings);
  if (Object.keys(counters).length === 0) return [];
  const dimensions = dimensionsOf(input);
  const at = input.event.at;
  return [
    { key: { granularity: 'day', period: dayKey(at, settings.timeZone), ...dimensions }, counters },
    { key: { granularity: 'hour', period: hourKey(at, settings.timeZone), ...dimensions }, counters: { ...counters } },
  ];
}

/**
 * +1 / −1 on the open backlog. A case is in the backlog from its opening until it is resolved, or
 * closed (or merged into another) without having been resolved; a reopen (by an agent, or by the requester writing again)
 * puts it back. Closing a resolved case ('resolved-and-silent') does not count twice.
 */
export function backlogChange({ event }: Pick<EventInput, 'event'>): -1 | 0 | 1 {
  switch (event.type) {
    case 'case.opened':
    case 'case.reopened':
      return 1;
    case 'requester.replied':
      return event.data.reopened === true ? 1 : 0;
    case 'case.resolved':
      return -1;
    case 'case.closed':
      return event.data.reason === 'resolved-and-silent' ? 0 : -1;
    case 'case.merged':
      // A duplicate merged after it was resolved left the backlog then.
      return event.data.from === 'resolved' ? 0 : -1;
    default:
      return 0;
  }
}

export function backlogDeltas(input: EventInput, settings: Pick<AggregationSettings, 'timeZone'> = DEFAULT_AGGREGATION): Delta<BacklogKey>[] {
  const n = backlogChange(input);
  if (n === 0) return [];
  const { category, channel } = input.dims;
  return [{ key: { openedDay: dayKey(input.dims.openedAt, settings.timeZone), category, channel }, counters: { open: n } }];
}

/**
 * Merges deltas with the same key (counters summed, zero counters dropped, keys left with no
 * counter dropped), in the order keys first appear. One result per key: one write per key per batch.
 */
export function coalesce<K extends object>(deltas: readonly Delta<K>[]): Delta<K>[] {
  const merged = new Map<string, Delta<K>>();
  for (const delta of deltas) {
    const id = keyId(delta.key);
    const into = merged.get(id);
    if (into) addCounters(into.counters, delta.counters);
    else merged.set(id, { key: delta.key, counters: addCounters({}, delta.counters) });
  }
  const out: Delta<K>[] = [];
  for (const { key, counters } of merged.values()) {
    const nonZero = withoutZeros(counters);
    if (Object.keys(nonZero).length > 0) out.push({ key, counters: nonZero });
  }
  return out;
}
