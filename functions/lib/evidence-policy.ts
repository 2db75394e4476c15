// The evidence policy (config/evidence-policy.json: window, duplicate and receipt tolerances, chargeback respond-by
// days, transaction-id patterns, points and priorities, ring threshold), validated once per cold start. A module of
// its own so that only the functions that gather evidence carry and parse it.
import { parseEvidencePolicy } from '#domain/evidence/index.ts';
import evidencePolicyJson from '../../config/evidence-policy.json' with { type: 'json' };

export const evidencePolicy = parseEvidencePolicy(evidencePolicyJson);
