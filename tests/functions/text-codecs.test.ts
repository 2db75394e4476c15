// The TextDecoder-backed stand-in for iconv-lite and encoding-japanese that the email intake bundles:
// every charset decodes as iconv-lite decodes it, across chunk splits, and the non-charset codecs keep
// their own identity so libmime can refuse them.
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import codecs from '#lib/text-codecs.ts';

const TEXT = 'Café — 返金してください ¥1,200 😀';

describe('text-codecs', () => {
  it.each(['shift_jis', 'euc-jp', 'gb18030', 'big5', 'euc-kr', 'windows-1252', 'iso-8859-2', 'koi8-r', 'utf-16le', 'utf-32le', 'utf-32be'])('decodes %s as iconv-lite does', (charset) => {
    const sample = /^(utf|gb18030)/.test(charset) ? TEXT : /^(shift_jis|euc-jp)$/.test(charset) ? '返金してください ¥1,200' : charset === 'big5' || charset === 'euc-kr' ? '退款 1,200' : 'Cafe 1,200 ÄÖ';
    const bytes = iconv.encode(sample, charset);
    expect(codecs.decode(bytes, charset)).toBe(iconv.decode(bytes, charset));
  });

  it('decodes a stream split inside characters, and UTF-32 by its BOM', () => {
    const bytes = iconv.encode(TEXT, 'gb18030');
    const decoder = codecs.getDecoder('GB18030');
    let out = '';
    for (let i = 0; i < bytes.length; i += 3) out += decoder.write(bytes.subarray(i, i + 3));
    expect(out + (decoder.end() ?? '')).toBe(TEXT);
    expect(codecs.decode(Buffer.concat([Buffer.from([0, 0, 0xfe, 0xff]), iconv.encode(TEXT, 'utf-32be')]), 'utf-32')).toBe(TEXT);
  });

  it('decodes ISO-2022-JP the way libmime asks encoding-japanese to', () => {
    const jis = Buffer.from('\x1b$B%F%9%H\x1b(B ok', 'binary');
    expect(codecs.convert(jis, { from: 'ISO-2022-JP' })).toBe('テスト ok');
  });

  it('gives UTF-7, base64 and hex codecs of their own, one per alias set, and throws on a name nobody knows', () => {
    expect(codecs.getCodec('UTF-7')).toBe(codecs.getCodec('unicode-1-1-utf-7'));
    expect(codecs.getCodec('utf7')).not.toBe(codecs.getCodec('utf-8'));
    expect(codecs.getCodec('latin2')).toBe(codecs.getCodec('ISO-8859-2'));
    expect(codecs.encodingExists('x-no-such-charset')).toBe(false);
    expect(() => codecs.getCodec('x-no-such-charset')).toThrow('Encoding not recognized');
  });
});
