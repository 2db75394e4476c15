import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { acknowledge } from '../nag.ts';
import { Construct } from 'constructs';

/**
 * Everything stateful: the cases table (cases, their audited events, idempotency and lookup items;
 * streamed), the profiles table ops load from CSV, and the bucket for raw inbound mail and attachments.
 */
export class Storage extends Construct {
  readonly key: Key;
  readonly casesTable: Table;
  readonly profilesTable: Table;
  /** The team's agent records (assignment on the shift): a handful of items, never streamed. */
  readonly agentsTable: Table;
  /** The team's canned replies (macros): tens of items, never streamed. */
  readonly macrosTable: Table;
  readonly mailBucket: Bucket;
  /** Server access logs of the buckets holding personal data (mail, ledger imports), kept a year. */
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: { retain: boolean }) {
    super(scope, id);
    const removalPolicy = props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.key = new Key(this, 'DataKey', {
      description: 'trustdesk data at rest (cases, profiles, inbound mail)',
      enableKeyRotation: true,
      removalPolicy,
    });

    this.casesTable = new Table(this, 'Cases', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      removalPolicy,
    });
    // Newest-first listing of all cases for the agent queue.
    this.casesTable.addGlobalSecondaryIndex({
      indexName: 'byOpened',
      partitionKey: { name: 'gsi1pk', type: AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: AttributeType.STRING },
    });
    // Repeat-complaint index: every case of one requester, newest first.
    this.casesTable.addGlobalSecondaryIndex({
      indexName: 'byRequester',
      partitionKey: { name: 'gsi2pk', type: AttributeType.STRING },
      sortKey: { name: 'gsi2sk', type: AttributeType.STRING },
    });

    this.profilesTable = new Table(this, 'Profiles', {
      partitionKey: { name: 'userId', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });

    // A requester who writes by mail names no account: evidence finds it by the address ops loaded with it.
    this.profilesTable.addGlobalSecondaryIndex({ indexName: 'byEmail', partitionKey: { name: 'email', type: AttributeType.STRING }, projectionType: ProjectionType.KEYS_ONLY });

    this.agentsTable = new Table(this, 'Agents', {
      partitionKey: { name: 'agentId', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });

    this.macrosTable = new Table(this, 'Macros', {
      partitionKey: { name: 'macroId', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });

    // Server access logs of the mail bucket (who read or deleted which raw message), kept a year.
    const accessLogs = (this.accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy,
    }));
    acknowledge(accessLogs, 'AwsSolutions-S1', 'This is the access log bucket itself; logging it into another bucket would only log the log delivery.');

    this.mailBucket = new Bucket(this, 'Mail', {
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'mail/',
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy,
      autoDeleteObjects: false,
    });
  }
}
