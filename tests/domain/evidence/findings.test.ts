// The findings at their edges: duplicates (the window's ends, other instruments, a missing instrument, other
// currencies, offsets and daylight-saving changes), gifts with and without the counterparty's receipts in view,
// payouts, refunds, chargebacks and their respond-by dates, amount mismatches (currency, tolerance), the order, and
// what the findings do to the priority (never lower), the deadline and the points.
import { describe, expect, it } from 'vitest';
import {
  evidencePoints,
  evidenceWindow,
  findingsFor,
  formatMoney,
  parseEvidencePolicy,
  priorityAfterEvidence,
  resolutionDeadlineAfterEvidence,
  respondByDeadline,
  type EvidenceInput,
  type Finding,
  type FindingCode,
} from '#domain/evidence/index.ts';
import type { LedgerTransaction } from '#domain/ledger/transaction.ts';
import evidencePolicyJson from '../../../config/evidence-policy.json' with { type: 'json' };

const policy = parseEvidencePolicy(evidencePolicyJson);
const NOW = '2026-11-25T12:00:00.000Z';
let seq = 0;
const tx = (rest: Partial<LedgerTransaction>): LedgerTransaction => ({
  transactionId: `tx_${String(++seq).padStart(6, '0')}`,
  userId: 'u-req',
  kind: 'coin_purchase',
  amount: 4.99,
  currency: 'USD',
  status: 'succeeded',
  occurredAt: '2026-11-20T10:00:00.000Z',
  instrument: 'fp_card_1',
  ...rest,
});
const input = (transactions: LedgerTransaction[], complaint: Partial<EvidenceInput['complaint']> = {}, extra: Partial<EvidenceInput> = {}): EvidenceInput => ({
  complaint: { openedAt: '2026-11-24T09:00:00.000Z', mentions: { transactionIds: [], amounts: [] }, ...complaint },
  transactions,
  now: NOW,
  ...extra,
});
const findings = (...args: Parameters<typeof input>) => findingsFor(input(...args), policy);
const codes = (...args: Parameters<typeof input>) => findings(...args).map((f) => f.code);
const named = (...transactionIds: string[]) => ({ mentions: { transactionIds, amounts: [] } });

