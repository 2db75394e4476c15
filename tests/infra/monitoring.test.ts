// The alarms of the synthesized stack, derived from the template itself: every dead-letter queue, every
// stream mapping, every state machine, every asynchronously invoked function, the API and the SLA breach
// rate have an alarm that notifies the alarm topic. A queue, mapping or machine added without one fails here.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRIC, METRICS_NAMESPACE, METRICS_SERVICE } from '#lib/metrics.ts';
import { readConfig } from '../../infra/config.ts';
import { TrustdeskStack } from '../../infra/trustdesk-stack.ts';

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties?: Json;
}
interface MetricRef {
  namespace: string;
  name: string;
  dimensions: Record<string, unknown>;
}
interface AlarmView {
  id: string;
  props: Json;
  metrics: MetricRef[];
  expressions: string[];
}

function synth(context: Record<string, unknown> = {}, extend?: (stack: TrustdeskStack) => void): Template {
  // Bundling skipped: alarms read the construct tree, not the function code.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new TrustdeskStack(app, 'Trustdesk', { config: readConfig(app) });
  extend?.(stack);
  return Template.fromStack(stack);
}

const resourcesOf = (template: Template) => template.toJSON().Resources as Record<string, Resource>;

const propsOf = (r: Resource): Json => r.Properties ?? {};
const ofType = (resources: Record<string, Resource>, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function metricOf(m: Json): MetricRef {
  const dims = (m.Dimensions as { Name: string; Value: unknown }[] | undefined) ?? [];
  return { namespace: String(m.Namespace), name: String(m.MetricName), dimensions: Object.fromEntries(dims.map((d) => [d.Name, d.Value])) };
}

/** Every alarm with the metrics it watches, whether a single metric or a metric math expression. */
function alarmsOf(resources: Record<string, Resource>): AlarmView[] {
  return ofType(resources, 'AWS::CloudWatch::Alarm').map(([id, r]) => {
    const props = r.Properties ?? {};
    const queries = (props.Metrics as Json[] | undefined) ?? [];
    return {
      id,
      props,
      metrics: props.MetricName ? [metricOf(props)] : queries.filter((q) => q.MetricStat).map((q) => metricOf((q.MetricStat as Json).Metric as Json)),
      expressions: queries.filter((q) => typeof q.Expression === 'string').map((q) => q.Expression as string),
    };
  });
}

const watching = (alarms: AlarmView[], namespace: string, name: string, dimension: string, value: unknown) =>
  alarms.filter((a) => a.metrics.some((m) => m.namespace === namespace && m.name === name && same(m.dimensions[dimension], value)));

/** Queues that receive what failed elsewhere: on-failure destinations, dead-letter targets, redrive targets, or named so. */
function deadLetterQueues(resources: Record<string, Resource>): string[] {
  const queues = ofType(resources, 'AWS::SQS::Queue').map(([id]) => id);
  const text = JSON.stringify(
    Object.values(resources).map((r) => {
      const p = r.Properties ?? {};
      return [p.DestinationConfig, p.DeadLetterConfig, p.RedrivePolicy, (p.Target as Json | undefined)?.DeadLetterConfig];
    }),
  );
  return queues.filter((id) => text.includes(`"${id}"`) || /parked|dlq|deadletter/i.test(id));
}

/** What lacks an alarm: dead-letter queues, stream consumers, state machines. */
function unalarmed(resources: Record<string, Resource>): string[] {
  const alarms = alarmsOf(resources);
  const missing: string[] = [];
  for (const q of deadLetterQueues(resources)) {
    if (watching(alarms, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', { 'Fn::GetAtt': [q, 'QueueName'] }).length === 0) missing.push(`queue ${q}`);
  }
  for (const [id, m] of ofType(resources, 'AWS::Lambda::EventSourceMapping')) {
    if (watching(alarms, 'AWS/Lambda', 'IteratorAge', 'FunctionName', m.Properties?.FunctionName).length === 0) missing.push(`mapping ${id}`);
  }
  for (const [id] of ofType(resources, 'AWS::StepFunctions::StateMachine')) {
    for (const name of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
      if (watching(alarms, 'AWS/States', name, 'StateMachineArn', { Ref: id }).length === 0) missing.push(`state machine ${id} ${name}`);
    }
  }
  return missing;
}

describe('monitoring', () => {
  let template: Template;
  let resources: Record<string, Resource>;
  let alarms: AlarmView[];
  let topicRef: { Ref: string };
  // The same stack with an alarm email and a dead-letter queue that nobody wired to an alarm.
  let extended: Template;

  beforeAll(() => {
    template = synth();
    resources = resourcesOf(template);
    extended = synth({ alarmEmail: 'oncall@example.com' }, (stack) => new Queue(stack, 'ParkedSomethingNew'));
    alarms = alarmsOf(resources);
    // Two topics: the alarms' and SES's bounces and complaints (MailFeedback), which no alarm notifies.
    const topics = ofType(resources, 'AWS::SNS::Topic').filter(([, r]) => propsOf(r).DisplayName === 'trustdesk alarms');
    expect(topics).toHaveLength(1);
    expect(ofType(resources, 'AWS::SNS::Topic')).toHaveLength(2);
    topicRef = { Ref: topics[0]![0] };
  }, 60_000);

  it('has an alarm on every dead-letter queue, stream mapping and state machine', () => {
    // The template has what the alarms are derived from (so an empty list cannot pass by accident).
    expect(deadLetterQueues(resources).length).toBeGreaterThanOrEqual(3);
    expect(ofType(resources, 'AWS::Lambda::EventSourceMapping').length).toBeGreaterThanOrEqual(2);
    expect(ofType(resources, 'AWS::StepFunctions::StateMachine').length).toBeGreaterThanOrEqual(2);
    expect(unalarmed(resources)).toEqual([]);
  });

  it('reads each DynamoDB stream with at most two mappings (DynamoDB Streams throttles a third reader per shard)', () => {
    const readers = new Map<string, string[]>();
    for (const [id, m] of ofType(resources, 'AWS::Lambda::EventSourceMapping')) {
      const source = JSON.stringify(propsOf(m).EventSourceArn);
      if (!source.includes('StreamArn')) continue;
      readers.set(source, [...(readers.get(source) ?? []), id]);
    }
    expect(readers.size).toBeGreaterThanOrEqual(1);
    for (const ids of readers.values()) expect(ids.length).toBeLessThanOrEqual(2);
    // The cases stream's two: the outbox (emails and workflow signals) and the aggregator.
    const cases = [...readers.entries()].find(([source]) => source.includes('StorageCases'))![1];
    expect(cases.map((id) => id.replace(/[0-9A-F]{8}$/, '').replace(/DynamoDBEventSource.*$/, '')).sort()).toEqual(['OutboxConsumer', 'ReportingAggregator']);
  });

  it("reads one batch per shard at a time into the aggregator, with bisect and partial failures, as its exactly-once counting needs", () => {
    const [, aggregator] = ofType(resources, 'AWS::Lambda::EventSourceMapping').find(([id]) => id.startsWith('ReportingAggregator'))!;
    const props = propsOf(aggregator);
    expect(props.ParallelizationFactor ?? 1).toBe(1);
    expect(props.BisectBatchOnFunctionError).toBe(true);
    expect(props.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(props.TumblingWindowInSeconds).toBeUndefined();
  });

  it('fails a dead-letter queue added without an alarm', () => {
    expect(unalarmed(resourcesOf(extended))).toEqual([expect.stringMatching(/^queue ParkedSomethingNew/)]);
  });

  it('alarms as soon as one record is parked, and on stream records over five minutes old', () => {
    for (const a of alarms.filter((x) => x.metrics.some((m) => m.name === 'ApproximateNumberOfMessagesVisible'))) {
      expect(a.props).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', Statistic: 'Maximum' });
    }
    const ages = alarms.filter((x) => x.metrics.some((m) => m.name === 'IteratorAge'));
    expect(ages.length).toBe(ofType(resources, 'AWS::Lambda::EventSourceMapping').length);
    for (const a of ages) expect(a.props).toMatchObject({ Threshold: 5 * 60_000, ComparisonOperator: 'GreaterThanThreshold', Statistic: 'Maximum' });
  });

  it('sums failed, timed-out and aborted executions per state machine and alarms on the first', () => {
    for (const [id] of ofType(resources, 'AWS::StepFunctions::StateMachine')) {
      const [alarm, ...others] = watching(alarms, 'AWS/States', 'ExecutionsFailed', 'StateMachineArn', { Ref: id });
      expect(others).toEqual([]);
      expect(alarm!.props).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
      // Every metric of the expression is in the sum (a missing one would be silently ignored).
      const ids = ((alarm!.props.Metrics as Json[]).filter((q) => q.MetricStat).map((q) => q.Id) as string[]).sort();
      expect(ids).toHaveLength(3);
      for (const metricId of ids) expect(alarm!.expressions.join(' ')).toContain(`FILL(${metricId}, 0)`);
    }
  });

  it('alarms on API 5xx responses of this stack’s API', () => {
    const [[, api]] = ofType(resources, 'AWS::ApiGateway::RestApi') as [[string, Resource]];
    const [alarm, ...others] = watching(alarms, 'AWS/ApiGateway', '5XXError', 'ApiName', api.Properties?.Name);
    expect(others).toEqual([]);
    expect(alarm!.props).toMatchObject({ Statistic: 'Sum', Period: 300, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    // The name is the stack's own, not CDK's default construct id shared by every stack in the account.
    expect(api.Properties?.Name).toBe('Trustdesk-api');
  });

  it('alarms on events dropped by every asynchronously invoked function (SES receipt rule, schedules, S3 notifications)', () => {
    const asyncTargets = new Set<string>();
    for (const [, rule] of ofType(resources, 'AWS::SES::ReceiptRule')) {
      for (const action of ((propsOf(rule).Rule as Json).Actions as Json[]) ?? []) {
        const arn = (action.LambdaAction as Json | undefined)?.FunctionArn as { 'Fn::GetAtt': [string, string] } | undefined;
        if (arn) asyncTargets.add(arn['Fn::GetAtt'][0]);
      }
    }
    for (const [, schedule] of ofType(resources, 'AWS::Scheduler::Schedule')) {
      const arn = (propsOf(schedule).Target as Json).Arn as { 'Fn::GetAtt': [string, string] };
      asyncTargets.add(arn['Fn::GetAtt'][0]);
    }
    for (const [, notifications] of ofType(resources, 'Custom::S3BucketNotifications')) {
      const configurations = ((propsOf(notifications).NotificationConfiguration as Json).LambdaFunctionConfigurations as Json[]) ?? [];
      for (const c of configurations) asyncTargets.add((c.LambdaFunctionArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]);
    }
    expect(asyncTargets.size).toBeGreaterThanOrEqual(3);
    for (const fn of asyncTargets) {
      expect(watching(alarms, 'AWS/Lambda', 'AsyncEventsDropped', 'FunctionName', { Ref: fn }), fn).toHaveLength(1);
    }
  });

  it('alarms on the SLA breach rate: breaches per 100 cases opened, from the product’s own metrics', () => {
    const candidates = alarms.filter((a) => a.metrics.some((m) => m.namespace === METRICS_NAMESPACE && m.name === METRIC.slaBreached));
    expect(candidates).toHaveLength(1);
    const alarm = candidates[0]!;
    expect(alarm.metrics).toEqual(
      expect.arrayContaining([
        { namespace: METRICS_NAMESPACE, name: METRIC.slaBreached, dimensions: { service: METRICS_SERVICE } },
        { namespace: METRICS_NAMESPACE, name: METRIC.casesOpened, dimensions: { service: METRICS_SERVICE } },
      ]),
    );
    // The expression divides breaches by cases opened, and is what the alarm compares.
    const queries = alarm.props.Metrics as Json[];
    const returned = queries.filter((q) => q.ReturnData !== false);
    expect(returned).toHaveLength(1);
    const idOf = (name: string) => queries.find((q) => ((q.MetricStat as Json | undefined)?.Metric as Json | undefined)?.MetricName === name)?.Id as string;
    expect(returned[0]!.Expression).toMatch(new RegExp(`100 \\* FILL\\(${idOf(METRIC.slaBreached)}, 0\\) / .*FILL\\(${idOf(METRIC.casesOpened)}, 0\\)`));
    expect(alarm.props).toMatchObject({ Threshold: 10, ComparisonOperator: 'GreaterThanThreshold' });
  });

  it('sends every alarm, and its recovery, to the alarm topic, with a description and a deliberate missing-data rule', () => {
    expect(alarms.length).toBeGreaterThanOrEqual(12);
    for (const a of alarms) {
      expect(a.props.AlarmActions, a.id).toEqual([topicRef]);
      expect(a.props.OKActions, a.id).toEqual([topicRef]);
      expect(String(a.props.AlarmDescription).length, a.id).toBeGreaterThan(80);
      // Set on purpose on each alarm (CloudFormation's default, 'missing', is never what an idle system wants).
      expect(['notBreaching', 'breaching', 'ignore'], a.id).toContain(a.props.TreatMissingData);
      expect(String(a.props.AlarmName), a.id).toMatch(/^Trustdesk-/);
    }
  });

  it('encrypts the topic with a key CloudWatch may use, accepts only TLS, and lets only this account’s alarms publish', () => {
    const topic = resources[topicRef.Ref]!;
    const keyId = (propsOf(topic).KmsMasterKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const key = resources[keyId]!;
    expect(key.Properties).toMatchObject({ EnableKeyRotation: true });
    const keyStatements = ((propsOf(key).KeyPolicy as Json).Statement as Json[]).filter((s) => same(s.Principal, { Service: 'cloudwatch.amazonaws.com' }));
    expect(keyStatements).toEqual([expect.objectContaining({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]);

    const policies = ofType(resources, 'AWS::SNS::TopicPolicy').filter(([, p]) => JSON.stringify(propsOf(p).Topics).includes(topicRef.Ref));
    expect(policies).toHaveLength(1);
    const [[, policy]] = policies as [[string, Resource]];
    expect(propsOf(policy).Topics).toEqual([topicRef]);
    const statements = (propsOf(policy).PolicyDocument as Json).Statement as Json[];
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    const publish = statements.find((s) => s.Effect === 'Allow');
    expect(publish).toMatchObject({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } });
  });

  it('outputs the topic ARN, and subscribes alarmEmail only when it is set', () => {
    expect(template.findOutputs('AlarmTopicArn').AlarmTopicArn?.Value).toEqual(topicRef);
    // (The stack's other topic, SES's feedback, has its one Lambda subscription.)
    template.resourcePropertiesCountIs('AWS::SNS::Subscription', { TopicArn: topicRef }, 0);
    extended.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: topicRef });
    extended.resourcePropertiesCountIs('AWS::SNS::Subscription', { TopicArn: topicRef }, 1);
    extended.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'email' }, 1);
  });

  it('refuses an alarmEmail that is not one address', () => {
    for (const bad of ['oncall', 'a@b', 'a@example.com,b@example.com', 'On Call <oncall@example.com>']) {
      const app = new App({ context: { alarmEmail: bad } });
      expect(() => readConfig(app), bad).toThrow(/alarmEmail: expected one email address/);
    }
  });
});
