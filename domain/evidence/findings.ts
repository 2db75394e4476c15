// Findings: what the ledger says about a complaint, each a pure rule with a sentence an agent can act on (like the
// risk factors), naming amounts, dates and transaction ids — never a name, an email or a fingerprint. The rules read
// instants (Date.parse, never string order), so offsets and daylight-saving changes cannot move a window; amounts are
// compared in thousandths of their currency and never across currencies. What a rule cannot judge (a payout without
// an expected date, a gift without a counterparty, an amount whose currency is not known) makes no finding; where it
// judges from part of the picture (a named gift whose counterparty's rows were not looked up) its sentence says so.
import { PRIORITIES, type Priority } from '../case.ts';
import { STATUS_RANK, type LedgerTransaction } from '../ledger/transaction.ts';
import type { Mentions, MoneyMention } from './mentions.ts';
import type { EvidencePolicy, FindingCode } from './policy.ts';

export interface Finding {
  code: FindingCode;
  points: number;
  explanation: string;
  /** The transactions it is about, in time order (empty for possible_ring). */
  transactionIds: string[];
  /** chargeback_open only: the network's respond-by date (ISO-8601, UTC). */
  respondBy?: string;
  /** possible_ring only: the linked accounts that count, and the ring's stable key (see ringKey). */
  linkedUserIds?: string[];
  ringKey?: string;
}

export interface EvidenceInput {
  complaint: {
    openedAt: string;
    /** The form's field. */
    transactionId?: string;
    /** The form's amount and currency, when given: an amount complained like those found in the text. */
    amount?: number;
    currency?: string;
    mentions: Mentions;
  };
  /** The requester's transactions in the window and every named one; counterparties' gift_received rows may be added. */
  transactions: LedgerTransaction[];
  now: string;
  /** When given, only the requester's own rows make duplicate, payout, chargeback and gift findings. */
  requesterUserId?: string;
}

const DAY = 86_400_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;

const ms = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString();
/** `2026-11-20 10:03 UTC`: minutes are what an agent reads. */
const when = (t: number) => `${iso(t).slice(0, 16).replace('T', ' ')} UTC`;
const day = (t: number) => iso(t).slice(0, 10);
/** Thousandths of the major unit: the ledger keeps at most 3 decimals. */
const units = (amount: number) => Math.round(amount * 1000);
const minorDigits = new Map<string, number>();
/** The currency's usual decimals (2 for USD, 0 for JPY; 2 for a code Intl does not know). */
function digitsOf(currency: string): number {
  let digits = minorDigits.get(currency);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    minorDigits.set(currency, digits);
  }
  return digits;
}
/** `1,250.00 USD`, `500 JPY`: the currency's decimals (more only when the ledger has them). */
export const formatMoney = (amount: number, currency: string) => {
  const digits = digitsOf(currency);
  return `${amount.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: Math.max(digits, 3) })} ${currency}`;
};
const ids = (ts: readonly LedgerTransaction[]) => ts.map((t) => t.transactionId).join(', ');

/** The window the requester's transactions are read in: windowDaysBefore × 24 hours before the complaint, to now. */
export function evidenceWindow(openedAt: string, now: string, policy: EvidencePolicy): { from: string; to: string } {
  const opened = ms(openedAt);
  const until = ms(now);
  if (Number.isNaN(opened) || Number.isNaN(until)) throw new RangeError('evidenceWindow needs ISO-8601 instants');
  return { from: iso(opened - policy.windowDaysBefore * DAY), to: iso(Math.max(until, opened)) };
}

/** One row per transaction id: the one furthest along (a replayed or late status never hides a later one). */
function distinct(transactions: readonly LedgerTransaction[]): LedgerTransaction[] {
  const byId = new Map<string, LedgerTransaction>();
  for (const t of transactions) {
    const seen = byId.get(t.transactionId);
    if (!seen || STATUS_RANK[t.status] > STATUS_RANK[seen.status]) byId.set(t.transactionId, t);
  }
  return [...byId.values()].sort((a, b) => ms(a.occurredAt) - ms(b.occurredAt) || (a.transactionId < b.transactionId ? -1 : 1));
}

