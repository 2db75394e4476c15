// Stream events → aggregates, exactly once and coalesced: one update per aggregate item per chunk,
// written with the cases' watermarks in the same transaction. Then surges open incident cases.
import type { CaseEvent, CaseRecord, Category } from '#domain/case.ts';
import { openIncident, INCIDENT_REQUESTER } from '#domain/incident.ts';
import { rememberComplaint, type Policies } from '#domain/intake.ts';
import { backlogDeltas, deltasFor, newEvents, shardFor, type CaseDims, type Delta } from '#domain/reporting/aggregate.ts';
import { addCounters } from '#domain/reporting/counters.ts';
import { hourKey, hourRange, sameHourPreviousDays } from '#domain/reporting/buckets.ts';
import { eventId } from '#domain/reporting/dedupe.ts';
import type { ReportingPolicy } from '#domain/reporting/policy.ts';
import { detectSurge, incidentKey, incidentWindowStart } from '#domain/reporting/trends.ts';
import { METRIC } from '../metrics.ts';
import type { CaseStore, Clock, CounterUpdate, Metrics, ReportingStore, WatermarkMove } from '../ports.ts';

export interface AggregateDeps {
  cases: CaseStore;
  reporting: ReportingStore;
  clock: Clock;
  policy: ReportingPolicy;
  policies: Policies;
  newCaseId: () => string;
  newReference: () => string;
  metrics: Metrics;
}

export interface AggregateResult {
  applied: number;
  skipped: number;
  writes: number;
  incidents: string[];
}

/** DynamoDB transactions hold at most 100 items. */
const MAX_TRANSACTION_ITEMS = 100;

export const aggregateItem = {
  aggregate: (granularity: string, period: string) => `AGG#${granularity}#${period}`,
  backlog: 'BACKLOG',
  trend: (category: string) => `TREND#${category}`,
  topCases: (day: string) => `TOPCASE#${day}`,
};

export async function aggregateEvents(deps: AggregateDeps, events: CaseEvent[], options: { coalesce?: boolean } = {}): Promise<AggregateResult> {
  const coalesceWrites = options.coalesce ?? true;
  const caseIds = [...new Set(events.map((e) => e.caseId))];
  const watermarks = await deps.reporting.watermarks(caseIds);
  const fresh = newEvents(events, watermarks);
  const result: AggregateResult = { applied: fresh.length, skipped: events.length - fresh.length, writes: 0, incidents: [] };
  if (fresh.length === 0) return result;

  const records = await deps.cases.getCases([...new Set(fresh.map((e) => e.caseId))]);
  if (!coalesceWrites) {
    // The baseline the benchmark compares against: one transaction per event.
    const marks = new Map(watermarks);
    for (const event of fresh) {
      const record = records.get(event.caseId);
      if (!record) throw new Error(`case ${event.caseId} of event v${event.version} not found`);
      const [chunk] = chunks([{ updates: updatesFor(event, record, deps.policy), move: { caseId: event.caseId, from: marks.get(event.caseId) ?? 0, to: event.version } }]);
      await deps.reporting.applyCounters(chunk!.updates, chunk!.moves);
      marks.set(event.caseId, event.version);
      result.writes += chunk!.updates.length;
    }
    countOpenings(deps, fresh);
    result.incidents = await watchForSurges(deps, fresh, records);
    return result;
  }
  const perCase = new Map<string, { updates: CounterUpdate[]; move: WatermarkMove }>();
  for (const event of fresh) {
    const record = records.get(event.caseId);
    if (!record) throw new Error(`case ${event.caseId} of event v${event.version} not found`);
    const entry = perCase.get(event.caseId) ?? { updates: [], move: { caseId: event.caseId, from: watermarks.get(event.caseId) ?? 0, to: event.version } };
    entry.move.to = Math.max(entry.move.to, event.version);
    entry.updates.push(...updatesFor(event, record, deps.policy));
    perCase.set(event.caseId, entry);
  }

  for (const chunk of chunks([...perCase.values()])) {
    await deps.reporting.applyCounters(chunk.updates, chunk.moves);
    result.writes += chunk.updates.length;
  }
  countOpenings(deps, fresh);
  result.incidents = await watchForSurges(deps, fresh, records);
  return result;
}

