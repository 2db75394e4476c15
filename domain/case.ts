// Core vocabulary of a case. Pure types and constants: no AWS, no I/O.
import type { Finding } from './evidence/index.ts';
import type { Consult } from './consult.ts';
import type { InternalOrigin } from './internal.ts';
import type { MaskCounts } from './privacy/mask-card-data.ts';

export const CATEGORIES = [
  'payment_dispute',
  'unauthorized_charge',
  'refund',
  'gifts_coins',
  'payout',
  'account_access',
  'fraud_scam',
  'safety',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** `system`: cases trustdesk opens itself (surge incidents); `internal`: opened by another team (POST /internal/cases). */
export const CHANNELS = ['web', 'email', 'system', 'internal'] as const;
export type Channel = (typeof CHANNELS)[number];

/** `pending_approval`: a resolution (or the reopening of a confirmed risk) waits for a second person (four-eyes). */
export const CASE_STATUSES = ['new', 'investigating', 'waiting_on_user', 'pending_approval', 'resolved', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const OUTCOMES = ['resolved', 'confirmed_risk', 'false_positive', 'duplicate'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const ESCALATION_TIERS = ['L1', 'L2', 'risk'] as const;
export type EscalationTier = (typeof ESCALATION_TIERS)[number];

export const VALUE_TIERS = ['standard', 'silver', 'gold', 'platinum', 'top'] as const;
export type ValueTier = (typeof VALUE_TIERS)[number];

/** What ops loaded about a user (profiles table). */
export interface UserProfile {
  userId: string;
  tier: ValueTier;
  lifetimeSpend: number; // in USD
  /** Lower case; how a requester who wrote by mail is matched to the account (profiles byEmail index). */
  email?: string;
}

/** An earlier complaint by the same person, any channel. */
export interface PriorComplaint {
  caseId: string;
  reference: string;
  category: Category;
  openedAt: string; // ISO-8601
}

/** One reason the risk score is what it is; shown to agents. */
export interface RiskFactor {
  code: string;
  points: number;
  detail: string;
}

export interface SlaDeadlines {
  firstResponseDue: string; // ISO-8601 instant
  resolutionDue: string; // ISO-8601 instant
}

export interface Requester {
  email: string;
  name?: string;
  userId?: string;
}

/** A file that came with an inquiry, stored in the mail bucket. */
export interface AttachmentRef {
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  key: string; // object key in the mail bucket
  /** Its text part holds what would be masked in a message (a card number, a security code, an SSN). */
  mayContainCardData?: true;
}

/** The case as stored and shown to agents. */
export interface CaseRecord {
  caseId: string;
  reference: string;
  status: CaseStatus;
  channel: Channel;
  requester: Requester;
  subject: string;
  message: string;
  amount?: number;
  currency?: string;
  transactionId?: string;
  attachments: AttachmentRef[];
  /** How much card data was masked out of what was written on this case, by kind (never the values). */
  masked?: MaskCounts;
  category: Category;
  categorySource: 'form' | 'text';
  priority: Priority;
  riskScore: number;
  riskFactors: RiskFactor[];
  matchedKeywords: string[];
  safetyCritical: boolean;
  repeatCount: number;
  repeatOf: string[];
  /** The requester's value tier when ops know them (profiles table). */
  valueTier?: ValueTier;
  /** A top consumer (domain/top-consumer.ts): by value tier (intake), by 90 days of ledger spend (evidence), or both. */
  topConsumer?: { tier?: ValueTier; spendUsd90d?: number };
  deadlines: SlaDeadlines & { firstResponseWarnAt?: string; resolutionWarnAt?: string };
  /** Time waiting on the requester; it does not count against the SLA. */
  pauses: { from: string; to?: string }[];
  sla: SlaProgress;
  assignee?: string;
  firstRespondedAt?: string;
  resolvedAt?: string;
  /** The agent who handled the last resolution (the proposer of a four-eyes one); kept after a reopen, so the reopen and a later rating count for them. */
  resolvedBy?: string;
  outcome?: Outcome;
  /** How many times the case was resolved (a reopened and re-resolved case counts on): the rating links name which. */
  resolutions?: number;
  /** The requester's satisfaction rating of the latest rated resolution (domain/satisfaction.ts). */
  satisfaction?: Satisfaction;
  closedAt?: string;
  escalation?: Escalation;
  escalationCount: number;
  /** Set while the case is pending_approval: what was proposed, by whom, under which four-eyes rules. */
  approval?: PendingApproval;
  /** The whole email as it came, when the stored message is only what the person wrote (history cut). */
  fullMessage?: string;
  /** The original sender a forwarded email states. */
  forwardedFrom?: { email: string; name?: string };
  /** Email to the requester bounced (or, status `complaint`, they reported it as spam): trustdesk sends none until a new message arrives from them. */
  requesterUndeliverable?: { since: string; status: string; diagnosticCode?: string };
  /** Opened by another team (channel internal), or escalated by one: who reported it and the targets it has. */
  internal?: InternalOrigin;
  /** Questions asked of other teams (config/teams.json), oldest first; each has its own clock. */
  consults?: Consult[];
  /** How many consults were ever asked (their ids count on from it). */
  consultCount?: number;
  /** A legal hold (risk team): neither scheduled retention nor an erasure request touches the case until it is released. */
  legalHold?: LegalHold;
  /** The requester's personal data was erased (on request or by retention): what is left is the case skeleton. */
  erased?: ErasureMark;
  /** This case was merged into another (status closed, outcome duplicate): replies to its thread land there. */
  mergedInto?: MergeLink;
  /** Cases merged into this one, oldest first: their messages and attachments are on this case's timeline. */
  mergedFrom?: MergeLink[];
  /** What the ledger showed the last time evidence was gathered (the outbox does, after intake and each message). */
  evidence?: CaseEvidence;
  /** Set on incident cases: opened by surge detection (`lastHour`, `baseline`) or by a lead by hand (`manual-…` key, `openedBy`). */
  incident?: IncidentInfo;
  /** The incident case this case is linked to (action link-incident). */
  incidentCaseId?: string;
  /** Resolved by an incident-wide resolve-linked: which incident and which run of it (a retry of the run skips the case). */
  incidentResolution?: { incidentCaseId: string; actionId: string };
  openedAt: string;
  updatedAt: string;
  lastUserMessageAt: string;
  version: number;
  /** The version of the last change that moves the lifecycle workflow (status or deadlines). */
  lifecycleVersion: number;
}

/** The evidence on a case: the findings are the domain's rules (domain/evidence), kept with their explanation. */
export interface CaseEvidence {
  gatheredAt: string;
  /** The account the ledger was read for: the form's userId, or the account the profiles hold for the address. */
  userId?: string;
  /** The transactions the requester named: the form's field, ids found in the subject and the messages. */
  transactionIds: string[];
  findings: Finding[];
  /** An open chargeback's respond-by less the policy's buffer: the resolution deadline never lies after it. */
  resolveBy?: string;
  /** Other accounts on the requester's instruments or devices (bounded by the evidence policy). */
  linkedAccounts: number;
  /** A possible ring: its stable key (the risk team is emailed once per key) and how many accounts it has. */
  ring?: { key: string; accounts: number };
}

/** What makes a case an incident: the cases linked to it, and how it came to be. */
export interface IncidentInfo {
  key: string;
  linkedCaseIds: string[];
  /** Surge incidents: cases opened in the hour, and the baseline for that hour. */
  lastHour?: number;
  baseline?: number;
  /** Opened by hand: who opened it. */
  openedBy?: string;
  /** The last finished resolve-linked run (counts only; the event carries the case ids). */
  resolvedLinked?: { actionId: string; at: string; by: string; outcome: Outcome; resolved: number; proposed: number; skipped: number };
}

export interface SlaProgress {
  firstResponseWarned: boolean;
  firstResponseBreached: boolean;
  resolutionWarned: boolean;
  resolutionBreached: boolean;
}

export interface Escalation {
  id: string;
  startTier: EscalationTier;
  tier?: EscalationTier;
  /** stood_down: the case was resolved or closed before anyone acknowledged. */
  status: 'active' | 'acknowledged' | 'unacknowledged' | 'stood_down';
  reason: string;
  startedAt: string;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
}

/** A change that needs a second person (domain/approval-policy.ts says when), waiting for their decision. */
export interface PendingApproval {
  kind: 'resolve' | 'reopen';
  /** resolve: the outcome proposed. */
  outcome?: Outcome;
  summary?: string;
  /** reopen: why, and the status the case returns to when the reopening is rejected. */
  reason?: string;
  from?: CaseStatus;
  /** The four-eyes rules that apply, as readable sentences. */
  rules: string[];
  proposedBy: string;
  proposedAt: string;
  /** When the approvers are reminded, and when the lead tier is escalated to, if nobody decided. */
  remindAt: string;
  escalateAt: string;
  reminded: boolean;
  escalated: boolean;
}

/** A requester's 1–5 rating of one resolution of the case, from the link in the resolution email. */
export interface Satisfaction {
  rating: number;
  comment?: string;
  ratedAt: string;
  /** Which resolution of the case it rates (CaseRecord.resolutions when the email was sent). */
  resolution: number;
}

/** One end of a merge: the other case, and when it was merged. */
export interface MergeLink {
  caseId: string;
  reference: string;
  at: string;
}

export interface LegalHold {
  since: string;
  by: string;
  reason: string;
}

export interface ErasureMark {
  at: string;
  reason: 'request' | 'retention';
  erasureId: string;
}

/** `team`: a consulted team answering by email. */
export type Actor = { kind: 'requester'; email: string } | { kind: 'agent'; id: string; role: string } | { kind: 'team'; team: string; email: string } | { kind: 'system' };

/** One audited change; `version` is the case version the change produced. */
export interface CaseEvent {
  caseId: string;
  version: number;
  type: string;
  at: string;
  actor: Actor;
  data: Record<string, unknown>;
}
