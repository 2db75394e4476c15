import { Duration, RemovalPolicy, TimeZone } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { parseReportingPolicy } from '../../domain/reporting/policy.ts';
import reportingPolicyJson from '../../config/reporting-policy.json' with { type: 'json' };
import type { StackConfig } from '../config.ts';
import type { TrustdeskApi } from './api.ts';
import { acknowledge, arnToken } from '../nag.ts';
import { AppFunction } from './app-function.ts';
import { parkedRecordsQueue } from './parked-records.ts';
import type { MailFeedback } from './mail-feedback.ts';
import { streamFilters } from './stream-filters.ts';
import type { Storage } from './storage.ts';

/**
 * Reporting: the stream folded into aggregates (exactly once, coalesced per batch), surge detection
 * that opens incident cases, scheduled daily/weekly report emails, the subscriptions API and the
 * dashboard's read endpoint.
 */
export class Reporting extends Construct {
  readonly table: Table;
  readonly aggregator: AppFunction;
  readonly report: AppFunction;
  readonly subscriptions: AppFunction;
  readonly reportsApi: AppFunction;
  readonly parked: Queue;

  constructor(scope: Construct, id: string, props: { storage: Storage; mailFeedback: MailFeedback; api: TrustdeskApi; config: StackConfig }) {
    super(scope, id);
    const { storage, api, config } = props;
    const policy = parseReportingPolicy(reportingPolicyJson);

    // Aggregates, watermarks, incidents, subscriptions and sent-report markers: never streamed.
    this.table = new Table(this, 'Aggregates', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: storage.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    this.parked = parkedRecordsQueue(this, 'ParkedStreamRecords', 'the aggregator stream, the report schedules and the report function');

    this.aggregator = new AppFunction(this, 'Aggregator', {
      handlerDir: 'aggregator',
      description: 'Folds case events into aggregates and watches for surges',
      timeout: Duration.seconds(30),
    })
      .useTable(storage.casesTable, 'CASES_TABLE')
      .useTable(this.table, 'REPORTING_TABLE');
    this.aggregator.addEventSource(
      new DynamoEventSource(storage.casesTable, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(5),
        // Only newly appended case events, the records it counts.
        filters: [streamFilters.caseEventInserted],
        bisectBatchOnError: true,
        retryAttempts: 4,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.parked),
      }),
    );

    this.report = new AppFunction(this, 'Report', {
      handlerDir: 'report',
      description: 'Builds a report from aggregates and emails it to each subscriber once',
      timeout: Duration.minutes(2),
      memorySize: 1024,
      environment: { SENDER_ADDRESS: config.senderAddress },
      // The schedules invoke it asynchronously: a run that fails Lambda's own retries is parked too.
      onFailure: new SqsDestination(this.parked),
    })
      .useTable(storage.casesTable, 'CASES_TABLE', 'read')
      .useTable(this.table, 'REPORTING_TABLE')
      // The per-agent section names agents by their agent records.
      .useTable(storage.agentsTable, 'AGENTS_TABLE', 'read');
    this.report.allowSendEmail(props.mailFeedback.configurationSet);

    // The schedules' role, ours rather than the stack-wide one the target would create, so it is
    // reviewed here: it may invoke the report function (and its versions) only.
    const schedulerRole = new Role(this, 'ReportSchedulerRole', { assumedBy: new ServicePrincipal('scheduler.amazonaws.com') });
    acknowledge(schedulerRole, `AwsSolutions-IAM5[Resource::${arnToken(this.report)}:*]`, "CDK's invoke grant on the report function and its versions/aliases (<fn>:*): the one function the schedules run.");
    for (const cadence of ['daily', 'weekly'] as const) {
      const { cron, timeZone } = policy.cadences[cadence];
      new Schedule(this, `${cadence === 'daily' ? 'Daily' : 'Weekly'}Report`, {
        description: `The ${cadence} report to its subscribers`,
        schedule: ScheduleExpression.expression(`cron(${cron})`, TimeZone.of(timeZone)),
        target: new LambdaInvoke(this.report, {
          input: ScheduleTargetInput.fromObject({ cadence }),
          role: schedulerRole,
          retryAttempts: 3,
          maxEventAge: Duration.hours(6),
          deadLetterQueue: this.parked,
        }),
      });
    }

    this.subscriptions = new AppFunction(this, 'Subscriptions', { handlerDir: 'subscriptions-api', description: 'Report subscriptions (leads)' }).useTable(
      this.table,
      'REPORTING_TABLE',
    );
    api.agentRoute('GET', '/subscriptions', this.subscriptions);
    api.agentRoute('POST', '/subscriptions', this.subscriptions);
    api.agentRoute('DELETE', '/subscriptions/{subscriptionId}', this.subscriptions);

    // The console's dashboard: the period in progress, from the same report model as the emails.
    this.reportsApi = new AppFunction(this, 'ReportsApi', { handlerDir: 'reports-api', description: 'Current period numbers for the dashboard (leads, risk)' })
      .useTable(storage.casesTable, 'CASES_TABLE', 'read')
      .useTable(this.table, 'REPORTING_TABLE', 'read')
      .useTable(storage.agentsTable, 'AGENTS_TABLE', 'read');
    api.agentRoute('GET', '/reports/current', this.reportsApi);
  }
}
