// The ledger's bulk import (issue 12): a bucket the payment systems (or an operator, `npm run ledger:load`) drop
// CSV or JSONL files into under imports/, an ObjectCreated notification on that prefix to the import function,
// and the reports it writes under reports/. The bucket is private, encrypted and TLS-only; both prefixes expire
// after 30 days (the ledger table is the record; the files are only the way in). The function reads imports/,
// writes reports/ and records into the ledger table, nothing else. S3 invokes it asynchronously (retried twice):
// the import is idempotent, so a retry finishes what a failed attempt started.
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, EventType, type IBucket } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import { IMPORTS_PREFIX, REPORTS_PREFIX } from '#lib/use-cases/import-ledger-file.ts';
import { acknowledge, arnToken } from '../nag.ts';
import { AppFunction } from './app-function.ts';
import type { Ledger } from './ledger.ts';

export const IMPORT_FILES_DAYS = 30;

export class LedgerImport extends Construct {
  readonly bucket: Bucket;
  readonly importer: AppFunction;

  constructor(scope: Construct, id: string, props: { ledger: Ledger; accessLogs: IBucket; retain: boolean }) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'ledger-imports/',
      lifecycleRules: [
        { id: 'ExpireImports', prefix: IMPORTS_PREFIX, expiration: Duration.days(IMPORT_FILES_DAYS) },
        { id: 'ExpireReports', prefix: REPORTS_PREFIX, expiration: Duration.days(IMPORT_FILES_DAYS) },
      ],
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.importer = new AppFunction(this, 'Function', {
      handlerDir: 'ledger-import',
      description: 'CSV or JSONL files dropped under imports/ into the ledger table, all or nothing, with a report under reports/',
      // A 50 MB file of 200,000 rows: parsed whole in memory, then recorded 32 conditional puts at a time.
      memorySize: 1024,
      timeout: Duration.minutes(5),
    })
      .useTable(props.ledger.table, 'LEDGER_TABLE')
      .readObjectsUnder(this.bucket, IMPORTS_PREFIX, 'IMPORTS_BUCKET');
    this.importer.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects(`${REPORTS_PREFIX}*`)] }));
    acknowledge(
      this.importer.role!,
      `AwsSolutions-IAM5[Resource::${arnToken(this.bucket)}/${REPORTS_PREFIX}*]`,
      `s3:PutObject alone, on the report keys under ${REPORTS_PREFIX} of this one bucket, named after each dropped file (not known at deploy time).`,
    );
    this.bucket.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(this.importer), { prefix: IMPORTS_PREFIX });
    // CDK configures the notification through one stack-wide custom resource (an inline Python function); its
    // policy allows s3:PutBucketNotification on this bucket alone, only its managed logs policy needs a reason.
    const handler = Stack.of(this).node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
    if (handler) {
      acknowledge(handler, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', "CDK's bucket-notifications custom resource handler uses AWSLambdaBasicExecutionRole for its own logs; it runs only at deploy time to set the bucket's notification configuration.");
    }
  }
}
