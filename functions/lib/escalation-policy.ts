// The escalation tiers (config/escalation-policy.json), validated once per cold start. A module of its
// own so that functions which never escalate (intake) do not carry or parse it.
import { parseEscalationPolicy } from '#domain/escalation-policy.ts';
import escalationPolicyJson from '../../config/escalation-policy.json' with { type: 'json' };

export const escalationPolicy = parseEscalationPolicy(escalationPolicyJson);
