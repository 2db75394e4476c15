// Subscribing is keyed by cadence and address: a repeat replaces, an unknown id is a 404, and the
// creation time comes from the injected clock.
import { describe, expect, it } from 'vitest';
import { subscriptionIdOf, subscriptionOfId } from '#domain/reporting/subscription.ts';
import { NotFoundError } from '#lib/errors.ts';
import { subscribe, unsubscribe } from '#lib/use-cases/manage-subscriptions.ts';
import { FixedClock, NOW } from '../fakes.ts';
import { InMemoryReportingStore } from '../reporting-fakes.ts';

const deps = () => ({ store: new InMemoryReportingStore(), clock: new FixedClock(NOW) });

describe('manage subscriptions', () => {
  it('stores one subscription per cadence and address, stamped by the clock, categories deduplicated', async () => {
    const d = deps();
    const first = await subscribe(d, { email: 'cfo@example.com', cadence: 'weekly', categories: ['payout', 'payout'] }, 'lead-1');
    expect(first).toEqual({
      subscriptionId: subscriptionIdOf('weekly', 'cfo@example.com'),
      email: 'cfo@example.com',
      cadence: 'weekly',
      categories: ['payout'],
      createdAt: NOW.toISOString(),
      createdBy: 'lead-1',
    });
    d.clock.advance(60_000);
    await subscribe(d, { email: 'cfo@example.com', cadence: 'weekly' }, 'lead-2');
    await subscribe(d, { email: 'cfo@example.com', cadence: 'daily' }, 'lead-2');
    const stored = await d.store.listSubscriptions();
    expect(stored.map((s) => [s.cadence, s.createdBy, s.categories])).toEqual(
      expect.arrayContaining([
        ['weekly', 'lead-2', undefined],
        ['daily', 'lead-2', undefined],
      ]),
    );
    expect(stored).toHaveLength(2);
  });

  it('unsubscribes by id, and an id naming nothing is NotFound', async () => {
    const d = deps();
    const { subscriptionId } = await subscribe(d, { email: 'ops@example.com', cadence: 'daily' }, 'lead-1');
    await unsubscribe(d, subscriptionId);
    expect(await d.store.listSubscriptions()).toEqual([]);
    await expect(unsubscribe(d, subscriptionId)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('an id names its cadence and address, and a forged one names none', () => {
    expect(subscriptionOfId(subscriptionIdOf('daily', 'a#b@example.com'))).toEqual({ cadence: 'daily', email: 'a#b@example.com' });
    expect(subscriptionOfId(Buffer.from('hourly#x@example.com').toString('base64url'))).toBeUndefined();
    expect(subscriptionOfId(Buffer.from('weekly#').toString('base64url'))).toBeUndefined();
  });
});
