// What a complaint names, at its edges: every way money is written (symbol or code, before or after, decimal comma or
// point, thousands marks), what is not money (dates, times, ids, phone and card numbers, bare numbers, lower-case
// words that are ISO codes), and the platform's transaction ids (deduped, in order, bounded, never a card number).
import { describe, expect, it } from 'vitest';
import { findMentions, parseAmount, parseEvidencePolicy } from '#domain/evidence/index.ts';
import evidencePolicyJson from '../../../config/evidence-policy.json' with { type: 'json' };

const policy = parseEvidencePolicy(evidencePolicyJson);
const amounts = (text: string, p = policy) => findMentions('', text, p).amounts.map(({ amount, currency }) => (currency ? `${amount} ${currency}` : `${amount} ?`));
const ids = (subject: string, body = '', p = policy) => findMentions(subject, body, p).transactionIds;

describe('findMentions: amounts', () => {
  it('reads the issue’s examples, each with its currency and as written', () => {
    expect(findMentions('Charged $120', 'then 89.99 USD, 1.250,00 €', policy).amounts).toEqual([
      { amount: 120, currency: 'USD', text: '$120' },
      { amount: 89.99, currency: 'USD', text: '89.99 USD' },
      { amount: 1250, currency: 'EUR', text: '1.250,00 €' },
    ]);
    expect(amounts('$1,250.50 · USD 89.99 · €1.250,00 · £5 · 12,50 EUR · €5 · USD 12')).toEqual(['1250.5 USD', '89.99 USD', '1250 EUR', '5 GBP', '12.5 EUR', '5 EUR', '12 USD']);
  });

  it('decides the decimal mark: the last of two kinds, one mark before 1–2 digits, never one before exactly 3', () => {
    expect(amounts('1.250,75 EUR and 1,250.75 USD')).toEqual(['1250.75 EUR', '1250.75 USD']);
    expect(amounts('$1,250 and €1.250 and $1.5 and 0,5 €')).toEqual(['1250 USD', '1250 EUR', '1.5 USD', '0.5 EUR']);
    expect(amounts('$1,250,000 and 2.500.000 EUR')).toEqual(['1250000 USD', '2500000 EUR']);
    expect(amounts("1'250.00 CHF and 1\u00a0250,00 € and 1\u202f250 €")).toEqual(['1250 CHF', '1250 EUR']); // the last is 1250 EUR again: deduped
  });

  it('refuses numbers that are not sane amounts: bad groups, two decimal marks, 3+ decimals after a lone comma', () => {
    for (const text of ['12,3456 EUR', '$1,25,0', '1.250.50 EUR', '$1,250,50', '1,2.3 USD', "1'2 CHF"]) expect(amounts(text), text).toEqual([]);
    expect(parseAmount('1.250,00')).toBe(1250);
    expect(parseAmount('1,25')).toBe(1.25);
    expect(parseAmount('1.2345')).toBeUndefined();
    expect(parseAmount('12a')).toBeUndefined();
  });

  it('takes codes and symbols on either side, glued or one space away, and the longest symbol', () => {
    expect(amounts('USD12, 5€, US$7, C$ 9, R$10, 3 £')).toEqual(['12 USD', '5 EUR', '7 USD', '9 CAD', '10 BRL', '3 GBP']);
    expect(amounts('12USD')).toEqual(['12 USD']);
    expect(amounts('12 usd, usd 12')).toEqual([]); // codes are upper case: `5 top gifts` is not money
  });

  it('counts one amount once when a symbol and a code both mark it, and dedupes repeats by value and currency', () => {
    expect(amounts('$5 USD, again $5, and 5 EUR')).toEqual(['5 USD', '5 EUR']);
  });

  it('is not fooled by dates, times, ids, phone numbers, card numbers, bare numbers or words', () => {
    const noise = [
      'on 2026-11-01 EUR',
      'at 12:30 EUR',
      'on 01.12.2026 EUR',
      'USD 2026-11-01',
      'tx_120 USD',
      'call +1 555 120 4567 USD',
      'card 4111 1111 1111 1111 USD',
      'USD 4111 1111 1111 1111',
      'I bought 120 coins for 5 bucks',
      '5 top gifts, 3 all day, try 2',
      'ABC 12 and 12 XYZ',
      'USDT 5 and 5 EURO',
      'A$B5',
      '$',
    ];
    for (const text of noise) expect(amounts(text), text).toEqual([]);
  });

  it('never joins the subject’s end to the body’s start', () => {
    expect(findMentions('Refund of $', '120 please', policy).amounts).toEqual([]);
  });

  it('keeps a symbol whose currency the policy does not know, without a currency', () => {
    const ambiguous = parseEvidencePolicy({ ...evidencePolicyJson, currencySymbols: { ...evidencePolicyJson.currencySymbols, $: null } });
    expect(findMentions('', 'paid $120, or 120 USD', ambiguous).amounts).toEqual([
      { amount: 120, text: '$120' },
      { amount: 120, currency: 'USD', text: '120 USD' },
    ]);
  });

  it('finds no money at all when the policy knows no currency', () => {
    expect(amounts('$5 and 12 USD', parseEvidencePolicy({ currencySymbols: {}, currencyCodes: [] }))).toEqual([]);
  });

  it('takes at most maxMentions.amounts', () => {
    const text = Array.from({ length: 30 }, (_, i) => `$${i + 1}`).join(' ');
    expect(amounts(text)).toHaveLength(20);
    expect(amounts(text, parseEvidencePolicy({ maxMentions: { transactionIds: 1, amounts: 2 } }))).toEqual(['1 USD', '2 USD']);
  });
});

