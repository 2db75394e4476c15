// SNS, locally: the template's topics and their Lambda subscriptions (AWS::SNS::Subscription, Protocol
// lambda), and Publish delivering each message to every subscribed function as SNS does — asynchronously
// (the async invoker's queue and retries, so settle waits for it), with an SNS-shaped event of one record
// whose `Message` is the published string. Only what trustdesk's template uses: no filter policies, no raw
// delivery, no other protocols (those subscriptions are listed and skipped).
import { randomUUID } from 'node:crypto';
import type { AsyncInvoker } from './async-invoker.ts';
import type { LocalFunction } from './lambda-runtime.ts';
import { resolveIntrinsics, resourcesOfType, type CfnTemplate, type IntrinsicContext } from './template.ts';

export interface SnsSubscription {
  id: string;
  topicArn: string;
  /** The logical id of the subscribed function. */
  functionId: string;
}

export interface LocalSns {
  /** Every topic's ARN (what Ref gives locally). */
  topics(): string[];
  subscriptions(): SnsSubscription[];
  /** Publish to a topic: each subscribed function gets it (in the background); the SNS message id. */
  publish(topicArn: string, message: string, subject?: string): string;
  /** How many messages were published (the local cloud's settle counts them as progress). */
  published(): number;
}

export function lambdaSubscriptionsFromTemplate(template: CfnTemplate, ctx: IntrinsicContext): SnsSubscription[] {
  return resourcesOfType(template, 'AWS::SNS::Subscription').flatMap(([id, resource]) => {
    const props = resource.Properties ?? {};
    if (props.Protocol !== 'lambda') return [];
    const att = (props.Endpoint as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
    if (!att) throw new Error(`${id}: a lambda subscription's Endpoint must be a function of this stack (Fn::GetAtt)`);
    return [{ id, topicArn: String(resolveIntrinsics(props.TopicArn, ctx)), functionId: att[0] }];
  });
}

/** The event Lambda gets from SNS for one message. */
export function snsEvent(o: { topicArn: string; subscriptionId: string; messageId: string; message: string; subject?: string; now: Date }): unknown {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${o.topicArn}:${o.subscriptionId}`,
        Sns: {
          Type: 'Notification',
          MessageId: o.messageId,
          TopicArn: o.topicArn,
          Subject: o.subject ?? null,
          Message: o.message,
          Timestamp: o.now.toISOString(),
          SignatureVersion: '1',
          Signature: 'local',
          SigningCertUrl: '',
          UnsubscribeUrl: '',
          MessageAttributes: {},
        },
      },
    ],
  };
}

export function startLocalSns(o: {
  template: CfnTemplate;
  ctx: IntrinsicContext;
  functions: Map<string, LocalFunction>;
  asyncInvoker: AsyncInvoker;
  now: () => Date;
  log: (line: string) => void;
}): LocalSns {
  const topics = resourcesOfType(o.template, 'AWS::SNS::Topic').map(([id]) => o.ctx.ref(id));
  const subscriptions = lambdaSubscriptionsFromTemplate(o.template, o.ctx);
  for (const s of subscriptions) {
    if (!topics.includes(s.topicArn)) throw new Error(`${s.id}: no topic ${s.topicArn} in the template`);
    if (!o.functions.has(s.functionId)) throw new Error(`${s.id}: no function ${s.functionId} in the template`);
  }
  let published = 0;
  return {
    topics: () => [...topics],
    subscriptions: () => [...subscriptions],
    publish(topicArn, message, subject) {
      if (!topics.includes(topicArn)) throw new Error(`sns: no topic ${topicArn}`);
      const messageId = randomUUID();
      published++;
      for (const s of subscriptions.filter((x) => x.topicArn === topicArn)) {
        o.asyncInvoker.invoke(o.functions.get(s.functionId)!, snsEvent({ topicArn, subscriptionId: s.id, messageId, message, ...(subject && { subject }), now: o.now() }));
      }
      return messageId;
    },
    published: () => published,
  };
}
