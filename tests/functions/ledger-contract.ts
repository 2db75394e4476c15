// What every Ledger promises, as scenarios any implementation must pass: the in-memory fake
// (tests/functions/ledger-contract.test.ts) and DynamoLedger on the local cloud's ledger table
// (tests/integration/ledger-store.test.ts). Ids are fresh per scenario, so the Dynamo run can share a table.
import { describe, expect, it } from 'vitest';
import type { LedgerTransaction } from '#domain/ledger/transaction.ts';
import type { Ledger, LedgerEraser } from '#lib/ports.ts';

const run = Date.now().toString(36);
let counter = 0;
const fresh = (label: string) => `${label}-${run}-${++counter}`;

function purchase(overrides: Partial<LedgerTransaction> = {}): LedgerTransaction {
  return {
    transactionId: fresh('tx'),
    userId: fresh('u'),
    kind: 'coin_purchase',
    amount: 19.99,
    currency: 'USD',
    status: 'succeeded',
    occurredAt: '2026-11-20T10:00:00.000Z',
    ...overrides,
  };
}

export function ledgerContract(makeLedger: () => Ledger & LedgerEraser) {
  describe('record: idempotent by transactionId + status', () => {
    it('records a new transaction, calls the same event again a duplicate, and reads it back field for field', async () => {
      const ledger = makeLedger();
      const t = purchase({ instrument: fresh('fp'), deviceId: fresh('dev'), network: 'visa' });
      expect(await ledger.record(t)).toBe('recorded');
      expect(await ledger.record({ ...t })).toBe('duplicate');
      expect(await ledger.transaction(t.transactionId)).toEqual(t);
    });

    it('moves a transaction forward (pending → succeeded → reversed) and never back on a late event', async () => {
      const ledger = makeLedger();
      const pending = purchase({ status: 'pending' });
      expect(await ledger.record(pending)).toBe('recorded');
      expect(await ledger.record({ ...pending, status: 'succeeded' })).toBe('updated');
      expect(await ledger.record({ ...pending, status: 'pending' })).toBe('duplicate');
      expect((await ledger.transaction(pending.transactionId))?.status).toBe('succeeded');
      expect(await ledger.record({ ...pending, status: 'reversed', reason: 'chargeback_won' })).toBe('updated');
      expect(await ledger.record({ ...pending, status: 'failed' })).toBe('duplicate');
      expect(await ledger.transaction(pending.transactionId)).toMatchObject({ status: 'reversed', reason: 'chargeback_won' });
    });

    it('keeps optional fields absent when they were not given', async () => {
      const ledger = makeLedger();
      const t = purchase();
      await ledger.record(t);
      const read = await ledger.transaction(t.transactionId);
      expect(Object.keys(read!).sort()).toEqual(Object.keys(t).sort());
      expect(await ledger.transaction(fresh('unknown'))).toBeUndefined();
    });

    it('reads several by id at once, leaving out the unknown ones and counting a repeated id once', async () => {
      const ledger = makeLedger();
      const [a, b] = [purchase(), purchase()];
      await ledger.record(a);
      await ledger.record(b);
      const read = await ledger.transactionsById([a.transactionId, fresh('unknown'), b.transactionId, a.transactionId]);
      expect(read.map((t) => t.transactionId).sort()).toEqual([a.transactionId, b.transactionId].sort());
      expect(await ledger.transactionsById([])).toEqual([]);
    });
  });

  describe('recordAll: an import', () => {
    it('writes every transaction once and counts only what changed, so a retried import adds nothing', async () => {
      const ledger = makeLedger();
      const userId = fresh('u');
      const rows = Array.from({ length: 60 }, (_, i) => purchase({ userId, occurredAt: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString() }));
      expect(await ledger.recordAll(rows)).toBe(60);
      expect(await ledger.recordAll(rows)).toBe(0);
      const read = await ledger.transactionsOf(userId, { from: '2026-11-01T00:00:00.000Z', to: '2026-11-02T00:00:00.000Z', limit: 100 });
      expect(read).toHaveLength(60);
    });
  });

  describe('reads: each one lookup, bounded, in the promised order', () => {
    it("answers a user's transactions inside the window (bounds included), oldest first, at most `limit`, no one else's", async () => {
      const ledger = makeLedger();
      const userId = fresh('u');
      const at = ['2026-11-01T00:00:00.000Z', '2026-11-05T12:00:00.000Z', '2026-11-03T08:30:00.000Z', '2026-11-10T00:00:00.000Z', '2026-10-31T23:59:59.999Z'];
      for (const occurredAt of at) await ledger.record(purchase({ userId, occurredAt }));
      await ledger.record(purchase({ occurredAt: '2026-11-04T00:00:00.000Z' }));
      const window = { from: '2026-11-01T00:00:00.000Z', to: '2026-11-10T00:00:00.000Z' };
      const all = await ledger.transactionsOf(userId, { ...window, limit: 10 });
      expect(all.map((t) => t.occurredAt)).toEqual(['2026-11-01T00:00:00.000Z', '2026-11-03T08:30:00.000Z', '2026-11-05T12:00:00.000Z', '2026-11-10T00:00:00.000Z']);
      expect(all.every((t) => t.userId === userId)).toBe(true);
      expect((await ledger.transactionsOf(userId, { ...window, limit: 2 })).map((t) => t.occurredAt)).toEqual(['2026-11-01T00:00:00.000Z', '2026-11-03T08:30:00.000Z']);
      // A busy account's latest rows, still oldest first.
      expect((await ledger.transactionsOf(userId, { ...window, limit: 2, keep: 'newest' })).map((t) => t.occurredAt)).toEqual(['2026-11-05T12:00:00.000Z', '2026-11-10T00:00:00.000Z']);
    });

    it('answers every account on one instrument and on one device, newest first, at most `limit`', async () => {
      const ledger = makeLedger();
      const instrument = fresh('fp');
      const deviceId = fresh('dev');
      const users = [fresh('u'), fresh('u'), fresh('u')];
      for (const [i, userId] of users.entries()) {
        await ledger.record(purchase({ userId, instrument, deviceId, occurredAt: `2026-11-0${i + 1}T00:00:00.000Z` }));
      }
      await ledger.record(purchase({ instrument: fresh('fp'), deviceId: fresh('dev') }));
      expect((await ledger.transactionsOnInstrument(instrument, 10)).map((t) => t.userId)).toEqual([...users].reverse());
      expect((await ledger.transactionsOnDevice(deviceId, 2)).map((t) => t.userId)).toEqual([users[2], users[1]]);
      expect(await ledger.transactionsOnInstrument(fresh('fp'), 10)).toEqual([]);
    });
  });
  describe('forgetUser: an erasure', () => {
    it("deletes every transaction of the user (more than one batch), no one else's, and finds none the second time", async () => {
      const ledger = makeLedger();
      const userId = fresh('u');
      const theirs = Array.from({ length: 30 }, (_, i) => purchase({ userId, occurredAt: `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00.000Z` }));
      const other = purchase();
      expect(await ledger.recordAll([...theirs, other])).toBe(31);
      expect(await ledger.forgetUser(userId)).toBe(30);
      expect(await ledger.transactionsOf(userId, { from: '2026-01-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z', limit: 100 })).toEqual([]);
      expect(await ledger.transaction(theirs[0]!.transactionId)).toBeUndefined();
      expect(await ledger.transaction(other.transactionId)).toEqual(other);
      expect(await ledger.forgetUser(userId)).toBe(0);
    });
  });
}