describe('duplicate_charge', () => {
  it('flags two succeeded coin purchases of one amount, currency and instrument within the window, naming amount, times and ids', () => {
    const a = tx({ occurredAt: '2026-11-20T10:00:00Z' });
    const b = tx({ occurredAt: '2026-11-20T10:03:00Z' });
    const [finding] = findings([b, a]);
    expect(finding).toEqual({
      code: 'duplicate_charge',
      points: 25,
      explanation: `2 coin purchases of 4.99 USD on the same payment instrument within 3 minutes (2026-11-20 10:00 UTC to 2026-11-20 10:03 UTC): ${a.transactionId}, ${b.transactionId}`,
      transactionIds: [a.transactionId, b.transactionId],
    });
    expect(finding!.explanation).not.toContain('fp_card_1');
  });

  it('counts the window inclusively: exactly N minutes apart is a duplicate, a second more is not', () => {
    expect(codes([tx({ occurredAt: '2026-11-20T10:00:00Z' }), tx({ occurredAt: '2026-11-20T10:10:00Z' })])).toEqual(['duplicate_charge']);
    expect(codes([tx({ occurredAt: '2026-11-20T10:00:00Z' }), tx({ occurredAt: '2026-11-20T10:10:01Z' })])).toEqual([]);
  });

  it('is no duplicate on another instrument, without an instrument, in another currency, for another amount or user', () => {
    const at = (m: number) => `2026-11-20T10:0${m}:00Z`;
    expect(codes([tx({ occurredAt: at(0) }), tx({ occurredAt: at(1), instrument: 'fp_card_2' })])).toEqual([]);
    expect(codes([tx({ occurredAt: at(0), instrument: undefined }), tx({ occurredAt: at(1), instrument: undefined })])).toEqual([]);
    expect(codes([tx({ occurredAt: at(0) }), tx({ occurredAt: at(1), instrument: undefined })])).toEqual([]);
    expect(codes([tx({ occurredAt: at(0) }), tx({ occurredAt: at(1), currency: 'EUR' })])).toEqual([]);
    expect(codes([tx({ occurredAt: at(0) }), tx({ occurredAt: at(1), amount: 4.98 })])).toEqual([]);
    expect(codes([tx({ occurredAt: at(0) }), tx({ occurredAt: at(1), userId: 'u-other' })])).toEqual([]);
  });

  it('needs both purchases succeeded, and coin purchases only', () => {
    for (const status of ['failed', 'pending', 'reversed'] as const) expect(codes([tx({}), tx({ occurredAt: '2026-11-20T10:01:00Z', status })])).toEqual([]);
    expect(codes([tx({ kind: 'subscription' }), tx({ kind: 'subscription', occurredAt: '2026-11-20T10:01:00Z' })])).toEqual([]);
  });

  it('joins a chain of purchases each within the window of the one before into one finding, and splits at a gap', () => {
    const run = ['10:00', '10:08', '10:16', '11:00', '11:05'].map((t) => tx({ occurredAt: `2026-11-20T${t}:00Z` }));
    const out = findings(run);
    expect(out.map((f) => f.transactionIds)).toEqual([run.slice(0, 3).map((t) => t.transactionId), run.slice(3).map((t) => t.transactionId)]);
    expect(out[0]!.explanation).toMatch(/^3 coin purchases of 4\.99 USD .* within 16 minutes/);
  });

  it('reads instants, not wall clocks: 10 minutes apart across the US fall-back and the EU change are duplicates', () => {
    // 01:55 PDT then 01:05 PST on 2026-11-01: the clock went back, 10 minutes passed.
    expect(codes([tx({ occurredAt: '2026-11-01T01:55:00-07:00' }), tx({ occurredAt: '2026-11-01T01:05:00-08:00' })])).toEqual(['duplicate_charge']);
    // 02:55 CEST then 02:05 CET on 2026-10-25.
    expect(codes([tx({ occurredAt: '2026-10-25T02:55:00+02:00' }), tx({ occurredAt: '2026-10-25T02:05:00+01:00' })])).toEqual(['duplicate_charge']);
    // Same wall-clock minutes an hour apart in real time (01:05 PDT, 01:05 PST): not a duplicate.
    expect(codes([tx({ occurredAt: '2026-11-01T01:05:00-07:00' }), tx({ occurredAt: '2026-11-01T01:05:00-08:00' })])).toEqual([]);
  });

  it('compares amounts in thousandths: 0.1 + 0.2 and 0.3 are one amount', () => {
    expect(codes([tx({ amount: 0.1 + 0.2 }), tx({ amount: 0.3, occurredAt: '2026-11-20T10:01:00Z' })])).toEqual(['duplicate_charge']);
  });

  it('counts a transaction delivered twice (pending then succeeded) once', () => {
    const a = tx({ status: 'pending' });
    expect(codes([a, { ...a, status: 'succeeded' }])).toEqual([]);
    expect(codes([{ ...a, status: 'succeeded' }, a, tx({ occurredAt: '2026-11-20T10:02:00Z' })])).toEqual(['duplicate_charge']);
  });

  it('judges the requester’s own rows only when the requester is known', () => {
    const theirs = [tx({ userId: 'u-other' }), tx({ userId: 'u-other', occurredAt: '2026-11-20T10:01:00Z' })];
    expect(codes(theirs)).toEqual(['duplicate_charge']);
    expect(codes(theirs, {}, { requesterUserId: 'u-req' })).toEqual([]);
  });
});

