// The demo's month, generated from a seed so every run tells the same story: a population of viewers and
// creators with value tiers and emails, their ledger (coin purchases, gifts, payouts, refunds, chargebacks,
// subscriptions) from two weeks before the month to its end, and the inquiries they send day by day — with the
// stories an agent should find on the console: a duplicate charge, a failed payout, a refund already issued, an
// open chargeback, a ring sharing one card, a surge of account-access complaints. The ledger is split the way
// the payment systems would deliver it: a backfill file (the two weeks before), a nightly settlement file per
// day (both through the bulk import) and, for the stories and a share of everyday traffic, real-time events on
// the ledger bus, each status at the moment it happens — so every row is in before the complaint that should
// find it. Pure: no I/O, so `npm run demo` only feeds it to the public ways in, and the tests can check the
// stories are really in the data.
import type { ValueTier } from '#domain/case.ts';
import type { LedgerTransaction } from '#domain/ledger/transaction.ts';

export interface DemoUser {
  userId: string;
  email: string;
  name: string;
  tier: ValueTier;
  lifetimeSpend: number;
  creator: boolean;
  instrument: string;
  deviceId: string;
}

/** What the driver does with one inquiry once the clock reaches `at`. */
export type DemoFollowUp =
  | { kind: 'none' }
  | { kind: 'reply' }
  | { kind: 'request-info' }
  | { kind: 'resolve'; outcome: 'resolved' | 'false_positive' }
  | { kind: 'escalate' }
  | { kind: 'propose-risk' };

export interface DemoInquiry {
  /** Day of the month (0-based) and minute of that day (UTC) it is sent. */
  day: number;
  minute: number;
  channel: 'web' | 'email';
  user: DemoUser;
  subject: string;
  message: string;
  category?: string;
  amount?: number;
  currency?: string;
  transactionId?: string;
  followUp: DemoFollowUp;
  /** The story it belongs to, when it is one the demo points at. */
  story?: DemoStory;
}

export type DemoStory = 'duplicate-charge' | 'failed-payout' | 'refund-issued' | 'chargeback' | 'ring' | 'surge';

/** One event on the ledger bus: the transaction as it stands at `at` (a payout is published pending, then failed). */
export interface DemoLedgerEvent {
  at: string;
  transaction: LedgerTransaction;
}

export interface DemoMonth {
  start: Date;
  days: number;
  users: DemoUser[];
  /** Before the month starts: the backfill, one file through the bulk import before anything else. */
  history: LedgerTransaction[];
  /** The nightly settlement files: day d's rows that were not on the bus, imported at the start of day d + 1. */
  settlements: LedgerTransaction[][];
  /** Published to the ledger bus as the clock passes each event's `at`, by day: the stories' and a share of everyday rows. */
  live: DemoLedgerEvent[][];
  inquiries: DemoInquiry[];
}

/** Every ledger row of the month as it finally stands (a transaction published twice counts once, at its last status). */
export function ledgerOf(month: Pick<DemoMonth, 'history' | 'settlements' | 'live'>): LedgerTransaction[] {
  const byId = new Map<string, LedgerTransaction>();
  for (const t of [...month.history, ...month.settlements.flat()]) byId.set(t.transactionId, t);
  for (const e of month.live.flat()) byId.set(e.transaction.transactionId, e.transaction);
  return [...byId.values()];
}

export interface DemoSize {
  users: number;
  transactions: number;
  inquiries: number;
}

export const DEFAULT_SIZE: DemoSize = { users: 2_000, transactions: 20_000, inquiries: 300 };

const DAY_MS = 86_400_000;
const HISTORY_DAYS = 14;
/** The share of everyday in-month rows the payment systems publish in real time (the rest settle nightly). */
const LIVE_SHARE = 0.15;
const COIN_PACKS = [0.99, 4.99, 9.99, 19.99, 49.99, 99.99];
const NETWORKS = ['visa', 'mastercard', 'amex', 'discover', 'apple', 'google', 'paypal'] as const;
const FIRST = ['Ana', 'Ben', 'Chen', 'Dara', 'Eli', 'Fatima', 'Gus', 'Hana', 'Ivan', 'Jia', 'Kofi', 'Lena', 'Mateo', 'Nia', 'Omar', 'Priya'];
const LAST = ['Silva', 'Okafor', 'Tanaka', 'Novak', 'Haddad', 'Kim', 'Moreau', 'Reyes', 'Schmidt', 'Ivanova', 'Mensah', 'Rossi'];

