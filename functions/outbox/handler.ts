// Stream consumer: the outbox of the cases table, one reader for what follows a committed change. A new
// case event sends the emails it calls for (acknowledgement, agent messages, closing notices, SLA warnings,
// reminders of pending approvals), each once; a case item's change starts and resumes its workflows
// (lifecycle, escalation, consult; execution names make a redelivery harmless). One consumer, not two, so
// the cases stream has two readers per shard (this and the aggregator), DynamoDB Streams' limit.
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { SesMailer } from '#lib/adapters/ses-mailer.ts';
import { StepFunctionsEngine } from '#lib/adapters/sfn.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { emailPolicy } from '#lib/email-policy.ts';
import { escalationPolicy } from '#lib/escalation-policy-config.ts';
import { fourEyes } from '#lib/governance-config.ts';
import { logger } from '#lib/logger.ts';
import { policies } from '#lib/policies.ts';
import { caseChange, insertedEvent, processInCaseOrder } from '#lib/stream.ts';
import { teamsPolicy } from '#lib/teams-config.ts';
import { notifyFor, type NotifyDeps } from '#lib/use-cases/notify.ts';
import { onCaseChanged, type SignalDeps } from '#lib/use-cases/workflows.ts';

const env = loadEnv('outbox');
const store = new DynamoCaseStore(env.CASES_TABLE, undefined);
const notify: NotifyDeps = {
  store,
  mailer: new SesMailer(env.SENDER_ADDRESS, { configurationSet: env.CONFIGURATION_SET }),
  replyTo: env.INTAKE_ADDRESS,
  warningsAddress: escalationPolicy.warningsAddress,
  approversAddress: fourEyes.policy.approversAddress,
  consoleUrl: env.CONSOLE_URL,
  emailPolicy,
  teams: teamsPolicy,
};
const signals: SignalDeps = {
  store,
  engine: new StepFunctionsEngine({ lifecycle: env.LIFECYCLE_STATE_MACHINE_ARN, escalation: env.ESCALATION_STATE_MACHINE_ARN, consult: env.CONSULT_STATE_MACHINE_ARN }),
  clock: systemClock,
  sla: policies.sla,
};

async function handleRecord(record: DynamoDBRecord): Promise<void> {
  const event = insertedEvent(record);
  if (event) {
    const outcome = await notifyFor(notify, event);
    if (outcome !== 'nothing-to-send') logger.info('notification', { caseId: event.caseId, event: event.type, version: event.version, outcome });
    return;
  }
  const change = caseChange(record);
  if (!change) return;
  const done = await onCaseChanged(signals, change.before, change.after);
  if (done.length > 0) logger.info('workflow signals', { caseId: change.after.caseId, version: change.after.version, done });
}

// A failed record is logged by its sequence number, never its images (they hold personal data); the
// logger masks personal data in the error's message and stack.
export const handler = (event: DynamoDBStreamEvent) =>
  processInCaseOrder(event.Records, handleRecord, (record, error) => logger.warn('outbox record failed', { sequenceNumber: record.dynamodb?.SequenceNumber, error: error as Error }));
