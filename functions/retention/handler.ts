// Invoked daily by EventBridge Scheduler: erases the personal data of cases closed longer ago than
// config/privacy-policy.json keeps them (legal holds excepted). A failed run throws, so the scheduler retries;
// every case erased already is skipped next time.
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { S3BlobStore } from '#lib/adapters/s3.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { privacyPolicy } from '#lib/privacy-policy.ts';
import { runRetention, type ErasureDeps, type RetentionRun } from '#lib/use-cases/erase-personal-data.ts';

const env = loadEnv('retention');
const deps: ErasureDeps = { store: new DynamoCaseStore(env.CASES_TABLE, undefined), blobs: new S3BlobStore(env.MAIL_BUCKET), clock: systemClock, inboundPrefix: env.MAIL_PREFIX };

export const handler = (): Promise<RetentionRun> => runRetention(deps, privacyPolicy);
