// The privacy policy (config/privacy-policy.json): how long the raw inbound mail — the one copy of what a
// requester sent before card data was masked — is kept. Validated at synth time; infra turns it into the mail
// bucket's lifecycle rule and checks it against how long a parked inbound message can wait to be replayed.
import * as z from 'zod/mini';
import { parsePolicy } from '../policy-file.ts';
import '../zod-english.ts';

export const PrivacyPolicySchema = z.strictObject({
  _comment: z.optional(z.string()),
  rawInboundMailRetentionDays: z.number().check(z.int(), z.positive()),
});
export type PrivacyPolicy = z.infer<typeof PrivacyPolicySchema>;

export const parsePrivacyPolicy = (json: unknown): PrivacyPolicy => parsePolicy(PrivacyPolicySchema, json, 'privacy');
