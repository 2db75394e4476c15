// Stream consumer: the outbox of the cases table, one reader for what follows a committed change. A new
// case event sends the emails it calls for (acknowledgement, agent messages, closing notices, SLA warnings,
// reminders of pending approvals), each once, then publishes the domain events it tells other teams on the
// event bus (publish-domain-events.ts), each once, then gathers the evidence a new case or a requester's message
// asks for from the ledger (gather-evidence.ts; the triage policy's FX rates value a top consumer's spend) — here, not in a third reader of the stream; a case item's change starts and resumes its workflows
// (lifecycle, escalation, consult; execution names make a redelivery harmless). One consumer, not two, so
// the cases stream has two readers per shard (this and the aggregator), DynamoDB Streams' limit.
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoAgentDirectory } from '#lib/adapters/dynamodb-agents.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { DynamoLedger } from '#lib/adapters/dynamodb-ledger.ts';
import { SecretsManagerSigningKey } from '#lib/adapters/secrets-manager.ts';
import { EventBridgeDomainEventBus } from '#lib/adapters/eventbridge.ts';
import { SesMailer } from '#lib/adapters/ses-mailer.ts';
import { SchedulerAlarmClock } from '#lib/adapters/eventbridge-scheduler.ts';
import { StepFunctionsEngine } from '#lib/adapters/sfn.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { emailPolicy } from '#lib/email-policy.ts';
import { evidencePolicy } from '#lib/evidence-policy.ts';
import { escalationPolicy } from '#lib/escalation-policy-config.ts';
import { fourEyes } from '#lib/governance-config.ts';
import { logger } from '#lib/logger.ts';
import { policies } from '#lib/policies.ts';
import { slaPolicy } from '#lib/sla-config.ts';
import { caseChange, insertedEvent, processInCaseOrder } from '#lib/stream.ts';
import { assignmentPolicy } from '#lib/assignment-config.ts';
import { teamsPolicy } from '#lib/teams-config.ts';
import { assignWaiting, type AssignDeps } from '#lib/use-cases/assign-on-shift.ts';
import { gatherEvidence, type EvidenceDeps } from '#lib/use-cases/gather-evidence.ts';
import { notifyFor, type NotifyDeps } from '#lib/use-cases/notify.ts';
import { ratingLinkDays } from '#lib/rating-links.ts';
import { publishDomainEvents, type PublishDeps } from '#lib/use-cases/publish-domain-events.ts';
import { onCaseChanged, type SignalDeps } from '#lib/use-cases/workflows.ts';

const env = loadEnv('outbox');
const store = new DynamoCaseStore(env.CASES_TABLE, env.PROFILES_TABLE);
const notify: NotifyDeps = {
  store,
  mailer: new SesMailer(env.SENDER_ADDRESS, { configurationSet: env.CONFIGURATION_SET }),
  replyTo: env.INTAKE_ADDRESS,
  warningsAddress: escalationPolicy.warningsAddress,
  riskTeamAddress: escalationPolicy.tiers.risk.address,
  approversAddress: fourEyes.policy.approversAddress,
  consoleUrl: env.CONSOLE_URL,
  emailPolicy,
  teams: teamsPolicy,
  ratings: { key: new SecretsManagerSigningKey(env.RATING_KEY_SECRET), url: env.RATINGS_URL, lifetimeDays: ratingLinkDays(env.RATING_LINK_DAYS), clock: systemClock },
};
const signals: SignalDeps = {
  store,
  engine: new StepFunctionsEngine({ lifecycle: env.LIFECYCLE_STATE_MACHINE_ARN, escalation: env.ESCALATION_STATE_MACHINE_ARN, consult: env.CONSULT_STATE_MACHINE_ARN }),
  clock: systemClock,
  sla: slaPolicy,
  alarms: new SchedulerAlarmClock({ group: env.TIMER_SCHEDULE_GROUP, roleArn: env.TIMER_SCHEDULER_ROLE_ARN, timerMachineArn: env.TIMER_STATE_MACHINE_ARN }),
};
const publish: PublishDeps = { store, bus: new EventBridgeDomainEventBus(env.DOMAIN_EVENTS_BUS) };
const evidence: EvidenceDeps = { store, ledger: new DynamoLedger(env.LEDGER_TABLE), profiles: store, clock: systemClock, policy: evidencePolicy, sla: slaPolicy, triage: policies.triage };
const assign: AssignDeps = { store, agents: new DynamoAgentDirectory(env.AGENTS_TABLE), clock: systemClock, sla: slaPolicy, policy: assignmentPolicy };

async function handleRecord(record: DynamoDBRecord): Promise<void> {
  const event = insertedEvent(record);
  if (event) {
    const outcome = await notifyFor(notify, event);
    if (outcome !== 'nothing-to-send') logger.info('notification', { caseId: event.caseId, event: event.type, version: event.version, outcome });
    const published = await publishDomainEvents(publish, event);
    if (published !== 'nothing-to-publish') logger.info('domain events', { caseId: event.caseId, event: event.type, version: event.version, outcome: published });
    // Last: a ledger that is down fails the record after its emails went (they are claimed, never sent twice).
    const gathered = await gatherEvidence(evidence, event);
    if (gathered === 'gathered' || gathered === 'replayed') logger.info('evidence', { caseId: event.caseId, event: event.type, version: event.version, outcome: gathered });
    return;
  }
  const change = caseChange(record);
  if (!change) return;
  const done = await onCaseChanged(signals, change.before, change.after);
  if (done.length > 0) logger.info('workflow signals', { caseId: change.after.caseId, version: change.after.version, done });
}

/**
 * Each record in its case's order; then the cases this batch opened go to the agents on shift (after intake,
 * never inside it). A failure there fails the batch, which is redelivered whole: emails are claimed once,
 * workflow starts are idempotent by execution name, and a case assigned already is skipped. A failed record is
 * logged by its sequence number, never its images (they hold personal data); the logger masks the error.
 */
export const handler = async (event: DynamoDBStreamEvent) => {
  const response = await processInCaseOrder(event.Records, handleRecord, (record, error) => logger.warn('outbox record failed', { sequenceNumber: record.dynamodb?.SequenceNumber, error: error as Error }));
  const opened = event.Records.filter((r) => r.eventName === 'INSERT').flatMap((r) => {
    const change = caseChange(r);
    return change && !change.before ? [change.after.caseId] : [];
  });
  if (opened.length > 0) {
    const run = await assignWaiting(assign, opened);
    if (run.assigned > 0) logger.info('assigned on intake', { ...run });
  }
  return response;
};
