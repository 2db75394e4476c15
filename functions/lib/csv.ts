// A small RFC 4180 CSV reader for the ledger's bulk import (no CSV parser is among the project's dependencies,
// and the import needs only this): comma-separated cells, double quotes around a cell that holds commas, quotes
// ("" inside) or line breaks, CRLF or LF line ends, a leading byte-order mark ignored. Each record carries the
// line it starts on, so a report can point at it; an unterminated quote is reported, not guessed around.
// Pure: no I/O, so the use case and its tests feed it text.

export interface CsvRecord {
  /** The 1-based line the record starts on. */
  line: number;
  cells: string[];
}

export type CsvResult = { ok: true; records: CsvRecord[] } | { ok: false; line: number; message: string };

/** Every record of the text, blank lines skipped; the first one is the header. */
export function readCsv(text: string): CsvResult {
  const records: CsvRecord[] = [];
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let line = 1;
  let i = 0;
  while (i < s.length) {
    const start = line;
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    let wasQuoted = false;
    let ended = false;
    while (i < s.length && !ended) {
      const c = s[i]!;
      if (quoted) {
        if (c === '"') {
          if (s[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          quoted = false;
          i++;
          continue;
        }
        if (c === '\n') line++;
        cell += c;
        i++;
        continue;
      }
      if (c === '"' && cell === '' && !wasQuoted) {
        quoted = true;
        wasQuoted = true;
        i++;
      } else if (c === ',') {
        cells.push(cell);
        cell = '';
        wasQuoted = false;
        i++;
      } else if (c === '\r' && s[i + 1] === '\n') {
        i += 2;
        line++;
        ended = true;
      } else if (c === '\n') {
        i++;
        line++;
        ended = true;
      } else if (wasQuoted) {
        return { ok: false, line, message: 'has text after a closing quote (a quote inside a quoted cell is written "")' };
      } else {
        cell += c;
        i++;
      }
    }
    if (quoted) return { ok: false, line: start, message: 'has a quoted cell that is never closed' };
    cells.push(cell);
    if (cells.length === 1 && cells[0] === '' && !wasQuoted) continue; // a blank line
    records.push({ line: start, cells });
  }
  return { ok: true, records };
}
