// The four-eyes and confidentiality policies (config/approval-policy.json, config/confidentiality-policy.json)
// parsed by the domain's rules, once per cold start. A module of its own so that the web intake, which never
// approves or records views, neither carries nor parses them (the email intake needs four-eyes: a requester's
// reply reopening a confirmed risk is a proposal). Four-eyes turns amounts into USD with the
// triage policy's exchange rates, so one table of rates serves both.
import { parseApprovalPolicy, type FourEyes } from '#domain/approval-policy.ts';
import { parseConfidentialityPolicy } from '#domain/confidentiality.ts';
import approvalPolicyJson from '../../config/approval-policy.json' with { type: 'json' };
import confidentialityPolicyJson from '../../config/confidentiality-policy.json' with { type: 'json' };
import { policies } from './policies.ts';

export const fourEyes: FourEyes = { policy: parseApprovalPolicy(approvalPolicyJson), triage: policies.triage };
export const confidentiality = parseConfidentialityPolicy(confidentialityPolicyJson);
