// The privacy policy (config/privacy-policy.json) parsed by the domain's schema, once per cold start.
import { parsePrivacyPolicy } from '#domain/privacy/policy.ts';
import privacyPolicyJson from '../../config/privacy-policy.json' with { type: 'json' };

export const privacyPolicy = parsePrivacyPolicy(privacyPolicyJson);