describe('gift_not_received', () => {
  const gift = (rest: Partial<LedgerTransaction> = {}) => tx({ kind: 'gift_sent', amount: 50, counterpartyUserId: 'u-creator', instrument: undefined, ...rest });
  const receipt = (g: LedgerTransaction, rest: Partial<LedgerTransaction> = {}) =>
    tx({ kind: 'gift_received', userId: 'u-creator', counterpartyUserId: g.userId, amount: g.amount, currency: g.currency, occurredAt: '2026-11-20T10:02:00Z', instrument: undefined, ...rest });

  it('flags a named gift with no receipt in view, saying the counterparty’s rows were not in view', () => {
    const g = gift();
    const [finding] = findings([g], named(g.transactionId));
    expect(finding).toMatchObject({ code: 'gift_not_received', points: 15, transactionIds: [g.transactionId] });
    expect(finding!.explanation).toBe(`Gift ${g.transactionId} of 50.00 USD sent 2026-11-20 10:00 UTC to u-creator: no matching receipt within 10 minutes (the counterparty's ledger rows were not in view)`);
    expect(codes([g], { transactionId: g.transactionId })).toEqual(['gift_not_received']);
  });

  it('is received by the counterparty’s gift_received of that amount and currency within the tolerance, or one naming the gift', () => {
    const g = gift();
    expect(codes([g, receipt(g)], named(g.transactionId))).toEqual([]);
    expect(codes([g, receipt(g, { occurredAt: '2026-11-20T10:10:00Z' })], named(g.transactionId))).toEqual([]);
    expect(codes([g, receipt(g, { counterpartyUserId: undefined })], named(g.transactionId))).toEqual([]);
    expect(codes([g, receipt(g, { amount: 5, occurredAt: '2026-11-22T00:00:00Z', relatedTransactionId: g.transactionId })], named(g.transactionId))).toEqual([]);
  });

  it('is not received by a receipt too late, before the gift, of another amount or currency, from someone else, or not succeeded', () => {
    const g = gift();
    for (const other of [
      receipt(g, { occurredAt: '2026-11-20T10:10:01Z' }),
      receipt(g, { occurredAt: '2026-11-20T09:59:00Z' }),
      receipt(g, { amount: 49.99 }),
      receipt(g, { currency: 'EUR' }),
      receipt(g, { counterpartyUserId: 'u-someone' }),
      receipt(g, { userId: 'u-someone' }),
      receipt(g, { status: 'pending' }),
    ]) {
      expect(codes([g, other], named(g.transactionId)), JSON.stringify(other)).toEqual(['gift_not_received']);
    }
    const [finding] = findings([g, receipt(g, { amount: 49.99 })], named(g.transactionId));
    expect(finding!.explanation).not.toContain('not in view');
  });

  it('judges an unnamed gift only when the counterparty’s rows are in view', () => {
    const g = gift();
    expect(codes([g])).toEqual([]);
    expect(codes([g, receipt(g, { amount: 1, occurredAt: '2026-11-19T00:00:00Z' })])).toEqual(['gift_not_received']);
  });

  it('waits out the tolerance, and cannot judge a gift without a counterparty or that did not succeed', () => {
    const recent = gift({ occurredAt: '2026-11-25T11:55:00Z' });
    expect(codes([recent], named(recent.transactionId))).toEqual([]);
    const noCounterparty = gift({ counterpartyUserId: undefined });
    expect(codes([noCounterparty], named(noCounterparty.transactionId))).toEqual([]);
    const failed = gift({ status: 'failed' });
    expect(codes([failed], named(failed.transactionId))).toEqual([]);
  });
});

describe('payouts', () => {
  const payout = (rest: Partial<LedgerTransaction>) => tx({ kind: 'payout', amount: 250, instrument: undefined, occurredAt: '2026-11-18T09:00:00Z', ...rest });

  it('flags a failed payout with its reason, or says none was given', () => {
    const p = payout({ status: 'failed', reason: 'account_closed' });
    expect(findings([p])).toEqual([{ code: 'payout_failed', points: 15, explanation: `Payout ${p.transactionId} of 250.00 USD on 2026-11-18 09:00 UTC failed: account_closed`, transactionIds: [p.transactionId] }]);
    expect(findings([payout({ status: 'failed' })])[0]!.explanation).toMatch(/failed: no reason given$/);
  });

  it('flags a pending payout past its expected date with that date and how late, and nothing before or without one', () => {
    const late = payout({ status: 'pending', expectedAt: '2026-11-22T09:00:00Z' });
    expect(findings([late])).toEqual([{ code: 'payout_overdue', points: 10, explanation: `Payout ${late.transactionId} of 250.00 USD was expected by 2026-11-22 09:00 UTC and is still pending (3 days late)`, transactionIds: [late.transactionId] }]);
    expect(findings([payout({ status: 'pending', expectedAt: '2026-11-25T11:00:00Z' })])[0]!.explanation).toMatch(/still pending$/);
    expect(codes([payout({ status: 'pending', expectedAt: NOW })])).toEqual([]);
    expect(codes([payout({ status: 'pending', expectedAt: '2026-11-26T09:00:00Z' })])).toEqual([]);
    expect(codes([payout({ status: 'pending' })])).toEqual([]);
    expect(codes([payout({ status: 'succeeded', expectedAt: '2026-11-20T09:00:00Z' })])).toEqual([]);
  });
});

