// The imports bucket's ObjectCreated notification (prefix imports/): each dropped CSV or JSONL file into the
// ledger, all or nothing, with a report under reports/ (functions/lib/use-cases/import-ledger-file.ts holds the
// guarantee). Logs the key and the counts only; the rows' values never reach a log.
import { parseObjectCreated } from '#events/s3-object-created.ts';
import { DynamoLedger } from '#lib/adapters/dynamodb-ledger.ts';
import { S3ImportFiles } from '#lib/adapters/s3-imports.ts';
import { loadEnv } from '#lib/config.ts';
import { logger } from '#lib/logger.ts';
import { IMPORTS_PREFIX, importLedgerFile, type ImportDeps } from '#lib/use-cases/import-ledger-file.ts';

const env = loadEnv('ledger-import');
const deps: ImportDeps = { files: new S3ImportFiles(env.IMPORTS_BUCKET), ledger: new DynamoLedger(env.LEDGER_TABLE) };

export const handler = async (event: unknown) => {
  const reports = [];
  for (const object of parseObjectCreated(event)) {
    if (object.bucket !== env.IMPORTS_BUCKET || !object.key.startsWith(IMPORTS_PREFIX)) continue;
    const report = await importLedgerFile(deps, object);
    if (report.status === 'imported') logger.info('ledger import', { ...report });
    else logger.warn('ledger import rejected', { file: report.file, rows: report.rows, rejectedRows: report.rejectedRows, fields: [...new Set([...(report.problems ?? []), ...report.rejected.flatMap((r) => r.problems)].map((p) => p.field))] });
    reports.push(report);
  }
  return reports;
};
