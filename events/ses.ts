// The event an SES receipt rule's Lambda action delivers (the raw MIME is in S3, under the message id).
import * as z from 'zod/mini';

const Verdict = z.object({ status: z.string() });

export const SesReceiptRecordSchema = z.object({
  eventSource: z.literal('aws:ses'),
  ses: z.object({
    mail: z.object({
      messageId: z.string().check(z.regex(/^[A-Za-z0-9._-]{1,200}$/)),
      timestamp: z.string(),
      source: z.string(),
      destination: z.array(z.string()),
    }),
    receipt: z.object({
      recipients: z.array(z.string()),
      spamVerdict: z.optional(Verdict),
      virusVerdict: z.optional(Verdict),
      spfVerdict: z.optional(Verdict),
      dkimVerdict: z.optional(Verdict),
      dmarcVerdict: z.optional(Verdict),
    }),
  }),
});

export const SesReceiptEventSchema = z.object({ Records: z.array(SesReceiptRecordSchema).check(z.minLength(1)) });

export type SesReceiptRecord = z.output<typeof SesReceiptRecordSchema>;
export type SesReceipt = SesReceiptRecord['ses']['receipt'];

/** Why a message must not become a case (empty: it may). */
export function verdictProblems(receipt: SesReceipt): string[] {
  const failed = (v: { status: string } | undefined) => v?.status?.toUpperCase() === 'FAIL';
  const problems: string[] = [];
  if (failed(receipt.spamVerdict)) problems.push('spam');
  if (failed(receipt.virusVerdict)) problems.push('virus');
  if (failed(receipt.dmarcVerdict)) problems.push('dmarc');
  if (failed(receipt.spfVerdict) && failed(receipt.dkimVerdict)) problems.push('unauthenticated sender (spf and dkim failed)');
  return problems;
}
