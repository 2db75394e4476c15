// Stream events → aggregates, exactly once and coalesced, paid per batch: the batch's new records are
// counted in runs (contiguous stretches of it), each applied all or nothing with one change per stored
// item and the run's marks on its first and last record (domain/reporting/dedupe.ts says why that keeps
// exactly-once under redelivery, bisect, partial failure and redrive). Then surges open incident cases.
// Speaks the ReportingStore port only (which item holds what is the adapter's business).
import type { CaseEvent, CaseRecord, Category } from '#domain/case.ts';
import { openIncident, INCIDENT_REQUESTER } from '#domain/incident.ts';
import { rememberComplaint, type Policies } from '#domain/intake.ts';
import { backlogDeltas, deltasFor, keyId, shardFor, type CaseDims } from '#domain/reporting/aggregate.ts';
import { agentDeltasFor } from '#domain/reporting/agents.ts';
import { addCounters } from '#domain/reporting/counters.ts';
import { hourKey, hourRange } from '#domain/reporting/buckets.ts';
import { eventId, inShardOrder, marksOfRun, rangesFound, remarks, uncounted, type Positioned } from '#domain/reporting/dedupe.ts';
import type { ReportingPolicy } from '#domain/reporting/policy.ts';
import { incidentKey, incidentWindowStart } from '#domain/reporting/trends.ts';
import { METRIC } from '../metrics.ts';
import { MAX_COUNTS_PER_APPLY, type CaseStore, type Clock, type CountChange, type CountedMark, type Metrics, type ReportingStore } from '../ports.ts';
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
  /** Count changes written (one per stored item per run). */
  writes: number;
  /** Marks written: two per run (one for a run of one record), plus re-marks of a redelivered batch. */
  marks: number;
  incidents: string[];
}

/** A case event as its stream delivered it, with the record's position in the shard (its SequenceNumber). */
export type StreamedEvent = Positioned<CaseEvent>;

/**
 * Nothing of the batch was counted by this invocation when this was thrown (the marks could not be read or
 * re-marked, or the cases not read): the batch must be retried as it was, not bisected (the handler answers
 * it as a failure of its first record).
 */
export class BatchNotStarted extends Error {
  override name = 'BatchNotStarted';
  constructor(readonly reason: unknown) {
    super(`aggregation did not start: ${reason instanceof Error ? reason.message : String(reason)}`, { cause: reason });
  }
}

/** The records of a batch not counted yet, in shard order, with their cases; the re-marks already written. */
export interface FreshBatch {
  fresh: StreamedEvent[];
  /** Every record of the batch (each event once), in shard order. */
  ordered: StreamedEvent[];
  records: Map<string, CaseRecord>;
  remarked: number;
}

/** Reads the batch's marks, re-marks its bisect ends if it was delivered before, reads the cases to count. */
export async function freshBatch(deps: Pick<AggregateDeps, 'cases' | 'reporting'>, batch: readonly StreamedEvent[]): Promise<FreshBatch> {
  try {
    const ordered = inShardOrder(batch);
    const found = await deps.reporting.countedMarks(ordered.map((p) => eventId(p.event)));
    const again = remarks(ordered, found);
    if (again.length > 0) await deps.reporting.remark(again);
    const fresh = uncounted(ordered, rangesFound(found));
    const records = fresh.length === 0 ? new Map<string, CaseRecord>() : await deps.cases.getCases([...new Set(fresh.map((p) => p.event.caseId))]);
    return { fresh, ordered, records, remarked: again.length };
  } catch (error) {
    throw new BatchNotStarted(error);
  }
}

export function recordOf(batch: Pick<FreshBatch, 'records'>, event: CaseEvent): CaseRecord {
  const record = batch.records.get(event.caseId);
  if (!record) throw new Error(`case ${event.caseId} of event v${event.version} not found`);
  return record;
}

export async function aggregateEvents(deps: AggregateDeps, streamed: readonly StreamedEvent[]): Promise<AggregateResult> {
  const batch = await freshBatch(deps, streamed);
  const result: AggregateResult = { applied: batch.fresh.length, skipped: streamed.length - batch.fresh.length, writes: 0, marks: batch.remarked, incidents: [] };
  if (batch.fresh.length === 0) return result;
  for (const run of runs(batch.fresh.map((p) => ({ p, changes: countChangesOf(p.event, recordOf(batch, p.event), deps.policy) })))) {
    await deps.reporting.applyCounts(run.changes, run.marks);
    result.writes += run.changes.length;
    result.marks += run.marks.length;
  }
  result.incidents = await afterCounting(deps, batch.fresh.map((p) => p.event), batch.records);
  return result;
}

/** What follows counting a batch: the CasesOpened metric, then surges (incident cases) of its new cases. */
export async function afterCounting(deps: AggregateDeps, fresh: CaseEvent[], records: Map<string, CaseRecord>): Promise<string[]> {
  countOpenings(deps, fresh);
  return watchForSurges(deps, fresh, records);
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
export function itemIdentity(c: CountChange): string {
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
export function mergeChanges(into: CountChange, c: CountChange): CountChange {
  if ((into.kind === 'aggregate' || into.kind === 'backlog') && c.kind === into.kind) return { ...into, counters: addCounters({ ...into.counters }, c.counters) };
  if (into.kind === 'agent' && c.kind === 'agent') return { ...into, counters: addCounters({ ...into.counters }, c.counters) };
  if (into.kind === 'opened-in-hour' && c.kind === 'opened-in-hour') return { ...into, opened: into.opened + c.opened };
  return into;
}

/**
 * Cuts the new records (in shard order) into runs: contiguous stretches whose coalesced changes — one per
 * item however many records touched it — and marks fit one all-or-nothing apply.
 */
function runs(records: { p: StreamedEvent; changes: CountChange[] }[]): { changes: CountChange[]; marks: CountedMark[] }[] {
  type Run = { changes: Map<string, CountChange>; members: StreamedEvent[] };
  const out: Run[] = [];
  let current: Run = { changes: new Map(), members: [] };
  const marksOf = (members: number) => (members <= 1 ? members : 2);
  for (const r of records) {
    const ids = r.changes.map(itemIdentity);
    const added = new Set(ids.filter((id) => !current.changes.has(id))).size;
    if (current.members.length > 0 && current.changes.size + added + marksOf(current.members.length + 1) > MAX_COUNTS_PER_APPLY) {
      out.push(current);
      current = { changes: new Map(), members: [] };
    }
    r.changes.forEach((change, i) => {
      const id = ids[i]!;
      const existing = current.changes.get(id);
      current.changes.set(id, existing ? mergeChanges(existing, change) : change);
    });
    current.members.push(r.p);
    if (current.changes.size + marksOf(current.members.length) > MAX_COUNTS_PER_APPLY) throw new Error(`event ${eventId(r.p.event)} alone needs more than ${MAX_COUNTS_PER_APPLY} writes`);
  }
  if (current.members.length > 0) out.push(current);
  return out.map((run) => ({ changes: [...run.changes.values()], marks: marksOfRun(run.members) }));
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