describe('refund_issued', () => {
  it('flags a succeeded refund of the complained transaction, named by the form or the text', () => {
    const original = tx({});
    const refund = tx({ kind: 'refund', relatedTransactionId: original.transactionId, occurredAt: '2026-11-21T08:00:00Z', instrument: undefined });
    const expected = { code: 'refund_issued', points: 10, explanation: `Refund ${refund.transactionId} of 4.99 USD for ${original.transactionId} already succeeded on 2026-11-21 08:00 UTC`, transactionIds: [original.transactionId, refund.transactionId] };
    expect(findings([original, refund], { transactionId: original.transactionId })).toEqual([expected]);
    expect(findings([original, refund], named(original.transactionId))).toEqual([expected]);
  });

  it('is no finding for a refund still pending, of another transaction, or when nothing is complained about', () => {
    const original = tx({});
    expect(codes([original, tx({ kind: 'refund', relatedTransactionId: original.transactionId, status: 'pending' })], named(original.transactionId))).toEqual([]);
    expect(codes([original, tx({ kind: 'refund', relatedTransactionId: 'tx_elsewhere' })], named(original.transactionId))).toEqual([]);
    expect(codes([original, tx({ kind: 'refund', relatedTransactionId: original.transactionId })])).toEqual([]);
  });
});

describe('chargeback_open', () => {
  const chargeback = (rest: Partial<LedgerTransaction>) => tx({ kind: 'chargeback', status: 'pending', amount: 49.99, occurredAt: '2026-11-20T15:30:00Z', ...rest });

  it('gives a pending chargeback the network’s respond-by date: Visa 30, Mastercard 45, Amex 20, Discover 30 days', () => {
    const respondBy = (network: LedgerTransaction['network']) => findings([chargeback({ network })])[0]!.respondBy;
    expect(respondBy('visa')).toBe('2026-12-20T15:30:00.000Z');
    expect(respondBy('mastercard')).toBe('2027-01-04T15:30:00.000Z');
    expect(respondBy('amex')).toBe('2026-12-10T15:30:00.000Z');
    expect(respondBy('discover')).toBe('2026-12-20T15:30:00.000Z');
    expect(respondBy(undefined)).toBe('2026-12-10T15:30:00.000Z'); // unknown: the shortest
  });

  it('explains it with the amount, the date, the transaction it reverses and the network, and takes the network from that transaction', () => {
    const original = tx({ network: 'mastercard', occurredAt: '2026-11-10T10:00:00Z' });
    const cb = chargeback({ relatedTransactionId: original.transactionId });
    const [finding] = findings([original, cb]);
    expect(finding).toEqual({
      code: 'chargeback_open',
      points: 30,
      explanation: `Chargeback ${cb.transactionId} on ${original.transactionId} of 49.99 USD opened 2026-11-20: respond by 2027-01-04 15:30 UTC, 45 days (mastercard)`,
      transactionIds: [original.transactionId, cb.transactionId],
      respondBy: '2027-01-04T15:30:00.000Z',
    });
  });

  it('says when the respond-by date has passed, and ignores chargebacks no longer open', () => {
    expect(findings([chargeback({ network: 'amex', occurredAt: '2026-10-01T00:00:00Z' })])[0]!.explanation).toMatch(/respond by 2026-10-21 00:00 UTC \(passed\)/);
    for (const status of ['succeeded', 'failed', 'reversed'] as const) expect(codes([chargeback({ status })])).toEqual([]);
  });

  it('counts across a daylight-saving change in whole 24-hour days (instants in, instants out)', () => {
    // Opened 2026-10-20 in Berlin (CEST), the clocks change on 2026-10-25: still exactly 30 × 24 h later.
    expect(findings([chargeback({ network: 'visa', occurredAt: '2026-10-20T09:00:00+02:00' })])[0]!.respondBy).toBe('2026-11-19T07:00:00.000Z');
  });

  it('is the requester’s: another user’s chargeback is not when the requester is known', () => {
    expect(codes([chargeback({ userId: 'u-other' })], {}, { requesterUserId: 'u-req' })).toEqual([]);
    expect(codes([chargeback({})], {}, { requesterUserId: 'u-req' })).toEqual(['chargeback_open']);
  });
});