/** Cases opened, for the SLA breach rate: once per counted case.opened, after its counts are written. */
function countOpenings(deps: AggregateDeps, fresh: CaseEvent[]): void {
  const opened = fresh.filter((e) => e.type === 'case.opened').length;
  if (opened > 0) deps.metrics.count(METRIC.casesOpened, opened);
}

/** What aggregation needs to know about an event's case. */
export function dimsOf(record: CaseRecord): CaseDims {
  return {
    category: record.category,
    priority: record.priority,
    channel: record.channel,
    openedAt: record.openedAt,
    ...(record.valueTier && { tier: record.valueTier }),
    deadlines: record.deadlines,
  };
}

function updatesFor(event: CaseEvent, record: CaseRecord, policy: ReportingPolicy): CounterUpdate[] {
  const settings = { timeZone: policy.timeZone, histogramEdges: policy.histogramEdges, topConsumerTiers: policy.topConsumerTiers };
  const input = { event, dims: dimsOf(record) };
  const id = eventId(event);
  const updates: CounterUpdate[] = [
    ...deltasFor(input, settings).map((d) => counterUpdate(d, aggregateItem.aggregate(d.key.granularity, d.key.period), [d.key.category, d.key.priority, d.key.channel], id, policy)),
    ...backlogDeltas(input, settings).map((d) => counterUpdate(d, aggregateItem.backlog, [d.key.openedDay, d.key.category, d.key.channel], id, policy)),
  ];
  if (event.type === 'case.opened') {
    const hour = hourKey(event.at, policy.timeZone);
    updates.push({ pk: aggregateItem.trend(record.category), sk: hour, attributes: { category: record.category, hour }, counters: { opened: 1 } });
    if (record.valueTier && policy.topConsumerTiers.includes(record.valueTier)) {
      updates.push({
        pk: aggregateItem.topCases(hour.slice(0, 10)),
        sk: record.caseId,
        attributes: { caseId: record.caseId, reference: record.reference, tier: record.valueTier, category: record.category, priority: record.priority, openedAt: record.openedAt },
        counters: {},
      });
    }
  }
  return updates;
}

function counterUpdate<K extends object>(delta: Delta<K>, pk: string, skParts: string[], id: string, policy: ReportingPolicy): CounterUpdate {
  const shard = shardFor(delta.key, id, policy.shards);
  const attributes = Object.fromEntries(Object.entries(delta.key).map(([k, v]) => [k, String(v)]));
  return { pk, sk: [...skParts, String(shard)].join('#'), attributes, counters: delta.counters };
}

/**
 * Groups whole cases into transactions: every update of a case goes with its watermark move, so a
 * chunk either counts a case's events and moves its watermark, or does neither. Coalesced, a chunk
 * holds one update per item however many events touched it.
 */
function chunks(cases: { updates: CounterUpdate[]; move: WatermarkMove }[]): { updates: CounterUpdate[]; moves: WatermarkMove[] }[] {
  type Chunk = { updates: Map<string, CounterUpdate>; moves: WatermarkMove[] };
  const out: Chunk[] = [];
  let current: Chunk = { updates: new Map(), moves: [] };
  const itemKey = (u: CounterUpdate) => `${u.pk}|${u.sk}`;
  for (const c of cases) {
    const keys = c.updates.map(itemKey);
    const added = new Set(keys.filter((k) => !current.updates.has(k))).size;
    if (current.moves.length > 0 && current.updates.size + added + current.moves.length + 1 > MAX_TRANSACTION_ITEMS) {
      out.push(current);
      current = { updates: new Map(), moves: [] };
    }
    c.updates.forEach((u, i) => {
      const key = keys[i]!;
      const existing = current.updates.get(key);
      if (!existing) current.updates.set(key, { ...u, counters: { ...u.counters } });
      else existing.counters = addCounters(existing.counters, u.counters);
    });
    current.moves.push(c.move);
    if (current.updates.size + current.moves.length > MAX_TRANSACTION_ITEMS) throw new Error(`case ${c.move.caseId} alone needs more than ${MAX_TRANSACTION_ITEMS} writes`);
  }
  if (current.moves.length > 0) out.push(current);
  return out.map((c) => ({ updates: [...c.updates.values()], moves: c.moves }));
}

