// The privacy policy (config/privacy-policy.json): how long the raw inbound mail — the one copy of what a
// requester sent before card data was masked — is kept, and how long a closed case keeps its personal data
// (the retention run, domain/retention.ts). Validated at synth time; infra turns it into the mail
// bucket's lifecycle rule and checks it against how long a parked inbound message can wait to be replayed.
import * as z from 'zod/mini';
import { parsePolicy } from '../policy-file.ts';
import '../zod-english.ts';

export const PrivacyPolicySchema = z.strictObject({
  _comment: z.optional(z.string()),
  rawInboundMailRetentionDays: z.number().check(z.int(), z.positive()),
  closedCaseRetentionDays: z.number().check(z.int(), z.positive()),
  /** An EventBridge cron expression (six fields) and the time zone it runs in. */
  retentionCron: z.string().check(z.regex(/^\S+( \S+){5}$/, 'must be an EventBridge cron expression of six fields')),
  retentionTimeZone: z.string().check(z.minLength(1)),
});
export type PrivacyPolicy = z.infer<typeof PrivacyPolicySchema>;

export const parsePrivacyPolicy = (json: unknown): PrivacyPolicy => parsePolicy(PrivacyPolicySchema, json, 'privacy');
