// The SLA policy (config/sla-policy.json), validated once per cold start. Apart from policies.ts (triage and
// SLA, for the intake) because most functions need only the SLA: importing the triage policy too would put
// its rules and JSON (~11 KB) in their bundles and validate them at every cold start.
import { parseSlaPolicy } from '#domain/sla/policy.ts';
import slaPolicyJson from '../../config/sla-policy.json' with { type: 'json' };

export const slaPolicy = parseSlaPolicy(slaPolicyJson);
