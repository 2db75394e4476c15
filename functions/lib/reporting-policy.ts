import { parseReportingPolicy } from '#domain/reporting/policy.ts';
import reportingPolicyJson from '../../config/reporting-policy.json' with { type: 'json' };

/** config/reporting-policy.json, validated once per cold start. */
export const reportingPolicy = parseReportingPolicy(reportingPolicyJson);
