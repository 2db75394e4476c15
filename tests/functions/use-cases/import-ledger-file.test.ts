// The ledger's bulk import, all or nothing: CSV and JSONL rows validated with the ledger's rules, nothing written
// when one row is bad, a report by line and field that never repeats a value, idempotent re-imports, duplicate
// rows in one file, and the size and row limits.
import { describe, expect, it } from 'vitest';
import type { ImportFiles, LedgerImportReport } from '../../../functions/lib/ports.ts';
import { IMPORT_LIMITS, importLedgerFile, reportKeyOf } from '../../../functions/lib/use-cases/import-ledger-file.ts';
import { InMemoryLedger } from '../ledger-fakes.ts';

class FakeFiles implements ImportFiles {
  readonly objects = new Map<string, Buffer>();
  readonly reports = new Map<string, LedgerImportReport>();
  reads = 0;
  async read(key: string) {
    this.reads++;
    return this.objects.get(key);
  }
  async writeReport(key: string, report: LedgerImportReport) {
    this.reports.set(key, structuredClone(report));
  }
}

const HEADER = 'transactionId,userId,kind,amount,currency,status,occurredAt,reason,instrument';

function setup() {
  const files = new FakeFiles();
  const ledger = new InMemoryLedger();
  const drop = (key: string, text: string) => {
    files.objects.set(key, Buffer.from(text));
    return importLedgerFile({ files, ledger }, { key, size: Buffer.byteLength(text) });
  };
  return { files, ledger, drop };
}