/** Per category with new cases: this hour against the same hour on previous days. */
async function watchForSurges(deps: AggregateDeps, fresh: CaseEvent[], records: Map<string, CaseRecord>): Promise<string[]> {
  const { policy } = deps;
  // Every hour a category got new cases in: a batch that spans an hour boundary checks both hours.
  const touched = new Map<string, { category: Category; hour: string }>();
  for (const e of fresh) {
    if (e.type !== 'case.opened') continue;
    const record = records.get(e.caseId);
    if (!record || record.channel === 'system') continue;
    const hour = hourKey(e.at, policy.timeZone);
    touched.set(`${record.category}|${hour}`, { category: record.category, hour });
  }
  const opened: string[] = [];
  for (const { category, hour } of touched.values()) {
    const hours = [hour, ...sameHourPreviousDays(hour, policy.surge.baselineDays)];
    const found = await deps.reporting.readItems(hours.map((h) => ({ pk: aggregateItem.trend(category), sk: h })));
    const count = (h: string) => Number(found.get(`${aggregateItem.trend(category)}|${h}`)?.n_opened ?? 0);
    const judged = detectSurge({ category, lastHour: count(hour), sameHourPreviousDays: hours.slice(1).map(count), policy: policy.surge });
    if (!judged.surge) continue;
    const key = incidentKey(category, incidentWindowStart(hour, policy.surge.incidentWindowHours));
    const caseId = await openIncidentCase(deps, { key, category, hour, lastHour: judged.lastHour, baseline: judged.baseline });
    if (caseId) opened.push(caseId);
  }
  return opened;
}

/** One incident per category and window, even when batches race or are redelivered. */
async function openIncidentCase(deps: AggregateDeps, s: { key: string; category: Category; hour: string; lastHour: number; baseline: number }): Promise<string | undefined> {
  const range = hourRange(s.hour, deps.policy.timeZone);
  const linkedCaseIds = await deps.cases.caseIdsOpenedBetween({ from: range.start.toISOString(), to: range.end.toISOString(), category: s.category, limit: 500 });
  for (let attempt = 0; attempt < 4; attempt++) {
    const now = deps.clock.now();
    const context = await deps.cases.loadIntakeContext({ email: INCIDENT_REQUESTER });
    const { record, event } = openIncident(
      { incidentKey: s.key, category: s.category, hour: s.hour, lastHour: s.lastHour, baseline: s.baseline, linkedCaseIds },
      { caseId: deps.newCaseId(), reference: deps.newReference(), now, policies: deps.policies },
    );
    const outcome = await deps.cases.createCase({
      record,
      event,
      idempotency: { key: `incident:${s.key}`, fingerprint: s.key, expiresAt: Math.floor(now.getTime() / 1000) + 30 * 86_400 },
      requesterVersion: context.requesterVersion,
      recent: rememberComplaint(context.recent, { caseId: record.caseId, reference: record.reference, category: record.category, openedAt: record.openedAt }, now, 1, 10),
      messageIds: [],
    });
    if (outcome.kind === 'retry') continue;
    const caseId = outcome.kind === 'created' ? record.caseId : outcome.caseId;
    const claimed = await deps.reporting.claimIncident({
      key: s.key,
      category: s.category,
      windowStart: incidentWindowStart(s.hour, deps.policy.surge.incidentWindowHours),
      detectedAt: now.toISOString(),
      lastHour: s.lastHour,
      baseline: s.baseline,
      caseId,
    });
    return outcome.kind === 'created' || claimed ? caseId : undefined;
  }
  return undefined;
}
