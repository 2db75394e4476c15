// SES's bounces and complaints reach trustdesk on AWS: every function that sends names the stack's
// configuration set (and may use it), whose event destination publishes Bounce and Complaint events to an
// encrypted, TLS-only topic that only that configuration set may publish to, with the mail-feedback
// function subscribed to it and its failures parked.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../infra/config.ts';
import { TrustdeskStack } from '../../infra/trustdesk-stack.ts';

type Json = Record<string, unknown>;
let resources: Record<string, { Type: string; Properties?: Json }>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const props = (id: string) => resources[id]!.Properties ?? {};

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  resources = Template.fromStack(new TrustdeskStack(app, 'Trustdesk', { config: readConfig(app) })).toJSON().Resources;
}, 60_000);

describe('mail feedback infrastructure', () => {
  it('publishes the configuration set’s bounces and complaints to an encrypted, TLS-only topic only it may publish to', () => {
    const [[setId]] = ofType('AWS::SES::ConfigurationSet') as [[string, unknown]];
    const [[destinationId]] = ofType('AWS::SES::ConfigurationSetEventDestination') as [[string, unknown]];
    const destination = props(destinationId);
    expect(destination.ConfigurationSetName).toEqual({ Ref: setId });
    const event = destination.EventDestination as { Enabled: boolean; MatchingEventTypes: string[]; SnsDestination: { TopicARN: { Ref: string } } };
    expect(event).toMatchObject({ Enabled: true, MatchingEventTypes: ['bounce', 'complaint'] });
    const topicId = event.SnsDestination.TopicARN.Ref;
    expect(resources[topicId]?.Type).toBe('AWS::SNS::Topic');

    const keyId = (props(topicId).KmsMasterKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    expect(props(keyId)).toMatchObject({ EnableKeyRotation: true });
    const keyStatements = ((props(keyId).KeyPolicy as Json).Statement as Json[]).filter((s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: 'ses.amazonaws.com' }));
    expect(keyStatements).toEqual([expect.objectContaining({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Condition: expect.objectContaining({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }) })]);

    const policies = ofType('AWS::SNS::TopicPolicy').filter(([, p]) => JSON.stringify(p.Properties?.Topics) === JSON.stringify([{ Ref: topicId }]));
    expect(policies).toHaveLength(1);
    const statements = (policies[0]![1].Properties!.PolicyDocument as Json).Statement as Json[];
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    const allowed = statements.filter((s) => s.Effect === 'Allow');
    expect(allowed).toEqual([expect.objectContaining({ Principal: { Service: 'ses.amazonaws.com' }, Action: 'sns:Publish', Condition: expect.objectContaining({ StringEquals: expect.objectContaining({ 'AWS:SourceAccount': { Ref: 'AWS::AccountId' } }) }) })]);
  });

  it('delivers the topic to the mail-feedback function, whose failed invocations are parked', () => {
    const [topicId] = ofType('AWS::SNS::Topic').find(([, t]) => t.Properties?.DisplayName === 'trustdesk SES bounces and complaints')!;
    const subscriptions = ofType('AWS::SNS::Subscription').filter(([, s]) => JSON.stringify(s.Properties?.TopicArn) === JSON.stringify({ Ref: topicId }));
    expect(subscriptions).toHaveLength(1);
    const { Protocol, Endpoint } = subscriptions[0]![1].Properties as { Protocol: string; Endpoint: { 'Fn::GetAtt': [string, string] } };
    expect(Protocol).toBe('lambda');
    const fnId = Endpoint['Fn::GetAtt'][0];
    expect(props(fnId).Description).toMatch(/^SES bounce and complaint notifications/);
    const invokeConfig = ofType('AWS::Lambda::EventInvokeConfig').find(([, c]) => JSON.stringify(c.Properties?.FunctionName) === JSON.stringify({ Ref: fnId }));
    expect(invokeConfig?.[1].Properties?.DestinationConfig).toMatchObject({ OnFailure: { Destination: expect.anything() } });
    expect(ofType('AWS::Lambda::Permission').some(([, p]) => p.Properties?.Principal === 'sns.amazonaws.com' && JSON.stringify(p.Properties?.SourceArn) === JSON.stringify({ Ref: topicId }))).toBe(true);
  });

  it('gives every function that sends email the configuration set, and lets it send with it', () => {
    const [[setId]] = ofType('AWS::SES::ConfigurationSet') as [[string, unknown]];
    const senders = ofType('AWS::Lambda::Function').filter(([, f]) => (f.Properties?.Environment as { Variables?: Json } | undefined)?.Variables?.SENDER_ADDRESS);
    expect(senders).toHaveLength(4); // outbox, workflow steps, report, email intake (its reply to a consult answer that fits no question)
    const policies = ofType('AWS::IAM::Policy');
    for (const [id, fn] of senders) {
      expect((fn.Properties!.Environment as { Variables: Json }).Variables.CONFIGURATION_SET, id).toEqual({ Ref: setId });
      const roleId = (fn.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const statements = policies.filter(([, p]) => JSON.stringify(p.Properties?.Roles) === JSON.stringify([{ Ref: roleId }])).flatMap(([, p]) => (p.Properties!.PolicyDocument as Json).Statement as Json[]);
      const send = statements.find((s) => JSON.stringify(s.Action) === JSON.stringify(['ses:SendEmail', 'ses:SendRawEmail']));
      expect(JSON.stringify(send?.Resource), id).toContain(`configuration-set/",{"Ref":"${setId}"}`);
    }
  });
});
