// The ledger's bulk import as the payment systems (or `npm run ledger:load`) would use it: a file put with the SDK
// under imports/ of the imports bucket; the bucket's notification (from the template) runs the import function.
// Every row lands in the ledger table, or — with one bad row — none does and the report names the line and
// field; the same file again records nothing new.
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { loadLedgerFile } from '../../scripts/ledger-load.ts';
import { cloud, dynamo, s3, settle, unique } from './support.ts';

const HEADER = 'transactionId,userId,kind,amount,currency,status,occurredAt,instrument';

async function stored(transactionId: string): Promise<Record<string, unknown> | undefined> {
  const out = await dynamo.send(new GetItemCommand({ TableName: cloud.ledgerTable, Key: { transactionId: { S: transactionId } }, ConsistentRead: true }));
  return out.Item && unmarshall(out.Item);
}

async function report(key: string): Promise<Record<string, unknown>> {
  const out = await s3.send(new GetObjectCommand({ Bucket: cloud.importsBucket, Key: key }));
  return JSON.parse(await out.Body!.transformToString()) as Record<string, unknown>;
}

describe('the ledger import', () => {
  it('imports a CSV dropped under imports/ into the ledger table, reports it, and records nothing new the second time', async () => {
    const name = unique('day');
    const [a, b] = [unique('tx-imp'), unique('tx-imp')];
    const csv = [HEADER, `${a},u-imp-1,coin_purchase,19.99,USD,succeeded,2026-12-01T10:00:00Z,fp_imp`, `${b},u-imp-1,payout,100,EUR,pending,2026-12-01T11:00:00Z,`].join('\n');
    await s3.send(new PutObjectCommand({ Bucket: cloud.importsBucket, Key: `imports/${name}.csv`, Body: csv, ContentType: 'text/csv' }));
    await settle();
    expect(await stored(a)).toMatchObject({ transactionId: a, userId: 'u-imp-1', amount: 19.99, status: 'succeeded', instrument: 'fp_imp' });
    expect(await stored(b)).toMatchObject({ transactionId: b, amount: 100, currency: 'EUR', status: 'pending' });
    expect(await report(`reports/${name}.csv.report.json`)).toEqual({ file: `imports/${name}.csv`, status: 'imported', rows: 2, recorded: 2, duplicates: 0 });

    await s3.send(new PutObjectCommand({ Bucket: cloud.importsBucket, Key: `imports/${name}.csv`, Body: csv, ContentType: 'text/csv' }));
    await settle();
    expect(await report(`reports/${name}.csv.report.json`)).toEqual({ file: `imports/${name}.csv`, status: 'imported', rows: 2, recorded: 0, duplicates: 2 });
  });

  it('writes nothing of a file with one bad row; the report names its line and field, not its value', async () => {
    const name = unique('bad');
    const [good, bad] = [unique('tx-imp'), unique('tx-imp')];
    const csv = [HEADER, `${good},u-imp-2,refund,5,USD,succeeded,2026-12-01T10:00:00Z,`, `${bad},u-imp-2,refund,5,USD,succeeded,2026-12-01T10:00:00Z,4111111111111111`].join('\n');
    await s3.send(new PutObjectCommand({ Bucket: cloud.importsBucket, Key: `imports/${name}.csv`, Body: csv }));
    await settle();
    expect(await stored(good)).toBeUndefined();
    expect(await stored(bad)).toBeUndefined();
    const rejected = await report(`reports/${name}.csv.report.json`);
    expect(rejected).toEqual({ file: `imports/${name}.csv`, status: 'rejected', rows: 2, accepted: 0, rejectedRows: 1, rejected: [{ line: 3, problems: [{ field: 'instrument', message: expect.stringMatching(/card number/) }] }] });
    expect(JSON.stringify(rejected)).not.toContain('4111');
  });

  it('npm run ledger:load: uploads a JSONL file, waits for its report and returns it', async () => {
    const id = unique('tx-load');
    const row = JSON.stringify({ transactionId: id, userId: 'u-imp-3', kind: 'gift_sent', amount: 3, currency: 'USD', status: 'succeeded', occurredAt: '2026-12-02T09:00:00Z' });
    const name = `${unique('load')}.jsonl`;
    const out = await loadLedgerFile({ s3, bucket: cloud.importsBucket, name: `/tmp/somewhere/${name}`, body: Buffer.from(`${row}\n`), timeoutMs: 30_000, pollMs: 100 });
    expect(out).toEqual({ key: `imports/${name}`, reportKey: `reports/${name}.report.json`, report: { file: `imports/${name}`, status: 'imported', rows: 1, recorded: 1, duplicates: 0 } });
    expect(await stored(id)).toMatchObject({ transactionId: id, kind: 'gift_sent' });
  });
});
