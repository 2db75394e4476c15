// Exactly-once counting over an at-least-once stream, paid per batch rather than per case.
//
// A stream record can be delivered again: the same batch retried, halves of it after bisect-on-error, the
// rest of it after a partial batch failure, a parked batch redriven. Counting a record twice would make the
// aggregates wrong forever. The stream gives what keeps that cheap: the records a Lambda mapping hands one
// invocation are a contiguous run of ONE shard, in shard order, and every later delivery of them is again a
// contiguous run of that shard (a retry, a half, a suffix, a parked run). The event has no shard id, but a
// record's shard is where its own position (the SequenceNumber) lives, so ranges of positions are named by
// the records at their ends:
//
//   - Records are counted in runs: a run is a contiguous stretch of the delivered batch, applied all or
//     nothing with a *mark* on its first and its last record, each mark holding the range [first, last].
//     A record is counted iff some mark found on a record of its batch holds a range that contains it.
//   - Why the ends suffice: a later delivery D that overlaps a counted run R is contiguous in the same
//     shard, so D holds R's first or last record — unless D lies strictly inside R. Bisect makes halves,
//     and a half of a batch B holds B's first or last record, never the inside of a run counted in B.
//     Deeper pieces (halves of halves) could lie inside R, so an invocation that finds counted ranges
//     *re-marks* its batch where its own halves would end (first, mid−1, mid, last — Lambda's bisect
//     point), on those of them that are counted, before it counts anything: its halves then find the
//     ranges on their own ends, and so on down. A first delivery finds nothing and re-marks nothing.
//   - The cost: two marks per run (one when the run is a single record), against one watermark per case
//     per batch before; re-marks only on a redelivery.
//   - What the scheme asks of the mapping: one batch in flight per shard (ParallelizationFactor 1, the
//     default) and the records in shard order; and of the consumer: the re-marks written before counting,
//     and a failure before them answered as a failure of the whole batch (retried as it was, not bisected).
//     A run-time crash of two nested pieces before their re-marks is the one case left uncovered.
// Positions are compared as decimal numbers (SequenceNumber is a string of digits, of varying length).

export interface VersionedEvent {
  caseId: string;
  version: number;
}

/** A stable id for an event: `${caseId}#${version}`. */
export const eventId = (e: VersionedEvent): string => `${e.caseId}#${e.version}`;

/** An event with its position in its stream shard (the record's SequenceNumber). */
export interface Positioned<E> {
  event: E;
  position: string;
}

/** A run of one shard's records counted together: every record from `first` to `last`, both included. */
export interface CountedRange {
  first: string;
  last: string;
}

/** What a record's mark holds: the counted ranges it points to. */
export type FoundMarks = ReadonlyMap<string, readonly CountedRange[]>;

/** Orders two positions (decimal digit strings) as numbers. */
export function comparePositions(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

const within = (position: string, r: CountedRange) => comparePositions(r.first, position) <= 0 && comparePositions(position, r.last) <= 0;

/** A batch in shard order, each (caseId, version) once (a batch may hold a record twice). */
export function inShardOrder<E extends VersionedEvent>(batch: readonly Positioned<E>[]): Positioned<E>[] {
  const seen = new Set<string>();
  return [...batch]
    .sort((a, b) => comparePositions(a.position, b.position))
    .filter((p) => {
      const id = eventId(p.event);
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
}

/** The ranges the marks found on a batch's records hold, each once. */
export function rangesFound(found: FoundMarks): CountedRange[] {
  const out = new Map<string, CountedRange>();
  for (const ranges of found.values()) for (const r of ranges) out.set(`${r.first}-${r.last}`, { first: r.first, last: r.last });
  return [...out.values()].sort((a, b) => comparePositions(a.first, b.first));
}

/** Whether a position is inside one of the ranges. */
export const isCounted = (position: string, ranges: readonly CountedRange[]): boolean => ranges.some((r) => within(position, r));

/** The records of an ordered batch not counted yet (no found range contains them), in order. */
export function uncounted<E extends VersionedEvent>(ordered: readonly Positioned<E>[], ranges: readonly CountedRange[]): Positioned<E>[] {
  return ordered.filter((p) => !isCounted(p.position, ranges));
}

/** The marks a run is applied with: its first and last record, each holding the run's range. */
export function marksOfRun<E extends VersionedEvent>(run: readonly Positioned<E>[]): { eventId: string; ranges: CountedRange[] }[] {
  if (run.length === 0) return [];
  const range = { first: run[0]!.position, last: run.at(-1)!.position };
  const ends = run.length === 1 ? [run[0]!] : [run[0]!, run.at(-1)!];
  return ends.map((p) => ({ eventId: eventId(p.event), ranges: [range] }));
}

/** Where a batch's halves would end if the mapping bisected it: first, mid − 1, mid, last (Lambda splits at ceil(n / 2)). */
export function bisectEnds(length: number): number[] {
  if (length === 0) return [];
  const mid = Math.ceil(length / 2);
  return [...new Set([0, mid - 1, mid, length - 1])].filter((i) => i >= 0 && i < length).sort((a, b) => a - b);
}

/**
 * The re-marks a redelivered batch writes before it counts: on each of its bisect ends that is counted, the
 * ranges that overlap the batch — unless that record's mark already holds them all. Empty on a first delivery.
 */
export function remarks<E extends VersionedEvent>(ordered: readonly Positioned<E>[], found: FoundMarks): { eventId: string; ranges: CountedRange[] }[] {
  if (ordered.length === 0) return [];
  const span = { first: ordered[0]!.position, last: ordered.at(-1)!.position };
  const overlapping = rangesFound(found).filter((r) => comparePositions(r.first, span.last) <= 0 && comparePositions(span.first, r.last) <= 0);
  if (overlapping.length === 0) return [];
  const out: { eventId: string; ranges: CountedRange[] }[] = [];
  for (const i of bisectEnds(ordered.length)) {
    const p = ordered[i]!;
    if (!isCounted(p.position, overlapping)) continue;
    const id = eventId(p.event);
    const held = found.get(id) ?? [];
    const missing = overlapping.filter((r) => !held.some((h) => h.first === r.first && h.last === r.last));
    if (missing.length > 0) out.push({ eventId: id, ranges: [...held, ...missing].map((r) => ({ first: r.first, last: r.last })) });
  }
  return out;
}
