// The ledger summary on a user's 360 view (GET /users/{userId}): what the account spent, was refunded, disputed
// and was paid out in a window, from its transactions. Pure: sums by currency, so no amount in one currency
// is ever added to another; amounts are rounded to cents once, at the end.
import type { LedgerTransaction, TransactionStatus } from './transaction.ts';

export type ByCurrency = Record<string, number>;

export interface LedgerSummary {
  /** The window's start (ISO-8601); the window ends now. */
  since: string;
  /** Succeeded coin purchases and subscriptions. */
  spend: ByCurrency;
  /** Refunds that succeeded: how many and how much. */
  refunds: { count: number; amount: ByCurrency };
  /** Chargebacks: open (pending) and closed (any other status), each counted and summed. */
  chargebacks: { open: { count: number; amount: ByCurrency }; closed: { count: number; amount: ByCurrency } };
  /** Payouts by status, and the reason of the latest failed one. */
  payouts: { byStatus: Partial<Record<TransactionStatus, { count: number; amount: ByCurrency }>>; lastFailureReason: string | null };
}

const add = (into: ByCurrency, t: LedgerTransaction) => {
  into[t.currency] = (into[t.currency] ?? 0) + t.amount;
};
const cents = (sums: ByCurrency): ByCurrency => Object.fromEntries(Object.entries(sums).map(([c, v]) => [c, Math.round(v * 100) / 100]));
const tally = () => ({ count: 0, amount: {} as ByCurrency });

/** The summary of `transactions` (any order) since `since`. */
export function summarizeLedger(transactions: readonly LedgerTransaction[], since: string): LedgerSummary {
  const spend: ByCurrency = {};
  const refunds = tally();
  const open = tally();
  const closed = tally();
  const byStatus: LedgerSummary['payouts']['byStatus'] = {};
  let lastFailure: LedgerTransaction | undefined;
  for (const t of transactions) {
    if ((t.kind === 'coin_purchase' || t.kind === 'subscription') && t.status === 'succeeded') add(spend, t);
    else if (t.kind === 'refund' && t.status === 'succeeded') {
      refunds.count++;
      add(refunds.amount, t);
    } else if (t.kind === 'chargeback') {
      const bucket = t.status === 'pending' ? open : closed;
      bucket.count++;
      add(bucket.amount, t);
    } else if (t.kind === 'payout') {
      const bucket = (byStatus[t.status] ??= tally());
      bucket.count++;
      add(bucket.amount, t);
      if (t.status === 'failed' && (!lastFailure || t.occurredAt > lastFailure.occurredAt)) lastFailure = t;
    }
  }
  const withCents = (x: { count: number; amount: ByCurrency }) => ({ count: x.count, amount: cents(x.amount) });
  return {
    since,
    spend: cents(spend),
    refunds: withCents(refunds),
    chargebacks: { open: withCents(open), closed: withCents(closed) },
    payouts: { byStatus: Object.fromEntries(Object.entries(byStatus).map(([s, x]) => [s, withCents(x)])), lastFailureReason: lastFailure?.reason ?? null },
  };
}
