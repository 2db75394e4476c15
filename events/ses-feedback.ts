// What SES says about mail it sent, as it reaches the mail-feedback function: a configuration set's event
// destination publishes each Bounce and Complaint to an SNS topic, and SNS delivers it to Lambda wrapped
// in an SNS record whose `Message` is the SES notification as a JSON string. Both of SES's shapes are read:
// event publishing (`eventType`, what the configuration set sends) and identity notifications
// (`notificationType`), which differ in that one field only. Only the fields trustdesk acts on are
// required; SES adds more (headers, tags, reporting MTA) and those are ignored.
import * as z from 'zod/mini';

export const SnsRecordSchema = z.object({
  EventSource: z.literal('aws:sns'),
  Sns: z.object({
    MessageId: z.string().check(z.minLength(1)),
    TopicArn: z.string(),
    Message: z.string(),
  }),
});

export const SnsEventSchema = z.object({ Records: z.array(SnsRecordSchema).check(z.minLength(1)) });

const Mail = z.object({ messageId: z.string().check(z.regex(/^[A-Za-z0-9._-]{1,200}$/)) });
const Recipient = z.object({ emailAddress: z.string().check(z.minLength(3)) });

const BounceFields = {
  mail: Mail,
  bounce: z.object({
    feedbackId: z.optional(z.string()),
    /** SES also says Undetermined (it could not tell): read as not permanent. */
    bounceType: z.enum(['Permanent', 'Transient', 'Undetermined']),
    bouncedRecipients: z.array(z.extend(Recipient, { status: z.optional(z.string()), action: z.optional(z.string()), diagnosticCode: z.optional(z.string()) })).check(z.minLength(1)),
  }),
};
const ComplaintFields = {
  mail: Mail,
  complaint: z.object({
    feedbackId: z.optional(z.string()),
    complainedRecipients: z.array(Recipient).check(z.minLength(1)),
    complaintFeedbackType: z.optional(z.string()),
  }),
};

export const SesFeedbackSchema = z.union([
  z.object({ eventType: z.literal('Bounce'), ...BounceFields }),
  z.object({ notificationType: z.literal('Bounce'), ...BounceFields }),
  z.object({ eventType: z.literal('Complaint'), ...ComplaintFields }),
  z.object({ notificationType: z.literal('Complaint'), ...ComplaintFields }),
]);

export type SnsRecord = z.output<typeof SnsRecordSchema>;

/** One SES notification in trustdesk's words: a bounce or a complaint about the email SES gave `messageId`. */
export type MailFeedback =
  | {
      kind: 'bounce';
      /** The SES message id of the email it is about (what the mailer returned when it sent it). */
      messageId: string;
      /** SES's id of this notification, else SNS's: a redelivery carries the same one. */
      feedbackId: string;
      permanent: boolean;
      recipients: { address: string; action: string; status: string; diagnosticCode?: string }[];
    }
  | { kind: 'complaint'; messageId: string; feedbackId: string; recipients: { address: string }[]; feedbackType?: string };

/** The feedback an SNS record carries, or the paths of what is wrong with it (never its values: they hold addresses). */
export function mailFeedbackOf(record: SnsRecord): { feedback: MailFeedback } | { problems: string[] } {
  let message: unknown;
  try {
    message = JSON.parse(record.Sns.Message);
  } catch {
    return { problems: ['Sns.Message is not JSON'] };
  }
  const parsed = SesFeedbackSchema.safeParse(message);
  if (!parsed.success) return { problems: parsed.error.issues.map((i) => i.path.join('.') || '(root)') };
  const n = parsed.data;
  const messageId = n.mail.messageId;
  if ('bounce' in n) {
    const permanent = n.bounce.bounceType === 'Permanent';
    return {
      feedback: {
        kind: 'bounce',
        messageId,
        feedbackId: n.bounce.feedbackId || record.Sns.MessageId,
        permanent,
        recipients: n.bounce.bouncedRecipients.map((r) => ({
          address: r.emailAddress.trim().toLowerCase(),
          action: r.action ?? (permanent ? 'failed' : 'delayed'),
          // SES leaves status out when the receiving server gave none: the class its bounce type says.
          status: r.status ?? (permanent ? '5.0.0' : '4.0.0'),
          ...(r.diagnosticCode && { diagnosticCode: r.diagnosticCode }),
        })),
      },
    };
  }
  return {
    feedback: {
      kind: 'complaint',
      messageId,
      feedbackId: n.complaint.feedbackId || record.Sns.MessageId,
      recipients: n.complaint.complainedRecipients.map((r) => ({ address: r.emailAddress.trim().toLowerCase() })),
      ...(n.complaint.complaintFeedbackType && { feedbackType: n.complaint.complaintFeedbackType }),
    },
  };
}
