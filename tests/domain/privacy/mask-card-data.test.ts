// The masking rules against the corpus (figures: true masks, false masks, misses), the counts they report,
// and the channels' own encodings: HTML mail and encoded-word subjects, through the same parser intake uses.
import { describe, expect, it } from 'vitest';
import { CARD_MASK, containsCardData, maskCardData, maskStringFields, passesLuhn, SSN_MASK } from '#domain/privacy/mask-card-data.ts';
import { parseMail } from '#lib/mail.ts';
import { CORPUS, KNOWN_FALSE_MASKS } from './corpus.ts';

function score() {
  let trueMasks = 0;
  let misses = 0;
  let falseMasks = 0;
  const missed: string[] = [];
  const falselyMasked: string[] = [];
  for (const entry of CORPUS) {
    const out = maskCardData(entry.text).text;
    for (const value of entry.masked) {
      if (out.includes(value)) {
        misses++;
        missed.push(`${entry.name}: ${value}`);
      } else trueMasks++;
    }
    for (const value of entry.kept) {
      if (!out.includes(value)) {
        falseMasks++;
        falselyMasked.push(entry.name);
      }
    }
  }
  return { trueMasks, misses, falseMasks, missed, falselyMasked };
}

describe('the masking corpus', () => {
  it('masks every card number, security code and SSN and keeps every order id, phone, amount, date and id (but the documented one)', () => {
    const figures = score();
    console.log(`masking corpus: ${CORPUS.length} entries, ${figures.trueMasks} true masks, ${figures.falseMasks} false masks, ${figures.misses} misses`);
    expect(figures.missed).toEqual([]);
    expect(figures.falselyMasked).toEqual(KNOWN_FALSE_MASKS);
    expect(figures.trueMasks).toBe(CORPUS.reduce((n, e) => n + e.masked.length, 0));
  });

  it('keeps the last four digits of a card and nothing else of it', () => {
    expect(maskCardData('card 4111 1111 1111 1234 5').text).toBe('card 4111 1111 1111 1234 5'); // 4111111111111234 fails Luhn
    expect(maskCardData('card 5555-5555-5555-4444.').text).toBe(`card ${CARD_MASK}4444.`);
    expect(maskCardData('SSN 078-05-1120').text).toBe(`SSN ${SSN_MASK}`);
  });

  it('counts what it masked by kind', () => {
    const { counts } = maskCardData('4111111111111111, 5555 5555 5555 4444 cvv 123, SSN 078-05-1120');
    expect(counts).toEqual({ cardNumbers: 2, securityCodes: 1, ssns: 1 });
    expect(maskCardData('nothing here 1234567890').counts).toEqual({ cardNumbers: 0, securityCodes: 0, ssns: 0 });
  });

  it('is idempotent: masked text masks to itself and counts nothing', () => {
    for (const entry of CORPUS) {
      const once = maskCardData(entry.text).text;
      const twice = maskCardData(once);
      expect(twice.text).toBe(once);
      if (!KNOWN_FALSE_MASKS.includes(entry.name)) expect(twice.counts).toEqual({ cardNumbers: 0, securityCodes: 0, ssns: 0 });
    }
  });

  it('masks every string field of an action and leaves the rest', () => {
    const { value, counts } = maskStringFields({ type: 'reply', message: 'your card 4111111111111111', expectedVersion: 3 });
    expect(value).toEqual({ type: 'reply', message: `your card ${CARD_MASK}1111`, expectedVersion: 3 });
    expect(counts.cardNumbers).toBe(1);
  });

  it('tells an attachment text with card data from one without', () => {
    expect(containsCardData('name,card\nAda,4111 1111 1111 1111\n')).toBe(true);
    expect(containsCardData('order,amount\n1234567890,12.50\n')).toBe(false);
  });

  it('checks Luhn', () => {
    expect(passesLuhn('79927398713')).toBe(true);
    expect(passesLuhn('79927398710')).toBe(false);
  });
});

const mime = (headers: string, body: string) => Buffer.from(`From: Ada <ada@example.com>\r\nTo: support@trustdesk.local\r\n${headers}\r\n\r\n${body}`);

describe('masking what the mail parser reads', () => {
  it('masks a card number in an HTML-only mail, split by tags and &nbsp;', async () => {
    const mail = await parseMail(
      mime('Subject: charge\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8', '<p>Card: 4111 <b>1111</b> 1111 1111</p><p>Again: 5555&nbsp;5555&nbsp;5555&nbsp;4444</p><p>Order 1234567890</p>'),
    );
    const { text, counts } = maskCardData(mail.text);
    expect(text).not.toMatch(/4111\D*1111\D*1111\D*1111/);
    expect(text).not.toContain('5555');
    expect(text).toContain('1234567890');
    expect(counts.cardNumbers).toBe(2);
  });

  it('masks a card number in an HTML part beside an attachment (htmlToText path)', async () => {
    const boundary = 'b1';
    const body = [
      `--${boundary}`,
      'Content-Type: text/html; charset=utf-8',
      '',
      '<div>my card<br>4111-1111-1111-1111</div>',
      `--${boundary}`,
      'Content-Type: application/octet-stream; name="x.bin"',
      'Content-Disposition: attachment; filename="x.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      'AAEC',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const mail = await parseMail(mime(`Subject: hi\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${boundary}"`, body));
    expect(maskCardData(mail.text).text).toBe(`my card\n${CARD_MASK}1111`);
  });

  it('masks a card number in an encoded-word subject', async () => {
    const encoded = `=?UTF-8?B?${Buffer.from('Abbuchung auf Karte 4111 1111 1111 1111 – bitte prüfen').toString('base64')}?=`;
    const qEncoded = '=?ISO-8859-1?Q?Karte_5555-5555-5555-4444_=E4?=';
    const first = await parseMail(mime(`Subject: ${encoded}`, 'hello'));
    const second = await parseMail(mime(`Subject: ${qEncoded}`, 'hello'));
    expect(maskCardData(first.subject).text).toBe(`Abbuchung auf Karte ${CARD_MASK}1111 – bitte prüfen`);
    expect(maskCardData(second.subject).text).toBe(`Karte ${CARD_MASK}4444 ä`);
  });

  it('masks a card number a quoted-printable soft line break split', async () => {
    const mail = await parseMail(mime('Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable', 'card 4111 1111 11=\r\n11 1111 thanks'));
    expect(maskCardData(mail.text).text).toBe(`card ${CARD_MASK}1111 thanks`);
  });
});
