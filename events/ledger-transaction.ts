// A transaction event as the platform's payment systems publish it (the event bus's `detail`, one row of a bulk
// import): every field validated on its own, each problem named, and a card number in any field refused — the
// value never reaches the table or a log. zod/mini keeps the ingestion bundle small. Unknown fields are dropped.
import * as z from 'zod/mini';
import { holdsCardNumber } from '#domain/ledger/card-number.ts';
import { PAYMENT_NETWORKS, TRANSACTION_KINDS, TRANSACTION_STATUSES, type LedgerTransaction } from '#domain/ledger/transaction.ts';
import { describeIssues, type FieldProblem } from './inquiry.ts';

export const LEDGER_LIMITS = { id: 100, reason: 200, maxAmount: 1_000_000_000 } as const;

const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const SINGLE_LINE = /^[^\p{Cc}\p{Cf}\u2028\u2029]*$/u;
const CARD = 'must not hold a card number (send the instrument fingerprint)';

const noCard = z.refine<string>((s) => !holdsCardNumber(s), CARD);

const identifier = z.string('must be text').check(
  z.minLength(1, 'is required'),
  z.maxLength(LEDGER_LIMITS.id, `must be at most ${LEDGER_LIMITS.id} characters`),
  z.regex(IDENTIFIER, 'must be letters, digits and . _ : -'),
  noCard,
);

const instant = z.iso.datetime({ offset: true, error: 'must be an ISO-8601 instant (2026-12-03T18:00:00Z)' });

export const LedgerTransactionSchema = z.object({
  transactionId: identifier,
  userId: identifier,
  kind: z.enum(TRANSACTION_KINDS, `must be one of ${TRANSACTION_KINDS.join(', ')}`),
  amount: z.number('must be a number').check(
    z.gte(0, 'must not be negative'),
    z.lte(LEDGER_LIMITS.maxAmount, `must be at most ${LEDGER_LIMITS.maxAmount}`),
    z.refine((n) => Number.isFinite(n) && Math.abs(Math.round(n * 1000) - n * 1000) < 1e-6, 'must have at most 3 decimals'),
  ),
  currency: z.pipe(z.string('must be a 3-letter ISO 4217 code'), z.transform((s) => s.trim().toUpperCase())).check(z.regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO 4217 code')),
  status: z.enum(TRANSACTION_STATUSES, `must be one of ${TRANSACTION_STATUSES.join(', ')}`),
  occurredAt: instant,
  counterpartyUserId: z.optional(identifier),
  instrument: z.optional(identifier),
  deviceId: z.optional(identifier),
  network: z.optional(z.enum(PAYMENT_NETWORKS, `must be one of ${PAYMENT_NETWORKS.join(', ')}`)),
  reason: z.optional(
    z.string('must be text').check(z.minLength(1, 'must not be empty'), z.maxLength(LEDGER_LIMITS.reason, `must be at most ${LEDGER_LIMITS.reason} characters`), z.regex(SINGLE_LINE, 'must be a single line of text'), noCard),
  ),
  expectedAt: z.optional(instant),
  relatedTransactionId: z.optional(identifier),
});

/** Validate one transaction event; every bad field is reported by name (never with its value). */
export function parseLedgerTransaction(input: unknown): { ok: true; transaction: LedgerTransaction } | { ok: false; problems: FieldProblem[] } {
  const result = LedgerTransactionSchema.safeParse(input);
  if (!result.success) return { ok: false, problems: describeIssues(result.error.issues) };
  // Instants are kept in one form (UTC, milliseconds) so that the time order of the indexes is the real one.
  const t = result.data;
  const transaction: LedgerTransaction = { ...t, occurredAt: new Date(t.occurredAt).toISOString(), ...(t.expectedAt && { expectedAt: new Date(t.expectedAt).toISOString() }) };
  return { ok: true, transaction };
}
