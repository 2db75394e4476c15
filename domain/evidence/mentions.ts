// What a complaint names: the platform's transaction ids (the policy's patterns) and the money it speaks of, found in
// the subject and body of any channel. Pure and bounded (the policy caps both lists) because it runs on every new
// case and every requester message. Money counts only beside a currency (a symbol or an ISO code): a bare number is
// as often a date, a time, an order or a phone number. An id that holds a card number is dropped: it is not a
// platform id (the ledger refuses them) and must not travel on to the timeline.
import { holdsCardNumber } from '../ledger/card-number.ts';
import { compiledPolicy, type EvidencePolicy } from './policy.ts';

export interface MoneyMention {
  /** In the currency's major unit. */
  amount: number;
  /** ISO 4217; absent when the symbol's currency is not known (a policy symbol mapped to null). */
  currency?: string;
  /** As written (`$1,250.50`). */
  text: string;
}

export interface Mentions {
  transactionIds: string[];
  amounts: MoneyMention[];
}

const THOUSANDS = /[.,'\u00A0\u202F]/;

/**
 * The value of a number as people write it, or undefined when it is not a sane amount. Rules:
 * - both `.` and `,` present: the last one is the decimal mark (1.250,00 = 1250; 1,250.50 = 1250.5) and is
 *   followed by 1–2 digits;
 * - one kind of mark, once, followed by exactly 3 digits: a thousands mark (`$1,250` = 1250, `€1.250` = 1250);
 *   followed by 1–2 digits: the decimal mark (12,50 = 12.5, 89.99);
 * - one kind, several times: thousands marks (1,250,000);
 * - apostrophes and no-break spaces are thousands marks only (1'250.00, 1 250,00); thousands groups are 3 digits
 *   after a first group of 1–3, and one kind of thousands mark per number.
 */
export function parseAmount(text: string): number | undefined {
  if (!/^\d(?:[\d.,'\u00A0\u202F]*\d)?$/.test(text)) return undefined;
  const lastDot = text.lastIndexOf('.');
  const lastComma = text.lastIndexOf(',');
  const decimalMarks = (text.match(/[.,]/g) ?? []).length;
  let decimalAt = -1;
  if (lastDot >= 0 && lastComma >= 0) decimalAt = Math.max(lastDot, lastComma);
  else if (decimalMarks === 1 && text.length - Math.max(lastDot, lastComma) - 1 !== 3) decimalAt = Math.max(lastDot, lastComma);
  let integer = text;
  let fraction = '';
  if (decimalAt >= 0) {
    integer = text.slice(0, decimalAt);
    fraction = text.slice(decimalAt + 1);
    if (!/^\d{1,2}$/.test(fraction)) return undefined;
    if (integer.includes(text[decimalAt]!)) return undefined; // the decimal mark is used once
  }
  const marks = new Set(integer.replace(/\d/g, ''));
  if (marks.size > 1) return undefined;
  if (marks.size === 1) {
    const [mark] = marks as unknown as string[];
    if (!THOUSANDS.test(mark!)) return undefined;
    const groups = integer.split(mark!);
    if (!/^\d{1,3}$/.test(groups[0]!) || groups.slice(1).some((g) => !/^\d{3}$/.test(g))) return undefined;
    integer = groups.join('');
  }
  const value = Number(`${integer}.${fraction || '0'}`);
  return Number.isFinite(value) ? value : undefined;
}

function currencyOf(token: string, policy: EvidencePolicy): string | undefined {
  if (Object.hasOwn(policy.currencySymbols, token)) return policy.currencySymbols[token] ?? undefined;
  return token;
}

/** The transaction ids (deduped, in the order they appear) and amounts (deduped by value and currency) a complaint names. */
export function findMentions(subject: string, body: string, policy: EvidencePolicy): Mentions {
  const text = `${subject}\n${body}`;
  const compiled = compiledPolicy(policy);
  const hits: { at: number; id: string }[] = [];
  for (const pattern of compiled.transactionIds) {
    for (const m of text.matchAll(pattern)) if (m[0] !== '') hits.push({ at: m.index, id: m[0] });
  }
  hits.sort((a, b) => a.at - b.at);
  const transactionIds: string[] = [];
  for (const { id } of hits) {
    if (transactionIds.length >= policy.maxMentions.transactionIds) break;
    if (!transactionIds.includes(id) && !holdsCardNumber(id)) transactionIds.push(id);
  }

  const amounts: MoneyMention[] = [];
  const seen = new Set<string>();
  for (const m of text.matchAll(compiled.amounts)) {
    if (amounts.length >= policy.maxMentions.amounts) break;
    const g = m.groups!;
    const number = g['pn'] ?? g['sn']!;
    if (holdsCardNumber(number)) continue;
    const amount = parseAmount(number);
    if (amount === undefined) continue;
    const currency = currencyOf((g['pc'] ?? g['sc'])!, policy);
    const key = `${amount}|${currency ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    amounts.push({ amount, ...(currency !== undefined && { currency }), text: m[0] });
  }
  return { transactionIds, amounts };
}
