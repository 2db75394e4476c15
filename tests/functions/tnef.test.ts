import { describe, expect, it } from 'vitest';
import { isTnef, unpackTnef } from '#lib/tnef.ts';
import { writeTnef } from '../fixtures/mail/tnef-writer.ts';

const statement = Buffer.from('%PDF-1.4 bank statement');
const photo = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);

describe('unpackTnef', () => {
  it('returns every file inside a winmail.dat with its name and bytes', () => {
    expect(unpackTnef(writeTnef([{ filename: 'statement.pdf', content: statement }, { filename: 'photo.jpg', content: photo }]))).toEqual([
      { filename: 'statement.pdf', content: statement },
      { filename: 'photo.jpg', content: photo },
    ]);
  });

  it('is empty for bytes that are not TNEF, and for TNEF without files', () => {
    expect(isTnef(Buffer.from('%PDF-1.4'))).toBe(false);
    expect(unpackTnef(Buffer.from('not tnef at all'))).toEqual([]);
    expect(unpackTnef(writeTnef([]))).toEqual([]);
  });

  it('keeps the files before a damaged attribute and stops there', () => {
    const bytes = writeTnef([{ filename: 'a.txt', content: Buffer.from('first') }, { filename: 'b.txt', content: Buffer.from('second') }]);
    const damaged = Buffer.from(bytes);
    damaged.writeUInt8(damaged.readUInt8(damaged.length - 4) ^ 0xff, damaged.length - 4); // a byte of the second file's data: its checksum no longer matches
    expect(unpackTnef(damaged)).toEqual([{ filename: 'a.txt', content: Buffer.from('first') }]);
    expect(unpackTnef(bytes.subarray(0, bytes.length - 3))).toEqual([{ filename: 'a.txt', content: Buffer.from('first') }]);
  });
});
