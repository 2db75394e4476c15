// The baseline the aggregation benchmark (bench/reporting.ts) measures coalescing against: the same
// counting as aggregateEvents (functions/lib/use-cases/fold-case-events.ts), from the same steps, but one
// apply — one transaction — per event instead of one change per item per chunk. It lives here because
// only the benchmark (and its test) runs it: production code has no per-record mode.
import type { CaseEvent } from '#domain/case.ts';
import { afterCounting, countChangesOf, freshBatch, recordOf, type AggregateDeps, type AggregateResult } from '#lib/use-cases/fold-case-events.ts';

export async function aggregatePerRecord(deps: AggregateDeps, events: CaseEvent[]): Promise<AggregateResult> {
  const batch = await freshBatch(deps, events);
  const result: AggregateResult = { applied: batch.fresh.length, skipped: events.length - batch.fresh.length, writes: 0, incidents: [] };
  if (batch.fresh.length === 0) return result;
  const marks = new Map(batch.watermarks);
  for (const event of batch.fresh) {
    const changes = countChangesOf(event, recordOf(batch, event), deps.policy);
    await deps.reporting.applyCounts(changes, [{ caseId: event.caseId, from: marks.get(event.caseId) ?? 0, to: event.version }]);
    marks.set(event.caseId, event.version);
    result.writes += changes.length;
  }
  result.incidents = await afterCounting(deps, batch);
  return result;
}
