import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, METRICS_SERVICE } from '../../functions/lib/metrics.ts';

/** Where each alarm's runbook entry is: the operations section of the README. */
const RUNBOOK = 'README.md, Operations';

/** Breached deadlines per 100 cases opened, over the window below, above which the lead is told. */
export const SLA_BREACH_RATE_PERCENT = 10;
export const SLA_BREACH_RATE_WINDOW = Duration.hours(6);
/** Below this many cases opened in the window, the rate is taken over this many (a quiet night's one breach is not 100 %). */
export const SLA_BREACH_RATE_MIN_CASES = 20;
/** How far behind a stream consumer may fall (its oldest unprocessed record) before someone looks. */
export const ITERATOR_AGE_LIMIT = Duration.minutes(5);
/** API 5xx responses in five minutes worth a look: the API answers bad input with a 4xx, never a 5xx. */
export const API_5XX_LIMIT = 5;

export interface MonitoringProps {
  /** Subscribed to the alarm topic when set (the address must confirm the subscription). */
  readonly alarmEmail?: string;
  readonly api: RestApi;
  /** Every queue that holds records or events which failed all their retries, by name. */
  readonly parkedQueues: Readonly<Record<string, IQueue>>;
  /** Every function fed by a DynamoDB stream mapping, by name. */
  readonly streamConsumers: Readonly<Record<string, IFunction>>;
  readonly workflows: Readonly<Record<string, IStateMachine>>;
  /** Functions invoked asynchronously (the SES receipt rule, the schedules), with what a dropped event loses. */
  readonly asyncFunctions: Readonly<Record<string, { fn: IFunction; lost: string }>>;
}