type Draft = Omit<Finding, 'points'>;

/** Two or more succeeded coin purchases, one user, instrument, currency and amount, each within N minutes of the one before. */
function duplicateCharges(own: LedgerTransaction[], policy: EvidencePolicy): Draft[] {
  const groups = new Map<string, LedgerTransaction[]>();
  for (const t of own) {
    if (t.kind !== 'coin_purchase' || t.status !== 'succeeded' || !t.instrument) continue;
    const key = JSON.stringify([t.userId, t.instrument, t.currency.toUpperCase(), units(t.amount)]);
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  const out: Draft[] = [];
  const within = policy.duplicateChargeWithinMinutes * MINUTE;
  for (const group of groups.values()) {
    let run: LedgerTransaction[] = [];
    const flush = () => {
      if (run.length >= 2) {
        const first = run[0]!;
        const last = run[run.length - 1]!;
        const minutes = Math.round((ms(last.occurredAt) - ms(first.occurredAt)) / MINUTE);
        out.push({
          code: 'duplicate_charge',
          explanation: `${run.length} coin purchases of ${formatMoney(first.amount, first.currency)} on the same payment instrument ${minutes < 1 ? 'within a minute' : `within ${minutes} minute${minutes === 1 ? '' : 's'}`} (${when(ms(first.occurredAt))} to ${when(ms(last.occurredAt))}): ${ids(run)}`,
          transactionIds: run.map((t) => t.transactionId),
        });
      }
    };
    for (const t of group) {
      const previous = run[run.length - 1];
      if (previous && ms(t.occurredAt) - ms(previous.occurredAt) > within) {
        flush();
        run = [];
      }
      run.push(t);
    }
    flush();
  }
  return out;
}

/**
 * A succeeded gift the counterparty has no receipt of: a gift_received of that counterparty (from the sender, when it
 * says) of the same amount and currency within giftReceiptWithinMinutes, or one that names the gift as its related
 * transaction. Judged only when it can be: the gift names its counterparty, the tolerance has passed, and either the
 * gift is the one complained about or the input holds rows of that counterparty (its receipts were looked up). With
 * only the requester's rows, a named gift without a receipt in view is reported as such.
 */
function giftsNotReceived(own: LedgerTransaction[], all: LedgerTransaction[], named: Set<string>, now: number, policy: EvidencePolicy): Draft[] {
  const within = policy.giftReceiptWithinMinutes * MINUTE;
  const out: Draft[] = [];
  for (const gift of own) {
    if (gift.kind !== 'gift_sent' || gift.status !== 'succeeded' || !gift.counterpartyUserId) continue;
    const sent = ms(gift.occurredAt);
    if (now - sent <= within) continue;
    const counterpartyInView = all.some((t) => t.userId === gift.counterpartyUserId);
    if (!named.has(gift.transactionId) && !counterpartyInView) continue;
    const received = all.some(
      (r) =>
        r.kind === 'gift_received' &&
        r.status === 'succeeded' &&
        r.userId === gift.counterpartyUserId &&
        (r.relatedTransactionId === gift.transactionId ||
          ((r.counterpartyUserId === undefined || r.counterpartyUserId === gift.userId) &&
            r.currency.toUpperCase() === gift.currency.toUpperCase() &&
            units(r.amount) === units(gift.amount) &&
            ms(r.occurredAt) >= sent &&
            ms(r.occurredAt) - sent <= within)),
    );
    if (received) continue;
    out.push({
      code: 'gift_not_received',
      explanation: `Gift ${gift.transactionId} of ${formatMoney(gift.amount, gift.currency)} sent ${when(sent)} to ${gift.counterpartyUserId}: no matching receipt within ${policy.giftReceiptWithinMinutes} minutes${counterpartyInView ? '' : " (the counterparty's ledger rows were not in view)"}`,
      transactionIds: [gift.transactionId],
    });
  }
  return out;
}

function payouts(own: LedgerTransaction[], now: number): Draft[] {
  const out: Draft[] = [];
  for (const p of own) {
    if (p.kind !== 'payout') continue;
    if (p.status === 'failed') {
      out.push({
        code: 'payout_failed',
        explanation: `Payout ${p.transactionId} of ${formatMoney(p.amount, p.currency)} on ${when(ms(p.occurredAt))} failed: ${p.reason ?? 'no reason given'}`,
        transactionIds: [p.transactionId],
      });
    } else if (p.status === 'pending' && p.expectedAt && ms(p.expectedAt) < now) {
      const late = Math.floor((now - ms(p.expectedAt)) / DAY);
      out.push({
        code: 'payout_overdue',
        explanation: `Payout ${p.transactionId} of ${formatMoney(p.amount, p.currency)} was expected by ${when(ms(p.expectedAt))} and is still pending${late >= 1 ? ` (${late} day${late === 1 ? '' : 's'} late)` : ''}`,
        transactionIds: [p.transactionId],
      });
    }
  }
  return out;
}

function refundsIssued(all: LedgerTransaction[], named: Set<string>): Draft[] {
  return all
    .filter((r) => r.kind === 'refund' && r.status === 'succeeded' && r.relatedTransactionId !== undefined && named.has(r.relatedTransactionId))
    .map((r) => ({
      code: 'refund_issued' as const,
      explanation: `Refund ${r.transactionId} of ${formatMoney(r.amount, r.currency)} for ${r.relatedTransactionId} already succeeded on ${when(ms(r.occurredAt))}`,
      transactionIds: [r.relatedTransactionId!, r.transactionId],
    }));
}

/** An open (pending) chargeback; its network is its own, or else the reversed transaction's. */
function chargebacksOpen(own: LedgerTransaction[], all: LedgerTransaction[], now: number, policy: EvidencePolicy): Draft[] {
  const out: Draft[] = [];
  for (const c of own) {
    if (c.kind !== 'chargeback' || c.status !== 'pending') continue;
    const network = c.network ?? all.find((t) => t.transactionId === c.relatedTransactionId)?.network;
    const days = network ? policy.chargebackRespondByDays[network] : policy.chargebackRespondByDaysUnknownNetwork;
    const respondBy = ms(c.occurredAt) + days * DAY;
    const what = c.relatedTransactionId ? ` on ${c.relatedTransactionId}` : '';
    const passed = respondBy <= now ? ' (passed)' : '';
    out.push({
      code: 'chargeback_open',
      explanation: `Chargeback ${c.transactionId}${what} of ${formatMoney(c.amount, c.currency)} opened ${day(ms(c.occurredAt))}: respond by ${when(respondBy)}${passed}, ${days} days (${network ?? 'network unknown'})`,
      transactionIds: c.relatedTransactionId ? [c.relatedTransactionId, c.transactionId] : [c.transactionId],
      respondBy: iso(respondBy),
    });
  }
  return out;
}

function sameAmount(stated: number, found: number, policy: EvidencePolicy): boolean {
  const tolerance = Math.max(policy.amountTolerance.absolute, (found * policy.amountTolerance.percent) / 100);
  return Math.abs(stated - found) <= tolerance + 1e-9;
}

/**
 * The amount complained is not the amount found: the complained transactions are the form's (when it is in the
 * ledger), else the ids the text names; the amounts complained are the form's and the text's. Judged only where both
 * are known in one currency; a mismatch is when no complained transaction matches any amount stated in its currency.
 */
function amountMismatch(input: EvidenceInput, all: LedgerTransaction[], policy: EvidencePolicy): Draft[] {
  const { complaint } = input;
  const stated: MoneyMention[] = [...complaint.mentions.amounts];
  if (complaint.amount !== undefined && complaint.currency) stated.unshift({ amount: complaint.amount, currency: complaint.currency.toUpperCase(), text: 'the form' });
  const form = complaint.transactionId ? all.filter((t) => t.transactionId === complaint.transactionId) : [];
  const complained = form.length ? form : all.filter((t) => complaint.mentions.transactionIds.includes(t.transactionId));
  let comparable = false;
  const statedIn = (t: LedgerTransaction) => stated.filter((m) => m.currency === t.currency.toUpperCase());
  for (const t of complained) {
    const same = statedIn(t);
    if (same.length) comparable = true;
    if (same.some((m) => sameAmount(m.amount, t.amount, policy))) return [];
  }
  if (!comparable) return [];
  const shown = complained.filter((t) => statedIn(t).length);
  const says = [...new Set(shown.flatMap(statedIn).map((m) => formatMoney(m.amount, m.currency!)))].join(', ');
  return [
    {
      code: 'amount_mismatch',
      explanation: `The complaint states ${says}; the ledger has ${shown.map((t) => `${t.transactionId} at ${formatMoney(t.amount, t.currency)}`).join(', ')}`,
      transactionIds: shown.map((t) => t.transactionId),
    },
  ];
}

/** Every finding the ledger supports for this complaint, most points first (ties keep the rules' order). */
export function findingsFor(input: EvidenceInput, policy: EvidencePolicy): Finding[] {
  const all = distinct(input.transactions);
  const own = input.requesterUserId === undefined ? all : all.filter((t) => t.userId === input.requesterUserId);
  const now = ms(input.now);
  const named = new Set([...(input.complaint.transactionId ? [input.complaint.transactionId] : []), ...input.complaint.mentions.transactionIds]);
  const drafts = [
    ...chargebacksOpen(own, all, now, policy),
    ...duplicateCharges(own, policy),
    ...payouts(own, now),
    ...giftsNotReceived(own, all, named, now, policy),
    ...refundsIssued(all, named),
    ...amountMismatch(input, all, policy),
  ];
  return sortFindings(drafts.map((d) => ({ ...d, points: policy.points[d.code] })));
}

/** Most points first; equal points keep their order (Array.prototype.sort is stable). */
export const sortFindings = (findings: Finding[]): Finding[] => [...findings].sort((a, b) => b.points - a.points);

/** What the findings add to the risk score: each code once (its points), capped at maxPoints. */
export function evidencePoints(findings: readonly Finding[], policy: EvidencePolicy): number {
  const codes = new Set(findings.map((f) => f.code));
  let sum = 0;
  for (const code of codes) sum += policy.points[code];
  return Math.min(sum, policy.maxPoints);
}

/** The latest the case may be resolved by: the earliest chargeback respond-by date minus the buffer (undefined: none). */
export function respondByDeadline(findings: readonly Finding[], policy: EvidencePolicy): string | undefined {
  const dates = findings.filter((f) => f.code === 'chargeback_open' && f.respondBy).map((f) => ms(f.respondBy!));
  if (!dates.length) return undefined;
  return iso(Math.min(...dates) - policy.chargebackBufferHours * HOUR);
}

/** The resolution deadline after the findings: the current one, or the respond-by deadline when that is earlier. */
export function resolutionDeadlineAfterEvidence(current: string | undefined, findings: readonly Finding[], policy: EvidencePolicy): string | undefined {
  const respondBy = respondByDeadline(findings, policy);
  if (respondBy === undefined) return current;
  return current === undefined || ms(respondBy) < ms(current) ? respondBy : current;
}

/** The priority after the findings: the most urgent of the current one and what each finding raises to; never lower. */
export function priorityAfterEvidence(current: Priority, findings: readonly Finding[], policy: EvidencePolicy): Priority {
  let rank = PRIORITIES.indexOf(current);
  for (const f of findings) {
    const to = policy.raisesPriorityTo[f.code];
    if (to !== undefined) rank = Math.min(rank, PRIORITIES.indexOf(to));
  }
  return PRIORITIES[rank]!;
}