describe('amount_mismatch', () => {
  const money = (amount: number, currency?: string) => ({ amount, text: `${amount}`, ...(currency && { currency }) });
  const complaint = (transactionIds: string[], ...amounts: ReturnType<typeof money>[]) => ({ mentions: { transactionIds, amounts } });

  it('flags the complained transaction whose amount is none the complaint states in its currency, naming both', () => {
    const t = tx({ amount: 150 });
    expect(findings([t], complaint([t.transactionId], money(120, 'USD')))).toEqual([
      { code: 'amount_mismatch', points: 10, explanation: `The complaint states 120.00 USD; the ledger has ${t.transactionId} at 150.00 USD`, transactionIds: [t.transactionId] },
    ]);
  });

  it('takes the form’s amount and transaction id too', () => {
    const t = tx({ amount: 150 });
    expect(codes([t], { transactionId: t.transactionId, amount: 120, currency: 'usd' })).toEqual(['amount_mismatch']);
    expect(codes([t], { transactionId: t.transactionId, amount: 150, currency: 'USD', ...complaint([], money(120, 'USD')) })).toEqual([]);
  });

  it('allows the tolerance: the larger of 0.01 and 1 % of the amount found', () => {
    const t = tx({ amount: 119.99 });
    expect(codes([t], complaint([t.transactionId], money(120, 'USD')))).toEqual([]);
    expect(codes([tx({ amount: 121.2, transactionId: 'tx_a00001' })], complaint(['tx_a00001'], money(120, 'USD')))).toEqual([]);
    expect(codes([tx({ amount: 121.3, transactionId: 'tx_a00002' })], complaint(['tx_a00002'], money(120, 'USD')))).toEqual(['amount_mismatch']);
    expect(codes([tx({ amount: 4.99, transactionId: 'tx_a00003' })], complaint(['tx_a00003'], money(5, 'USD')))).toEqual([]);
  });

  it('judges only when both are known in one currency', () => {
    const t = tx({ amount: 150 });
    expect(codes([t], complaint([t.transactionId], money(120, 'EUR')))).toEqual([]);
    expect(codes([t], complaint([t.transactionId], money(120)))).toEqual([]);
    expect(codes([t], complaint(['tx_notinledger'], money(120, 'USD')))).toEqual([]);
    expect(codes([t], complaint([], money(120, 'USD')))).toEqual([]);
  });

  it('is no mismatch when any stated amount matches any complained transaction', () => {
    const [a, b] = [tx({ amount: 150 }), tx({ amount: 30, occurredAt: '2026-11-21T10:00:00Z' })];
    expect(codes([a, b], complaint([a.transactionId, b.transactionId], money(120, 'USD'), money(30, 'USD')))).toEqual([]);
    expect(findings([a, b], complaint([a.transactionId, b.transactionId], money(120, 'USD')))[0]!.transactionIds).toEqual([a.transactionId, b.transactionId]);
  });

  it('prefers the form’s transaction over the ids in the text', () => {
    const [form, other] = [tx({ amount: 120 }), tx({ amount: 99, occurredAt: '2026-11-21T10:00:00Z' })];
    expect(codes([form, other], { transactionId: form.transactionId, ...complaint([other.transactionId], money(120, 'USD')) })).toEqual([]);
    expect(codes([form, other], { transactionId: 'tx_unknown1', ...complaint([other.transactionId], money(120, 'USD')) })).toEqual(['amount_mismatch']);
  });
});

