// The user 360 view's use case on the in-memory store: the profile's email finds cases too, a case found as
// both requester and creator is listed once as requester, newest first, and the window bounds the ledger read.
import { describe, expect, it } from 'vitest';
import type { LedgerTransaction } from '#domain/ledger/transaction.ts';
import { userView } from '#lib/use-cases/user-360.ts';
import { FixedClock, InMemoryCaseStore, NOW, sampleCase } from '../fakes.ts';

describe('userView', () => {
  it('merges the keys, labels roles, and reads the ledger over the window', async () => {
    const store = new InMemoryCaseStore();
    const byId = sampleCase({ caseId: 'c1', reference: 'TD-AAAAAA', openedAt: '2026-11-01T00:00:00.000Z', requester: { email: 'x@example.com', userId: 'u1' } });
    const byEmail = sampleCase({ caseId: 'c2', reference: 'TD-BBBBBB', openedAt: '2026-11-03T00:00:00.000Z', requester: { email: 'ana@example.com' } });
    const both = sampleCase({ caseId: 'c3', reference: 'TD-CCCCCC', openedAt: '2026-11-02T00:00:00.000Z', requester: { email: 'y@example.com', userId: 'u1' }, internal: { reporter: { id: 'r' }, onBehalfOf: 'agency', creatorUserIds: ['u1'] } } as never);
    const creator = sampleCase({ caseId: 'c4', reference: 'TD-DDDDDD', openedAt: '2026-10-30T00:00:00.000Z', requester: { email: 'z@example.com' }, internal: { reporter: { id: 'r' }, onBehalfOf: 'agency', creatorUserIds: ['u2', 'u1'] } } as never);
    for (const r of [byId, byEmail, both, creator, sampleCase({ caseId: 'c5', requester: { email: 'other@example.com', userId: 'u9' } })]) store.cases.set(r.caseId, r);
    let window: { from: string; to: string } | undefined;
    const view = await userView(
      {
        store,
        profiles: { profileOf: async (id) => (id === 'u1' ? { userId: 'u1', tier: 'gold', email: 'Ana@Example.com' } : undefined) },
        ledger: {
          transactionsOf: async (_id, w) => {
            window = w;
            return [{ transactionId: 't', userId: 'u1', kind: 'coin_purchase', amount: 3, currency: 'USD', status: 'succeeded', occurredAt: w.to } as LedgerTransaction];
          },
        },
        clock: new FixedClock(NOW),
      },
      { userId: 'u1', days: 7 },
    );
    expect(view.cases.map((c) => [c.caseId, c.role])).toEqual([
      ['c2', 'requester'],
      ['c3', 'requester'],
      ['c1', 'requester'],
      ['c4', 'creator'],
    ]);
    expect(window).toEqual({ from: new Date(NOW.getTime() - 7 * 86_400_000).toISOString(), to: NOW.toISOString(), limit: 1000 });
    expect(view.ledger.spend).toEqual({ USD: 3 });
    expect(view.profile).toMatchObject({ tier: 'gold' });
  });
});
