// Stream consumer: committed case changes start and resume the workflows (the stream is the outbox, so
// a crash after the write cannot lose a start, and execution names make a redelivery harmless); and cases
// just opened are assigned to the agents on shift.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoAgentDirectory } from '#lib/adapters/dynamodb-agents.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { assignmentPolicy } from '#lib/assignment-config.ts';
import { StepFunctionsEngine } from '#lib/adapters/sfn.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { logger } from '#lib/logger.ts';
import { policies } from '#lib/policies.ts';
import { caseChange } from '#lib/stream.ts';
import { assignWaiting, type AssignDeps } from '#lib/use-cases/assign-on-shift.ts';
import { onCaseChanged, type SignalDeps } from '#lib/use-cases/workflows.ts';

const env = loadEnv('workflow-signals');
const deps: SignalDeps = {
  store: new DynamoCaseStore(env.CASES_TABLE, undefined),
  engine: new StepFunctionsEngine({ lifecycle: env.LIFECYCLE_STATE_MACHINE_ARN, escalation: env.ESCALATION_STATE_MACHINE_ARN, consult: env.CONSULT_STATE_MACHINE_ARN }),
  clock: systemClock,
  sla: policies.sla,
};
const assignDeps: AssignDeps = { store: deps.store, agents: new DynamoAgentDirectory(env.AGENTS_TABLE), clock: systemClock, sla: policies.sla, policy: assignmentPolicy };
const processor = new BatchProcessor(EventType.DynamoDBStreams);

async function handleRecord(record: DynamoDBRecord): Promise<void> {
  const change = caseChange(record);
  if (!change) return;
  const done = await onCaseChanged(deps, change.before, change.after);
  if (done.length > 0) logger.info('workflow signals', { caseId: change.after.caseId, version: change.after.version, done });
}

/**
 * Then the cases this batch opened go to the agents on shift (after intake, never inside it). A failure
 * here fails the batch, which is redelivered whole: workflow starts are idempotent by execution name, and
 * a case assigned already is skipped.
 */
export const handler = async (event: DynamoDBStreamEvent) => {
  const response = await processPartialResponse(event, handleRecord, processor);
  const opened = event.Records.filter((r) => r.eventName === 'INSERT').flatMap((r) => {
    const change = caseChange(r);
    return change && !change.before ? [change.after.caseId] : [];
  });
  if (opened.length > 0) {
    const run = await assignWaiting(assignDeps, opened);
    if (run.assigned > 0) logger.info('assigned on intake', { ...run });
  }
  return response;
};