describe('findingsFor', () => {
  it('orders by points, most first, keeping the rules’ order for equal points, and finds nothing in an empty ledger', () => {
    const cb = tx({ kind: 'chargeback', status: 'pending', network: 'visa' });
    const dup = [tx({ occurredAt: '2026-11-21T10:00:00Z' }), tx({ occurredAt: '2026-11-21T10:01:00Z' })];
    const payout = tx({ kind: 'payout', status: 'failed', instrument: undefined });
    const overdue = tx({ kind: 'payout', status: 'pending', expectedAt: '2026-11-21T00:00:00Z', instrument: undefined });
    expect(codes([overdue, payout, ...dup, cb])).toEqual(['chargeback_open', 'duplicate_charge', 'payout_failed', 'payout_overdue']);
    const flat = parseEvidencePolicy({ points: { chargeback_open: 5, duplicate_charge: 5, payout_failed: 5, payout_overdue: 5 } });
    expect(findingsFor(input([overdue, payout, ...dup, cb]), flat).map((f) => f.code)).toEqual(['chargeback_open', 'duplicate_charge', 'payout_failed', 'payout_overdue']);
    expect(findings([])).toEqual([]);
  });

  it('never puts a requester’s email, name or fingerprint in an explanation', () => {
    const all = findings([
      tx({ instrument: 'fp_secret', deviceId: 'dev_secret' }),
      tx({ instrument: 'fp_secret', deviceId: 'dev_secret', occurredAt: '2026-11-20T10:01:00Z' }),
      tx({ kind: 'chargeback', status: 'pending', instrument: 'fp_secret', deviceId: 'dev_secret' }),
    ]);
    expect(all).toHaveLength(2);
    for (const f of all) expect(f.explanation).not.toMatch(/fp_secret|dev_secret|u-req/);
  });
});

describe('evidenceWindow', () => {
  it('runs from 14 × 24 hours before the complaint to now, across the EU and US daylight-saving changes', () => {
    // Opened 2026-11-05 in New York (EST); 14 days before lies before both the EU (10-25) and the US (11-01) change.
    expect(evidenceWindow('2026-11-05T09:00:00-05:00', '2026-11-05T14:05:00.000Z', policy)).toEqual({ from: '2026-10-22T14:00:00.000Z', to: '2026-11-05T14:05:00.000Z' });
    expect(evidenceWindow('2026-11-05T09:00:00+01:00', '2026-11-06T00:00:00Z', parseEvidencePolicy({ windowDaysBefore: 1 }))).toEqual({ from: '2026-11-04T08:00:00.000Z', to: '2026-11-06T00:00:00.000Z' });
  });

  it('never ends before it starts (a clock behind the complaint), and refuses what is not an instant', () => {
    expect(evidenceWindow('2026-11-05T10:00:00Z', '2026-11-05T09:59:00Z', policy).to).toBe('2026-11-05T10:00:00.000Z');
    expect(() => evidenceWindow('yesterday', NOW, policy)).toThrow(RangeError);
  });
});

describe('respondByDeadline', () => {
  const f = (code: FindingCode, respondBy?: string): Finding => ({ code, points: 1, explanation: '', transactionIds: [], ...(respondBy && { respondBy }) });

  it('is the earliest chargeback respond-by date minus the buffer, or nothing without a chargeback', () => {
    expect(respondByDeadline([f('chargeback_open', '2026-12-20T15:30:00.000Z'), f('chargeback_open', '2026-12-10T15:30:00.000Z'), f('duplicate_charge')], policy)).toBe('2026-12-08T15:30:00.000Z');
    expect(respondByDeadline([f('duplicate_charge'), f('payout_failed')], policy)).toBeUndefined();
    expect(respondByDeadline([], parseEvidencePolicy({ chargebackBufferHours: 0 }))).toBeUndefined();
    expect(respondByDeadline([f('chargeback_open', '2026-12-10T15:30:00.000Z')], parseEvidencePolicy({ chargebackBufferHours: 0 }))).toBe('2026-12-10T15:30:00.000Z');
  });

  it('lies before the respond-by date of a real chargeback finding', () => {
    const found = findings([tx({ kind: 'chargeback', status: 'pending', network: 'amex' })]);
    expect(Date.parse(respondByDeadline(found, policy)!)).toBeLessThan(Date.parse(found[0]!.respondBy!));
  });
});