/**
 * Alarms on everything that means work is stuck, lost or late, all sent to one encrypted SNS topic, and
 * a dashboard of the same signals. Each alarm's description says what it means; the README's Operations
 * section says what to do.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];
  private readonly action: SnsAction;
  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.prefix = stack.stackName;

    // SNS encrypts with a key CloudWatch may use: the AWS-managed SNS key does not let alarms publish.
    const key = new Key(this, 'AlarmTopicKey', {
      description: 'trustdesk alarm notifications (SNS encryption at rest)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublishEncrypted',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new Topic(this, 'AlarmTopic', { displayName: 'trustdesk alarms', masterKey: key, enforceSSL: true });
    // The topic policy replaces SNS's default one, so alarms of this account are allowed explicitly.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    this.action = new SnsAction(this.topic);

    const fiveMinutes = Duration.minutes(5);

    // Parked records: anything at all in one of these queues is work that did not happen.
    const parked = Object.entries(props.parkedQueues).map(([name, queue]) =>
      this.alarm(`${name}Depth`, queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: fiveMinutes }), {
        threshold: 0,
        description: `${name}: records or events that failed every retry are parked in this queue (kept 14 days) and were not processed. Inspect and replay them, then delete them; the alarm clears when the queue is empty.`,
        // An empty, idle queue stops reporting: no data means nothing is parked.
        missing: TreatMissingData.NOT_BREACHING,
      }),
    );

    // Stream consumers falling behind: IteratorAge is the age of the last record of each batch they got.
    const iteratorAges = Object.entries(props.streamConsumers).map(([name, fn]) =>
      this.alarm(`${name}IteratorAge`, fn.metric('IteratorAge', { statistic: 'Maximum', period: fiveMinutes }), {
        threshold: ITERATOR_AGE_LIMIT.toMilliseconds(),
        evaluationPeriods: 2,
        description: `${name}: its DynamoDB stream records are over ${ITERATOR_AGE_LIMIT.toMinutes()} minutes old when handled, for 10 minutes: the consumer is falling behind (throttled, failing and retrying a poison batch, or too slow). Its effects (emails, workflow signals, aggregates) are late meanwhile.`,
        // Published only while the mapping invokes the function: no data means no records to handle.
        missing: TreatMissingData.NOT_BREACHING,
      }),
    );

    // Workflow executions that ended other than by closing their case.
    const workflows = Object.entries(props.workflows).map(([name, machine]) => {
      // Ids unique across machines: the dashboard graphs every machine's expression together.
      const v = name.charAt(0).toLowerCase() + name.slice(1);
      const ended = new MathExpression({
        expression: `FILL(${v}Failed, 0) + FILL(${v}TimedOut, 0) + FILL(${v}Aborted, 0)`,
        usingMetrics: {
          [`${v}Failed`]: machine.metricFailed({ statistic: 'Sum', period: fiveMinutes }),
          [`${v}TimedOut`]: machine.metricTimedOut({ statistic: 'Sum', period: fiveMinutes }),
          [`${v}Aborted`]: machine.metricAborted({ statistic: 'Sum', period: fiveMinutes }),
        },
        label: `${name} executions failed, timed out or aborted`,
        period: fiveMinutes,
      });
      return this.alarm(`${name}ExecutionsFailed`, ended, {
        threshold: 0,
        description: `${name}: an execution failed, timed out or was aborted. Its case (the execution name is the case id, or the escalation id) no longer has a workflow watching its deadlines or escalation; find the execution, fix the cause, and start it again.`,
        missing: TreatMissingData.NOT_BREACHING,
      });
    });

    this.alarm('Api5xx', props.api.metricServerError({ statistic: 'Sum', period: fiveMinutes }), {
      threshold: API_5XX_LIMIT,
      inclusive: true,
      description: `The API answered ${API_5XX_LIMIT} or more 5xx responses in 5 minutes: requests (inquiries, agent actions) are failing on our side, or Lambda is throttled or timing out. Bad input gets a 4xx, so every 5xx is ours.`,
      missing: TreatMissingData.NOT_BREACHING,
    });

    const dropped = Object.entries(props.asyncFunctions).map(([name, { fn, lost }]) =>
      this.alarm(`${name}EventsDropped`, fn.metric('AsyncEventsDropped', { statistic: 'Sum', period: fiveMinutes }), {
        threshold: 0,
        description: `${name}: an asynchronous invocation failed every retry (or grew too old) and Lambda dropped it: ${lost}.`,
        missing: TreatMissingData.NOT_BREACHING,
      }),
    );

    // SES reputation (account-wide): the form lets anyone type an address, so bounces are a real risk.
    const sesMetric = (metricName: string) => new Metric({ namespace: 'AWS/SES', metricName, statistic: 'Maximum', period: Duration.hours(1) });
    const bounceRate = this.alarm('SesBounceRate', sesMetric('Reputation.BounceRate'), {
      threshold: 0.05,
      inclusive: true,
      description: 'The SES account bounce rate reached 5 %, where SES puts sending under review (at 10 % it may pause sending): acknowledgements and notices go to addresses that do not exist.',
      missing: TreatMissingData.NOT_BREACHING,
    });
    const complaintRate = this.alarm('SesComplaintRate', sesMetric('Reputation.ComplaintRate'), {
      threshold: 0.001,
      inclusive: true,
      description: 'The SES account complaint rate reached 0.1 %, where SES puts sending under review (at 0.5 % it may pause sending): recipients mark our emails as spam.',
      missing: TreatMissingData.NOT_BREACHING,
    });

    // SLA breaches per 100 cases opened over the window (the product's own EMF metrics).
    const productMetric = (metricName: string) =>
      new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: METRICS_SERVICE }, statistic: 'Sum', period: SLA_BREACH_RATE_WINDOW });
    const breachRate = new MathExpression({
      expression: `100 * FILL(breached, 0) / IF(FILL(opened, 0) > ${SLA_BREACH_RATE_MIN_CASES}, FILL(opened, 0), ${SLA_BREACH_RATE_MIN_CASES})`,
      usingMetrics: { breached: productMetric(METRIC.slaBreached), opened: productMetric(METRIC.casesOpened) },
      label: 'SLA deadlines breached per 100 cases opened',
      period: SLA_BREACH_RATE_WINDOW,
    });
    this.alarm('SlaBreachRate', breachRate, {
      threshold: SLA_BREACH_RATE_PERCENT,
      description: `More than ${SLA_BREACH_RATE_PERCENT} first-response or resolution deadlines breached per 100 cases opened in ${SLA_BREACH_RATE_WINDOW.toHours()} hours (counted over at least ${SLA_BREACH_RATE_MIN_CASES} cases): the team is not keeping up with its queue. Each breach has already started an escalation.`,
      // No cases and no breaches: nothing to rate.
      missing: TreatMissingData.NOT_BREACHING,
    });

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `${this.prefix}-operations`, defaultInterval: Duration.days(1) });
    const graph = (title: string, left: IMetric[], width = 8) => new GraphWidget({ title, left, width, height: 6 });
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 }));
    this.dashboard.addWidgets(
      graph('API requests and errors', [
        props.api.metricCount({ statistic: 'Sum', period: fiveMinutes }),
        props.api.metricClientError({ statistic: 'Sum', period: fiveMinutes }),
        props.api.metricServerError({ statistic: 'Sum', period: fiveMinutes }),
      ]),
      graph('API latency (p50, p99)', [props.api.metricLatency({ statistic: 'p50', period: fiveMinutes }), props.api.metricLatency({ statistic: 'p99', period: fiveMinutes })]),
      graph('Cases opened and SLA breaches', [productMetric(METRIC.casesOpened), productMetric(METRIC.slaBreached), breachRate]),
    );
    this.dashboard.addWidgets(
      graph('Parked records (queue depth)', parked.map((a) => a.metric)),
      graph('Stream consumers: iterator age (ms)', iteratorAges.map((a) => a.metric)),
      graph('Workflows ended abnormally', workflows.map((a) => a.metric)),
    );
    this.dashboard.addWidgets(
      graph('Async events dropped', dropped.map((a) => a.metric)),
      graph('SES reputation', [bounceRate.metric, complaintRate.metric]),
    );
  }

  private alarm(
    id: string,
    metric: IMetric,
    o: { threshold: number; description: string; missing: TreatMissingData; evaluationPeriods?: number; inclusive?: boolean },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      alarmName: `${this.prefix}-${id}`,
      alarmDescription: `${o.description} Runbook: ${RUNBOOK}.`,
      metric,
      threshold: o.threshold,
      comparisonOperator: o.inclusive ? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD : ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: o.evaluationPeriods ?? 1,
      datapointsToAlarm: o.evaluationPeriods ?? 1,
      treatMissingData: o.missing,
    });
    alarm.addAlarmAction(this.action);
    // Told when it clears too, so whoever is looking knows it is over.
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }
}
