// Stream consumer: acknowledges each newly opened case by email (the stream is the outbox).
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { SesMailer } from '#lib/adapters/ses.ts';
import { loadEnv } from '#lib/config.ts';
import { logger } from '#lib/logger.ts';
import { acknowledgeCase, type AcknowledgeDeps } from '#lib/use-cases/acknowledge.ts';

const env = loadEnv(['CASES_TABLE', 'SENDER_ADDRESS', 'INTAKE_ADDRESS']);
const deps: AcknowledgeDeps = {
  store: new DynamoCaseStore(env.CASES_TABLE, undefined),
  mailer: new SesMailer(env.SENDER_ADDRESS),
  replyTo: env.INTAKE_ADDRESS,
};
const processor = new BatchProcessor(EventType.DynamoDBStreams);

/** Only the insert of a case's opening event matters here. */
export function openedCaseId(record: DynamoDBRecord): string | undefined {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || image?.itemType?.S !== 'event' || image.type?.S !== 'case.opened') return undefined;
  return image.caseId?.S;
}

async function handleRecord(record: DynamoDBRecord): Promise<void> {
  const caseId = openedCaseId(record);
  if (!caseId) return;
  const outcome = await acknowledgeCase(deps, caseId);
  logger.info('acknowledgement', { caseId, outcome });
}

export const handler = (event: DynamoDBStreamEvent) => processPartialResponse(event, handleRecord, processor);
