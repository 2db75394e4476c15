// A transaction event as the ledger bus delivers it: the envelope checked, the detail validated by field (named
// `detail.<field>`), the detail-type agreeing with the status, and a card number refused without being repeated.
import { describe, expect, it } from 'vitest';
import { parseLedgerEvent } from '#events/ledger-event.ts';

const detail = { transactionId: 'tx-1', userId: 'u-1', kind: 'coin_purchase', amount: 9.99, currency: 'usd', status: 'succeeded', occurredAt: '2026-12-01T10:00:00Z', instrument: 'fp_1' };
const event = (overrides: Record<string, unknown> = {}) => ({ version: '0', id: 'ev-1', source: 'platform.payments', 'detail-type': 'Transaction Succeeded', account: '1', time: '2026-12-01T10:00:01Z', region: 'us-east-1', resources: [], detail, ...overrides });

describe('parseLedgerEvent', () => {
  it('accepts a transaction event and gives its transaction in the ledger’s form', () => {
    const parsed = parseLedgerEvent(event());
    expect(parsed).toEqual({ ok: true, eventId: 'ev-1', transaction: { ...detail, currency: 'USD', occurredAt: '2026-12-01T10:00:00.000Z' } });
  });

  it('refuses another source or detail-type, and a detail that is not an object', () => {
    const parsed = parseLedgerEvent(event({ source: 'someone.else', 'detail-type': 'Transaction Done', detail: 'x' }));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems.map((p) => p.field).sort()).toEqual(['detail', 'detail-type', 'source']);
    expect(parsed.eventId).toBe('ev-1');
  });

  it('names bad detail fields under detail, and never repeats a card number', () => {
    const parsed = parseLedgerEvent(event({ detail: { ...detail, reason: 'card 4111 1111 1111 1111 declined', amount: -3 } }));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems.map((p) => p.field).sort()).toEqual(['detail.amount', 'detail.reason']);
    expect(JSON.stringify(parsed)).not.toMatch(/4111/);
  });

  it('refuses a detail-type that contradicts the status', () => {
    const parsed = parseLedgerEvent(event({ 'detail-type': 'Transaction Pending' }));
    expect(parsed).toEqual({ ok: false, eventId: 'ev-1', detailType: 'Transaction Pending', problems: [{ field: 'detail-type', message: 'must be Transaction Succeeded for a succeeded transaction' }] });
  });
});