/** mulberry32: a small, fast, seedable generator; the same seed gives the same month. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function demoMonth(start: Date, size: DemoSize = DEFAULT_SIZE, seed = 20261203): DemoMonth {
  const rnd = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
  const days = 30;
  const hex = (n: number) => Math.floor(rnd() * 16 ** n).toString(16).padStart(n, '0');

  const users: DemoUser[] = [];
  for (let i = 0; i < size.users; i++) {
    const roll = rnd();
    const tier: ValueTier = roll < 0.01 ? 'top' : roll < 0.05 ? 'platinum' : roll < 0.15 ? 'gold' : roll < 0.35 ? 'silver' : 'standard';
    const spendBase = { top: 25_000, platinum: 8_000, gold: 2_500, silver: 600, standard: 80 }[tier];
    const id = String(i + 1).padStart(5, '0');
    users.push({
      userId: `u-${id}`,
      email: `viewer${id}@demo.example`,
      name: `${pick(FIRST)} ${pick(LAST)}`,
      tier,
      lifetimeSpend: Math.round(spendBase * (0.6 + rnd()) * 100) / 100,
      creator: i % 10 === 0,
      // Two halves: a run of 13+ digits passing Luhn would be refused as a card number (domain/ledger/card-number.ts).
      instrument: `fp_${hex(8)}_${hex(8)}`,
      deviceId: `dev_${hex(12)}`,
    });
  }
  const creators = users.filter((u) => u.creator);
  const viewers = users.filter((u) => !u.creator);

  // Ids carry the month (so `--again` adds a month of new transactions) and match the policy's `tx_…` pattern;
  // the underscores keep every digit run short of a card number's 13.
  const month = start.toISOString().slice(0, 10).replaceAll('-', '');
  let serial = 0;
  const txId = () => `tx_${month}_${String(++serial).padStart(6, '0')}`;
  const instant = (day: number, minute: number) => new Date(start.getTime() + day * DAY_MS + minute * 60_000).toISOString();
  const all: LedgerTransaction[] = [];
  /** Ids published on the bus rather than settled, and bus events beyond a row's own (a status reached later). */
  const onBus = new Set<string>();
  const later: DemoLedgerEvent[] = [];
  const add = (t: Omit<LedgerTransaction, 'transactionId'> & { transactionId?: string }, live = false): LedgerTransaction => {
    const transaction = { transactionId: t.transactionId ?? txId(), ...t } as LedgerTransaction;
    all.push(transaction);
    if (live) onBus.add(transaction.transactionId);
    return transaction;
  };

  // The everyday ledger: coin packs, gifts to creators (each with its receipt), weekly payouts.
  const everyday = size.transactions - 40;
  while (all.length < everyday) {
    const day = Math.floor(rnd() * (HISTORY_DAYS + days)) - HISTORY_DAYS;
    const minute = Math.floor(rnd() * 1440);
    const viewer = pick(viewers);
    const kind = rnd();
    // A gift and its receipt travel together: both on the bus or both in the night's file.
    const onTheBus = day >= 0 && rnd() < LIVE_SHARE;
    if (kind < 0.55) {
      const failed = rnd() < 0.03;
      add({ userId: viewer.userId, kind: 'coin_purchase', amount: pick(COIN_PACKS), currency: 'USD', status: failed ? 'failed' : 'succeeded', occurredAt: instant(day, minute), instrument: viewer.instrument, deviceId: viewer.deviceId, network: pick(NETWORKS), ...(failed && { reason: 'do_not_honor' }) }, onTheBus);
    } else if (kind < 0.92) {
      const creator = pick(creators);
      const amount = Math.round((1 + rnd() * 40) * 100) / 100;
      const sent = add({ userId: viewer.userId, kind: 'gift_sent', amount, currency: 'USD', status: 'succeeded', occurredAt: instant(day, minute), counterpartyUserId: creator.userId, deviceId: viewer.deviceId }, onTheBus);
      add({ userId: creator.userId, kind: 'gift_received', amount, currency: 'USD', status: 'succeeded', occurredAt: instant(day, minute), counterpartyUserId: viewer.userId, relatedTransactionId: sent.transactionId }, onTheBus);
    } else if (kind < 0.97) {
      add({ userId: viewer.userId, kind: 'subscription', amount: 4.99, currency: 'USD', status: 'succeeded', occurredAt: instant(day, minute), instrument: viewer.instrument, network: pick(NETWORKS) }, onTheBus);
    } else {
      const creator = pick(creators);
      add({ userId: creator.userId, kind: 'payout', amount: Math.round((50 + rnd() * 900) * 100) / 100, currency: 'USD', status: 'succeeded', occurredAt: instant(day, minute), expectedAt: instant(day + 3, minute) }, onTheBus);
    }
  }

  const inquiries: DemoInquiry[] = [];
  const story = (s: Omit<DemoInquiry, 'followUp'> & { followUp?: DemoFollowUp }) => inquiries.push({ followUp: { kind: 'none' }, ...s });

  // Every story's rows are real-time events on the bus, published as they happen, before the complaint.
  // A duplicate charge: one pack bought twice, two minutes apart, on the same card; complained about on the form.
  const doubled = viewers[3]!;
  const firstCharge = add({ userId: doubled.userId, kind: 'coin_purchase', amount: 49.99, currency: 'USD', status: 'succeeded', occurredAt: instant(24, 600), instrument: doubled.instrument, deviceId: doubled.deviceId, network: 'visa' }, true);
  add({ userId: doubled.userId, kind: 'coin_purchase', amount: 49.99, currency: 'USD', status: 'succeeded', occurredAt: instant(24, 602), instrument: doubled.instrument, deviceId: doubled.deviceId, network: 'visa' }, true);
  story({ day: 24, minute: 700, channel: 'web', user: doubled, category: 'payment_dispute', subject: 'Charged twice for coins', message: 'I bought the 49.99 coin pack once and my card was charged two times within a couple of minutes. Please refund the second charge.', amount: 49.99, currency: 'USD', transactionId: firstCharge.transactionId, story: 'duplicate-charge' });

  // A failed payout: published pending on day 20, failed on its expected date; the creator writes by email, naming
  // the amount and the id (found by the address the profiles hold).
  const creator = creators[2]!;
  const payout = add({ userId: creator.userId, kind: 'payout', amount: 1_250, currency: 'EUR', status: 'pending', occurredAt: instant(20, 480), expectedAt: instant(23, 480) }, true);
  later.push({ at: instant(23, 480), transaction: { ...payout, status: 'failed', reason: 'account_closed' } });
  story({ day: 25, minute: 540, channel: 'email', user: creator, subject: 'My payout never arrived', message: `Hello, my payout of 1.250,00 € (${payout.transactionId}) was due three days ago and nothing has arrived in my bank account. Can you check what happened?`, story: 'failed-payout' });

  // A refund already issued: a pack refunded two days after its purchase; the viewer asks for it again on the form.
  const refunded = viewers[11]!;
  const purchase = add({ userId: refunded.userId, kind: 'coin_purchase', amount: 19.99, currency: 'USD', status: 'succeeded', occurredAt: instant(9, 1_100), instrument: refunded.instrument, deviceId: refunded.deviceId, network: 'mastercard' }, true);
  add({ userId: refunded.userId, kind: 'refund', amount: 19.99, currency: 'USD', status: 'succeeded', occurredAt: instant(11, 600), instrument: refunded.instrument, network: 'mastercard', relatedTransactionId: purchase.transactionId }, true);
  story({ day: 13, minute: 610, channel: 'web', user: refunded, category: 'refund', subject: 'Refund for coins I did not want', message: 'I bought a 19.99 coin pack by mistake last week. Please refund it to my card.', amount: 19.99, currency: 'USD', transactionId: purchase.transactionId, story: 'refund-issued', followUp: { kind: 'resolve', outcome: 'resolved' } });

  // An open chargeback: the requester disputes a charge with the card network, then writes by email.
  const disputer = viewers[7]!;
  const disputed = add({ userId: disputer.userId, kind: 'coin_purchase', amount: 120, currency: 'USD', status: 'succeeded', occurredAt: instant(15, 1_200), instrument: disputer.instrument, deviceId: disputer.deviceId, network: 'amex' }, true);
  add({ userId: disputer.userId, kind: 'chargeback', amount: 120, currency: 'USD', status: 'pending', occurredAt: instant(26, 300), instrument: disputer.instrument, network: 'amex', relatedTransactionId: disputed.transactionId }, true);
  story({ day: 26, minute: 420, channel: 'email', user: disputer, subject: 'I did not make this charge', message: `There is a charge of $120 on my card that I never made (${disputed.transactionId}). I already told my bank.`, story: 'chargeback' });

  // A ring: four accounts paying with one card fingerprint, each complaining about "missing" coins.
  const ringCard = `fp_ring${hex(12)}`;
  const ring = viewers.slice(20, 24);
  ring.forEach((member, i) => {
    add({ userId: member.userId, kind: 'coin_purchase', amount: 99.99, currency: 'USD', status: 'succeeded', occurredAt: instant(18 + i, 900), instrument: ringCard, deviceId: member.deviceId, network: 'mastercard' }, true);
    story({ day: 22 + i, minute: 1_000, channel: 'web', user: member, category: 'gifts_coins', subject: 'Coins missing after purchase', message: 'I bought 99.99 of coins and they never showed up in my wallet. I want them now or a refund.', amount: 99.99, currency: 'USD', story: 'ring' });
  });

  // A surge: account-access complaints pile up within one hour of day 20.
  for (let i = 0; i < 20; i++) {
    story({ day: 20, minute: 840 + i * 2, channel: 'web', user: viewers[100 + i]!, category: 'account_access', subject: 'Someone took over my account', message: 'I cannot log in any more, my password was changed and I did not do it.', story: 'surge', followUp: { kind: 'reply' } });
  }

  // The everyday inquiries, spread over the month; the earlier ones are worked to an end, the later ones not yet.
  const everydayTopics: [string, string, string][] = [
    ['gifts_coins', 'Gift did not arrive', 'I sent a gift to a creator during the stream and it never showed on their screen.'],
    ['payout', 'When is my payout?', 'My weekly payout is pending for longer than usual. When will it arrive?'],
    ['refund', 'Refund request', 'I bought coins by mistake and would like a refund please.'],
    ['account_access', 'Cannot log in', 'The app says my password is wrong but I did not change it.'],
    ['payment_dispute', 'Wrong amount charged', 'I was charged more than the price shown in the store.'],
    ['safety', 'Harassment in chat', 'A viewer keeps sending threatening messages to me in my streams.'],
    ['other', 'Question about my account', 'How do I change the email address on my account?'],
  ];
  const followUps: DemoFollowUp[] = [{ kind: 'resolve', outcome: 'resolved' }, { kind: 'reply' }, { kind: 'request-info' }, { kind: 'resolve', outcome: 'false_positive' }, { kind: 'escalate' }, { kind: 'propose-risk' }];
  const everydayInquiries = Math.max(0, size.inquiries - inquiries.length);
  for (let i = 0; i < everydayInquiries; i++) {
    const day = Math.floor((i / everydayInquiries) * days);
    const [category, subject, message] = pick(everydayTopics);
    const user = pick(users);
    const followUp = day > days - 3 ? { kind: 'none' as const } : pick(followUps);
    story({ day, minute: 60 + Math.floor(rnd() * 1_300), channel: rnd() < 0.4 ? 'email' : 'web', user, ...(rnd() < 0.8 && { category }), subject, message, followUp });
  }
  inquiries.sort((a, b) => a.day - b.day || a.minute - b.minute);

  const firstLive = start.toISOString();
  const dayOf = (at: string) => Math.min(days - 1, Math.floor((Date.parse(at) - start.getTime()) / DAY_MS));
  const history = all.filter((t) => t.occurredAt < firstLive);
  const settlements: LedgerTransaction[][] = Array.from({ length: days }, () => []);
  const live: DemoLedgerEvent[][] = Array.from({ length: days }, () => []);
  for (const t of all) {
    if (t.occurredAt < firstLive) continue;
    if (onBus.has(t.transactionId)) live[dayOf(t.occurredAt)]!.push({ at: t.occurredAt, transaction: t });
    else settlements[dayOf(t.occurredAt)]!.push(t);
  }
  for (const e of later) live[dayOf(e.at)]!.push(e);
  for (const day of live) day.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return { start, days, users, history, settlements, live, inquiries };
}
