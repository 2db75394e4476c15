// The local cloud's SES bounces and complaints: which addresses a pattern names, where the template's
// configuration set publishes which events, and the notification it publishes — read back by the same
// schema the mail-feedback function parses SNS messages with.
import { describe, expect, it } from 'vitest';
import { mailFeedbackOf } from '#events/ses-feedback.ts';
import { bouncePattern, bounces, sesFeedbackPublisher, sesNotification, snsEventDestinations, type SesFeedbackFault } from '../../local/ses-bounces.ts';
import type { CfnTemplate, IntrinsicContext } from '../../local/template.ts';

const ctx: IntrinsicContext = { region: 'us-east-1', accountId: '000000000000', partition: 'aws', stackName: 'T', urlSuffix: 'amazonaws.com', ref: (id) => (id.startsWith('Topic') ? `arn:aws:sns:us-east-1:000000000000:${id}` : id), getAtt: (id, a) => `${id}.${a}` };
const template: CfnTemplate = {
  Resources: {
    Mail: { Type: 'AWS::SES::ConfigurationSet' },
    ToTopic: { Type: 'AWS::SES::ConfigurationSetEventDestination', Properties: { ConfigurationSetName: { Ref: 'Mail' }, EventDestination: { Enabled: true, MatchingEventTypes: ['bounce', 'complaint'], SnsDestination: { TopicARN: { Ref: 'TopicFeedback' } } } } },
    Off: { Type: 'AWS::SES::ConfigurationSetEventDestination', Properties: { ConfigurationSetName: { Ref: 'Mail' }, EventDestination: { Enabled: false, MatchingEventTypes: ['bounce'], SnsDestination: { TopicARN: { Ref: 'TopicOff' } } } } },
    Metrics: { Type: 'AWS::SES::ConfigurationSetEventDestination', Properties: { ConfigurationSetName: { Ref: 'Mail' }, EventDestination: { MatchingEventTypes: ['send'], CloudWatchDestination: {} } } },
  },
};
const fault = (kind: SesFeedbackFault['kind'], configurationSet?: string): SesFeedbackFault => ({ kind, messageId: '0100018c-abc', to: 'sam@bounce.test', from: 'no-reply@trustdesk.local', subject: 'Your case', ...(configurationSet && { configurationSet }) });
const asSns = (message: unknown) => ({ EventSource: 'aws:sns' as const, Sns: { MessageId: 'sns-1', TopicArn: 't', Message: JSON.stringify(message) } });

describe('local SES bounces and complaints', () => {
  it('matches addresses by pattern, ignoring case', () => {
    const patterns = [bouncePattern('*@bounce.test'), bouncePattern('Sam@Example.com')];
    expect(bounces(patterns, 'anyone@BOUNCE.test')).toBe(true);
    expect(bounces(patterns, 'sam@example.com')).toBe(true);
    expect(bounces(patterns, 'sam@example.org')).toBe(false);
    expect(bounces([bouncePattern('a.b@x.test')], 'aXb@x.test')).toBe(false);
  });

  it("reads the configuration set's enabled SNS destinations from the template", () => {
    expect([...snsEventDestinations(template, ctx)]).toEqual([['Mail', [{ topicArn: 'arn:aws:sns:us-east-1:000000000000:TopicFeedback', events: ['bounce', 'complaint'] }]]]);
  });

  it('writes the notification SES publishes, which the mail-feedback schema reads as the same bounce or complaint', () => {
    const bounce = mailFeedbackOf(asSns(sesNotification(fault('bounce'), { now: new Date('2026-12-03T10:00:00Z') })));
    expect(bounce).toEqual({
      feedback: { kind: 'bounce', messageId: '0100018c-abc', feedbackId: expect.stringMatching(/^0100018c-abc-/), permanent: true, recipients: [{ address: 'sam@bounce.test', action: 'failed', status: '5.1.1', diagnosticCode: expect.stringContaining('User unknown') }] },
    });
    const complaint = mailFeedbackOf(asSns(sesNotification(fault('complaint'), { now: new Date('2026-12-03T10:00:00Z') })));
    expect(complaint).toEqual({ feedback: { kind: 'complaint', messageId: '0100018c-abc', feedbackId: expect.any(String), recipients: [{ address: 'sam@bounce.test' }], feedbackType: 'abuse' } });
  });

  it('publishes to the topic of the configuration set the send named, once the senders are idle, and nothing for a send that named none', async () => {
    const published: [string, string][] = [];
    let sendersDone: () => void = () => {};
    const sendersIdle = new Promise<void>((resolve) => (sendersDone = resolve));
    const publisher = sesFeedbackPublisher({ destinations: snsEventDestinations(template, ctx), publish: (topic, message) => published.push([topic, message]), after: () => sendersIdle, now: () => new Date(), log: () => {} });
    publisher.report(fault('complaint', 'Mail'));
    publisher.report(fault('bounce'));
    publisher.report(fault('bounce', 'Other'));
    await Promise.resolve();
    expect(published).toEqual([]); // the sender has not recorded what it sent yet
    sendersDone();
    await publisher.whenIdle();
    expect(published).toHaveLength(1);
    expect(published[0]![0]).toBe('arn:aws:sns:us-east-1:000000000000:TopicFeedback');
    expect(JSON.parse(published[0]![1])).toMatchObject({ eventType: 'Complaint', mail: { messageId: '0100018c-abc' } });
  });
});
