// Triage of a new inquiry: category, risk score and priority as pure rules driven by
// config/triage-policy.json. Runs in the intake Lambda's hot path: the policy's keyword
// matcher is compiled once per policy object and the text is normalised once per call.

import type { Category, PriorComplaint, Priority, RiskFactor, UserProfile } from '../case.ts';
import { classifyScan } from './classify.ts';
import { scanText, type TriagePolicy } from './policy.ts';
import { decidePriority } from './priority.ts';
import { scoreRisk } from './risk.ts';

export { classify, classifyScan, type Classification } from './classify.ts';
export {
  compilePolicy,
  normalizeText,
  tokenize,
  parseTriagePolicy,
  scanText,
  TriagePolicyError,
  TriagePolicySchema,
  type PolicyProblem,
  type SafetyGroup,
  type SafetyHit,
  type SuspiciousHit,
  type TextScan,
  type TriagePolicy,
} from './policy.ts';
export { decidePriority, priorityFromScore, type PriorityDecision, type PriorityInput } from './priority.ts';
export { recentComplaints, scoreRisk, toUsd, type RiskAssessment, type RiskInput } from './risk.ts';

export interface TriageInput {
  subject: string;
  message: string;
  categoryHint?: Category;
  amount?: number;
  currency?: string; // ISO 4217, upper-case
  profile?: UserProfile; // undefined when unknown user
  priorComplaints: PriorComplaint[]; // earlier complaints by the same person (any age; filtered by window)
  now: Date;
}

export interface TriageResult {
  category: Category;
  categorySource: 'form' | 'text';
  matchedKeywords: string[]; // suspicious + safety keywords found, deduplicated, lower-case
  riskScore: number; // integer 0..100
  riskFactors: RiskFactor[]; // ordered by points desc; their points add up to the unclamped score
  repeatCount: number; // prior complaints in the window
  repeatOf: string[]; // caseIds of those prior complaints, most recent first
  priority: Priority;
  safetyCritical: boolean;
}

export function triage(input: TriageInput, policy: TriagePolicy): TriageResult {
  const scan = scanText(input.subject, input.message, policy);
  const classification = classifyScan(scan, input.categoryHint, policy);
  const risk = scoreRisk(
    {
      category: classification.category,
      scan,
      amount: input.amount,
      currency: input.currency,
      profile: input.profile,
      priorComplaints: input.priorComplaints,
      now: input.now,
    },
    policy,
  );
  const decision = decidePriority({ riskScore: risk.score, category: classification.category, scan }, policy);

  const matchedKeywords: string[] = [];
  for (const hit of scan.suspicious) if (!matchedKeywords.includes(hit.keyword)) matchedKeywords.push(hit.keyword);
  for (const hit of scan.safety) if (!matchedKeywords.includes(hit.keyword)) matchedKeywords.push(hit.keyword);

  return {
    category: classification.category,
    categorySource: classification.categorySource,
    matchedKeywords,
    riskScore: risk.score,
    riskFactors: risk.factors,
    repeatCount: risk.repeatOf.length,
    repeatOf: risk.repeatOf.map((c) => c.caseId),
    priority: decision.priority,
    safetyCritical: decision.safetyCritical,
  };
}
