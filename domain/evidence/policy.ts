// The evidence policy (config/evidence-policy.json): how far back the requester's ledger is read, what counts as a
// duplicate, a late receipt or a mismatch, each network's chargeback respond-by days, the platform's transaction-id
// patterns, the points and priority each finding brings, and the ring threshold. Every field has a default (a
// missing key takes it, so `{}` is a whole policy) and is validated at cold start: a bad file names each bad field.
// The patterns are compiled once per policy object here, so the rules never compile a regex per case.
import * as z from 'zod/mini';
import { PRIORITIES } from '../case.ts';
import { PAYMENT_NETWORKS } from '../ledger/transaction.ts';
import { parsePolicy } from '../policy-file.ts';
import '../zod-english.ts';

export const FINDING_CODES = [
  'duplicate_charge',
  'gift_not_received',
  'payout_failed',
  'payout_overdue',
  'refund_issued',
  'chargeback_open',
  'amount_mismatch',
  'possible_ring',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

const int = (min: number, max: number, fallback: number) => z._default(z.number().check(z.int(), z.gte(min), z.lte(max)), fallback);
const Points = (fallback: number) => int(0, 100, fallback);
const Days = (fallback: number) => int(1, 180, fallback);
const CurrencyCode = z.string().check(z.regex(/^[A-Z]{3}$/, 'must be an upper-case ISO 4217 code'));

function compiles(source: string): boolean {
  try {
    new RegExp(source, 'gu');
    return true;
  } catch {
    return false;
  }
}

/** A transaction-id pattern: a regex source (compiled with the flags g and u) that never matches empty text. */
const IdPattern = z.string().check(
  z.minLength(1, 'must not be empty'),
  z.refine(compiles, { error: (issue) => `not a valid regular expression: ${JSON.stringify(issue.input)}` }),
  z.refine((s) => !compiles(s) || !new RegExp(`^(?:${s})$`, 'u').test(''), { error: 'must not match empty text' }),
);

/** Symbols as people write them; `null` marks a symbol seen as money but whose currency is not known. */
const DEFAULT_SYMBOLS: Record<string, string | null> = { $: 'USD', US$: 'USD', '€': 'EUR', '£': 'GBP', '¥': 'JPY', C$: 'CAD', CA$: 'CAD', A$: 'AUD', AU$: 'AUD', R$: 'BRL', '₹': 'INR', '₩': 'KRW', '₺': 'TRY' };
/** ISO codes recognised next to a number (upper case only: `5 top gifts` is not 5 Tongan paʻanga). */
const DEFAULT_CODES = ['USD', 'EUR', 'GBP', 'JPY', 'CAD', 'AUD', 'NZD', 'BRL', 'MXN', 'INR', 'KRW', 'CNY', 'HKD', 'TWD', 'SGD', 'IDR', 'THB', 'VND', 'PHP', 'MYR', 'CHF', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'HUF', 'RON', 'TRY', 'ZAR', 'AED', 'SAR', 'ILS', 'EGP', 'NGN', 'COP', 'ARS', 'CLP', 'PEN'];

/**
 * Ids the platform's payment systems issue: `tx_…`, `txn_…`, `tx-…`, `txn:…` (letters, digits and . _ : - inside,
 * ending on a letter or digit so a sentence's full stop is not part of it), at least 3 characters after the prefix (`tx_b77`);
 * never the start of an email address (`tx-team@…` is a person's, not a transaction).
 */
export const DEFAULT_TRANSACTION_ID_PATTERNS = [String.raw`\btxn?[_:-][A-Za-z0-9][A-Za-z0-9_.:-]{2,}(?<=[A-Za-z0-9])(?![A-Za-z0-9_@])`];

const DEFAULT_RESPOND_BY_DAYS = { visa: 30, mastercard: 45, amex: 20, discover: 30, apple: 30, google: 30, paypal: 20 } as const;

export const EvidencePolicySchema = z
  .strictObject({
    _comment: z.optional(z.union([z.string(), z.array(z.string())])),
    /** The requester's transactions are read from this many days before the complaint was opened, to now. */
    windowDaysBefore: int(1, 365, 14),
    /** Two succeeded coin purchases of one amount, currency and instrument at most this far apart are a duplicate. */
    duplicateChargeWithinMinutes: int(1, 1440, 10),
    /** A gift sent is received when the counterparty's gift_received of that amount comes at most this much later. */
    giftReceiptWithinMinutes: int(1, 10_080, 10),
    /** Days from a chargeback to the network's respond-by date. */
    chargebackRespondByDays: z._default(
      z.strictObject(Object.fromEntries(PAYMENT_NETWORKS.map((n) => [n, Days(DEFAULT_RESPOND_BY_DAYS[n])])) as Record<(typeof PAYMENT_NETWORKS)[number], ReturnType<typeof Days>>),
      DEFAULT_RESPOND_BY_DAYS,
    ),
    /** A chargeback whose network is not known (neither on it nor on the transaction it reverses): the shortest. */
    chargebackRespondByDaysUnknownNetwork: Days(20),
    /** The case must be resolved this many hours before a chargeback's respond-by date. */
    chargebackBufferHours: int(0, 720, 48),
    /** Regex sources (flags g, u) of the platform's transaction ids, looked for in subject and body. */
    transactionIdPatterns: z._default(z.array(IdPattern).check(z.minLength(1, 'at least one pattern is required')), DEFAULT_TRANSACTION_ID_PATTERNS),
    /** Money in text: symbols (→ ISO code, or null when unknown) and the ISO codes recognised beside a number. */
    currencySymbols: z._default(
      z.record(z.string().check(z.regex(/^[^\d\s.,]{1,4}$/u, 'a symbol is 1–4 characters, no digits, spaces or separators')), z.nullable(CurrencyCode)),
      DEFAULT_SYMBOLS,
    ),
    currencyCodes: z._default(z.array(CurrencyCode), DEFAULT_CODES),
    /** At most this many ids and amounts are taken from one message (the rest are ignored). */
    maxMentions: z._default(z.strictObject({ transactionIds: int(1, 100, 20), amounts: int(1, 100, 20) }), { transactionIds: 20, amounts: 20 }),
    /** The amount complained and the amount found are the same when they differ by at most the larger of these. */
    amountTolerance: z._default(
      z.strictObject({ absolute: z._default(z.number().check(z.gte(0)), 0.01), percent: z._default(z.number().check(z.gte(0), z.lte(100)), 1) }),
      { absolute: 0.01, percent: 1 },
    ),
    /** Points each finding adds to the risk score (each code counts once, see evidencePoints). */
    points: z._default(
      z.strictObject({
        duplicate_charge: Points(25),
        gift_not_received: Points(15),
        payout_failed: Points(15),
        payout_overdue: Points(10),
        refund_issued: Points(10),
        chargeback_open: Points(30),
        amount_mismatch: Points(10),
        possible_ring: Points(40),
      }),
      { duplicate_charge: 25, gift_not_received: 15, payout_failed: 15, payout_overdue: 10, refund_issued: 10, chargeback_open: 30, amount_mismatch: 10, possible_ring: 40 },
    ),
    /** Cap on the points all findings of one case add. */
    maxPoints: Points(60),
    /** The priority a finding raises the case to (never lowers it); a code not listed raises nothing. */
    raisesPriorityTo: z._default(z.partialRecord(z.enum(FINDING_CODES), z.enum(PRIORITIES)), {
      duplicate_charge: 'P2',
      chargeback_open: 'P2',
      possible_ring: 'P1',
      payout_failed: 'P3',
      payout_overdue: 'P3',
      gift_not_received: 'P3',
    }),
    ring: z._default(
      z.strictObject({
        /**
         * This many accounts make a possible ring: the requester (complaining now) and the linked accounts with a case
         * of any kind (a complaint, or one resolved as confirmed_risk). 3: a third complainant on one card is a ring.
         */
        minAccounts: int(2, 100, 3),
        /** At most this many linked accounts are read and judged. */
        maxLinkedAccounts: int(1, 1000, 20),
      }),
      { minAccounts: 3, maxLinkedAccounts: 20 },
    ),
  })
  .check(
    z.superRefine((p, ctx) => {
      if (p.ring.minAccounts > p.ring.maxLinkedAccounts + 1) {
        ctx.addIssue({ code: 'custom', path: ['ring', 'minAccounts'], message: `must be at most ring.maxLinkedAccounts + 1 (${p.ring.maxLinkedAccounts + 1})`, input: p.ring.minAccounts });
      }
      const periods = [...Object.values(p.chargebackRespondByDays), p.chargebackRespondByDaysUnknownNetwork];
      // Judged only once every period is itself valid (a bad one is reported on its own field).
      if (periods.every((d) => Number.isInteger(d) && d >= 1) && p.chargebackBufferHours >= Math.min(...periods) * 24) {
        ctx.addIssue({ code: 'custom', path: ['chargebackBufferHours'], message: 'must be shorter than the shortest respond-by period', input: p.chargebackBufferHours });
      }
      const codes = new Set(p.currencyCodes);
      for (const [symbol, code] of Object.entries(p.currencySymbols)) {
        if (/^[A-Z]{3}$/.test(symbol) && codes.has(symbol)) ctx.addIssue({ code: 'custom', path: ['currencySymbols', symbol], message: 'is already an ISO code in currencyCodes', input: code });
      }
    }),
  );

export type EvidencePolicy = z.infer<typeof EvidencePolicySchema>;

export const parseEvidencePolicy = (json: unknown): EvidencePolicy => parsePolicy(EvidencePolicySchema, json, 'evidence');

/** The compiled patterns of one policy object (compiled once, on first use). */
export interface CompiledEvidencePolicy {
  transactionIds: RegExp[];
  amounts: RegExp;
}

const compiled = new WeakMap<EvidencePolicy, CompiledEvidencePolicy>();

/** Escapes the syntax characters (the only escapes a `u` regex allows outside a class). */
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * Money as people write it, in one regex: a currency (symbol or ISO code) before or after a number made of digits
 * and separators (. , ' and the no-break spaces). The number's meaning is decided by parseAmount; the boundaries
 * here keep dates, times, ids and phone numbers out: the number may not touch a letter, digit, `_`, a separator,
 * `-`, `/`, `:` (or `+` before it) followed by a digit, nor a digit one space away; the code may not touch a letter.
 */
function amountRegex(policy: EvidencePolicy): RegExp {
  const symbols = Object.keys(policy.currencySymbols).sort((a, b) => b.length - a.length).map(escapeRegex);
  const codes = [...policy.currencyCodes].sort();
  // After the number, a currency directly follows it; before, it may not be the end of a word (`A$B5`, `USDT`).
  const suffix = [...(symbols.length ? [`(?:${symbols.join('|')})`] : []), ...(codes.length ? [`(?:${codes.join('|')})(?![\\p{L}])`] : [])].join('|') || '(?!)';
  const prefix = `(?<![\\p{L}\\p{N}_])(?:${suffix})`;
  const number = String.raw`\d(?:[\d.,'\u00A0\u202F]*\d)?`;
  // A digit one space away is a longer number (a card or phone number in groups, `4111 1111 …`), not money.
  const before = String.raw`(?<![\p{L}\p{N}_.,'\-/:+])(?<!\d[ \u00A0\u202F])`;
  const after = String.raw`(?![\p{L}\p{N}_]|[.,'\-/:]\d|[ \u00A0\u202F]\d)`;
  const gap = String.raw`[ \u00A0\u202F]?`;
  return new RegExp(`(?<pc>${prefix})${gap}(?<pn>${number})${after}|${before}(?<sn>${number})${gap}(?<sc>${suffix})(?![\\p{L}\\p{N}_])`, 'gu');
}

export function compiledPolicy(policy: EvidencePolicy): CompiledEvidencePolicy {
  let c = compiled.get(policy);
  if (!c) {
    c = { transactionIds: policy.transactionIdPatterns.map((s) => new RegExp(s, 'gu')), amounts: amountRegex(policy) };
    compiled.set(policy, c);
  }
  return c;
}
