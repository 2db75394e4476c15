// Policies are config (config/*.json), validated once per cold start.
import type { Policies } from '#domain/intake.ts';
import { parseEscalationPolicy } from '#domain/escalation-policy.ts';
import { parseSlaPolicy } from '#domain/sla/policy.ts';
import { parseTriagePolicy } from '#domain/triage/policy.ts';
import escalationPolicyJson from '../../config/escalation-policy.json' with { type: 'json' };
import slaPolicy from '../../config/sla-policy.json' with { type: 'json' };
import triagePolicy from '../../config/triage-policy.json' with { type: 'json' };

export const policies: Policies = {
  triage: parseTriagePolicy(triagePolicy),
  sla: parseSlaPolicy(slaPolicy),
};

export const escalationPolicy = parseEscalationPolicy(escalationPolicyJson);
