// SES bounce and complaint notifications (configuration set → SNS → here), applied to the case whose email
// they are about. SNS invokes asynchronously and retries on error: a notification that cannot be read is
// logged (which fields, never their values) and dropped, since retrying cannot mend it; a store error
// fails the invocation so it is retried, and the retry records nothing twice (receiveMailFeedback).
import middy from '@middy/core';
import { mailFeedbackOf, SnsEventSchema } from '#events/ses-feedback.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { logger } from '#lib/logger.ts';
import { receiveMailFeedback, type MailFeedbackDeps, type MailFeedbackOutcome } from '#lib/use-cases/receive-mail-feedback.ts';

const env = loadEnv('mail-feedback');
const deps: MailFeedbackDeps = { store: new DynamoCaseStore(env.CASES_TABLE, undefined), clock: systemClock };

async function receive(event: unknown): Promise<{ results: (MailFeedbackOutcome | { outcome: 'malformed' })[] }> {
  const parsed = SnsEventSchema.safeParse(event);
  if (!parsed.success) {
    logger.error('not an SNS event', { issues: parsed.error.issues.map((i) => i.path.join('.')) });
    return { results: [] };
  }
  const results: (MailFeedbackOutcome | { outcome: 'malformed' })[] = [];
  for (const record of parsed.data.Records) {
    const read = mailFeedbackOf(record);
    if ('problems' in read) {
      logger.error('not an SES bounce or complaint notification', { snsMessageId: record.Sns.MessageId, issues: read.problems });
      results.push({ outcome: 'malformed' });
      continue;
    }
    const result = await receiveMailFeedback(deps, read.feedback);
    logger.info('mail feedback', { kind: read.feedback.kind, sesMessageId: read.feedback.messageId, outcome: result.outcome, ...('caseId' in result && { caseId: result.caseId }) });
    results.push(result);
  }
  return { results };
}

export const handler = middy().handler(receive);
