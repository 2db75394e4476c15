// One transaction event from the ledger bus into the ledger. The guarantee, and why:
// - idempotent: the ledger records by transactionId + status (a redelivery, or a late event of an earlier status,
//   changes nothing), so EventBridge's at-least-once delivery and Lambda's retries never count a transaction twice;
// - never half-written: an event is validated whole before anything is written, and one item is written per event;
// - a refused event (bad field, a card number, a detail-type that contradicts the status) can never succeed on a
//   retry, so it is parked at once with its problems by field — not its values — and the invocation succeeds
//   (no retries wasted); a failure to write (the ledger down or throttled) throws, so Lambda retries it and parks
//   the event on its on-failure destination after the last retry, valid and replayable.
import { parseLedgerEvent } from '#events/ledger-event.ts';
import { LEDGER_EVENT_SOURCE } from '#domain/ledger/transaction.ts';
import type { Clock, Ledger, RecordOutcome, RejectedEvents } from '../ports.ts';

export interface IngestDeps {
  ledger: Pick<Ledger, 'record'>;
  rejected: RejectedEvents;
  clock: Clock;
}

export type IngestOutcome = { outcome: RecordOutcome; transactionId: string; eventId: string } | { outcome: 'rejected'; eventId?: string; fields: string[] };

export async function ingestLedgerEvent(deps: IngestDeps, event: unknown): Promise<IngestOutcome> {
  const parsed = parseLedgerEvent(event);
  if (!parsed.ok) {
    await deps.rejected.park({
      source: LEDGER_EVENT_SOURCE,
      ...(parsed.eventId && { eventId: parsed.eventId }),
      ...(parsed.detailType && { detailType: parsed.detailType }),
      problems: parsed.problems,
      receivedAt: deps.clock.now().toISOString(),
    });
    return { outcome: 'rejected', ...(parsed.eventId && { eventId: parsed.eventId }), fields: parsed.problems.map((p) => p.field) };
  }
  const outcome = await deps.ledger.record(parsed.transaction);
  return { outcome, transactionId: parsed.transaction.transactionId, eventId: parsed.eventId };
}
