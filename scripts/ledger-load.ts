// The core of `npm run ledger:load`: put one CSV or JSONL file under imports/ of the imports bucket (as the payment
// systems would drop it), then wait for the import function's report under reports/ and return it. The script is
// the command line around it (scripts/load-ledger.ts); the integration test runs this against the local cloud.
// A report left by an earlier upload of the same name is removed first, so the one returned is this upload's.
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import path from 'node:path';
import { loadTemplate, resourcesOfType } from '#local/template.ts';
import type { LedgerImportReport } from '#lib/ports.ts';
import { IMPORTS_PREFIX, reportKeyOf } from '#lib/use-cases/import-ledger-file.ts';

export interface LoadOptions {
  s3: S3Client;
  bucket: string;
  /** The file's name (its base name becomes the key under imports/) and its bytes. */
  name: string;
  body: Uint8Array;
  /** How long to wait for the report (default 5 minutes: the function's timeout). */
  timeoutMs?: number;
  pollMs?: number;
}

/** The imports bucket's name in the local cloud: its logical id, lower case (as the local cloud names buckets), from cdk.out. */
export function localImportsBucket(cdkOutDir: string): string {
  const bucket = resourcesOfType(loadTemplate(cdkOutDir, 'Trustdesk'), 'AWS::S3::Bucket')
    .find(([id]) => id.startsWith('LedgerImportBucket'))?.[0]
    ?.toLowerCase();
  if (!bucket) throw new Error('no imports bucket in cdk.out; run npm run synth');
  return bucket;
}

export class ReportTimeout extends Error {
  override name = 'ReportTimeout';
}

/** The key a file is uploaded under: imports/<base name>. */
export function importKeyOf(name: string): string {
  const base = path.basename(name);
  if (!base.endsWith('.csv') && !base.endsWith('.jsonl')) throw new Error(`${base}: the import takes .csv or .jsonl files`);
  return `${IMPORTS_PREFIX}${base}`;
}

export async function loadLedgerFile(o: LoadOptions): Promise<{ key: string; reportKey: string; report: LedgerImportReport }> {
  const key = importKeyOf(o.name);
  const reportKey = reportKeyOf(key);
  await o.s3.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: reportKey }));
  await o.s3.send(new PutObjectCommand({ Bucket: o.bucket, Key: key, Body: o.body, ContentType: key.endsWith('.csv') ? 'text/csv' : 'application/x-ndjson' }));
  const deadline = Date.now() + (o.timeoutMs ?? 5 * 60_000);
  for (;;) {
    try {
      const out = await o.s3.send(new GetObjectCommand({ Bucket: o.bucket, Key: reportKey }));
      const report = JSON.parse(await out.Body!.transformToString()) as LedgerImportReport;
      return { key, reportKey, report };
    } catch (error) {
      if ((error as Error).name !== 'NoSuchKey') throw error;
    }
    if (Date.now() > deadline) throw new ReportTimeout(`no report at ${reportKey} yet; the import may still be running (look there later)`);
    await new Promise((resolve) => setTimeout(resolve, o.pollMs ?? 500));
  }
}
