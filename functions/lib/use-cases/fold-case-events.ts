// Stream events → aggregates, exactly once and coalesced: one change per stored item per chunk, applied
// with the cases' watermarks in the same all-or-nothing apply. Then surges open incident cases.
// Speaks the ReportingStore port only (which item holds what is the adapter's business).
import type { CaseEvent, CaseRecord, Category } from '#domain/case.ts';
import { openIncident, INCIDENT_REQUESTER } from '#domain/incident.ts';
import { rememberComplaint, type Policies } from '#domain/intake.ts';
import { backlogDeltas, deltasFor, keyId, newEvents, shardFor, type CaseDims } from '#domain/reporting/aggregate.ts';
import { agentDeltasFor } from '#domain/reporting/agents.ts';
import { addCounters } from '#domain/reporting/counters.ts';
import { hourKey, hourRange } from '#domain/reporting/buckets.ts';
import { eventId } from '#domain/reporting/dedupe.ts';
import type { ReportingPolicy } from '#domain/reporting/policy.ts';
import { incidentKey, incidentWindowStart } from '#domain/reporting/trends.ts';
import { METRIC } from '../metrics.ts';
import { MAX_COUNTS_PER_APPLY, type CaseStore, type Clock, type CountChange, type Metrics, type ReportingStore, type WatermarkMove } from '../ports.ts';
import { judgeHours } from './judge-surges.ts';

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

/** The events of a batch not counted yet, with the watermarks they were judged by and their cases. */
export interface FreshBatch {
  fresh: CaseEvent[];
  watermarks: Map<string, number>;
  records: Map<string, CaseRecord>;
}

export async function freshBatch(deps: Pick<AggregateDeps, 'cases' | 'reporting'>, events: CaseEvent[]): Promise<FreshBatch> {
  const watermarks = await deps.reporting.watermarks([...new Set(events.map((e) => e.caseId))]);
  const fresh = newEvents(events, watermarks);
  const records = fresh.length === 0 ? new Map<string, CaseRecord>() : await deps.cases.getCases([...new Set(fresh.map((e) => e.caseId))]);
  return { fresh, watermarks, records };
}

export function recordOf(batch: FreshBatch, event: CaseEvent): CaseRecord {
  const record = batch.records.get(event.caseId);
  if (!record) throw new Error(`case ${event.caseId} of event v${event.version} not found`);
  return record;
}

export async function aggregateEvents(deps: AggregateDeps, events: CaseEvent[]): Promise<AggregateResult> {
  const batch = await freshBatch(deps, events);
  const result: AggregateResult = { applied: batch.fresh.length, skipped: events.length - batch.fresh.length, writes: 0, incidents: [] };
  if (batch.fresh.length === 0) return result;

  const perCase = new Map<string, { changes: CountChange[]; move: WatermarkMove }>();
  for (const event of batch.fresh) {
    const entry = perCase.get(event.caseId) ?? { changes: [], move: { caseId: event.caseId, from: batch.watermarks.get(event.caseId) ?? 0, to: event.version } };
    entry.move.to = Math.max(entry.move.to, event.version);
    entry.changes.push(...countChangesOf(event, recordOf(batch, event), deps.policy));
    perCase.set(event.caseId, entry);
  }
  for (const chunk of chunks([...perCase.values()])) {
    await deps.reporting.applyCounts(chunk.changes, chunk.moves);
    result.writes += chunk.changes.length;
  }
  result.incidents = await afterCounting(deps, batch);
  return result;
}

/** What follows counting a batch: the CasesOpened metric, then surges (incident cases) of its new cases. */
export async function afterCounting(deps: AggregateDeps, batch: FreshBatch): Promise<string[]> {
  countOpenings(deps, batch.fresh);
  return watchForSurges(deps, batch.fresh, batch.records);
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
    ...(record.assignee && { assignee: record.assignee }),
    ...(record.resolvedBy && { resolvedBy: record.resolvedBy }),
  };
}

