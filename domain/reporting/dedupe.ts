// Exactly-once counting over an at-least-once stream. A stream record can be delivered again (a
// retried batch, a bisected batch); counting it twice would make the aggregates wrong forever. Every
// event is identified by (caseId, version) and a case's versions are committed — and streamed — in
// order, so a per-case watermark (the last version applied) is enough: an event is new iff its
// version is above the watermark. The consumer must store the new watermarks in the same
// transaction as the counter updates they account for.

export interface VersionedEvent {
  caseId: string;
  version: number;
}

/** A stable id for an event: `${caseId}#${version}`. */
export const eventId = (e: VersionedEvent): string => `${e.caseId}#${e.version}`;

/**
 * The events not applied yet, in their input order: versions above the case's watermark, each
 * (caseId, version) once even when the batch itself holds it twice.
 */
export function newEvents<E extends VersionedEvent>(events: readonly E[], watermarks: ReadonlyMap<string, number>): E[] {
  const seen = new Set<string>();
  return events.filter((e) => {
    if (e.version <= (watermarks.get(e.caseId) ?? 0)) return false;
    const id = eventId(e);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** The watermarks after applying `events`: per case, the highest version seen (never lower than before). */
export function nextWatermarks(events: readonly VersionedEvent[], watermarks: ReadonlyMap<string, number>): Map<string, number> {
  const next = new Map(watermarks);
  for (const e of events) if (e.version > (next.get(e.caseId) ?? 0)) next.set(e.caseId, e.version);
  return next;
}

/** Only the watermarks that `events` moved: what the consumer has to write. */
export function changedWatermarks(events: readonly VersionedEvent[], watermarks: ReadonlyMap<string, number>): Map<string, number> {
  const next = nextWatermarks(events, watermarks);
  return new Map([...next].filter(([caseId, v]) => watermarks.get(caseId) !== v));
}
