// A transaction event as EventBridge delivers it to the ledger's ingestion (the payment systems PutEvents to the
// ledger bus, source `platform.payments`, detail-type `Transaction <Status>`): the envelope checked, then the detail
// validated field by field as every ledger row is (ledger-transaction.ts). The detail-type must agree with the
// detail's status, so a rule filtering on detail-types never sees a transaction under the wrong one. Problems name
// fields (`detail.amount`), never values: a refused event may carry a card number.
import * as z from 'zod/mini';
import { LEDGER_DETAIL_TYPES, LEDGER_EVENT_SOURCE, type LedgerTransaction } from '#domain/ledger/transaction.ts';
import { describeIssues, type FieldProblem } from './inquiry.ts';
import { parseLedgerTransaction } from './ledger-transaction.ts';

const DETAIL_TYPES = Object.values(LEDGER_DETAIL_TYPES);

const EnvelopeSchema = z.object({
  id: z.string('must be the event id').check(z.minLength(1, 'is required')),
  source: z.literal(LEDGER_EVENT_SOURCE, `must be ${LEDGER_EVENT_SOURCE}`),
  'detail-type': z.enum(DETAIL_TYPES as [string, ...string[]], `must be one of ${DETAIL_TYPES.join(', ')}`),
  detail: z.record(z.string(), z.unknown(), 'must be an object'),
});

export type LedgerEventParse =
  | { ok: true; eventId: string; transaction: LedgerTransaction }
  | { ok: false; eventId?: string; detailType?: string; problems: FieldProblem[] };

export function parseLedgerEvent(input: unknown): LedgerEventParse {
  const envelope = EnvelopeSchema.safeParse(input);
  const raw = (input ?? {}) as Record<string, unknown>;
  const eventId = typeof raw.id === 'string' ? raw.id.slice(0, 100) : undefined;
  const detailType = typeof raw['detail-type'] === 'string' && DETAIL_TYPES.includes(raw['detail-type']) ? raw['detail-type'] : undefined;
  const where = { ...(eventId && { eventId }), ...(detailType && { detailType }) };
  if (!envelope.success) return { ok: false, ...where, problems: describeIssues(envelope.error.issues) };
  const parsed = parseLedgerTransaction(envelope.data.detail);
  if (!parsed.ok) return { ok: false, ...where, problems: parsed.problems.map((p) => ({ ...p, field: `detail.${p.field}` })) };
  if (LEDGER_DETAIL_TYPES[parsed.transaction.status] !== envelope.data['detail-type']) {
    return { ok: false, ...where, problems: [{ field: 'detail-type', message: `must be ${LEDGER_DETAIL_TYPES[parsed.transaction.status]} for a ${parsed.transaction.status} transaction` }] };
  }
  return { ok: true, eventId: envelope.data.id, transaction: parsed.transaction };
}
