import * as z from 'zod/mini';
import { ESCALATION_TIERS } from './case.ts';
import './zod-english.ts';

const Tier = z.strictObject({
  label: z.string().check(z.minLength(1)),
  address: z.email(),
  ackMinutes: z.number().check(z.int(), z.positive()),
});

export const EscalationPolicySchema = z.strictObject({
  _comment: z.optional(z.string()),
  tiers: z.strictObject(Object.fromEntries(ESCALATION_TIERS.map((t) => [t, Tier])) as Record<(typeof ESCALATION_TIERS)[number], typeof Tier>),
  warningsAddress: z.email(),
});
export type EscalationPolicy = z.infer<typeof EscalationPolicySchema>;

export function parseEscalationPolicy(json: unknown): EscalationPolicy {
  const result = EscalationPolicySchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`Invalid escalation policy:\n${problems.join('\n')}`);
}
