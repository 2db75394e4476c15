// The baseline the aggregation benchmark (bench/reporting.ts) measures coalescing against: the same
// counting as aggregateEvents (functions/lib/use-cases/fold-case-events.ts), from the same steps, but one
// apply — one transaction — per event (a run of one record, with its one mark) instead of one change per
// item per run. It lives here because only the benchmark (and its test) runs it: production code has no
// per-record mode.
import { marksOfRun } from '#domain/reporting/dedupe.ts';
import { afterCounting, countChangesOf, freshBatch, recordOf, type AggregateDeps, type AggregateResult, type StreamedEvent } from '#lib/use-cases/fold-case-events.ts';

export async function aggregatePerRecord(deps: AggregateDeps, streamed: StreamedEvent[]): Promise<AggregateResult> {
  const batch = await freshBatch(deps, streamed);
  const result: AggregateResult = { applied: batch.fresh.length, skipped: streamed.length - batch.fresh.length, writes: 0, marks: batch.remarked, incidents: [] };
  if (batch.fresh.length === 0) return result;
  for (const p of batch.fresh) {
    const changes = countChangesOf(p.event, recordOf(batch, p.event), deps.policy);
    const marks = marksOfRun([p]);
    await deps.reporting.applyCounts(changes, marks);
    result.writes += changes.length;
    result.marks += marks.length;
  }
  result.incidents = await afterCounting(deps, batch.fresh.map((p) => p.event), batch.records);
  return result;
}
