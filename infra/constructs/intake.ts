import { Duration } from 'aws-cdk-lib';
import { Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { ReceiptRuleSet } from 'aws-cdk-lib/aws-ses';
import { Lambda as LambdaAction, LambdaInvocationType, S3 as S3Action } from 'aws-cdk-lib/aws-ses-actions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { parsePrivacyPolicy } from '../../domain/privacy/policy.ts';
import privacyPolicyJson from '../../config/privacy-policy.json' with { type: 'json' };
import type { StackConfig } from '../config.ts';
import type { TrustdeskApi } from './api.ts';
import { AppFunction } from './app-function.ts';
import { PARKED_RETENTION_DAYS, parkedRecordsQueue } from './parked-records.ts';
import type { MailFeedback } from './mail-feedback.ts';
import type { Storage } from './storage.ts';

export const INBOUND_MAIL_PREFIX = 'inbound/';

/**
 * How long the raw inbound MIME is kept (config/privacy-policy.json). It is the one copy of a requester's card
 * number as sent, so it goes soon — but not before a parked inbound event (kept PARKED_RETENTION_DAYS) could
 * be replayed, which reads it.
 */
export function rawMailRetentionDays(json: unknown = privacyPolicyJson): number {
  const days = parsePrivacyPolicy(json).rawInboundMailRetentionDays;
  if (days <= PARKED_RETENTION_DAYS) {
    throw new Error(`privacy policy: rawInboundMailRetentionDays (${days}) must be more than the ${PARKED_RETENTION_DAYS} days a parked inbound message waits to be replayed`);
  }
  return days;
}

/**
 * Intake: the public web form (POST /inquiries), inbound email (SES receipt rule → raw MIME in S3 →
 * Lambda). The emails that follow committed events are the outbox's (outbox.ts).
 */
export class Intake extends Construct {
  readonly webIntake: AppFunction;
  readonly emailIntake: AppFunction;
  /** Must be made the account's active rule set once after the first deploy (README, Deploy to AWS). */
  readonly receiptRuleSet: ReceiptRuleSet;
  readonly parkedMail: Queue;

  constructor(scope: Construct, id: string, props: { storage: Storage; mailFeedback: MailFeedback; api: TrustdeskApi; config: StackConfig }) {
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
      // Nothing upstream traces a receipt (S3 → Lambda): Lambda's own sampling starts its traces.
      tracing: Tracing.ACTIVE,
      onFailure: new SqsDestination(this.parkedMail),
      environment: { MAIL_PREFIX: INBOUND_MAIL_PREFIX, SENDER_ADDRESS: config.senderAddress },
    })
      .useTable(storage.casesTable, 'CASES_TABLE')
      .useTable(storage.profilesTable, 'PROFILES_TABLE', 'read')
      .useBucket(storage.mailBucket, 'MAIL_BUCKET');
    // It answers a consult answer that fits no open question (a forged or reused token) with an email.
    this.emailIntake.allowSendEmail(props.mailFeedback.configurationSet);

    // The bucket is versioned: the expired current version becomes noncurrent, which goes a day later.
    storage.mailBucket.addLifecycleRule({
      id: 'RawInboundMailExpires',
      prefix: INBOUND_MAIL_PREFIX,
      expiration: Duration.days(rawMailRetentionDays()),
      noncurrentVersionExpiration: Duration.days(1),
    });

    this.receiptRuleSet = new ReceiptRuleSet(this, 'InboundRules', { dropSpam: false });
    this.receiptRuleSet.addRule('ToIntake', {
      recipients: [config.intakeAddress],
      scanEnabled: true,
      actions: [
        new S3Action({ bucket: storage.mailBucket, objectKeyPrefix: INBOUND_MAIL_PREFIX }),
        new LambdaAction({ function: this.emailIntake, invocationType: LambdaInvocationType.EVENT }),
      ],
    });
  }
}

