// The ledger's transaction event: every field checked and named, a card number refused wherever it hides.
import { describe, expect, it } from 'vitest';
import { holdsCardNumber } from '#domain/ledger/card-number.ts';
import { parseLedgerTransaction } from '#events/ledger-transaction.ts';

const good = {
  transactionId: 'tx_20261120_000123',
  userId: 'u-00042',
  kind: 'coin_purchase',
  amount: 19.99,
  currency: 'usd',
  status: 'succeeded',
  occurredAt: '2026-11-20T11:00:00+01:00',
  instrument: 'fp_9f3a1c',
  deviceId: 'dev_77ab',
  network: 'visa',
};

describe('parseLedgerTransaction', () => {
  it('accepts a good event, upper-cases the currency, keeps instants in UTC and drops unknown fields', () => {
    const parsed = parseLedgerTransaction({ ...good, internalNote: 'dropped' });
    expect(parsed).toEqual({ ok: true, transaction: { ...good, currency: 'USD', occurredAt: '2026-11-20T10:00:00.000Z' } });
  });

  it('names every bad field at once', () => {
    const parsed = parseLedgerTransaction({ ...good, kind: 'tip', amount: -1, currency: 'dollars', status: 'done', occurredAt: 'yesterday', network: 'diners', transactionId: '' });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems.map((p) => p.field).sort()).toEqual(['amount', 'currency', 'kind', 'network', 'occurredAt', 'status', 'transactionId']);
  });

  it('requires the identity of the transaction and its owner', () => {
    const { transactionId: _t, userId: _u, ...rest } = good;
    const parsed = parseLedgerTransaction(rest);
    expect(parsed.ok ? [] : parsed.problems.map((p) => p.field).sort()).toEqual(['transactionId', 'userId']);
  });

  it.each([
    ['instrument', '4111111111111111'],
    ['instrument', 'tok_4111111111111111'],
    ['deviceId', '5500-0000-0000-0004'],
    ['reason', 'declined for 4111 1111 1111 1111'],
    ['transactionId', '378282246310005'],
    ['relatedTransactionId', 'ch_6011111111111117'],
  ])('refuses a card number in %s, naming the field and never echoing the value', (field, value) => {
    const parsed = parseLedgerTransaction({ ...good, [field]: value });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual([{ field, message: expect.stringContaining('card number') }]);
    expect(JSON.stringify(parsed.problems)).not.toContain(value.replace(/\D/g, '').slice(-8));
  });
});

describe('holdsCardNumber', () => {
  it('finds 13–19 digits that pass Luhn, grouped or glued, and leaves other numbers alone', () => {
    expect(holdsCardNumber('4111111111111111')).toBe(true);
    expect(holdsCardNumber('4111 1111 1111 1111')).toBe(true);
    expect(holdsCardNumber('4111111111111112')).toBe(false); // fails Luhn
    expect(holdsCardNumber('tx_123456789012')).toBe(false); // 12 digits
    expect(holdsCardNumber('41111111111111110000')).toBe(false); // 20 digits: no card is that long
    expect(holdsCardNumber('2026-11-20')).toBe(false);
  });
});
