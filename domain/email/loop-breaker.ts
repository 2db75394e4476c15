// The last guard against mail loops: however a message slipped past automatic-mail detection, one
// sender address gets at most a few acknowledgements an hour (config/email-policy.json; default 5).
// Past the cap an acknowledgement is recorded as withheld, never sent. Pure: the caller counts
// what was sent in the hour (a counter per address and hour in storage) and asks.
import * as z from 'zod/mini';
import '../zod-english.ts';

export const DEFAULT_ACKNOWLEDGEMENTS_PER_SENDER_PER_HOUR = 5;

const EmailPolicySchema = z.strictObject({
  version: z.literal(1),
  description: z.optional(z.string()),
  acknowledgementsPerSenderPerHour: z._default(z.number().check(z.int(), z.gte(0), z.lte(1000)), DEFAULT_ACKNOWLEDGEMENTS_PER_SENDER_PER_HOUR),
});
export type EmailPolicy = z.output<typeof EmailPolicySchema>;

/** Validate the email policy (throws with every problem named). */
export function parseEmailPolicy(input: unknown): EmailPolicy {
  const parsed = EmailPolicySchema.safeParse(input);
  if (!parsed.success) throw new Error(`email policy: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** The hour an acknowledgement counts against: "2026-12-03T14". */
export const acknowledgementHour = (now: Date): string => now.toISOString().slice(0, 13);

/** Send the acknowledgement that would be the `nth` to this sender this hour (1 = the first), or withhold it. */
export const acknowledgementDecision = (nth: number, policy: EmailPolicy): 'send' | 'withhold' =>
  nth <= policy.acknowledgementsPerSenderPerHour ? 'send' : 'withhold';
