// Local SNS: the template's Lambda subscriptions, and Publish handing each subscribed function an
// SNS-shaped event asynchronously (through the async invoker, so settle waits for it).
import { describe, expect, it } from 'vitest';
import { createAsyncInvoker } from '../../local/async-invoker.ts';
import type { LocalFunction } from '../../local/lambda-runtime.ts';
import { lambdaSubscriptionsFromTemplate, startLocalSns } from '../../local/sns.ts';
import type { CfnTemplate, IntrinsicContext } from '../../local/template.ts';

const ctx: IntrinsicContext = { region: 'us-east-1', accountId: '000000000000', partition: 'aws', stackName: 'T', urlSuffix: 'amazonaws.com', ref: (id) => `arn:aws:sns:us-east-1:000000000000:${id}`, getAtt: (id, a) => `${id}.${a}` };
const template: CfnTemplate = {
  Resources: {
    Feedback: { Type: 'AWS::SNS::Topic' },
    Alarms: { Type: 'AWS::SNS::Topic' },
    FeedbackToFn: { Type: 'AWS::SNS::Subscription', Properties: { Protocol: 'lambda', TopicArn: { Ref: 'Feedback' }, Endpoint: { 'Fn::GetAtt': ['Fn', 'Arn'] } } },
    AlarmsByEmail: { Type: 'AWS::SNS::Subscription', Properties: { Protocol: 'email', TopicArn: { Ref: 'Alarms' }, Endpoint: 'oncall@example.com' } },
  },
};

function fakeFunction(events: unknown[]): LocalFunction {
  return { logicalId: 'Fn', description: '', timeoutSeconds: 3, memoryMb: 128, environment: {}, invoke: async (e) => void events.push(e) };
}

describe('local SNS', () => {
  it('reads the Lambda subscriptions of the template (and skips other protocols)', () => {
    expect(lambdaSubscriptionsFromTemplate(template, ctx)).toEqual([{ id: 'FeedbackToFn', topicArn: 'arn:aws:sns:us-east-1:000000000000:Feedback', functionId: 'Fn' }]);
  });

  it('delivers a published message to the subscribed function as an SNS event, and none to a topic without one', async () => {
    const events: unknown[] = [];
    const asyncInvoker = createAsyncInvoker({ log: () => {} });
    const sns = startLocalSns({ template, ctx, functions: new Map([['Fn', fakeFunction(events)]]), asyncInvoker, now: () => new Date('2026-12-03T10:00:00Z'), log: () => {} });
    const id = sns.publish('arn:aws:sns:us-east-1:000000000000:Feedback', '{"eventType":"Bounce"}');
    sns.publish('arn:aws:sns:us-east-1:000000000000:Alarms', 'alarm');
    await asyncInvoker.whenIdle();
    expect(events).toEqual([
      {
        Records: [
          expect.objectContaining({
            EventSource: 'aws:sns',
            EventSubscriptionArn: 'arn:aws:sns:us-east-1:000000000000:Feedback:FeedbackToFn',
            Sns: expect.objectContaining({ Type: 'Notification', MessageId: id, TopicArn: 'arn:aws:sns:us-east-1:000000000000:Feedback', Message: '{"eventType":"Bounce"}', Timestamp: '2026-12-03T10:00:00.000Z' }),
          }),
        ],
      },
    ]);
    expect(sns.published()).toBe(2);
    expect(() => sns.publish('arn:aws:sns:us-east-1:000000000000:Nope', 'x')).toThrow(/no topic/);
  });
});
