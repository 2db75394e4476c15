// The email policy (config/email-policy.json: the loop breaker's cap), validated once per cold start.
import { parseEmailPolicy } from '#domain/email/loop-breaker.ts';
import emailPolicyJson from '../../config/email-policy.json' with { type: 'json' };

export const emailPolicy = parseEmailPolicy(emailPolicyJson);