describe('resolutionDeadlineAfterEvidence', () => {
  const cb = (respondBy: string): Finding => ({ code: 'chargeback_open', points: 1, explanation: '', transactionIds: [], respondBy });

  it('moves the resolution deadline earlier to the respond-by deadline, never later, and keeps it without a chargeback', () => {
    expect(resolutionDeadlineAfterEvidence('2026-12-31T00:00:00.000Z', [cb('2026-12-10T15:30:00.000Z')], policy)).toBe('2026-12-08T15:30:00.000Z');
    expect(resolutionDeadlineAfterEvidence('2026-12-01T00:00:00.000Z', [cb('2026-12-10T15:30:00.000Z')], policy)).toBe('2026-12-01T00:00:00.000Z');
    expect(resolutionDeadlineAfterEvidence(undefined, [cb('2026-12-10T15:30:00.000Z')], policy)).toBe('2026-12-08T15:30:00.000Z');
    expect(resolutionDeadlineAfterEvidence('2026-12-01T00:00:00.000Z', [], policy)).toBe('2026-12-01T00:00:00.000Z');
    // Offsets are instants: 2026-12-08T16:00+01:00 is 15:00Z, before the respond-by deadline.
    expect(resolutionDeadlineAfterEvidence('2026-12-08T16:00:00+01:00', [cb('2026-12-10T15:30:00.000Z')], policy)).toBe('2026-12-08T16:00:00+01:00');
  });
});

describe('formatMoney', () => {
  it('writes the currency’s usual decimals, more only when the ledger has them', () => {
    expect([formatMoney(1250, 'USD'), formatMoney(500, 'JPY'), formatMoney(0.1 + 0.2, 'EUR'), formatMoney(1.234, 'KWD'), formatMoney(2.5, 'QQQ')]).toEqual([
      '1,250.00 USD',
      '500 JPY',
      '0.30 EUR',
      '1.234 KWD',
      '2.50 QQQ',
    ]);
  });
});

describe('priorityAfterEvidence', () => {
  const f = (code: FindingCode): Finding => ({ code, points: 1, explanation: '', transactionIds: [] });

  it('raises to the most urgent priority the findings call for', () => {
    expect(priorityAfterEvidence('P4', [f('payout_failed')], policy)).toBe('P3');
    expect(priorityAfterEvidence('P4', [f('payout_failed'), f('duplicate_charge')], policy)).toBe('P2');
    expect(priorityAfterEvidence('P3', [f('possible_ring'), f('chargeback_open')], policy)).toBe('P1');
  });

  it('never lowers: a more urgent case keeps its priority, and findings that raise nothing change nothing', () => {
    expect(priorityAfterEvidence('P1', [f('payout_failed'), f('duplicate_charge')], policy)).toBe('P1');
    expect(priorityAfterEvidence('P2', [f('payout_overdue')], policy)).toBe('P2');
    expect(priorityAfterEvidence('P4', [f('refund_issued'), f('amount_mismatch')], policy)).toBe('P4');
    expect(priorityAfterEvidence('P3', [], policy)).toBe('P3');
    expect(priorityAfterEvidence('P2', [f('possible_ring')], parseEvidencePolicy({ raisesPriorityTo: { possible_ring: 'P4' } }))).toBe('P2');
  });
});

describe('evidencePoints', () => {
  const f = (code: FindingCode): Finding => ({ code, points: 99, explanation: '', transactionIds: [] });

  it('counts each code once at its policy points, capped at maxPoints', () => {
    expect(evidencePoints([], policy)).toBe(0);
    expect(evidencePoints([f('duplicate_charge'), f('duplicate_charge')], policy)).toBe(25);
    expect(evidencePoints([f('duplicate_charge'), f('payout_failed')], policy)).toBe(40);
    expect(evidencePoints([f('chargeback_open'), f('possible_ring')], policy)).toBe(60);
  });
});
