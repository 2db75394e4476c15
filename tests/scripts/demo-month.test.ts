// The demo's month must really hold the stories `npm run demo` points at, the same on every run.
import { describe, expect, it } from 'vitest';
import { parseLedgerTransaction } from '#events/ledger-transaction.ts';
import { demoMonth, ledgerOf } from '../../scripts/demo-month.ts';

const start = new Date('2027-01-06T00:00:00Z');
const month = demoMonth(start);
const ledger = ledgerOf(month);
const minuteOf = (i: { day: number; minute: number }) => start.getTime() + i.day * 86_400_000 + i.minute * 60_000;

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

  it('is a ledger every way in accepts: each row and bus event valid field by field (no id reads as a card number)', () => {
    const refused = [...month.history, ...month.settlements.flat(), ...month.live.flat().map((e) => e.transaction)].flatMap((t) => {
      const parsed = parseLedgerTransaction(t);
      return parsed.ok ? [] : [{ id: t.transactionId, problems: parsed.problems }];
    });
    expect(refused).toEqual([]);
    expect(month.users.every((u) => /^[a-z0-9]+@demo\.example$/.test(u.email))).toBe(true);
    expect(new Set(month.users.map((u) => u.email)).size).toBe(month.users.length);
  });

  it('delivers most of the ledger by the import (backfill + nightly files) and a part on the bus, each in its day', () => {
    const imported = month.history.length + month.settlements.flat().length;
    const published = new Set(month.live.flat().map((e) => e.transaction.transactionId)).size;
    expect(imported + published).toBe(ledger.length);
    expect(imported).toBeGreaterThan(0.75 * ledger.length);
    expect(published).toBeGreaterThan(0.05 * ledger.length);
    expect(month.history.every((t) => t.occurredAt < start.toISOString())).toBe(true);
    const dayOf = (at: string) => Math.min(29, Math.floor((Date.parse(at) - start.getTime()) / 86_400_000));
    month.settlements.forEach((day, i) => {
      for (const t of day) expect(dayOf(t.occurredAt)).toBe(i);
    });
    month.live.forEach((day, i) => {
      for (const e of day) expect(dayOf(e.at)).toBe(i);
      expect(day.map((e) => e.at)).toEqual(day.map((e) => e.at).sort());
    });
  });

  it("has every story's rows on the bus before its complaint (nothing a story needs waits for a nightly file)", () => {
    for (const inquiry of month.inquiries.filter((i) => i.story && i.story !== 'surge')) {
      const theirs = month.live.flat().filter((e) => e.transaction.userId === inquiry.user.userId && (e.transaction.instrument?.startsWith('fp_ring') || e.transaction.kind !== 'gift_received'));
      const story = theirs.filter((e) => !month.settlements.flat().some((t) => t.transactionId === e.transaction.transactionId));
      expect(story.length, inquiry.story).toBeGreaterThan(0);
      const named = inquiry.transactionId ?? ledger.find((t) => inquiry.message.includes(t.transactionId))?.transactionId;
      if (named) expect(theirs.some((e) => e.transaction.transactionId === named && Date.parse(e.at) < minuteOf(inquiry))).toBe(true);
    }
  });

  it('holds a duplicate charge: two succeeded purchases of one amount on one card minutes apart, complained about with its id', () => {
    const complaint = month.inquiries.find((i) => i.story === 'duplicate-charge')!;
    const named = ledger.find((t) => t.transactionId === complaint.transactionId)!;
    const twins = ledger.filter((t) => t.userId === named.userId && t.kind === 'coin_purchase' && t.amount === named.amount && t.instrument === named.instrument && Math.abs(Date.parse(t.occurredAt) - Date.parse(named.occurredAt)) <= 5 * 60_000);
    expect(twins.map((t) => t.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('holds a failed payout (published pending, then failed before the email) and a chargeback, each named in an email', () => {
    const payout = month.inquiries.find((i) => i.story === 'failed-payout')!;
    expect(payout.channel).toBe('email');
    const failed = ledger.find((t) => payout.message.includes(t.transactionId))!;
    expect(failed).toMatchObject({ kind: 'payout', status: 'failed', userId: payout.user.userId });
    const events = month.live.flat().filter((e) => e.transaction.transactionId === failed.transactionId);
    expect(events.map((e) => e.transaction.status)).toEqual(['pending', 'failed']);
    expect(Date.parse(events[1]!.at)).toBeLessThan(minuteOf(payout));
    const dispute = month.inquiries.find((i) => i.story === 'chargeback')!;
    const original = ledger.find((t) => dispute.message.includes(t.transactionId))!;
    expect(ledger.find((t) => t.kind === 'chargeback' && t.relatedTransactionId === original.transactionId)).toMatchObject({ status: 'pending', userId: dispute.user.userId });
  });

  it('holds a refund already issued for the purchase a form complaint names', () => {
    const complaint = month.inquiries.find((i) => i.story === 'refund-issued')!;
    const refund = ledger.find((t) => t.kind === 'refund' && t.relatedTransactionId === complaint.transactionId)!;
    expect(refund).toMatchObject({ status: 'succeeded', userId: complaint.user.userId });
    expect(Date.parse(refund.occurredAt)).toBeLessThan(minuteOf(complaint));
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
