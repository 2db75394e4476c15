// The email intake's stand-in for he (functions/lib/html-encode.ts) writes what he writes, checked against
// he itself (still installed as mailparser's dependency; the bundle aliases it away).
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import heEncode, { encode } from '#lib/html-encode.ts';

const he = createRequire(import.meta.url)('he') as { encode(text: string, options?: { useNamedReferences?: boolean }): string };

const samples = [
  'plain ascii ~!@#$%^*()[]{}|\\/?',
  `a&b<c>"d'e\`f`,
  'café ü ß 日本語 😀 👍🏽',
  'tab\there\nnew\r\nline',
  '\x00\x01\x0b\x0c\x1f\x7f',
  'C1 \x80\x85\x9f end',
  'nbsp\xa0soft\xadzero\u200bbom\ufeff',
  'lone \ud800 surrogate \udfff',
];

describe('html-encode (he stand-in)', () => {
  it.each(samples)('encodes %j as he does', (text) => {
    expect(encode(text)).toBe(he.encode(text));
  });

  it('encodes every code point of the Basic Multilingual Plane, one at a time and all together, as he does', () => {
    const all = Array.from({ length: 0x10000 }, (_, i) => String.fromCharCode(i));
    expect(all.filter((c) => encode(c) !== he.encode(c)).map((c) => c.charCodeAt(0).toString(16))).toEqual([]);
    expect(encode(all.join(''))).toBe(he.encode(all.join('')));
  });

  it('gives numeric references where he would use named ones (same characters to a reader)', () => {
    expect(heEncode.encode('<café>', { useNamedReferences: true })).toBe('&#x3C;caf&#xE9;&#x3E;');
    expect(he.encode('<café>', { useNamedReferences: true })).toBe('&lt;caf&eacute;&gt;');
  });
});
