// The platform's transactions, as trustdesk keeps them for investigations (issue 12). Its own table, not
// items in the cases table: the ledger is written by the payment systems at their rate (ingestion through the
// event bus and the bulk import) and read by evidence gathering; neither should share the cases table's
// partitions, stream or backups. One item per transaction, keyed by its id; each lookup evidence needs is one
// Query on an index: a user's transactions in a time window, and every transaction made with one payment
// instrument or from one device (the linked accounts). Instrument and device indexes are sparse (only items that
// carry the attribute). No stream: nothing reacts to a ledger write.
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { LEDGER_INDEX } from '#lib/adapters/ledger-layout.ts';

export class Ledger extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: { key: Key; retain: boolean }) {
    super(scope, id);
    this.table = new Table(this, 'Transactions', {
      partitionKey: { name: 'transactionId', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const [indexName, partitionKey] of [
      [LEDGER_INDEX.byUser, 'userId'],
      [LEDGER_INDEX.byInstrument, 'instrument'],
      [LEDGER_INDEX.byDevice, 'deviceId'],
    ] as const) {
      this.table.addGlobalSecondaryIndex({ indexName, partitionKey: { name: partitionKey, type: AttributeType.STRING }, sortKey: { name: 'at', type: AttributeType.STRING } });
    }
  }
}
