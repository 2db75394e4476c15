// The user 360 ledger summary at its edges: currencies never mixed, failed and pending purchases not spend,
// chargebacks split open/closed, the latest failed payout's reason wins whatever the order, cents rounded.
import { describe, expect, it } from 'vitest';
import { summarizeLedger } from '#domain/ledger/summary.ts';
import type { LedgerTransaction } from '#domain/ledger/transaction.ts';

const tx = (rest: Partial<LedgerTransaction>): LedgerTransaction =>
  ({ transactionId: 't', userId: 'u', kind: 'coin_purchase', amount: 1, currency: 'USD', status: 'succeeded', occurredAt: '2026-11-01T00:00:00.000Z', ...rest }) as LedgerTransaction;

describe('summarizeLedger', () => {
  it('sums spend by currency from succeeded coin purchases and subscriptions only', () => {
    const s = summarizeLedger(
      [tx({ amount: 0.1 }), tx({ amount: 0.2 }), tx({ kind: 'subscription', amount: 9.99, currency: 'EUR' }), tx({ amount: 5, status: 'failed' }), tx({ amount: 5, status: 'pending' }), tx({ kind: 'gift_sent', amount: 50 })],
      'since',
    );
    expect(s.spend).toEqual({ USD: 0.3, EUR: 9.99 });
    expect(s.since).toBe('since');
  });

  it('counts refunds, splits chargebacks by open and closed, and takes the latest failure reason', () => {
    const s = summarizeLedger(
      [
        tx({ kind: 'refund', amount: 2 }),
        tx({ kind: 'refund', amount: 2, status: 'pending' }),
        tx({ kind: 'chargeback', amount: 10, status: 'pending' }),
        tx({ kind: 'chargeback', amount: 4, status: 'reversed', currency: 'GBP' }),
        tx({ kind: 'payout', amount: 30, status: 'failed', reason: 'late', occurredAt: '2026-11-05T00:00:00.000Z' }),
        tx({ kind: 'payout', amount: 20, status: 'failed', reason: 'early', occurredAt: '2026-11-02T00:00:00.000Z' }),
        tx({ kind: 'payout', amount: 5, status: 'succeeded' }),
      ],
      'since',
    );
    expect(s.refunds).toEqual({ count: 1, amount: { USD: 2 } });
    expect(s.chargebacks).toEqual({ open: { count: 1, amount: { USD: 10 } }, closed: { count: 1, amount: { GBP: 4 } } });
    expect(s.payouts).toEqual({ byStatus: { failed: { count: 2, amount: { USD: 50 } }, succeeded: { count: 1, amount: { USD: 5 } } }, lastFailureReason: 'late' });
  });

  it('is empty, with no failure reason, for no transactions', () => {
    expect(summarizeLedger([], 's')).toEqual({ since: 's', spend: {}, refunds: { count: 0, amount: {} }, chargebacks: { open: { count: 0, amount: {} }, closed: { count: 0, amount: {} } }, payouts: { byStatus: {}, lastFailureReason: null } });
  });
});
