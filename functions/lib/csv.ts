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

/**
 * Every record of the text, blank lines skipped; the first one is the header. A line without a quote is split as
 * it is (the common case, fast); one with quotes is read character by character. Stops after `maxRecords`
 * records (`more` then says there were others), so an oversized file is refused without reading all of it.
 */
export function readCsv(text: string, maxRecords = Number.POSITIVE_INFINITY): CsvResult & { more?: boolean } {
  const records: CsvRecord[] = [];
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let line = 1;
  let i = 0;
  while (i < s.length) {
    if (records.length >= maxRecords) return { ok: true, records, more: true };
    const nl = s.indexOf('\n', i);
    const end = nl < 0 ? s.length : nl;
    const raw = s.slice(i, end > i && s[end - 1] === '\r' ? end - 1 : end);
    if (!raw.includes('"')) {
      if (raw !== '') records.push({ line, cells: raw.split(',') });
      i = end + 1;
      line++;
      continue;
    }
    const quoted = readQuoted(s, i, line);
    if (!quoted.ok) return quoted;
    records.push({ line, cells: quoted.cells });
    i = quoted.next;
    line = quoted.line;
  }
  return { ok: true, records };
}

/** One record holding quotes, from `i` (the start of its line) to just past its line end. */
function readQuoted(s: string, from: number, startLine: number): { ok: true; cells: string[]; next: number; line: number } | { ok: false; line: number; message: string } {
  const cells: string[] = [];
  let line = startLine;
  let i = from;
  let cell = '';
  let quoted = false;
  let wasQuoted = false;
  while (i < s.length) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (c === '\n') line++;
        cell += c;
      }
      i++;
      continue;
    }
    if (c === '"' && cell === '' && !wasQuoted) {
      quoted = true;
      wasQuoted = true;
    } else if (c === ',') {
      cells.push(cell);
      cell = '';
      wasQuoted = false;
    } else if (c === '\n' || (c === '\r' && s[i + 1] === '\n')) {
      i += c === '\r' ? 2 : 1;
      cells.push(cell);
      return { ok: true, cells, next: i, line: line + 1 };
    } else if (wasQuoted) {
      return { ok: false, line, message: 'has text after a closing quote (a quote inside a quoted cell is written "")' };
    } else cell += c;
    i++;
  }
  if (quoted) return { ok: false, line: startLine, message: 'has a quoted cell that is never closed' };
  cells.push(cell);
  return { ok: true, cells, next: i, line };
}
