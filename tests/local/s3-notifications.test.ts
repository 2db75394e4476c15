// Local S3 notifications: the template's Custom::S3BucketNotifications (bucket, events, prefix/suffix rules,
// function), and a stored object handed to each matching function as an S3 event, asynchronously (through the
// async invoker, so settle waits for it), with the key URL-encoded as S3 sends it; through the real local S3 too.
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { parseObjectCreated } from '../../events/s3-object-created.ts';
import { createAsyncInvoker } from '../../local/async-invoker.ts';
import type { LocalFunction } from '../../local/lambda-runtime.ts';
import { eventMatches, notificationsFromTemplate, startS3Notifications } from '../../local/s3-notifications.ts';
import { startS3Server } from '../../local/s3-server.ts';
import type { CfnTemplate, IntrinsicContext } from '../../local/template.ts';

const ctx: IntrinsicContext = { region: 'us-east-1', accountId: '000000000000', partition: 'aws', stackName: 'T', urlSuffix: 'amazonaws.com', ref: (id) => id.toLowerCase(), getAtt: (id, a) => `${id}.${a}` };
const template: CfnTemplate = {
  Resources: {
    Imports: { Type: 'AWS::S3::Bucket' },
    Other: { Type: 'AWS::S3::Bucket' },
    ImportsNotifications: {
      Type: 'Custom::S3BucketNotifications',
      Properties: {
        ServiceToken: { 'Fn::GetAtt': ['BucketNotificationsHandler', 'Arn'] },
        BucketName: { Ref: 'Imports' },
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            { Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'imports/' }] } }, LambdaFunctionArn: { 'Fn::GetAtt': ['Importer', 'Arn'] } },
            { Events: ['s3:ObjectCreated:Put'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'imports/' }, { Name: 'suffix', Value: '.csv' }] } }, LambdaFunctionArn: { 'Fn::GetAtt': ['CsvOnly', 'Arn'] } },
            { Events: ['s3:ObjectRemoved:*'], LambdaFunctionArn: { 'Fn::GetAtt': ['Importer', 'Arn'] } },
          ],
        },
        Managed: true,
      },
    },
  },
};

function fakeFunction(logicalId: string, events: unknown[]): LocalFunction {
  return { logicalId, description: '', timeoutSeconds: 3, memoryMb: 128, environment: {}, invoke: async (e) => void events.push(e) };
}

describe('local S3 notifications', () => {
  it('reads the Lambda configurations of the template: bucket, events, prefix and suffix, function', () => {
    expect(notificationsFromTemplate(template, ctx)).toEqual([
      { id: 'ImportsNotifications', bucket: 'imports', events: ['s3:ObjectCreated:*'], prefix: 'imports/', suffix: '', functionId: 'Importer' },
      { id: 'ImportsNotifications', bucket: 'imports', events: ['s3:ObjectCreated:Put'], prefix: 'imports/', suffix: '.csv', functionId: 'CsvOnly' },
      { id: 'ImportsNotifications', bucket: 'imports', events: ['s3:ObjectRemoved:*'], prefix: '', suffix: '', functionId: 'Importer' },
    ]);
  });

  it('matches event names exactly or by a trailing wildcard', () => {
    expect(eventMatches(['s3:ObjectCreated:*'], 's3:ObjectCreated:Put')).toBe(true);
    expect(eventMatches(['s3:ObjectCreated:Put'], 's3:ObjectCreated:Put')).toBe(true);
    expect(eventMatches(['s3:ObjectRemoved:*'], 's3:ObjectCreated:Put')).toBe(false);
    expect(eventMatches(['s3:ObjectCreated:Copy'], 's3:ObjectCreated:Put')).toBe(false);
  });

  it('invokes each matching function with an S3 event record, and none for another prefix, suffix or bucket', async () => {
    const importer: unknown[] = [];
    const csvOnly: unknown[] = [];
    const asyncInvoker = createAsyncInvoker({ log: () => {} });
    const functions = new Map([
      ['Importer', fakeFunction('Importer', importer)],
      ['CsvOnly', fakeFunction('CsvOnly', csvOnly)],
    ]);
    const notifications = startS3Notifications({ template, ctx, functions, asyncInvoker, now: () => new Date('2026-12-04T10:00:00Z'), log: () => {} });
    expect(notifications.objectCreated({ bucket: 'imports', key: 'imports/day 1.csv', size: 42, etag: '"abc"' })).toBe(2);
    expect(notifications.objectCreated({ bucket: 'imports', key: 'imports/day.jsonl', size: 7, etag: '"def"' })).toBe(1);
    expect(notifications.objectCreated({ bucket: 'imports', key: 'reports/day.csv.report.json', size: 7, etag: '"x"' })).toBe(0);
    expect(notifications.objectCreated({ bucket: 'other', key: 'imports/day.csv', size: 7, etag: '"x"' })).toBe(0);
    await asyncInvoker.whenIdle();
    expect(notifications.sent()).toBe(3);
    expect(csvOnly).toHaveLength(1);
    expect(importer).toHaveLength(2);
    expect(importer[0]).toEqual({
      Records: [
        expect.objectContaining({
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          eventTime: '2026-12-04T10:00:00.000Z',
          eventName: 'ObjectCreated:Put',
          s3: expect.objectContaining({
            configurationId: 'ImportsNotifications',
            bucket: expect.objectContaining({ name: 'imports', arn: 'arn:aws:s3:::imports' }),
            object: expect.objectContaining({ key: 'imports/day+1.csv', size: 42, eTag: 'abc' }),
          }),
        }),
      ],
    });
    // What the import function reads of it: the key decoded back.
    expect(parseObjectCreated(importer[0])).toEqual([{ bucket: 'imports', key: 'imports/day 1.csv', size: 42 }]);
  });

  it('refuses a template whose notification names a function it does not have', () => {
    expect(() => startS3Notifications({ template, ctx, functions: new Map(), asyncInvoker: createAsyncInvoker({ log: () => {} }), now: () => new Date(), log: () => {} })).toThrow(/no function Importer/);
  });

  it('hears of every PutObject the local S3 answers, before the answer', async () => {
    const heard: { bucket: string; key: string; size: number; etag: string }[] = [];
    const server = await startS3Server({ port: 0, onObjectCreated: (o) => heard.push(o) });
    try {
      const client = new S3Client({ region: 'us-east-1', endpoint: server.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      const put = await client.send(new PutObjectCommand({ Bucket: 'imports', Key: 'imports/a b.csv', Body: 'hello' }));
      expect(heard).toEqual([{ bucket: 'imports', key: 'imports/a b.csv', size: 5, etag: put.ETag }]);
    } finally {
      await server.stop();
    }
  });
});
