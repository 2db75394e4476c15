// One ledger bus event into the ledger: recorded once however often it is delivered, moved forward by a later
// status, a refused one parked at once (by field, without its values) and nothing written, a ledger that is down
// failing the invocation so Lambda retries it.
import { beforeEach, describe, expect, it } from 'vitest';
import type { RejectedEvent, RejectedEvents } from '#lib/ports.ts';
import { ingestLedgerEvent, type IngestDeps } from '#lib/use-cases/ingest-ledger-event.ts';
import { FixedClock } from '../fakes.ts';
import { InMemoryLedger } from '../ledger-fakes.ts';

class RecordingRejections implements RejectedEvents {
  readonly parked: RejectedEvent[] = [];
  async park(rejected: RejectedEvent): Promise<void> {
    this.parked.push(rejected);
  }
}

const detail = { transactionId: 'tx-9', userId: 'u-9', kind: 'payout', amount: 120, currency: 'USD', status: 'pending', occurredAt: '2026-12-01T10:00:00Z', expectedAt: '2026-12-03T10:00:00Z' };
const event = (status: string, extra: Record<string, unknown> = {}) => ({
  id: `ev-${status}`,
  source: 'platform.payments',
  'detail-type': `Transaction ${status[0]!.toUpperCase()}${status.slice(1)}`,
  detail: { ...detail, status, ...extra },
});

let ledger: InMemoryLedger;
let rejected: RecordingRejections;
let deps: IngestDeps;
beforeEach(() => {
  ledger = new InMemoryLedger();
  rejected = new RecordingRejections();
  deps = { ledger, rejected, clock: new FixedClock(new Date('2026-12-04T12:00:00Z')) };
});

describe('ingestLedgerEvent', () => {
  it('records a transaction once, however often the bus delivers it, and moves it forward with a later status', async () => {
    expect(await ingestLedgerEvent(deps, event('pending'))).toEqual({ outcome: 'recorded', transactionId: 'tx-9', eventId: 'ev-pending' });
    expect((await ingestLedgerEvent(deps, event('pending'))).outcome).toBe('duplicate');
    expect((await ingestLedgerEvent(deps, event('failed', { reason: 'account_closed' }))).outcome).toBe('updated');
    expect((await ingestLedgerEvent(deps, event('pending'))).outcome).toBe('duplicate'); // a late redelivery moves nothing back
    expect(ledger.transactions.get('tx-9')).toMatchObject({ status: 'failed', reason: 'account_closed' });
    expect(rejected.parked).toEqual([]);
  });

  it('parks a refused event at once with its problems by field, writes nothing, and succeeds (a retry could not help)', async () => {
    const out = await ingestLedgerEvent(deps, event('failed', { reason: 'card 5500 0000 0000 0004 was refused', currency: 'dollars' }));
    expect(out).toEqual({ outcome: 'rejected', eventId: 'ev-failed', fields: ['detail.currency', 'detail.reason'] });
    expect(ledger.transactions.size).toBe(0);
    expect(rejected.parked).toEqual([
      { source: 'platform.payments', eventId: 'ev-failed', detailType: 'Transaction Failed', problems: [expect.objectContaining({ field: 'detail.currency' }), expect.objectContaining({ field: 'detail.reason' })], receivedAt: '2026-12-04T12:00:00.000Z' },
    ]);
    expect(JSON.stringify(rejected.parked)).not.toContain('5500');
  });

  it('fails when the ledger is down, so Lambda retries the event and parks it after the last retry', async () => {
    ledger.failWith = new Error('ProvisionedThroughputExceededException');
    await expect(ingestLedgerEvent(deps, event('pending'))).rejects.toThrow('ProvisionedThroughputExceededException');
    expect(rejected.parked).toEqual([]);
  });
});
