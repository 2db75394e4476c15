// The local S3's lifecycle expiration: rules read from a template's buckets, objects aged on the virtual clock.
import { afterEach, describe, expect, it } from 'vitest';
import { installVirtualClock, type VirtualClock } from '../../local/clock.ts';
import { expirationRules, startS3Lifecycle, type S3Lifecycle } from '../../local/s3-lifecycle.ts';
import { startS3Server, type LocalS3 } from '../../local/s3-server.ts';
import type { CfnTemplate } from '../../local/template.ts';

const DAY = 86_400_000;
const template: CfnTemplate = {
  Resources: {
    MailBucket: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        LifecycleConfiguration: {
          Rules: [
            { Id: 'RawInboundMailExpires', Prefix: 'inbound/', ExpirationInDays: 15, NoncurrentVersionExpiration: { NoncurrentDays: 1 }, Status: 'Enabled' },
            { Id: 'Off', Prefix: 'attachments/', ExpirationInDays: 1, Status: 'Disabled' },
          ],
        },
      },
    },
    Logs: { Type: 'AWS::S3::Bucket', Properties: { LifecycleConfiguration: { Rules: [{ Filter: { Prefix: 'x/' }, ExpirationInDays: 365, Status: 'Enabled' }] } } },
    Plain: { Type: 'AWS::S3::Bucket', Properties: {} },
  },
} as CfnTemplate;

describe('expirationRules', () => {
  it('reads the enabled expiration rules of every bucket, named as the local cloud names buckets', () => {
    expect(expirationRules(template, (id) => id.toLowerCase())).toEqual([
      { bucket: 'mailbucket', id: 'RawInboundMailExpires', prefix: 'inbound/', days: 15 },
      { bucket: 'logs', id: 'rule-1', prefix: 'x/', days: 365 },
    ]);
  });
});

describe('startS3Lifecycle', () => {
  let clock: VirtualClock | undefined;
  let s3: LocalS3 | undefined;
  let lifecycle: S3Lifecycle | undefined;
  afterEach(async () => {
    lifecycle?.stop();
    await s3?.stop();
    clock?.uninstall();
  });

  it('deletes objects under the prefix once the local clock passes their expiration, and nothing else', async () => {
    clock = installVirtualClock({ timeScale: 0 });
    s3 = await startS3Server({ port: 0 });
    lifecycle = startS3Lifecycle({ rules: expirationRules(template, (id) => id.toLowerCase()), s3, clock });
    await s3.put('mailbucket', 'inbound/old', Buffer.from('raw mime'));
    await s3.put('mailbucket', 'attachments/a/1-x.csv', Buffer.from('kept'));
    clock.advance(10 * DAY);
    await s3.put('mailbucket', 'inbound/newer', Buffer.from('raw mime 2'));

    clock.advance(5 * DAY - 1000);
    expect(await lifecycle.sweep()).toEqual([]);
    clock.advance(1000);
    expect(await lifecycle.sweep()).toEqual([]); // the clock move's own sweep already took it
    expect(await s3.get('mailbucket', 'inbound/old')).toBeUndefined();
    expect(await s3.get('mailbucket', 'inbound/newer')).toEqual(Buffer.from('raw mime 2'));
    expect(await s3.get('mailbucket', 'attachments/a/1-x.csv')).toEqual(Buffer.from('kept'));

    clock.advance(10 * DAY);
    await lifecycle.sweep();
    expect(await s3.get('mailbucket', 'inbound/newer')).toBeUndefined();
    expect(await s3.get('mailbucket', 'attachments/a/1-x.csv')).toEqual(Buffer.from('kept'));
  });
});
