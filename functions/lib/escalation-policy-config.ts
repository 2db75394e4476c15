// The escalation tiers (config/escalation-policy.json) parsed by the domain's rules, once per cold start.
// A module of its own so that functions which never escalate (intake) do not carry or parse it; named
// "-config" to tell it from domain/escalation-policy.ts, which defines the policy and its validation.
import { parseEscalationPolicy } from '#domain/escalation-policy.ts';
import escalationPolicyJson from '../../config/escalation-policy.json' with { type: 'json' };

export const escalationPolicy = parseEscalationPolicy(escalationPolicyJson);
