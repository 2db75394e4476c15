// Policies are config (config/*.json), validated once per cold start.
import type { Policies } from '#domain/intake.ts';
import { parseSlaPolicy } from '#domain/sla/policy.ts';
import { parseTriagePolicy } from '#domain/triage/policy.ts';
import slaPolicy from '../../config/sla-policy.json' with { type: 'json' };
import triagePolicy from '../../config/triage-policy.json' with { type: 'json' };

export const policies: Policies = {
  triage: parseTriagePolicy(triagePolicy),
  sla: parseSlaPolicy(slaPolicy),
};