/** What one event changes in the counts: its day and hour aggregates, the backlog, its agent's day, and for an opening the hour's count and a top consumer's listing. */
export function countChangesOf(event: CaseEvent, record: CaseRecord, policy: ReportingPolicy): CountChange[] {
  const settings = { timeZone: policy.timeZone, histogramEdges: policy.histogramEdges };
  const input = { event, dims: dimsOf(record) };
  const id = eventId(event);
  const changes: CountChange[] = [
    ...deltasFor(input, settings).map((d): CountChange => ({ kind: 'aggregate', key: d.key, shard: shardFor(d.key, id, policy.shards), counters: d.counters })),
    ...backlogDeltas(input, settings).map((d): CountChange => ({ kind: 'backlog', key: d.key, shard: shardFor(d.key, id, policy.shards), counters: d.counters })),
    ...agentDeltasFor(input, settings).map((d): CountChange => ({ kind: 'agent', key: d.key, counters: d.counters })),
  ];
  if (event.type === 'case.opened') {
    const hour = hourKey(event.at, policy.timeZone);
    changes.push({ kind: 'opened-in-hour', category: record.category, hour, opened: 1 });
  }
  // A top consumer's case is listed in the report of the day it opened: by tier at the opening, by spend once evidence says so.
  if ((event.type === 'case.opened' || event.type === 'evidence.gathered') && event.data.topConsumer === true) {
    const day = hourKey(record.openedAt, policy.timeZone).slice(0, 10);
    const spend = typeof event.data.spendUsd90d === 'number' ? `90-day spend ${event.data.spendUsd90d.toFixed(2)} USD` : undefined;
    const tier = event.type === 'case.opened' ? (record.valueTier ?? 'top') : [record.valueTier, spend].filter(Boolean).join(', ');
    changes.push({ kind: 'top-consumer-case', listing: { day, caseId: record.caseId, reference: record.reference, tier, category: record.category, priority: record.priority, openedAt: record.openedAt } });
  }
  return changes;
}

/** The stored item a change is to: two changes with the same identity are merged into one. */
function itemIdentity(c: CountChange): string {
  switch (c.kind) {
    case 'aggregate':
    case 'backlog':
      return `${c.kind}|${keyId(c.key)}|${c.shard}`;
    case 'opened-in-hour':
      return `${c.kind}|${c.category}|${c.hour}`;
    case 'top-consumer-case':
      return `${c.kind}|${c.listing.day}|${c.listing.caseId}`;
    case 'agent':
      return `${c.kind}|${keyId(c.key)}`;
  }
}

/** Two changes to the same item as one: counts added (a listing is the same listing set again). */
function merge(into: CountChange, c: CountChange): CountChange {
  if ((into.kind === 'aggregate' || into.kind === 'backlog') && c.kind === into.kind) return { ...into, counters: addCounters({ ...into.counters }, c.counters) };
  if (into.kind === 'agent' && c.kind === 'agent') return { ...into, counters: addCounters({ ...into.counters }, c.counters) };
  if (into.kind === 'opened-in-hour' && c.kind === 'opened-in-hour') return { ...into, opened: into.opened + c.opened };
  return into;
}

/**
 * Groups whole cases into applies: every change of a case goes with its watermark move, so an apply
 * either counts a case's events and moves its watermark, or does neither. Coalesced, an apply holds
 * one change per item however many events touched it.
 */
function chunks(cases: { changes: CountChange[]; move: WatermarkMove }[]): { changes: CountChange[]; moves: WatermarkMove[] }[] {
  type Chunk = { changes: Map<string, CountChange>; moves: WatermarkMove[] };
  const out: Chunk[] = [];
  let current: Chunk = { changes: new Map(), moves: [] };
  for (const c of cases) {
    const ids = c.changes.map(itemIdentity);
    const added = new Set(ids.filter((id) => !current.changes.has(id))).size;
    if (current.moves.length > 0 && current.changes.size + added + current.moves.length + 1 > MAX_COUNTS_PER_APPLY) {
      out.push(current);
      current = { changes: new Map(), moves: [] };
    }
    c.changes.forEach((change, i) => {
      const id = ids[i]!;
      const existing = current.changes.get(id);
      current.changes.set(id, existing ? merge(existing, change) : change);
    });
    current.moves.push(c.move);
    if (current.changes.size + current.moves.length > MAX_COUNTS_PER_APPLY) throw new Error(`case ${c.move.caseId} alone needs more than ${MAX_COUNTS_PER_APPLY} writes`);
  }
  if (current.moves.length > 0) out.push(current);
  return out.map((c) => ({ changes: [...c.changes.values()], moves: c.moves }));
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
  for (const judged of await judgeHours(deps.reporting, policy.surge, [...touched.values()])) {
    if (!judged.surge) continue;
    const category = judged.category as Category;
    const key = incidentKey(category, incidentWindowStart(judged.hour, policy.surge.incidentWindowHours));
    const caseId = await openIncidentCase(deps, { key, category, hour: judged.hour, lastHour: judged.lastHour, baseline: judged.baseline });
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
