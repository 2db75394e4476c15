// The SNS-wrapped SES notification the mail-feedback function reads: the sample event, both of SES's
// shapes (event publishing and identity notifications), and what is refused — naming fields, never values.
import { describe, expect, it } from 'vitest';
import { mailFeedbackOf, SnsEventSchema, type SnsRecord } from '#events/ses-feedback.ts';
import sample from '../../events/samples/mail-feedback-bounce.json' with { type: 'json' };

const record = (message: unknown, snsMessageId = 'sns-1'): SnsRecord => ({ EventSource: 'aws:sns', Sns: { MessageId: snsMessageId, TopicArn: 'arn:aws:sns:us-east-1:1:T', Message: typeof message === 'string' ? message : JSON.stringify(message) } });
const mail = { messageId: '0100018c-abc-000000', source: 'no-reply@example.com', destination: ['sam@example.com'] };

describe('SES bounce and complaint notifications (SNS)', () => {
  it('reads the sample event: a permanent bounce of one email', () => {
    const [first] = SnsEventSchema.parse(sample).Records;
    expect(mailFeedbackOf(first!)).toEqual({
      feedback: {
        kind: 'bounce',
        messageId: '0100018c3f2a1b2c-5e6f7a8b-1c2d-4e5f-8a9b-0c1d2e3f4a5b-000000',
        feedbackId: '0100018c3f2a1b2c-5e6f7a8b-1c2d-4e5f-8a9b-0c1d2e3f4a5b-000000',
        permanent: true,
        recipients: [{ address: 'sam@example.com', action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
      },
    });
  });

  it('reads identity notifications (notificationType) too; a transient bounce without status is not permanent, a missing feedback id falls back to SNS’s', () => {
    const read = mailFeedbackOf(record({ notificationType: 'Bounce', mail, bounce: { bounceType: 'Transient', bouncedRecipients: [{ emailAddress: 'Sam@Example.com' }] } }, 'sns-42'));
    expect(read).toEqual({ feedback: { kind: 'bounce', messageId: mail.messageId, feedbackId: 'sns-42', permanent: false, recipients: [{ address: 'sam@example.com', action: 'delayed', status: '4.0.0' }] } });
  });

  it('reads a complaint with its feedback type', () => {
    const read = mailFeedbackOf(record({ eventType: 'Complaint', mail, complaint: { feedbackId: 'fb-1', complainedRecipients: [{ emailAddress: 'sam@example.com' }], complaintFeedbackType: 'abuse' } }));
    expect(read).toEqual({ feedback: { kind: 'complaint', messageId: mail.messageId, feedbackId: 'fb-1', recipients: [{ address: 'sam@example.com' }], feedbackType: 'abuse' } });
  });

  it.each([
    ['not JSON', 'sam@example.com bounced', ['Sns.Message is not JSON']],
    ['another event type', { eventType: 'Delivery', mail, delivery: { recipients: ['sam@example.com'] } }, undefined],
    ['a bounce without recipients', { eventType: 'Bounce', mail, bounce: { bounceType: 'Permanent', bouncedRecipients: [] } }, undefined],
    ['an unknown bounce type', { eventType: 'Bounce', mail, bounce: { bounceType: 'Soft', bouncedRecipients: [{ emailAddress: 'sam@example.com' }] } }, undefined],
    ['a message id that is not SES’s', { eventType: 'Bounce', mail: { messageId: '<x y>' }, bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'sam@example.com' }] } }, undefined],
  ])('refuses %s, naming what is wrong and not the values', (_, message, problems) => {
    const read = mailFeedbackOf(record(message));
    expect(read).toHaveProperty('problems');
    if (problems) expect(read).toEqual({ problems });
    expect(JSON.stringify(read)).not.toContain('sam@example.com');
  });

  it('refuses an event that is not from SNS', () => {
    expect(SnsEventSchema.safeParse({ Records: [{ EventSource: 'aws:sqs', Sns: {} }] }).success).toBe(false);
    expect(SnsEventSchema.safeParse({ Records: [] }).success).toBe(false);
  });
});
