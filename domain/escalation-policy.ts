import * as z from 'zod/mini';
import { parsePolicy } from './policy-file.ts';
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

export const parseEscalationPolicy = (json: unknown): EscalationPolicy => parsePolicy(EscalationPolicySchema, json, 'escalation');
