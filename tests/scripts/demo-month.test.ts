// The demo's month must really hold the stories `npm run demo` points at, the same on every run.
import { describe, expect, it } from 'vitest';
import { demoMonth } from '../../scripts/demo-month.ts';

const start = new Date('2027-01-06T00:00:00Z');
const month = demoMonth(start);
const ledger = [...month.history, ...month.live.flat()];

describe('the demo month', () => {
  it('is the same for the same start and seed, and another for another seed', () => {
    expect(JSON.stringify(demoMonth(start))).toBe(JSON.stringify(month));
    expect(JSON.stringify(demoMonth(start, undefined, 7).inquiries)).not.toBe(JSON.stringify(month.inquiries));
  });

  it('has the size asked for: users, about 20k ledger rows with unique ids, a few hundred inquiries over both channels', () => {
    expect(month.users).toHaveLength(2_000);
    expect(ledger.length).toBeGreaterThan(19_900);
    expect(ledger.length).toBeLessThanOrEqual(20_000);
    expect(new Set(ledger.map((t) => t.transactionId)).size).toBe(ledger.length);
    expect(month.inquiries).toHaveLength(300);
    expect(new Set(month.inquiries.map((i) => i.channel))).toEqual(new Set(['web', 'email']));
  });

  it('splits the ledger at the month start: history before it (the import), each live day inside its day (the bus)', () => {
    expect(month.history.every((t) => t.occurredAt < start.toISOString())).toBe(true);
    month.live.forEach((day, i) => {
      for (const t of day) expect(Math.floor((Date.parse(t.occurredAt) - start.getTime()) / 86_400_000)).toBe(Math.min(i, 29));
    });
  });

  it('holds a duplicate charge: two succeeded purchases of one amount on one card minutes apart, complained about with its id', () => {
    const complaint = month.inquiries.find((i) => i.story === 'duplicate-charge')!;
    const named = ledger.find((t) => t.transactionId === complaint.transactionId)!;
    const twins = ledger.filter((t) => t.userId === named.userId && t.kind === 'coin_purchase' && t.amount === named.amount && t.instrument === named.instrument && Math.abs(Date.parse(t.occurredAt) - Date.parse(named.occurredAt)) <= 5 * 60_000);
    expect(twins.map((t) => t.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('holds a failed payout and a chargeback, each named in an email', () => {
    const payout = month.inquiries.find((i) => i.story === 'failed-payout')!;
    expect(payout.channel).toBe('email');
    const failed = ledger.find((t) => payout.message.includes(t.transactionId))!;
    expect(failed).toMatchObject({ kind: 'payout', status: 'failed', userId: payout.user.userId });
    const dispute = month.inquiries.find((i) => i.story === 'chargeback')!;
    const original = ledger.find((t) => dispute.message.includes(t.transactionId))!;
    expect(ledger.find((t) => t.kind === 'chargeback' && t.relatedTransactionId === original.transactionId)).toBeDefined();
  });

  it('holds a ring: four complaining accounts sharing one card fingerprint, and a surge of one category within an hour', () => {
    const ring = month.inquiries.filter((i) => i.story === 'ring');
    const cards = ring.map((i) => ledger.find((t) => t.userId === i.user.userId && t.instrument?.startsWith('fp_ring'))?.instrument);
    expect(new Set(cards).size).toBe(1);
    expect(new Set(ring.map((i) => i.user.userId)).size).toBe(4);
    const surge = month.inquiries.filter((i) => i.story === 'surge');
    expect(new Set(surge.map((i) => `${i.day}|${i.category}`)).size).toBe(1);
    expect(Math.max(...surge.map((i) => i.minute)) - Math.min(...surge.map((i) => i.minute))).toBeLessThan(60);
    expect(surge.length).toBeGreaterThanOrEqual(15);
  });
});
