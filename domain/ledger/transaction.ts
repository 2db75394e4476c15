// A transaction as the platform's payment systems publish it: the shared vocabulary of the ledger,
// the evidence rules that read it and the ways it comes in (event bus, bulk import). Pure types and
// constants only; the field-by-field validation of what arrives lives in events/ (zod), the table
// layout in the ledger adapter.

export const TRANSACTION_KINDS = ['coin_purchase', 'gift_sent', 'gift_received', 'payout', 'refund', 'chargeback', 'subscription'] as const;
export type TransactionKind = (typeof TRANSACTION_KINDS)[number];

export const TRANSACTION_STATUSES = ['pending', 'succeeded', 'failed', 'reversed'] as const;
export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number];

/**
 * How far a transaction has come: a later event of one transaction moves it forward, never back. pending →
 * succeeded or failed → reversed (a refund or chargeback undoing it). A redelivered or late event whose status
 * is not further along than the stored one changes nothing.
 */
export const STATUS_RANK: Record<TransactionStatus, number> = { pending: 0, succeeded: 1, failed: 1, reversed: 2 };

/** Whether an event with status `next` moves a transaction stored with status `stored` forward. */
export function movesForward(stored: TransactionStatus, next: TransactionStatus): boolean {
  return STATUS_RANK[next] > STATUS_RANK[stored];
}

export const PAYMENT_NETWORKS = ['visa', 'mastercard', 'amex', 'discover', 'apple', 'google', 'paypal'] as const;
export type PaymentNetwork = (typeof PAYMENT_NETWORKS)[number];

export interface LedgerTransaction {
  transactionId: string;
  userId: string;
  kind: TransactionKind;
  /** In the currency's major unit (12.5 = 12.50). */
  amount: number;
  /** ISO 4217, upper case. */
  currency: string;
  status: TransactionStatus;
  /** ISO-8601 instant. */
  occurredAt: string;
  counterpartyUserId?: string;
  /** A payment-instrument fingerprint, never a card number. */
  instrument?: string;
  deviceId?: string;
  network?: PaymentNetwork;
  /** Decline or failure code. */
  reason?: string;
  /** Payouts: when the money is expected to arrive (ISO-8601). */
  expectedAt?: string;
  /** Refunds and chargebacks: the transaction they reverse. */
  relatedTransactionId?: string;
}

/** One account seen on the same instrument or device as the requester. */
export interface LinkedAccount {
  userId: string;
  /** What the two accounts share. */
  via: { instrument?: string; deviceId?: string };
}

/** The event bus's contract with the payment systems: their source, and one detail-type per status a transaction reaches. */
export const LEDGER_EVENT_SOURCE = 'platform.payments';
export const LEDGER_DETAIL_TYPES: Record<TransactionStatus, string> = {
  pending: 'Transaction Pending',
  succeeded: 'Transaction Succeeded',
  failed: 'Transaction Failed',
  reversed: 'Transaction Reversed',
};
