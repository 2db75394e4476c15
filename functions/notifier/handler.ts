// Stream consumer: the emails that follow committed events (acknowledgement, agent messages, closing
// notices, SLA warnings, reminders of pending approvals), each sent once.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { SesMailer } from '#lib/adapters/ses-mailer.ts';
import { loadEnv } from '#lib/config.ts';
import { logger } from '#lib/logger.ts';
import { emailPolicy } from '#lib/email-policy.ts';
import { escalationPolicy } from '#lib/escalation-policy-config.ts';
import { fourEyes } from '#lib/governance-config.ts';
import { insertedEvent } from '#lib/stream.ts';
import { teamsPolicy } from '#lib/teams-config.ts';
import { notifyFor, type NotifyDeps } from '#lib/use-cases/notify.ts';

const env = loadEnv('notifier');
const deps: NotifyDeps = {
  store: new DynamoCaseStore(env.CASES_TABLE, undefined),
  mailer: new SesMailer(env.SENDER_ADDRESS, { configurationSet: env.CONFIGURATION_SET }),
  replyTo: env.INTAKE_ADDRESS,
  warningsAddress: escalationPolicy.warningsAddress,
  approversAddress: fourEyes.policy.approversAddress,
  consoleUrl: env.CONSOLE_URL,
  emailPolicy,
  teams: teamsPolicy,
};
const processor = new BatchProcessor(EventType.DynamoDBStreams);

async function handleRecord(record: DynamoDBRecord): Promise<void> {
  const event = insertedEvent(record);
  if (!event) return;
  const outcome = await notifyFor(deps, event);
  if (outcome !== 'nothing-to-send') logger.info('notification', { caseId: event.caseId, event: event.type, version: event.version, outcome });
}

export const handler = (event: DynamoDBStreamEvent) => processPartialResponse(event, handleRecord, processor);