describe('importLedgerFile', () => {
  it('imports every row of a CSV file (quoted cells, amounts as numbers, empty cells absent) and reports it beside', async () => {
    const { files, ledger, drop } = setup();
    const csv = [HEADER, 'tx-1,u-1,coin_purchase,9.99,usd,succeeded,2026-12-01T10:00:00Z,,fp_1', 'tx-2,u-1,payout,250,USD,failed,2026-12-01T11:00:00+01:00,"account closed, by user",'].join('\r\n');
    const report = await drop('imports/day.csv', csv);
    expect(report).toEqual({ file: 'imports/day.csv', status: 'imported', rows: 2, recorded: 2, duplicates: 0 });
    expect(files.reports.get('reports/day.csv.report.json')).toEqual(report);
    expect(ledger.transactions.get('tx-1')).toEqual({ transactionId: 'tx-1', userId: 'u-1', kind: 'coin_purchase', amount: 9.99, currency: 'USD', status: 'succeeded', occurredAt: '2026-12-01T10:00:00.000Z', instrument: 'fp_1' });
    expect(ledger.transactions.get('tx-2')).toMatchObject({ amount: 250, status: 'failed', reason: 'account closed, by user', occurredAt: '2026-12-01T10:00:00.000Z' });
  });

  it('imports JSONL, one object per line, blank lines skipped', async () => {
    const { ledger, drop } = setup();
    const row = (id: string) => JSON.stringify({ transactionId: id, userId: 'u-2', kind: 'refund', amount: 5, currency: 'EUR', status: 'pending', occurredAt: '2026-12-02T08:00:00Z' });
    const report = await drop('imports/batch/2026-12-02.jsonl', `${row('tx-a')}\n\n${row('tx-b')}\n`);
    expect(report).toEqual({ file: 'imports/batch/2026-12-02.jsonl', status: 'imported', rows: 2, recorded: 2, duplicates: 0 });
    expect([...ledger.transactions.keys()].sort()).toEqual(['tx-a', 'tx-b']);
  });

  it('writes nothing when one row is bad, and names each bad row by line and field, never its value', async () => {
    const { files, ledger, drop } = setup();
    const csv = [
      HEADER,
      'tx-ok,u-1,coin_purchase,1,USD,succeeded,2026-12-01T10:00:00Z,,',
      'tx-bad,u-1,coin_purchase,lots,USD,done,2026-12-01T10:00:00Z,card 4111 1111 1111 1111 declined,',
      '"tx-short",u-1',
    ].join('\n');
    const report = await drop('imports/bad.csv', csv);
    expect(ledger.transactions.size).toBe(0);
    expect(report).toEqual({
      file: 'imports/bad.csv',
      status: 'rejected',
      rows: 3,
      accepted: 0,
      rejectedRows: 2,
      rejected: [
        { line: 3, problems: expect.arrayContaining([expect.objectContaining({ field: 'amount' }), expect.objectContaining({ field: 'status' }), expect.objectContaining({ field: 'reason' })]) },
        { line: 4, problems: [{ field: 'row', message: 'has 2 cells; the header has 9' }] },
      ],
    });
    expect(files.reports.get(reportKeyOf('imports/bad.csv'))).toEqual(report);
    const text = JSON.stringify(report);
    for (const value of ['4111', 'lots', 'done', 'declined']) expect(text).not.toContain(value);
  });

  it('names a JSONL line that is not a JSON object', async () => {
    const { ledger, drop } = setup();
    const good = JSON.stringify({ transactionId: 't', userId: 'u', kind: 'refund', amount: 1, currency: 'EUR', status: 'pending', occurredAt: '2026-12-02T08:00:00Z' });
    const report = await drop('imports/x.jsonl', `${good}\n{nope\n[1]\n`);
    expect(ledger.transactions.size).toBe(0);
    expect(report).toMatchObject({ status: 'rejected', rows: 3, rejected: [{ line: 2, problems: [{ field: 'line', message: 'is not valid JSON' }] }, { line: 3, problems: [{ field: 'line', message: 'must be one JSON object' }] }] });
  });

  it('records nothing new when the same file comes again; rows repeated in one file are duplicates, not errors', async () => {
    const { ledger, drop } = setup();
    const csv = [HEADER, 'tx-1,u-1,payout,10,USD,pending,2026-12-01T10:00:00Z,,', 'tx-1,u-1,payout,10,USD,pending,2026-12-01T10:00:00Z,,', 'tx-1,u-1,payout,10,USD,succeeded,2026-12-01T10:00:00Z,,'].join('\n');
    const first = await drop('imports/again.csv', csv);
    expect(first).toMatchObject({ status: 'imported', rows: 3 });
    expect(ledger.transactions.get('tx-1')?.status).toBe('succeeded');
    const second = await drop('imports/again.csv', csv);
    expect(second).toEqual({ file: 'imports/again.csv', status: 'imported', rows: 3, recorded: 0, duplicates: 3 });
  });

  it('refuses a header without the required columns, a file of another type, and one over the size or row limit', async () => {
    const { files, drop } = setup();
    expect(await drop('imports/h.csv', 'transactionId,userId\nt,u\n')).toMatchObject({ status: 'rejected', accepted: 0, problems: [{ field: 'header', message: expect.stringMatching(/missing: kind, amount, currency, status, occurredAt/) }] });
    expect(await drop('imports/x.xlsx', 'whatever')).toMatchObject({ status: 'rejected', problems: [{ field: 'file', message: 'must be named *.csv or *.jsonl' }] });
    const readsBefore = files.reads;
    const huge = await importLedgerFile({ files, ledger: new InMemoryLedger() }, { key: 'imports/huge.csv', size: IMPORT_LIMITS.bytes + 1 });
    expect(huge).toMatchObject({ status: 'rejected', problems: [{ field: 'file', message: expect.stringMatching(/larger than 50 MB/) }] });
    expect(files.reads).toBe(readsBefore); // refused by the event's size, unread
    const many = `${HEADER}\n${'t,u,payout,1,USD,pending,2026-12-01T10:00:00Z,,\n'.repeat(IMPORT_LIMITS.rows + 1)}`;
    expect(await drop('imports/many.csv', many)).toMatchObject({ status: 'rejected', rows: IMPORT_LIMITS.rows + 1, problems: [{ field: 'file', message: expect.stringMatching(/more than 200000 rows/) }] });
  }, 30_000);

  it('lists at most 1,000 rejected rows and counts them all', async () => {
    const { drop } = setup();
    const report = await drop('imports/all-bad.csv', `${HEADER}\n${'t,u,payout,-1,USD,pending,2026-12-01T10:00:00Z,,\n'.repeat(1_500)}`);
    expect(report).toMatchObject({ status: 'rejected', rows: 1_500, rejectedRows: 1_500 });
    expect(report.status === 'rejected' && report.rejected.length).toBe(IMPORT_LIMITS.listedRejections);
  });

  it('writes nothing and throws when the ledger fails, so a retry finishes the import', async () => {
    const { files, ledger, drop } = setup();
    ledger.failWith = new Error('throttled');
    await expect(drop('imports/retry.csv', `${HEADER}\nt,u,payout,1,USD,pending,2026-12-01T10:00:00Z,,\n`)).rejects.toThrow('throttled');
    expect(files.reports.size).toBe(0);
  });
});