describe('findMentions: transaction ids', () => {
  it('finds the platform’s formats in subject then body, deduped, in order of appearance', () => {
    expect(ids('Twice: tx_20261120_000123 and txn_4242', 'see tx-mis3k2x-ab12cd, txn:2026-11-01.abc and tx_20261120_000123 again.')).toEqual([
      'tx_20261120_000123',
      'txn_4242',
      'tx-mis3k2x-ab12cd',
      'txn:2026-11-01.abc',
    ]);
  });

  it('stops at a sentence’s punctuation and needs a word boundary and three characters after the prefix', () => {
    expect(ids('It was tx_abc123. Then (txn_9999), "tx-load-1";')).toEqual(['tx_abc123', 'txn_9999', 'tx-load-1']);
    expect(ids('Charge tx_b77 is wrong; tx_1 and tx-12 are too short')).toEqual(['tx_b77']);
    expect(ids('ptx_123456 tx_12 tx- txn: tx_ab')).toEqual([]);
    expect(ids('write to tx-team@example.com or txn_support@example.com')).toEqual([]); // a person's address, not an id
  });

  it('merges several patterns by position and drops an id that holds a card number', () => {
    const p = parseEvidencePolicy({ transactionIdPatterns: [String.raw`\bpo_\d{4,}\b`, String.raw`\btx_[A-Za-z0-9]{6,}\b`] });
    expect(ids('tx_aaaaaa po_1234 tx_4111111111111111 tx_bbbbbb', '', p)).toEqual(['tx_aaaaaa', 'po_1234', 'tx_bbbbbb']);
  });

  it('takes at most maxMentions.transactionIds', () => {
    const text = Array.from({ length: 30 }, (_, i) => `tx_id${String(i).padStart(4, '0')}`).join(' ');
    expect(ids(text)).toHaveLength(20);
    expect(ids(text)[19]).toBe('tx_id0019');
  });

  it('finds nothing in a message that names nothing', () => {
    expect(findMentions('Hello', 'My gift never arrived, please help.', policy)).toEqual({ transactionIds: [], amounts: [] });
  });
});
