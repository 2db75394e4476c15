// The evidence policy (config/evidence-policy.json: window, duplicate and receipt rules, chargeback respond-by
// days, transaction-id patterns, points and priorities of findings, the ring threshold), validated once per cold start.
import { parseEvidencePolicy } from '#domain/evidence/index.ts';
import evidencePolicyJson from '../../config/evidence-policy.json' with { type: 'json' };

export const evidencePolicy = parseEvidencePolicy(evidencePolicyJson);
