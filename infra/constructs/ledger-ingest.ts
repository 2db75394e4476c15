// The ledger's way in from the payment systems (issue 12): an EventBridge bus they PutEvents to, one rule that
// hands each transaction event to the ingestion function, and one parked queue (alarmed) for what cannot be
// applied: events the function refuses (it parks them itself, by field and without their values), events whose
// writes failed every Lambda retry (the function's on-failure destination), and events EventBridge could not
// deliver at all (the target's dead-letter queue). A bus of its own rather than the default bus: its resource
// policy is the one place to let the payment systems' accounts in, and nothing else shares its rules.
import { Duration } from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LEDGER_DETAIL_TYPES, LEDGER_EVENT_SOURCE } from '#domain/ledger/transaction.ts';
import { AppFunction } from './app-function.ts';
import type { Ledger } from './ledger.ts';
import { parkedRecordsQueue } from './parked-records.ts';

export class LedgerIngest extends Construct {
  readonly bus: EventBus;
  readonly ingest: AppFunction;
  readonly parked: Queue;

  constructor(scope: Construct, id: string, props: { ledger: Ledger }) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', { eventBusName: 'trustdesk-ledger', description: 'Transaction events of the platform payment systems (source platform.payments), into the trustdesk ledger' });
    this.parked = parkedRecordsQueue(this, 'ParkedLedgerEvents', 'the ledger ingestion (refused events, failed writes, undeliverable events)');
    this.ingest = new AppFunction(this, 'Function', {
      handlerDir: 'ledger-ingest',
      description: 'Transaction events from the ledger bus into the ledger table',
      onFailure: new SqsDestination(this.parked),
      environment: { REJECTED_EVENTS_QUEUE_URL: this.parked.queueUrl },
    }).useTable(props.ledger.table, 'LEDGER_TABLE');
    this.parked.grantSendMessages(this.ingest);
    new Rule(this, 'TransactionEvents', {
      eventBus: this.bus,
      description: 'Every transaction event of the payment systems, to the ledger ingestion',
      eventPattern: { source: [LEDGER_EVENT_SOURCE], detailType: Object.values(LEDGER_DETAIL_TYPES) },
      targets: [new LambdaFunction(this.ingest, { deadLetterQueue: this.parked, retryAttempts: 20, maxEventAge: Duration.hours(24) })],
    });
  }
}
