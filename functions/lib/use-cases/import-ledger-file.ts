// One file dropped in the imports bucket (imports/<name>.csv or .jsonl) into the ledger, all or nothing. The
// guarantee, and why:
// - every row is validated (parseLedgerTransaction, the same rules as the ledger bus) before anything is written,
//   and one bad row means nothing of the file is written: a half-imported file would leave the sender guessing
//   which rows to send again. The report (reports/<name>.report.json) names each bad row by line and field, never
//   a value (a card number pasted into a cell is refused without being repeated);
// - idempotent: the ledger records by transactionId + status, so the same file dropped again, or this invocation
//   retried by Lambda after a failed write (S3 invokes asynchronously, with retries), records nothing twice and
//   the retry finishes what the first attempt started. The report is written last, so it exists only once the
//   import is whole; a retry's `recorded` counts only what that attempt added;
// - bounded: a file above IMPORT_LIMITS (bytes, rows) is refused whole, with a report naming the limit, rather
//   than running out of memory or time half-way.
import { parseLedgerTransaction } from '#events/ledger-transaction.ts';
import type { LedgerTransaction } from '#domain/ledger/transaction.ts';
import { readCsv } from '../csv.ts';
import type { ImportFiles, Ledger, LedgerImportReport } from '../ports.ts';

export const IMPORT_LIMITS = { bytes: 50 * 1024 * 1024, rows: 200_000, listedRejections: 1_000 } as const;
export const IMPORTS_PREFIX = 'imports/';
export const REPORTS_PREFIX = 'reports/';

/** The columns a CSV header must name (the required fields of a transaction). */
export const REQUIRED_COLUMNS = ['transactionId', 'userId', 'kind', 'amount', 'currency', 'status', 'occurredAt'] as const;
const NUMERIC_COLUMNS = new Set(['amount']);

export interface ImportDeps {
  files: ImportFiles;
  ledger: Pick<Ledger, 'recordAll'>;
}

type Problem = { field: string; message: string };
type Row = { line: number; value: unknown } | { line: number; problems: Problem[] };

/** Where the report of an imported key goes: imports/a/b.csv → reports/a/b.csv.report.json. */
export function reportKeyOf(key: string): string {
  return `${REPORTS_PREFIX}${key.startsWith(IMPORTS_PREFIX) ? key.slice(IMPORTS_PREFIX.length) : key}.report.json`;
}

export async function importLedgerFile(deps: ImportDeps, object: { key: string; size: number }): Promise<LedgerImportReport> {
  const report = await judge(deps, object);
  await deps.files.writeReport(reportKeyOf(object.key), report);
  return report;
}

async function judge(deps: ImportDeps, object: { key: string; size: number }): Promise<LedgerImportReport> {
  const file = object.key;
  const format = file.endsWith('.csv') ? 'csv' : file.endsWith('.jsonl') ? 'jsonl' : undefined;
  if (!format) return refused(file, 0, [{ field: 'file', message: 'must be named *.csv or *.jsonl' }]);
  if (object.size > IMPORT_LIMITS.bytes) return refused(file, 0, [{ field: 'file', message: tooBig() }]);
  const body = await deps.files.read(file);
  if (!body) return refused(file, 0, [{ field: 'file', message: 'is no longer in the bucket' }]);
  if (body.length > IMPORT_LIMITS.bytes) return refused(file, 0, [{ field: 'file', message: tooBig() }]);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return refused(file, 0, [{ field: 'file', message: 'must be UTF-8 text' }]);
  }
  const parsed = format === 'csv' ? csvRows(text) : jsonlRows(text);
  if ('problems' in parsed) return refused(file, 0, parsed.problems);
  const rows = parsed.rows;
  if (rows.length > IMPORT_LIMITS.rows) return refused(file, rows.length, [{ field: 'file', message: `has more than ${IMPORT_LIMITS.rows} rows, the most one import takes (split it)` }]);
  if (rows.length === 0) return refused(file, 0, [{ field: 'file', message: 'has no rows' }]);

  const transactions: LedgerTransaction[] = [];
  const rejected: { line: number; problems: Problem[] }[] = [];
  for (const row of rows) {
    if ('problems' in row) {
      rejected.push({ line: row.line, problems: row.problems });
      continue;
    }
    const result = parseLedgerTransaction(row.value);
    if (result.ok) transactions.push(result.transaction);
    else rejected.push({ line: row.line, problems: result.problems.map((p) => ({ field: p.field, message: p.message })) });
  }
  if (rejected.length > 0) {
    return { file, status: 'rejected', rows: rows.length, accepted: 0, rejectedRows: rejected.length, rejected: rejected.slice(0, IMPORT_LIMITS.listedRejections) };
  }
  const recorded = await deps.ledger.recordAll(transactions);
  return { file, status: 'imported', rows: rows.length, recorded, duplicates: rows.length - recorded };
}

function tooBig(): string {
  return `is larger than ${IMPORT_LIMITS.bytes / 1024 / 1024} MB, the most one import takes (split it)`;
}

function refused(file: string, rows: number, problems: Problem[]): LedgerImportReport {
  return { file, status: 'rejected', rows, accepted: 0, problems, rejectedRows: 0, rejected: [] };
}

/** One JSON object per line; blank lines are skipped. Stops one row past the limit (the file is refused then). */
function jsonlRows(text: string): { rows: Row[] } {
  const rows: Row[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length && rows.length <= IMPORT_LIMITS.rows; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      rows.push({ line: i + 1, problems: [{ field: 'line', message: 'is not valid JSON' }] });
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) rows.push({ line: i + 1, problems: [{ field: 'line', message: 'must be one JSON object' }] });
    else rows.push({ line: i + 1, value });
  }
  return { rows };
}

/** A header naming the fields, then one transaction per record; empty cells are absent fields, amounts numbers. */
function csvRows(text: string): { rows: Row[] } | { problems: Problem[] } {
  const csv = readCsv(text, IMPORT_LIMITS.rows + 2);
  if (!csv.ok) return { problems: [{ field: 'file', message: `line ${csv.line} ${csv.message}` }] };
  const [header, ...records] = csv.records;
  if (!header) return { problems: [{ field: 'file', message: 'has no header row' }] };
  const columns = header.cells.map((c) => c.trim());
  const missing = REQUIRED_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length > 0) return { problems: [{ field: 'header', message: `must name the columns ${REQUIRED_COLUMNS.join(', ')} (missing: ${missing.join(', ')})` }] };
  const repeated = columns.filter((c, i) => c !== '' && columns.indexOf(c) !== i);
  if (repeated.length > 0) return { problems: [{ field: 'header', message: `names a column twice (${[...new Set(repeated)].join(', ')})` }] };
  const rows = records.map((record): Row => {
    if (record.cells.length !== columns.length) return { line: record.line, problems: [{ field: 'row', message: `has ${record.cells.length} cells; the header has ${columns.length}` }] };
    const value: Record<string, unknown> = {};
    columns.forEach((column, i) => {
      const cell = record.cells[i]!.trim();
      if (column === '' || cell === '') return;
      value[column] = NUMERIC_COLUMNS.has(column) && /^-?\d+(\.\d+)?$/.test(cell) ? Number(cell) : cell;
    });
    return { line: record.line, value };
  });
  return { rows };
}
