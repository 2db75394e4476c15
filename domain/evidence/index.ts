// The evidence rules in one import: what a complaint names (mentions), what the ledger says about it (findings),
// linked accounts and rings (ring), and the policy they read (config/evidence-policy.json). Pure: the gathering that
// feeds them (ledger, profiles, cases) is the outbox's, behind ports.
export { findMentions, parseAmount, type Mentions, type MoneyMention } from './mentions.ts';
export {
  evidencePoints,
  evidenceWindow,
  findingsFor,
  formatMoney,
  priorityAfterEvidence,
  resolutionDeadlineAfterEvidence,
  respondByDeadline,
  sortFindings,
  type EvidenceInput,
  type Finding,
} from './findings.ts';
export { ringFingerprints, ringFinding, ringKey, type LinkedAccountCases } from './ring.ts';
export { EvidencePolicySchema, FINDING_CODES, DEFAULT_TRANSACTION_ID_PATTERNS, parseEvidencePolicy, type EvidencePolicy, type FindingCode } from './policy.ts';
