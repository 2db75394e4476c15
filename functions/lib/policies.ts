// Policies are config (config/*.json), validated once per cold start.
import type { Policies } from '#domain/intake.ts';
import { parseTriagePolicy } from '#domain/triage/policy.ts';
import triagePolicy from '../../config/triage-policy.json' with { type: 'json' };
import { slaPolicy } from './sla-config.ts';

export const policies: Policies = {
  triage: parseTriagePolicy(triagePolicy),
  sla: slaPolicy,
};
