// npm run ledger:load -- <file.csv|file.jsonl> (--local | --bucket <LedgerImportsBucketName>)
// Bulk-loads transactions into the ledger through the import path (never straight into the table): uploads the
// file under imports/ of the imports bucket, waits for the report and prints it. Exit 0 when imported, 1 when
// rejected (nothing written; the report names each bad row by line and field), 2 on bad usage or a timeout.
import { S3Client } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLedgerFile, localImportsBucket, ReportTimeout } from './ledger-load.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const bucketArg = args.includes('--bucket') ? args[args.indexOf('--bucket') + 1] : undefined;
const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--bucket');
const local = args.includes('--local');
if (!file || (!local && !bucketArg)) {
  console.error('usage: npm run ledger:load -- <file.csv|file.jsonl> (--local | --bucket <LedgerImportsBucketName>)');
  process.exit(2);
}

// Locally the bucket is named as the local cloud names buckets (its logical id, lower case) from cdk.out.
const bucket = bucketArg ?? localImportsBucket(path.join(root, 'cdk.out'));
const s3 = local
  ? new S3Client({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${process.env.TRUSTDESK_S3_PORT ?? 4569}`,
      forcePathStyle: true,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    })
  : new S3Client({});

try {
  const { key, reportKey, report } = await loadLedgerFile({ s3, bucket, name: file, body: readFileSync(file) });
  console.log(`uploaded s3://${bucket}/${key}; report s3://${bucket}/${reportKey}:`);
  console.log(JSON.stringify(report, null, 2));
  process.exit(report.status === 'imported' ? 0 : 1);
} catch (error) {
  console.error((error as Error).message);
  process.exit(error instanceof ReportTimeout ? 2 : 1);
}
