// The raw inbound MIME (the only unmasked copy of what a requester sent) expires on the mail bucket's lifecycle
// rule, after config/privacy-policy.json's retention, which must outlive a parked inbound message's replay window.
// Attachments never expire by a bucket rule (a legal hold keeps them); an erased one's old version goes a day on.
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import privacyPolicy from '../../config/privacy-policy.json' with { type: 'json' };
import { readConfig } from '../../infra/config.ts';
import { EXPORTS_PREFIX } from '../../functions/lib/use-cases/export-case.ts';
import { ATTACHMENTS_PREFIX } from '../../infra/constructs/governance.ts';
import { INBOUND_MAIL_PREFIX, rawMailRetentionDays } from '../../infra/constructs/intake.ts';
import { PARKED_RETENTION_DAYS } from '../../infra/constructs/parked-records.ts';
import { TrustdeskStack } from '../../infra/trustdesk-stack.ts';

let template: Template;
beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  template = Template.fromStack(new TrustdeskStack(app, 'Trustdesk', { config: readConfig(app) }));
}, 60_000);

describe('raw inbound mail retention', () => {
  it('expires inbound/ on the versioned mail bucket after the policy’s days, noncurrent versions a day later; erased attachments and large exports a day after; nothing else expires', () => {
    const buckets = template.findResources('AWS::S3::Bucket', { Properties: { VersioningConfiguration: { Status: 'Enabled' } } });
    const rules = Object.values(buckets).map((b) => (b as { Properties: { LifecycleConfiguration?: { Rules: unknown[] } } }).Properties.LifecycleConfiguration?.Rules);
    expect(rules).toEqual([
      [
        {
          Id: 'RawInboundMailExpires',
          Prefix: INBOUND_MAIL_PREFIX,
          ExpirationInDays: privacyPolicy.rawInboundMailRetentionDays,
          NoncurrentVersionExpiration: { NoncurrentDays: 1 },
          Status: 'Enabled',
        },
        {
          Id: 'ErasedAttachmentsGo',
          Prefix: ATTACHMENTS_PREFIX,
          ExpiredObjectDeleteMarker: true,
          NoncurrentVersionExpiration: { NoncurrentDays: 1 },
          Status: 'Enabled',
        },
        { Id: 'LargeExportsExpire', Prefix: EXPORTS_PREFIX, ExpirationInDays: 1, NoncurrentVersionExpiration: { NoncurrentDays: 1 }, Status: 'Enabled' },
      ],
    ]);
    template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: PARKED_RETENTION_DAYS * 86_400 });
    template.hasResourceProperties('AWS::SES::ReceiptRule', { Rule: { Actions: Match.arrayWith([{ S3Action: Match.objectLike({ ObjectKeyPrefix: INBOUND_MAIL_PREFIX }) }]) } });
  });

  it('keeps the raw mail longer than a parked inbound message waits to be replayed', () => {
    expect(rawMailRetentionDays()).toBeGreaterThan(PARKED_RETENTION_DAYS);
    expect(() => rawMailRetentionDays({ ...privacyPolicy, rawInboundMailRetentionDays: PARKED_RETENTION_DAYS })).toThrow(/must be more than the 14 days/);
    expect(() => rawMailRetentionDays({ ...privacyPolicy, rawInboundMailRetentionDays: 'soon' })).toThrow(/Invalid privacy policy/);
    expect(() => rawMailRetentionDays({ ...privacyPolicy, rawInboundMailRetentionDays: 30, extra: 1 })).toThrow(/Invalid privacy policy/);
  });
});
