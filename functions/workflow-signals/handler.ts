// Stream consumer: committed case changes start and resume the workflows (the stream is the outbox, so
// a crash after the write cannot lose a start, and execution names make a redelivery harmless).
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { StepFunctionsEngine } from '#lib/adapters/sfn.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { logger } from '#lib/logger.ts';
import { policies } from '#lib/policies.ts';
import { caseChange } from '#lib/stream.ts';
import { onCaseChanged, type SignalDeps } from '#lib/use-cases/workflows.ts';

const env = loadEnv('workflow-signals');
const deps: SignalDeps = {
  store: new DynamoCaseStore(env.CASES_TABLE, undefined),
  engine: new StepFunctionsEngine({ lifecycle: env.LIFECYCLE_STATE_MACHINE_ARN, escalation: env.ESCALATION_STATE_MACHINE_ARN, consult: env.CONSULT_STATE_MACHINE_ARN }),
  clock: systemClock,
  sla: policies.sla,
};
const processor = new BatchProcessor(EventType.DynamoDBStreams);

async function handleRecord(record: DynamoDBRecord): Promise<void> {
  const change = caseChange(record);
  if (!change) return;
  const done = await onCaseChanged(deps, change.before, change.after);
  if (done.length > 0) logger.info('workflow signals', { caseId: change.after.caseId, version: change.after.version, done });
}

export const handler = (event: DynamoDBStreamEvent) => processPartialResponse(event, handleRecord, processor);
