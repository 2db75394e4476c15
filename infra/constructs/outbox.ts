import { Duration } from 'aws-cdk-lib';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StackConfig } from '../config.ts';
import { AppFunction } from './app-function.ts';
import type { DomainEvents } from './domain-events.ts';
import type { Ledger } from './ledger.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { MailFeedback } from './mail-feedback.ts';
import { parkedRecordsQueue } from './parked-records.ts';
import type { Storage } from './storage.ts';
import { streamFilters } from './stream-filters.ts';

/**
 * The outbox: one consumer of the cases table's stream for everything that follows a committed change —
 * the emails a new case event calls for, and the workflow starts and resumes a case item's change calls
 * for. One reader instead of two keeps the stream at two readers per shard (this and the aggregator),
 * the most DynamoDB Streams serves without throttling.
 */
export class Outbox extends Construct {
  readonly consumer: AppFunction;
  /** Stream records the outbox could not handle after every retry (emails and workflow signals alike). */
  readonly parked: Queue;

  constructor(scope: Construct, id: string, props: { storage: Storage; ledger: Ledger; mailFeedback: MailFeedback; lifecycle: Lifecycle; domainEvents: DomainEvents; config: StackConfig }) {
    super(scope, id);
    const { storage, lifecycle, config } = props;
    this.consumer = new AppFunction(this, 'Consumer', {
      handlerDir: 'outbox',
      description: 'The outbox: emails after case events (acknowledgement, messages, closing notices, SLA warnings), domain events for other teams, evidence from the ledger, and workflow starts and resumes',
      environment: { SENDER_ADDRESS: config.senderAddress, INTAKE_ADDRESS: config.intakeAddress, CONSOLE_URL: config.consoleUrl, ...lifecycle.machineEnv },
    })
      .useTable(storage.casesTable, 'CASES_TABLE')
      // Cases just opened are assigned to the agents on shift (infra/constructs/assignment.ts).
      .useTable(storage.agentsTable, 'AGENTS_TABLE')
      // The domain events each case event tells other teams (infra/constructs/domain-events.ts).
      .useEventBus(props.domainEvents.bus, 'DOMAIN_EVENTS_BUS')
      // The evidence after a case opens or its requester writes: the ledger, and the profiles for a mail requester's account.
      .useTable(props.ledger.table, 'LEDGER_TABLE', 'read')
      .useTable(storage.profilesTable, 'PROFILES_TABLE', 'read');
    this.consumer.allowSendEmail(props.mailFeedback.configurationSet);
    this.consumer.addToRolePolicy(lifecycle.taskApi);
    // A change to a case whose timer an alarm holds moves the alarm (infra/constructs/lifecycle.ts).
    lifecycle.allowAlarms(this.consumer);
    this.parked = parkedRecordsQueue(this, 'ParkedOutbox', 'the outbox stream');
    this.consumer.addEventSource(
      new DynamoEventSource(storage.casesTable, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 25,
        bisectBatchOnError: true,
        retryAttempts: 10,
        reportBatchItemFailures: true,
        maxRecordAge: Duration.days(1),
        // Only case events (emails) and case items (signals): notices, waits and idempotency records never invoke it.
        filters: [streamFilters.caseEventInserted, streamFilters.caseItemChanged],
        // A record that keeps failing is parked with its shard and sequence range, never dropped.
        onFailure: new SqsDlq(this.parked),
      }),
    );
  }
}
