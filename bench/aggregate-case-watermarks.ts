// The aggregation as it was before issue 15 point 8, kept as the benchmark's "before" for write units:
// every case of a batch moved its own watermark (a small item) in the transaction of its counts, and a
// transaction held whole cases, so the watermarks also took places that coalesced counts could have
// used. Written against today's port: a watermark is modelled as one mark per case per batch (the same
// small item, put in the same transaction, so the same write units). It counts a fresh stream once and
// does not dedupe (the bench feeds each record once); bench/reporting.ts checks it leaves the same counts.
import { eventId } from '#domain/reporting/dedupe.ts';
import { MAX_COUNTS_PER_APPLY, type CountChange, type CountedMark } from '#lib/ports.ts';
import { afterCounting, countChangesOf, freshBatch, itemIdentity, mergeChanges, recordOf, type AggregateDeps, type AggregateResult, type StreamedEvent } from '#lib/use-cases/fold-case-events.ts';

export async function aggregateWithCaseWatermarks(deps: AggregateDeps, streamed: StreamedEvent[]): Promise<AggregateResult> {
  const batch = await freshBatch(deps, streamed);
  const result: AggregateResult = { applied: batch.fresh.length, skipped: streamed.length - batch.fresh.length, writes: 0, marks: 0, incidents: [] };
  if (batch.fresh.length === 0) return result;
  const perCase = new Map<string, { changes: CountChange[]; last: StreamedEvent }>();
  for (const p of batch.fresh) {
    const entry = perCase.get(p.event.caseId) ?? { changes: [], last: p };
    entry.changes.push(...countChangesOf(p.event, recordOf(batch, p.event), deps.policy));
    entry.last = p;
    perCase.set(p.event.caseId, entry);
  }
  type Chunk = { changes: Map<string, CountChange>; marks: CountedMark[] };
  const chunks: Chunk[] = [];
  let current: Chunk = { changes: new Map(), marks: [] };
  for (const c of perCase.values()) {
    const ids = c.changes.map(itemIdentity);
    const added = new Set(ids.filter((id) => !current.changes.has(id))).size;
    if (current.marks.length > 0 && current.changes.size + added + current.marks.length + 1 > MAX_COUNTS_PER_APPLY) {
      chunks.push(current);
      current = { changes: new Map(), marks: [] };
    }
    c.changes.forEach((change, i) => {
      const existing = current.changes.get(ids[i]!);
      current.changes.set(ids[i]!, existing ? mergeChanges(existing, change) : change);
    });
    current.marks.push({ eventId: eventId(c.last.event), ranges: [{ first: c.last.position, last: c.last.position }] });
  }
  if (current.marks.length > 0) chunks.push(current);
  for (const chunk of chunks) {
    await deps.reporting.applyCounts([...chunk.changes.values()], chunk.marks);
    result.writes += chunk.changes.size;
    result.marks += chunk.marks.length;
  }
  result.incidents = await afterCounting(deps, batch.fresh.map((p) => p.event), batch.records);
  return result;
}
