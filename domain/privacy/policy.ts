// The privacy policy (config/privacy-policy.json): how long the raw inbound mail — the one copy of what a
// requester sent before card data was masked — is kept. Validated at synth time; infra turns it into the mail
// bucket's lifecycle rule and checks it against how long a parked inbound message can wait to be replayed.
import * as z from 'zod/mini';
import '../zod-english.ts';

export const PrivacyPolicySchema = z.strictObject({
  _comment: z.optional(z.string()),
  rawInboundMailRetentionDays: z.number().check(z.int(), z.positive()),
});
export type PrivacyPolicy = z.infer<typeof PrivacyPolicySchema>;

export function parsePrivacyPolicy(json: unknown): PrivacyPolicy {
  const result = PrivacyPolicySchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`Invalid privacy policy:\n${problems.join('\n')}`);
}
