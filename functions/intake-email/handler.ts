// Inbound mail: invoked by the SES receipt rule after the raw message was stored in S3.
import middy from '@middy/core';
import { SesReceiptEventSchema } from '#events/ses.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { S3BlobStore } from '#lib/adapters/s3.ts';
import { SesMailer } from '#lib/adapters/ses-mailer.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { fourEyes } from '#lib/governance-config.ts';
import { newCaseId, newReference } from '#lib/ids.ts';
import { logger } from '#lib/logger.ts';
import { policies } from '#lib/policies.ts';
import { teamsPolicy } from '#lib/teams-config.ts';
import { receiveEmail, type Received, type ReceiveDeps } from '#lib/use-cases/receive-email.ts';

const env = loadEnv('intake-email');
const deps: ReceiveDeps = {
  store: new DynamoCaseStore(env.CASES_TABLE, env.PROFILES_TABLE),
  blobs: new S3BlobStore(env.MAIL_BUCKET),
  mailPrefix: env.MAIL_PREFIX,
  fourEyes,
  clock: systemClock,
  policies,
  newCaseId,
  newReference,
  teams: teamsPolicy,
  mailer: new SesMailer(env.SENDER_ADDRESS, { configurationSet: env.CONFIGURATION_SET }),
};

async function receive(event: unknown): Promise<{ results: Received[] }> {
  const parsed = SesReceiptEventSchema.safeParse(event);
  if (!parsed.success) {
    // Not an SES receipt: retrying cannot help, so log and drop it rather than fail forever.
    logger.error('not an SES receipt event', { issues: parsed.error.issues.map((i) => i.path.join('.')) });
    return { results: [] };
  }
  const results: Received[] = [];
  for (const record of parsed.data.Records) {
    const result = await receiveEmail(deps, record);
    logger.info('inbound mail', { messageId: record.ses.mail.messageId, outcome: result.outcome, ...('caseId' in result && { caseId: result.caseId }) });
    results.push(result);
  }
  return { results };
}

export const handler = middy().handler(receive);
