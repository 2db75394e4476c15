// S3 event notifications, locally: CDK configures a bucket's notifications through a `Custom::S3BucketNotifications`
// resource whose handler is an inline Python function (which the local cloud does not run), so this reads that
// resource's properties instead — its `BucketName` and each `NotificationConfiguration.LambdaFunctionConfigurations`
// entry (`Events`, `Filter.Key.FilterRules` prefix/suffix, `LambdaFunctionArn`) — and, on every object the local S3
// stores, invokes each matching function asynchronously (the async invoker's queue and retries, as S3 does on AWS,
// so settle waits for it) with an S3 event of one record shaped as AWS sends it (the key URL-encoded, `+` for a
// space). Only ObjectCreated events, which is all the template uses; queue and topic configurations are skipped.
import { randomUUID } from 'node:crypto';
import type { AsyncInvoker } from './async-invoker.ts';
import type { LocalFunction } from './lambda-runtime.ts';
import { resolveIntrinsics, resourcesOfType, type CfnTemplate, type IntrinsicContext } from './template.ts';

export interface BucketNotification {
  /** The logical id of the Custom::S3BucketNotifications resource. */
  id: string;
  bucket: string;
  events: string[];
  prefix: string;
  suffix: string;
  /** The logical id of the notified function. */
  functionId: string;
}

export interface CreatedObject {
  bucket: string;
  key: string;
  size: number;
  etag: string;
}

export interface LocalS3Notifications {
  notifications(): BucketNotification[];
  /** An object was stored (PutObject): each matching function is invoked in the background; how many. */
  objectCreated(object: CreatedObject): number;
  /** How many notifications were sent (the local cloud's settle counts them as progress). */
  sent(): number;
}

interface LambdaConfiguration {
  Events?: string[];
  Filter?: { Key?: { FilterRules?: { Name?: string; Value?: string }[] } };
  LambdaFunctionArn?: unknown;
}

export function notificationsFromTemplate(template: CfnTemplate, ctx: IntrinsicContext): BucketNotification[] {
  return resourcesOfType(template, 'Custom::S3BucketNotifications').flatMap(([id, resource]) => {
    const props = resource.Properties ?? {};
    const bucket = String(resolveIntrinsics(props.BucketName, ctx));
    const configurations = ((props.NotificationConfiguration as { LambdaFunctionConfigurations?: LambdaConfiguration[] } | undefined)?.LambdaFunctionConfigurations ?? []);
    return configurations.map((c) => {
      const att = (c.LambdaFunctionArn as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
      if (!att) throw new Error(`${id}: a notification's LambdaFunctionArn must be a function of this stack (Fn::GetAtt)`);
      const rule = (name: string) => c.Filter?.Key?.FilterRules?.find((r) => r.Name?.toLowerCase() === name)?.Value ?? '';
      return { id, bucket, events: c.Events ?? [], prefix: rule('prefix'), suffix: rule('suffix'), functionId: att[0] };
    });
  });
}

/** Whether an event name (s3:ObjectCreated:Put) is one a configuration asks for (s3:ObjectCreated:* or itself). */
export function eventMatches(configured: string[], eventName: string): boolean {
  return configured.some((e) => e === eventName || (e.endsWith(':*') && eventName.startsWith(e.slice(0, -1))));
}

/** How S3 writes a key into an event: URL-encoded, a space as `+`, slashes kept. */
export function eventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

/** The event Lambda gets from S3 for one created object. */
export function s3Event(o: { object: CreatedObject; eventName: string; configurationId: string; now: Date; sequencer: string }): unknown {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: o.now.toISOString(),
        eventName: o.eventName,
        userIdentity: { principalId: 'local' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase(), 'x-amz-id-2': 'local' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: o.configurationId,
          bucket: { name: o.object.bucket, ownerIdentity: { principalId: 'local' }, arn: `arn:aws:s3:::${o.object.bucket}` },
          object: { key: eventKey(o.object.key), size: o.object.size, eTag: o.object.etag.replace(/"/g, ''), sequencer: o.sequencer },
        },
      },
    ],
  };
}

export function startS3Notifications(o: {
  template: CfnTemplate;
  ctx: IntrinsicContext;
  functions: Map<string, LocalFunction>;
  asyncInvoker: Pick<AsyncInvoker, 'invoke'>;
  now: () => Date;
  log: (line: string) => void;
}): LocalS3Notifications {
  const notifications = notificationsFromTemplate(o.template, o.ctx);
  for (const n of notifications) {
    if (!o.functions.has(n.functionId)) throw new Error(`${n.id}: no function ${n.functionId} in the template`);
  }
  let sent = 0;
  let sequence = 0;
  return {
    notifications: () => [...notifications],
    objectCreated(object) {
      const eventName = 'ObjectCreated:Put';
      const matching = notifications.filter(
        (n) => n.bucket === object.bucket && eventMatches(n.events, `s3:${eventName}`) && object.key.startsWith(n.prefix) && object.key.endsWith(n.suffix),
      );
      for (const n of matching) {
        sent++;
        const sequencer = (++sequence).toString(16).toUpperCase().padStart(16, '0');
        o.asyncInvoker.invoke(o.functions.get(n.functionId)!, s3Event({ object, eventName, configurationId: n.id, now: o.now(), sequencer }));
      }
      if (matching.length > 0) o.log(`s3 ${object.bucket}/${object.key}: notified ${matching.map((n) => n.functionId).join(', ')}`);
      return matching.length;
    },
    sent: () => sent,
  };
}
