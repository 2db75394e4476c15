// Four-eyes: which resolutions (and reopenings) a second person must approve, and how long the approvers
// have before they are reminded and the lead tier is escalated to. The policy is config/approval-policy.json,
// validated at cold start; the rules are pure so that the agent API and the tests judge a case the same way.
// A rule is returned as a sentence because the proposer's 403 and the timeline name it as it is.
import * as z from 'zod/mini';
import { parsePolicy } from './policy-file.ts';
import { CATEGORIES, OUTCOMES, type CaseRecord, type Outcome } from './case.ts';
import type { TriagePolicy } from './triage/policy.ts';
import { toUsd } from './triage/risk.ts';
import './zod-english.ts';

const Minutes = z.number().check(z.int(), z.positive());

export const ApprovalPolicySchema = z
  .strictObject({
    _comment: z.optional(z.string()),
    /** Resolutions with these outcomes need approval, on any case. */
    outcomes: z.array(z.enum(OUTCOMES)),
    /** Any resolution of a case of these categories needs approval. */
    categories: z.array(z.enum(CATEGORIES)),
    /** Any resolution of a case whose risk score is at least this needs approval. */
    riskScoreAtLeast: z.number().check(z.gte(0)),
    /** Any resolution of a case whose amount, in USD, is at least this needs approval. */
    amountUsdAtLeast: z.number().check(z.gte(0)),
    /** Reopening a case resolved with one of these outcomes needs approval. */
    reopenOutcomes: z.array(z.enum(OUTCOMES)),
    /** Nobody decided for this long after the proposal: the approvers are reminded (one email). */
    remindAfterMinutes: Minutes,
    /** Nobody decided for this long: an escalation starts at the L1 lead tier. */
    escalateAfterMinutes: Minutes,
    /** Where the reminder goes. */
    approversAddress: z.email(),
  })
  .check(z.refine((p) => p.escalateAfterMinutes > p.remindAfterMinutes, { message: 'must be after remindAfterMinutes', path: ['escalateAfterMinutes'] }));
export type ApprovalPolicy = z.infer<typeof ApprovalPolicySchema>;

export const parseApprovalPolicy = (json: unknown): ApprovalPolicy => parsePolicy(ApprovalPolicySchema, json, 'approval');

/** The policy, and the triage policy whose exchange rates turn a case's amount into USD (as its risk score does). */
export interface FourEyes {
  policy: ApprovalPolicy;
  triage: TriagePolicy;
}

/** What is proposed: resolving with an outcome, or reopening. */
export type Proposal = { kind: 'resolve'; outcome: Outcome } | { kind: 'reopen' };

/** The four-eyes rules this proposal falls under (none: it needs no approval). */
export function approvalRules(record: CaseRecord, proposal: Proposal, { policy, triage }: FourEyes): string[] {
  if (proposal.kind === 'reopen') {
    return record.outcome && policy.reopenOutcomes.includes(record.outcome) ? [`reopening a case resolved as ${record.outcome}`] : [];
  }
  const rules: string[] = [];
  if (policy.outcomes.includes(proposal.outcome)) rules.push(`outcome ${proposal.outcome}`);
  if (policy.categories.includes(record.category)) rules.push(`category ${record.category}`);
  if (record.riskScore >= policy.riskScoreAtLeast) rules.push(`risk score ${record.riskScore} ≥ ${policy.riskScoreAtLeast}`);
  const usd = record.amount !== undefined && record.currency ? toUsd(record.amount, record.currency, triage) : undefined;
  if (usd !== undefined && usd >= policy.amountUsdAtLeast) rules.push(`amount ≥ ${policy.amountUsdAtLeast} USD`);
  return rules;
}
