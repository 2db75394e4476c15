// The internal requesters' policy (config/internal-policy.json: priority floor, first-response target)
// parsed by the domain's rules, once per cold start.
import { parseInternalPolicy } from '#domain/internal.ts';
import internalPolicyJson from '../../config/internal-policy.json' with { type: 'json' };

export const internalPolicy = parseInternalPolicy(internalPolicyJson);
