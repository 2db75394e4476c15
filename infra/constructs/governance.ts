import { Duration, TimeZone } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { parsePrivacyPolicy } from '../../domain/privacy/policy.ts';
import privacyPolicyJson from '../../config/privacy-policy.json' with { type: 'json' };
import { EXPORTS_PREFIX } from '../../functions/lib/use-cases/export-case.ts';
import { acknowledge, arnToken } from '../nag.ts';
import type { TrustdeskApi } from './api.ts';
import { AppFunction } from './app-function.ts';
import { INBOUND_MAIL_PREFIX } from './intake.ts';
import { parkedRecordsQueue } from './parked-records.ts';
import type { Ledger } from './ledger.ts';
import type { Storage } from './storage.ts';

/** Where attachments are stored in the mail bucket (functions/lib/use-cases/receive-email.ts). */
export const ATTACHMENTS_PREFIX = 'attachments/';

/**
 * Governance (issue 14 points 3 and 4): the risk team's erasure requests and evidence exports (one function,
 * the only API function that may delete from the mail bucket), and the daily retention run erasing the personal
 * data of cases closed longer ago than config/privacy-policy.json keeps them.
 */
export class Governance extends Construct {
  readonly api: AppFunction;
  readonly retention: AppFunction;
  readonly parked: Queue;

  constructor(scope: Construct, id: string, props: { storage: Storage; api: TrustdeskApi; ledger: Ledger }) {
    super(scope, id);
    const policy = parsePrivacyPolicy(privacyPolicyJson);
    const { casesTable, profilesTable, mailBucket } = props.storage;
    this.api = new AppFunction(this, 'GovernanceApi', {
      handlerDir: 'governance-api',
      description: 'Risk team: erasure requests and evidence exports',
      timeout: Duration.seconds(29),
      memorySize: 1024,
      environment: { MAIL_PREFIX: INBOUND_MAIL_PREFIX },
    })
      .useTable(casesTable, 'CASES_TABLE')
      .useTable(profilesTable, 'PROFILES_TABLE')
      .useTable(props.ledger.table, 'LEDGER_TABLE')
      .useBucket(mailBucket, 'MAIL_BUCKET');
    props.api.agentRoute('POST', '/requesters/erasure', this.api);
    props.api.agentRoute('GET', '/cases/{caseId}/export', this.api);

    this.parked = parkedRecordsQueue(this, 'ParkedRetentionRuns', 'the retention schedule and the retention function');
    this.retention = new AppFunction(this, 'Retention', {
      handlerDir: 'retention',
      description: 'Erases the personal data of cases closed longer ago than the privacy policy keeps them',
      timeout: Duration.minutes(15),
      memorySize: 512,
      environment: { MAIL_PREFIX: INBOUND_MAIL_PREFIX },
      // The schedule invokes it asynchronously: a run that fails Lambda's own retries is parked.
      onFailure: new SqsDestination(this.parked),
    })
      .useTable(casesTable, 'CASES_TABLE')
      .useBucket(mailBucket, 'MAIL_BUCKET');

    // An erased attachment's delete marker hides it at once; its noncurrent version (the bucket is versioned)
    // goes a day later. No expiry of current attachments: a held case keeps them, which a bucket rule cannot see.
    mailBucket.addLifecycleRule({ id: 'ErasedAttachmentsGo', prefix: ATTACHMENTS_PREFIX, noncurrentVersionExpiration: Duration.days(1), expiredObjectDeleteMarker: true });
    // An export too big for one API answer waits here for its presigned link (15 minutes), then goes.
    mailBucket.addLifecycleRule({ id: 'LargeExportsExpire', prefix: EXPORTS_PREFIX, expiration: Duration.days(1), noncurrentVersionExpiration: Duration.days(1) });

    const schedulerRole = new Role(this, 'RetentionSchedulerRole', { assumedBy: new ServicePrincipal('scheduler.amazonaws.com') });
    acknowledge(schedulerRole, `AwsSolutions-IAM5[Resource::${arnToken(this.retention)}:*]`, "CDK's invoke grant on the retention function and its versions/aliases (<fn>:*): the one function the schedule runs.");
    new Schedule(this, 'DailyRetention', {
      description: 'Erase the personal data of cases closed longer ago than the privacy policy keeps them',
      schedule: ScheduleExpression.expression(`cron(${policy.retentionCron})`, TimeZone.of(policy.retentionTimeZone)),
      target: new LambdaInvoke(this.retention, {
        input: ScheduleTargetInput.fromObject({}),
        role: schedulerRole,
        retryAttempts: 3,
        maxEventAge: Duration.hours(6),
        deadLetterQueue: this.parked,
      }),
    });
  }
}
