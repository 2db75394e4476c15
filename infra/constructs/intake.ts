import { Duration } from 'aws-cdk-lib';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { ReceiptRuleSet } from 'aws-cdk-lib/aws-ses';
import { Lambda as LambdaAction, LambdaInvocationType, S3 as S3Action } from 'aws-cdk-lib/aws-ses-actions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StackConfig } from '../config.ts';
import type { TrustdeskApi } from './api.ts';
import { AppFunction } from './app-function.ts';
import { parkedRecordsQueue } from './parked-records.ts';
import type { Storage } from './storage.ts';

export const INBOUND_MAIL_PREFIX = 'inbound/';

/**
 * Intake: the public web form (POST /inquiries), inbound email (SES receipt rule → raw MIME in S3 →
 * Lambda), and the notifier that emails requesters and leads after committed events (from the stream).
 */
export class Intake extends Construct {
  readonly webIntake: AppFunction;
  readonly emailIntake: AppFunction;
  readonly notifier: AppFunction;
  /** Must be made the account's active rule set once after the first deploy (README, Deploy to AWS). */
  readonly receiptRuleSet: ReceiptRuleSet;
  /** Stream records the notifier could not handle after every retry. */
  readonly parked: Queue;
  readonly parkedMail: Queue;

  constructor(scope: Construct, id: string, props: { storage: Storage; api: TrustdeskApi; config: StackConfig }) {
    super(scope, id);
    const { storage, api, config } = props;

    this.webIntake = new AppFunction(this, 'WebIntake', { handlerDir: 'intake-web', description: 'POST /inquiries' })
      .useTable(storage.casesTable, 'CASES_TABLE')
      .useTable(storage.profilesTable, 'PROFILES_TABLE', 'read');
    api.publicRoute('POST', '/inquiries', this.webIntake);

    // SES invokes the email intake asynchronously: a message that fails every Lambda retry is parked
    // (its SES receipt event names the raw message in the bucket), never dropped.
    this.parkedMail = parkedRecordsQueue(this, 'ParkedInboundMail', "the email intake's asynchronous invocations");
    this.emailIntake = new AppFunction(this, 'EmailIntake', {
      handlerDir: 'intake-email',
      description: 'Inbound mail from the SES receipt rule',
      timeout: Duration.seconds(30),
      memorySize: 1024,
      onFailure: new SqsDestination(this.parkedMail),
      environment: { MAIL_PREFIX: INBOUND_MAIL_PREFIX },
    })
      .useTable(storage.casesTable, 'CASES_TABLE')
      .useTable(storage.profilesTable, 'PROFILES_TABLE', 'read')
      .useBucket(storage.mailBucket, 'MAIL_BUCKET');

    this.receiptRuleSet = new ReceiptRuleSet(this, 'InboundRules', { dropSpam: false });
    this.receiptRuleSet.addRule('ToIntake', {
      recipients: [config.intakeAddress],
      scanEnabled: true,
      actions: [
        new S3Action({ bucket: storage.mailBucket, objectKeyPrefix: INBOUND_MAIL_PREFIX }),
        new LambdaAction({ function: this.emailIntake, invocationType: LambdaInvocationType.EVENT }),
      ],
    });

    this.notifier = new AppFunction(this, 'Notifier', {
      handlerDir: 'notifier',
      description: 'Emails that follow case events: acknowledgement, agent messages, closing notices, SLA warnings',
      environment: { SENDER_ADDRESS: config.senderAddress, INTAKE_ADDRESS: config.intakeAddress, CONSOLE_URL: config.consoleUrl },
    }).useTable(storage.casesTable, 'CASES_TABLE');
    this.notifier.allowSendEmail();
    this.parked = parkedRecordsQueue(this, 'ParkedNotifications', 'the notifier stream');
    this.notifier.addEventSource(
      new DynamoEventSource(storage.casesTable, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 25,
        bisectBatchOnError: true,
        retryAttempts: 5,
        reportBatchItemFailures: true,
        // A record that keeps failing is parked with its shard and sequence range, never dropped.
        onFailure: new SqsDlq(this.parked),
      }),
    );
  }
}

