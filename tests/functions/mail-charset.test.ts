import iconv from 'iconv-lite';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { correctedCharset, repairCharsets } from '#lib/mail-charset.ts';

const message = (contentHeaders: string, body: Buffer, subject: Buffer = Buffer.from('test')) =>
  Buffer.concat([Buffer.from('From: sam@example.com\r\nTo: support@trustdesk.local\r\nSubject: '), subject, Buffer.from(`\r\nMIME-Version: 1.0\r\n${contentHeaders}\r\n\r\n`), body]);
const PT = 'Olá, não recebi o pagamento – “urgente”, €5 de café\r\n';
const ZH = '您好，我的礼物没有送到主播那里，请帮我查一下。谢谢！\r\n';
const JA = 'こんにちは、ギフトが届いていません。確認をお願いします。\r\n';
const RU = 'Здравствуйте, мой платёж не дошёл до получателя, помогите пожалуйста.\r\n';

async function read(raw: Buffer) {
  const mail = await simpleParser(await repairCharsets(raw));
  return { subject: mail.subject, text: mail.text };
}

describe('repairCharsets', () => {
  it.each([
    ['windows-1252 without a label', 'Content-Type: text/plain\r\nContent-Transfer-Encoding: 8bit', iconv.encode(PT, 'win1252'), PT],
    ['windows-1252 labelled ISO-8859-1', 'Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit', iconv.encode(PT, 'win1252'), PT],
    ['windows-1252 labelled UTF-8', 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit', iconv.encode(PT, 'win1252'), PT],
    ['UTF-8 labelled ISO-8859-1', 'Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit', Buffer.from(PT), PT],
    ['GB2312 without a label', 'Content-Type: text/plain\r\nContent-Transfer-Encoding: 8bit', iconv.encode(ZH, 'gb2312'), ZH],
    ['Shift_JIS without a label', 'Content-Type: text/plain\r\nContent-Transfer-Encoding: 8bit', iconv.encode(JA, 'shift_jis'), JA],
    ['KOI8-R labelled unknown-8bit', 'Content-Type: text/plain; charset=unknown-8bit\r\nContent-Transfer-Encoding: 8bit', iconv.encode(RU, 'koi8-r'), RU],
    ['windows-1252 quoted-printable without a label', 'Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable', Buffer.from('Ol=E1, n=E3o recebi o pagamento =96 =93urgente=94, =805 de caf=E9\r\n'), PT],
    ['GB2312 base64 without a label', 'Content-Type: text/plain\r\nContent-Transfer-Encoding: base64', Buffer.from(`${iconv.encode(ZH, 'gb2312').toString('base64')}\r\n`), ZH],
  ])('decodes %s', async (_, headers, body, expected) => {
    expect((await read(message(headers, body))).text).toBe(expected.replace(/\r\n/g, '\n'));
  });

  it('decodes a raw 8-bit windows-1252 subject', async () => {
    const mail = await read(message('Content-Type: text/plain', Buffer.from('hi\r\n'), iconv.encode('Pagamento não recebido, é urgente', 'win1252')));
    expect(mail.subject).toBe('Pagamento não recebido, é urgente');
  });

  it('leaves correctly labelled mail byte for byte as it came', async () => {
    const labelled = [
      message('Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit', Buffer.from(PT)),
      message('Content-Type: text/plain; charset=windows-1252\r\nContent-Transfer-Encoding: 8bit', iconv.encode(PT, 'win1252')),
      message('Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit', Buffer.from('\x1b$B$3$s$K$A$O\x1b(B\r\n', 'latin1')),
    ];
    for (const raw of labelled) expect(await repairCharsets(raw)).toEqual(raw);
  });

  it('still lets mailparser decode ISO-2022-JP', async () => {
    expect((await read(message('Content-Type: text/plain; charset=ISO-2022-JP', Buffer.from('\x1b$B$3$s$K$A$O\x1b(B\r\n', 'latin1')))).text).toBe('こんにちは\n');
  });

  it('never relabels 7-bit text', () => {
    expect(correctedCharset(Buffer.from('$B$3$s$K$A$O(B'), 'iso-2022-jp')).toBeUndefined();
    expect(correctedCharset(Buffer.from('plain'), undefined)).toBeUndefined();
  });
});
