// The import's RFC 4180 reader: quoted cells (commas, "" quotes, line breaks), CRLF and LF, a byte-order mark,
// blank lines skipped, each record's starting line kept, and malformed quoting reported by line.
import { describe, expect, it } from 'vitest';
import { readCsv } from '../../functions/lib/csv.ts';

describe('readCsv', () => {
  it('splits records and cells, with quoted commas, doubled quotes and line breaks, and keeps each start line', () => {
    const text = '\uFEFFa,b,c\r\n1,"two, and ""2""",3\r\n\r\n"multi\nline",,x\n';
    expect(readCsv(text)).toEqual({
      ok: true,
      records: [
        { line: 1, cells: ['a', 'b', 'c'] },
        { line: 2, cells: ['1', 'two, and "2"', '3'] },
        { line: 4, cells: ['multi\nline', '', 'x'] },
      ],
    });
  });

  it('reads a last record without a line end, and an empty quoted cell as a record', () => {
    expect(readCsv('a\n""')).toEqual({ ok: true, records: [{ line: 1, cells: ['a'] }, { line: 2, cells: [''] }] });
  });

  it('reports a quote never closed, and text after a closing quote, by line', () => {
    expect(readCsv('a,b\n1,"open\n2,3\n')).toEqual({ ok: false, line: 2, message: expect.stringMatching(/never closed/) });
    expect(readCsv('a,b\n"x"y,1\n')).toEqual({ ok: false, line: 2, message: expect.stringMatching(/after a closing quote/) });
  });
});
