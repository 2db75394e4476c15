// How a case moves: agents' actions, the requester's replies, deadlines and silence. Pure functions;
// the workflows and the agent API apply them and store the result with the event they return.
import type { Finding } from './evidence/index.ts';
import { approvalRules, type FourEyes, type Proposal } from './approval-policy.ts';
import type { Actor, CaseRecord, CaseStatus, EscalationTier, Outcome, PendingApproval, Priority } from './case.ts';
import { addCounts, anyMasked, maskCardData, maskStringFields, type MaskCounts, NO_MASKS } from './privacy/mask-card-data.ts';
import { commit, type Change, type Draft } from './change.ts';
import { askConsultDraft, type TeamsPolicy } from './consult.ts';
import { atLeast, withInternalTarget, type InternalPolicy } from './internal.ts';
import { planDeadlines } from './sla/deadlines.ts';
import { topConsumerOf } from './top-consumer.ts';
import type { SlaPolicy } from './sla/policy.ts';

export type { Change } from './change.ts';

export const AGENT_ROLES = ['agent', 'lead', 'risk'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

export type AgentAction =
  | { type: 'reply'; message: string }
  | { type: 'request-info'; message: string }
  | { type: 'note'; note: string }
  | { type: 'assign'; assignee: string }
  | { type: 'escalate'; reason: string }
  | { type: 'acknowledge' }
  | { type: 'resolve'; outcome: Outcome; summary?: string }
  | { type: 'reopen'; reason?: string }
  | { type: 'change-priority'; priority: Priority; reason?: string }
  | { type: 'approve' }
  | { type: 'reject'; note: string }
  | { type: 'consult'; team: string; question: string; blocking?: boolean }
  | { type: 'legal-hold'; reason: string }
  | { type: 'release-hold'; reason?: string };
/**
 * Every action an agent may ask for: those above, and those that need more than the case (the use case loads a
 * macro, and domain/macro.ts folds it into one change; a merge reads the target too, and domain/merge.ts changes both).
 */
export type RequestedAction =
  | AgentAction
  | { type: 'apply-macro'; macroId: string }
  | { type: 'merge'; intoCaseId: string; intoExpectedVersion: number }
  /** Link this case to an incident case (domain/incident.ts): both change, saved together. */
  | { type: 'link-incident'; incidentCaseId: string }
  /** On an incident case: resolve every open linked case with this message as its summary, one email each. */
  | { type: 'resolve-linked'; message: string; outcome: Outcome };
export type ActionType = RequestedAction['type'];

/** Who may do what. Agents work cases; leads and the risk team also steer them. */
export const ROLE_RIGHTS: Record<ActionType, readonly AgentRole[]> = {
  reply: ['agent', 'lead', 'risk'],
  'request-info': ['agent', 'lead', 'risk'],
  note: ['agent', 'lead', 'risk'],
  assign: ['agent', 'lead', 'risk'],
  escalate: ['agent', 'lead', 'risk'],
  resolve: ['agent', 'lead', 'risk'],
  reopen: ['agent', 'lead', 'risk'],
  acknowledge: ['lead', 'risk'],
  'change-priority': ['lead', 'risk'],
  approve: ['lead', 'risk'],
  reject: ['lead', 'risk'],
  consult: ['agent', 'lead', 'risk'],
  // A legal hold keeps a case's personal data past retention and erasure requests: the risk team's call.
  'legal-hold': ['risk'],
  'release-hold': ['risk'],
  // Each change a macro makes is checked too (its priority is a lead's or the risk team's).
  'apply-macro': ['agent', 'lead', 'risk'],
  'link-incident': ['agent', 'lead', 'risk'],
  // One request that resolves (and emails) up to hundreds of cases: a lead's or the risk team's call.
  'resolve-linked': ['lead', 'risk'],
  // Closing a duplicate into the case that carries on: any agent's call, as resolving one as a duplicate is.
  merge: ['agent', 'lead', 'risk'],
};

export const mayAct = (roles: readonly string[], action: ActionType): boolean => roles.some((r) => (ROLE_RIGHTS[action] as readonly string[]).includes(r));

/** An action that makes no sense in the case's current state. */
export class TransitionError extends Error {
  override name = 'TransitionError';
}

/** The proposer of a four-eyes change tried to decide it themselves; the message names the rules. */
export class FourEyesError extends Error {
  override name = 'FourEyesError';
  constructor(readonly rules: readonly string[], kind: PendingApproval['kind'], decision: 'approve' | 'reject') {
    super(`Four-eyes rule (${rules.join('; ')}): you proposed this ${kind === 'resolve' ? 'resolution' : 'reopening'}, so another lead or risk team member must ${decision} it`);
  }
}

const OPEN: readonly CaseStatus[] = ['new', 'investigating', 'waiting_on_user', 'pending_approval'];
const isOpen = (s: CaseStatus) => OPEN.includes(s);

/** What was masked out of this change's text, counted on the case and on its event. */
function withMasked(current: CaseRecord, draft: Draft, masked: MaskCounts): Draft {
  if (!anyMasked(masked)) return draft;
  return { ...draft, data: { ...draft.data, masked }, patch: { ...draft.patch, masked: addCounts(current.masked ?? NO_MASKS, masked) } };
}

/**
 * Re-plan deadlines from the opening with the given priority and pauses (a paused clock keeps the old ones).
 * An external deadline the evidence found (a chargeback's respond-by, less a buffer) caps the resolution
 * deadline whatever the plan says, and its warning keeps the same lead.
 */
function replan(record: CaseRecord, priority: Priority, pauses: CaseRecord['pauses'], policy: SlaPolicy, resolveBy = record.evidence?.resolveBy): CaseRecord['deadlines'] {
  return capAt(plan(record, priority, pauses, policy), resolveBy);
}

function capAt(deadlines: CaseRecord['deadlines'], resolveBy: string | undefined): CaseRecord['deadlines'] {
  if (!resolveBy || Date.parse(deadlines.resolutionDue) <= Date.parse(resolveBy)) return deadlines;
  const due = Date.parse(resolveBy);
  const lead = deadlines.resolutionWarnAt ? Date.parse(deadlines.resolutionDue) - Date.parse(deadlines.resolutionWarnAt) : undefined;
  const capped: CaseRecord['deadlines'] = { ...deadlines, resolutionDue: resolveBy, ...(lead !== undefined && { resolutionWarnAt: new Date(due - lead).toISOString() }) };
  if (Date.parse(capped.firstResponseDue) > due) capped.firstResponseDue = resolveBy;
  if (capped.firstResponseWarnAt && Date.parse(capped.firstResponseWarnAt) > due) capped.firstResponseWarnAt = capped.resolutionWarnAt ?? resolveBy;
  return capped;
}

function plan(record: CaseRecord, priority: Priority, pauses: CaseRecord['pauses'], policy: SlaPolicy): CaseRecord['deadlines'] {
  const planned = planDeadlines(
    {
      openedAt: new Date(record.openedAt),
      priority,
      pauses: pauses.map((p) => ({ from: new Date(p.from), ...(p.to && { to: new Date(p.to) }) })),
      topConsumer: record.topConsumer !== undefined,
    },
    policy,
  );
  return 'paused' in planned ? record.deadlines : withInternalTarget(planned, record.openedAt, record.internal, policy.calendar);
}

export const closePause = (pauses: CaseRecord['pauses'], at: string) => pauses.map((p) => (p.to ? p : { ...p, to: at }));

/**
 * Card data is masked out of every text of the action (message, note, reason, summary…) before it is applied.
 * `fourEyes` (the approval policy) turns a resolution or reopening it covers into a proposal that waits
 * in `pending_approval` for a second person's `approve` or `reject`. Required: a caller that forgot it would
 * let a confirmed risk close unreviewed.
 */
export function applyAgentAction(
  current: CaseRecord,
  typed: AgentAction,
  actor: Actor & { kind: 'agent' },
  now: Date,
  policy: SlaPolicy,
  fourEyes: FourEyes,
  consults?: { teams: TeamsPolicy; token: string },
): Change {
  const { value: action, counts: masked } = maskStringFields(typed);
  const at = now.toISOString();
  const s = current.status;
  const needOpen = () => {
    if (!isOpen(s)) throw new TransitionError(`The case is ${s}; reopen it first`);
  };
  /** Replies and resolutions wait until the pending approval is decided. */
  const needUndecided = () => {
    if (s === 'pending_approval') throw new TransitionError('The case is waiting for approval; approve or reject it first');
  };
  const pending = (): PendingApproval => {
    if (s !== 'pending_approval' || !current.approval) throw new TransitionError(`The case is ${s}; there is nothing to approve or reject`);
    return current.approval;
  };
  /** The rules a resolution or reopening falls under, and the pending approval it becomes when there are any. */
  const fourEyesFor = (proposal: Proposal) => proposalFor(current, proposal, fourEyes, actor.id, now);
  /** Nobody to write to once the requester's personal data is erased. */
  const needRequester = () => {
    if (current.erased) throw new TransitionError("The requester's personal data was erased; there is nobody to email");
  };
  let draft: Draft;
  switch (action.type) {
    case 'reply': {
      needOpen();
      needUndecided();
      needRequester();
      const first = !current.firstRespondedAt;
      const resumed = s === 'waiting_on_user';
      draft = {
        type: 'agent.replied',
        data: { message: action.message, firstResponse: first },
        lifecycle: first || s !== 'investigating',
        patch: {
          status: 'investigating',
          ...(first && { firstRespondedAt: at }),
          ...(resumed && { pauses: closePause(current.pauses, at) }),
        },
      };
      if (resumed) draft.patch.deadlines = replan(current, current.priority, draft.patch.pauses!, policy);
      break;
    }
    case 'request-info': {
      needOpen();
      needUndecided();
      needRequester();
      if (s === 'waiting_on_user') throw new TransitionError('The case is already waiting on the requester');
      const first = !current.firstRespondedAt;
      draft = {
        type: 'agent.requested-info',
        data: { message: action.message, firstResponse: first },
        lifecycle: true,
        patch: { status: 'waiting_on_user', pauses: [...current.pauses, { from: at }], ...(first && { firstRespondedAt: at }) },
      };
      break;
    }
    case 'note':
      draft = { type: 'agent.noted', data: { note: action.note }, lifecycle: false, patch: {} };
      break;
    case 'assign':
      draft = { type: 'case.assigned', data: { assignee: action.assignee, previous: current.assignee ?? null }, lifecycle: false, patch: { assignee: action.assignee } };
      break;
    case 'escalate':
      needOpen();
      if (current.escalation?.status === 'active') throw new TransitionError('The case is already being escalated');
      draft = startEscalation(current, 'L1', action.reason, now);
      break;
    case 'acknowledge':
      if (current.escalation?.status !== 'active') throw new TransitionError('There is no escalation waiting for acknowledgement');
      draft = {
        type: 'escalation.acknowledged',
        data: { escalationId: current.escalation.id, tier: current.escalation.tier ?? current.escalation.startTier },
        lifecycle: false,
        patch: { escalation: { ...current.escalation, status: 'acknowledged', acknowledgedAt: at, acknowledgedBy: actor.id } },
      };
      break;
    case 'resolve': {
      needOpen();
      needUndecided();
      const pauses = closePause(current.pauses, at);
      const needed = fourEyesFor({ kind: 'resolve', outcome: action.outcome });
      if (needed) {
        // A proposal: the requester hears nothing until a second person approves it.
        const proposed = { kind: 'resolve' as const, outcome: action.outcome, ...(action.summary && { summary: action.summary }) };
        const approval: PendingApproval = { ...proposed, ...needed.pendingFields };
        draft = {
          type: 'approval.requested',
          data: { ...proposed, rules: needed.rules },
          lifecycle: true,
          patch: {
            status: 'pending_approval',
            approval,
            pauses,
            ...(s === 'waiting_on_user' && { deadlines: replan(current, current.priority, pauses, policy) }),
          },
        };
        break;
      }
      draft = {
        type: 'case.resolved',
        data: { outcome: action.outcome, ...(action.summary && { summary: action.summary }), resolution: nextResolution(current) },
        lifecycle: true,
        // Resolved while waiting on the requester: the closed pause moves the deadlines, as a reply would.
        patch: {
          status: 'resolved',
          resolvedAt: at,
          resolvedBy: actor.id,
          outcome: action.outcome,
          resolutions: nextResolution(current),
          pauses,
          ...(s === 'waiting_on_user' && { deadlines: replan(current, current.priority, pauses, policy) }),
          ...standDown(current),
        },
      };
      break;
    }
    case 'reopen': {
      if (isOpen(s)) throw new TransitionError(`The case is ${s}, not resolved or closed`);
      if (current.mergedInto) throw new TransitionError(`The case was merged into ${current.mergedInto.reference}; work on that case instead`);
      const reason = action.reason ?? 'reopened by an agent';
      const needed = fourEyesFor({ kind: 'reopen' });
      if (needed) {
        draft = {
          type: 'approval.requested',
          data: { kind: 'reopen', reason, from: s, rules: needed.rules },
          lifecycle: true,
          patch: { status: 'pending_approval', approval: { kind: 'reopen', reason, from: s, ...needed.pendingFields } },
        };
        break;
      }
      draft = reopenDraft(current, reason, at);
      break;
    }
    case 'approve': {
      const approval = pending();
      if (approval.proposedBy === actor.id) throw new FourEyesError(approval.rules, approval.kind, 'approve');
      const decided = { proposedBy: approval.proposedBy, proposedAt: approval.proposedAt, approvedBy: actor.id, rules: approval.rules };
      if (approval.kind === 'resolve') {
        // The resolution itself, as an unreviewed one would be: its event sends the requester's email.
        draft = {
          type: 'case.resolved',
          data: { outcome: approval.outcome, ...(approval.summary && { summary: approval.summary }), approval: decided, resolution: nextResolution(current) },
          lifecycle: true,
          patch: { status: 'resolved', resolvedAt: at, resolvedBy: approval.proposedBy, outcome: approval.outcome, resolutions: nextResolution(current), approval: undefined, ...standDown(current) },
        };
      } else {
        const reopen = reopenDraft({ ...current, status: approval.from ?? 'resolved' }, approval.reason ?? 'reopened by an agent', at);
        draft = { ...reopen, data: { ...reopen.data, approval: decided }, patch: { ...reopen.patch, approval: undefined, ...standDownApprovalOverdue(current) } };
      }
      break;
    }
    case 'reject': {
      const approval = pending();
      if (approval.proposedBy === actor.id) throw new FourEyesError(approval.rules, approval.kind, 'reject');
      draft = {
        type: 'approval.rejected',
        data: { kind: approval.kind, ...(approval.outcome && { outcome: approval.outcome }), note: action.note, proposedBy: approval.proposedBy, rules: approval.rules },
        lifecycle: true,
        // A rejected resolution goes back to work; a rejected reopening leaves the case as it was.
        patch: { status: approval.kind === 'resolve' ? 'investigating' : (approval.from ?? 'resolved'), approval: undefined, ...standDownApprovalOverdue(current) },
      };
      break;
    }
    case 'consult':
      needOpen();
      if (!consults) throw new TransitionError('Consults are not configured');
      draft = askConsultDraft(current, action, actor.id, now, { teams: consults.teams, calendar: policy.calendar, token: consults.token });
      break;
    case 'legal-hold':
      if (current.legalHold) throw new TransitionError(`The case is under legal hold already (since ${current.legalHold.since})`);
      draft = { type: 'legal-hold.placed', data: { reason: action.reason }, lifecycle: false, patch: { legalHold: { since: at, by: actor.id, reason: action.reason } } };
      break;
    case 'release-hold':
      if (!current.legalHold) throw new TransitionError('The case is not under legal hold');
      draft = {
        type: 'legal-hold.released',
        data: { since: current.legalHold.since, ...(action.reason && { reason: action.reason }) },
        lifecycle: false,
        patch: { legalHold: undefined },
      };
      break;
    case 'change-priority': {
      if (!isOpen(s)) throw new TransitionError(`The case is ${s}; reopen it first`);
      if (action.priority === current.priority) throw new TransitionError(`The case is already ${action.priority}`);
      const deadlines = replan(current, action.priority, current.pauses, policy);
      draft = {
        type: 'case.priority-changed',
        data: { from: current.priority, to: action.priority, ...(action.reason && { reason: action.reason }) },
        lifecycle: true,
        patch: { priority: action.priority, deadlines, sla: resetSla(current.sla, deadlines, now) },
      };
      break;
    }
  }
  return commit(current, withMasked(current, draft, masked), actor, now);
}

/** Which resolution of the case this one is (1 for the first; a reopened case resolved again counts on). */
const nextResolution = (current: CaseRecord): number => (current.resolutions ?? 0) + 1;

const APPROVAL_OVERDUE = 'approval not decided in time';

/** The four-eyes rules a resolution or reopening falls under, and the pending approval's fields when there are any. */
function proposalFor(current: CaseRecord, proposal: Proposal, fourEyes: FourEyes, proposedBy: string, now: Date) {
  const rules = approvalRules(current, proposal, fourEyes);
  if (rules.length === 0) return undefined;
  const after = (minutes: number) => new Date(now.getTime() + minutes * 60_000).toISOString();
  const { remindAfterMinutes, escalateAfterMinutes } = fourEyes.policy;
  const pendingFields = { rules, proposedBy, proposedAt: now.toISOString(), remindAt: after(remindAfterMinutes), escalateAt: after(escalateAfterMinutes), reminded: false, escalated: false };
  return { rules, pendingFields };
}

/** An evidence export of the case (risk team): audited, it changes nothing else. */
export function recordExport(
  current: CaseRecord,
  data: { exportId: string; files: number; bytes: number; sha256: string; delivery: 'inline' | 'link' },
  actor: Actor & { kind: 'agent' },
  now: Date,
): Change {
  return commit(current, { type: 'case.exported', data, lifecycle: false, patch: {} }, actor, now);
}

/** The proposer of a reopening that the requester's own email asked for (any lead or risk member may decide it). */
export const REQUESTER_PROPOSER = 'requester';

/** A decision ends the escalation that only asked for one (an approved resolution ends any, as resolving does). */
function standDownApprovalOverdue(current: CaseRecord): Partial<CaseRecord> {
  return current.escalation?.reason === APPROVAL_OVERDUE ? standDown(current) : {};
}

/** A resolved or closed case needs no one paged any more: an active escalation stands down. */
export function standDown(current: CaseRecord): Partial<CaseRecord> {
  return current.escalation?.status === 'active' ? { escalation: { ...current.escalation, status: 'stood_down' } } : {};
}

/** After re-planning, deadlines that moved into the future can be warned about and breached again. */
function resetSla(sla: CaseRecord['sla'], deadlines: CaseRecord['deadlines'], now: Date): CaseRecord['sla'] {
  const future = (iso: string | undefined) => iso !== undefined && Date.parse(iso) > now.getTime();
  return {
    firstResponseWarned: sla.firstResponseWarned && !future(deadlines.firstResponseWarnAt),
    firstResponseBreached: sla.firstResponseBreached && !future(deadlines.firstResponseDue),
    resolutionWarned: sla.resolutionWarned && !future(deadlines.resolutionWarnAt),
    resolutionBreached: sla.resolutionBreached && !future(deadlines.resolutionDue),
  };
}

function reopenDraft(current: CaseRecord, reason: string, at: string): Draft {
  return {
    type: 'case.reopened',
    data: { from: current.status, reason },
    lifecycle: true,
    patch: { status: 'investigating', resolvedAt: undefined, outcome: undefined, closedAt: undefined, pauses: closePause(current.pauses, at) },
  };
}

function startEscalation(current: CaseRecord, startTier: EscalationTier, reason: string, now: Date): Draft {
  const id = `${current.caseId}-esc-${current.escalationCount + 1}`;
  return {
    type: 'escalation.started',
    data: { escalationId: id, startTier, reason },
    lifecycle: false,
    patch: {
      escalation: { id, startTier, status: 'active', reason, startedAt: now.toISOString() },
      escalationCount: current.escalationCount + 1,
    },
  };
}

/**
 * An internal user escalates a case they follow (they opened it or are named on it): its priority rises to
 * at least the floor and its deadlines are re-planned; the L1 lead chain starts unless one is running.
 */
export function escalateInternally(current: CaseRecord, reason: string, actor: Actor & { kind: 'agent' }, now: Date, policy: SlaPolicy, internal: InternalPolicy): Change {
  if (!isOpen(current.status)) throw new TransitionError(`The case is ${current.status}; it cannot be escalated`);
  const { text } = maskCardData(reason);
  const priority = atLeast(current.priority, internal.priorityFloor);
  const deadlines = replan(current, priority, current.pauses, policy);
  const escalation = current.escalation?.status === 'active' ? undefined : startEscalation(current, 'L1', `internal escalation: ${text}`, now);
  return commit(
    current,
    {
      type: 'internal.escalated',
      data: { reason: text, from: current.priority, to: priority, by: actor.id, ...(escalation?.data) },
      lifecycle: true,
      patch: { priority, deadlines, sla: resetSla(current.sla, deadlines, now), ...(escalation?.patch) },
    },
    actor,
    now,
  );
}

/** What gathering evidence found for a case (functions/lib/use-cases/gather-evidence.ts reads the ledger; domain/evidence judges). */
export interface GatheredEvidence {
  /** The event that asked for it: the opening, or a message from the requester. */
  trigger: { type: string; version: number };
  userId?: string;
  transactionIds: string[];
  /** Amounts the requester wrote, as found (`$120`, `89.99 USD`). */
  amounts: { amount: number; currency?: string }[];
  /** How many ledger rows were read for it. */
  transactionsRead: number;
  findings: Finding[];
  /** What the findings add to the risk score together (evidencePoints: each code once, capped). */
  points: number;
  linkedAccounts: { userId: string; via: { instrument?: string; deviceId?: string } }[];
  ring?: { key: string; accounts: number };
  /** Succeeded coin purchases and subscriptions of the account in the last 90 days, in USD (top consumers). */
  spendUsd90d?: number;
  /** The priority the findings call for (priorityAfterEvidence): never below the case's. */
  priority: Priority;
  resolveBy?: string;
}

const EVIDENCE_FACTOR = 'evidence:';

/**
 * The evidence is recorded as one `evidence.gathered` event. Its findings replace the previous gathering's
 * among the risk factors (the score is their clamped sum again); the priority may rise, never fall; the
 * deadlines are re-planned when the priority rose or a chargeback's respond-by now caps them. A case that is
 * no longer open keeps its priority and deadlines: the evidence is on the timeline for whoever reopens it.
 */
export function applyEvidence(current: CaseRecord, gathered: GatheredEvidence, now: Date, policy: SlaPolicy): Change {
  const at = now.toISOString();
  const open = isOpen(current.status);
  const priority = open ? atLeast(current.priority, gathered.priority) : current.priority;
  const resolveBy = gathered.resolveBy ?? current.evidence?.resolveBy;
  // Each finding code once (its first, highest finding), then a cap when they add up past the policy's maximum.
  const perCode = [...new Map(gathered.findings.map((f) => [f.code, f] as const)).values()].map((f) => ({ code: `${EVIDENCE_FACTOR}${f.code}`, points: f.points, detail: f.explanation }));
  const over = perCode.reduce((sum, f) => sum + f.points, 0) - gathered.points;
  const riskFactors = [
    ...current.riskFactors.filter((f) => !f.code.startsWith(EVIDENCE_FACTOR)),
    ...perCode,
    ...(over > 0 ? [{ code: `${EVIDENCE_FACTOR}cap`, points: -over, detail: `Evidence adds at most ${gathered.points} points` }] : []),
  ].sort((a, b) => b.points - a.points);
  const riskScore = Math.max(0, Math.min(100, Math.round(riskFactors.reduce((sum, f) => sum + f.points, 0))));
  const evidence: CaseRecord['evidence'] = {
    gatheredAt: at,
    ...(gathered.userId && { userId: gathered.userId }),
    transactionIds: gathered.transactionIds,
    findings: gathered.findings,
    ...(resolveBy && { resolveBy }),
    linkedAccounts: gathered.linkedAccounts.length,
    ...(gathered.ring && { ring: gathered.ring }),
  };
  // Once a top consumer, always one on this case (like the priority, never lowered automatically): the spend may fall later.
  const topConsumer = topConsumerOf(current.topConsumer?.tier ?? current.valueTier, gathered.spendUsd90d, policy) ?? current.topConsumer;
  const becameTop = topConsumer !== undefined && current.topConsumer === undefined;
  const deadlines = open ? replan({ ...current, evidence, ...(topConsumer && { topConsumer }) }, priority, current.pauses, policy, resolveBy) : current.deadlines;
  const moved = deadlines.firstResponseDue !== current.deadlines.firstResponseDue || deadlines.resolutionDue !== current.deadlines.resolutionDue;
  return commit(
    current,
    {
      type: 'evidence.gathered',
      data: {
        trigger: gathered.trigger,
        ...(gathered.userId && { userId: gathered.userId }),
        transactionIds: gathered.transactionIds,
        amounts: gathered.amounts,
        transactionsRead: gathered.transactionsRead,
        findings: gathered.findings,
        linkedAccounts: gathered.linkedAccounts,
        ...(gathered.ring && { ring: gathered.ring }),
        riskScore: { from: current.riskScore, to: riskScore },
        ...(priority !== current.priority && { priority: { from: current.priority, to: priority } }),
        ...(gathered.spendUsd90d !== undefined && { spendUsd90d: gathered.spendUsd90d }),
        ...(becameTop && { topConsumer: true }),
        ...(resolveBy && { resolveBy }),
      },
      lifecycle: moved,
      patch: { evidence, riskFactors, riskScore, priority, topConsumer, ...(moved && { deadlines, sla: resetSla(current.sla, deadlines, now) }) },
    },
    { kind: 'system' },
    now,
  );
}

export interface RequesterMessage {
  email: string;
  subject: string;
  message: string;
  /** The whole email, when `message` is only what the person wrote. */
  fullMessage?: string;
  messageId?: string;
  attachments: CaseRecord['attachments'];
}

/**
 * The requester wrote again: resume a waiting case, reopen a resolved or closed one. Card data is masked first.
 * A reopening that four-eyes covers (a confirmed risk) is proposed instead, as an agent's would be: the reply is
 * on the timeline and the case waits in pending_approval for a lead or the risk team.
 */
export function applyRequesterReply(current: CaseRecord, reply: RequesterMessage, now: Date, policy: SlaPolicy, fourEyes: FourEyes): Change {
  const at = now.toISOString();
  const subject = maskCardData(reply.subject);
  const message = maskCardData(reply.message);
  const data = {
    subject: subject.text,
    message: message.text,
    attachments: reply.attachments,
    ...(reply.fullMessage !== undefined && { fullMessage: maskCardData(reply.fullMessage).text }),
    ...(reply.messageId !== undefined && { messageId: reply.messageId }),
  };
  // They wrote from the address, so it takes mail again.
  const base: Partial<CaseRecord> = {
    attachments: [...current.attachments, ...reply.attachments],
    lastUserMessageAt: at,
    ...(current.requesterUndeliverable && reply.email === current.requester.email && { requesterUndeliverable: undefined }),
  };
  let draft: Draft;
  if (current.status === 'waiting_on_user') {
    const pauses = closePause(current.pauses, at);
    draft = { type: 'requester.replied', data, lifecycle: true, patch: { ...base, status: 'investigating', pauses, deadlines: replan(current, current.priority, pauses, policy) } };
  } else if (current.status === 'resolved' || current.status === 'closed') {
    const reason = 'the requester wrote again';
    const needed = proposalFor(current, { kind: 'reopen' }, fourEyes, REQUESTER_PROPOSER, now);
    if (needed) {
      const approval: PendingApproval = { kind: 'reopen', reason, from: current.status, ...needed.pendingFields };
      draft = { type: 'requester.replied', data: { ...data, reopenProposed: true, from: current.status, rules: needed.rules }, lifecycle: true, patch: { ...base, status: 'pending_approval', approval } };
    } else {
      const reopen = reopenDraft(current, reason, at);
      draft = { ...reopen, type: 'requester.replied', data: { ...data, reopened: true, from: current.status }, patch: { ...reopen.patch, ...base } };
    }
  } else {
    draft = { type: 'requester.replied', data, lifecycle: false, patch: base };
  }
  return commit(current, withMasked(current, draft, addCounts(subject.counts, message.counts)), { kind: 'requester', email: reply.email }, now);
}

export interface AutomaticReply {
  email: string;
  subject: string;
  message: string;
  messageId?: string;
  /** Why it was taken for a machine's (Auto-Submitted: auto-replied, an out-of-office subject…). */
  reasons: string[];
}

/**
 * An autoresponder answered (out of office, "we received your message"). It goes on the timeline and
 * moves nothing: no status, no paused clock resumed, no reopen, not a reply of the requester.
 */
export function applyAutomaticReply(current: CaseRecord, reply: AutomaticReply, now: Date): Change {
  const data = { subject: maskCardData(reply.subject).text, message: maskCardData(reply.message).text, reasons: reply.reasons, ...(reply.messageId !== undefined && { messageId: reply.messageId }) };
  return commit(current, { type: 'requester.auto-replied', data, lifecycle: false, patch: {} }, { kind: 'system' }, now);
}

export interface Bounce {
  /** The notice of the case whose email bounced (e.g. "agent.requested-info-3"). */
  notice: string;
  address: string;
  action: string;
  status: string;
  diagnosticCode?: string;
  /** A permanent failure (5.x.x): the address takes no more mail. */
  permanent: boolean;
}

/** An email of the case bounced: on the timeline; a permanent failure for the requester's address flags it. */
export function applyBounce(current: CaseRecord, bounce: Bounce, now: Date): Change {
  const at = now.toISOString();
  const data = { notice: bounce.notice, address: bounce.address, action: bounce.action, status: bounce.status, permanent: bounce.permanent, ...(bounce.diagnosticCode && { diagnosticCode: bounce.diagnosticCode }) };
  const undeliverable = bounce.permanent && bounce.address === current.requester.email;
  const patch: Partial<CaseRecord> = undeliverable
    ? { requesterUndeliverable: { since: at, status: bounce.status, ...(bounce.diagnosticCode && { diagnosticCode: bounce.diagnosticCode }) } }
    : {};
  return commit(current, { type: 'email.bounced', data, lifecycle: false, patch }, { kind: 'system' }, now);
}

export interface Complaint {
  /** The notice of the case whose email the recipient reported as spam. */
  notice: string;
  address: string;
  /** What the mailbox provider said of it (ARF's feedback type: abuse, fraud…), when it said. */
  feedbackType?: string;
}

/**
 * The recipient of an email of the case reported it as spam: on the timeline, and when it was the
 * requester, their address takes no more email — as a bounced one, until a new message arrives from it.
 */
export function applyComplaint(current: CaseRecord, complaint: Complaint, now: Date): Change {
  const data = { notice: complaint.notice, address: complaint.address, ...(complaint.feedbackType && { feedbackType: complaint.feedbackType }) };
  const patch: Partial<CaseRecord> =
    complaint.address === current.requester.email
      ? { requesterUndeliverable: { since: now.toISOString(), status: COMPLAINT_STATUS, ...(complaint.feedbackType && { diagnosticCode: complaint.feedbackType }) } }
      : {};
  return commit(current, { type: 'email.complained', data, lifecycle: false, patch }, { kind: 'system' }, now);
}

/** `requesterUndeliverable.status` when the address is suppressed because its owner reported trustdesk's email as spam. */
export const COMPLAINT_STATUS = 'complaint';

/** What the lifecycle workflow waits for next, and for how long. */
export interface Timer {
  waitFor: 'agent' | 'user' | 'silence' | 'approval' | 'nothing';
  /** What happens when the time is up. */
  phase:
    | 'first-response-warning'
    | 'first-response-breach'
    | 'resolution-warning'
    | 'resolution-breach'
    | 'overdue'
    | 'auto-close'
    | 'approval-reminder'
    | 'approval-escalation'
    | 'none';
  seconds: number;
}

const OVERDUE_RECHECK_SECONDS = 7 * 86_400;

export function nextTimer(record: CaseRecord, now: Date, policy: SlaPolicy): Timer {
  const { at, ...timer } = nextDeadline(record, now, policy);
  return { ...timer, seconds: at === undefined ? 0 : Math.max(0, Math.ceil((at - now.getTime()) / 1000)) };
}

/** The next timer and the instant it runs out (epoch ms; none for a closed case). */
export function nextDeadline(record: CaseRecord, now: Date, policy: SlaPolicy): Omit<Timer, 'seconds'> & { at?: number } {
  const silence = policy.autoCloseAfterMinutes * 60_000;
  const overdue = now.getTime() + OVERDUE_RECHECK_SECONDS * 1000;
  switch (record.status) {
    case 'closed':
      return { waitFor: 'nothing', phase: 'none' };
    case 'waiting_on_user': {
      const since = record.pauses.find((p) => !p.to)?.from ?? record.updatedAt;
      return { waitFor: 'user', phase: 'auto-close', at: Date.parse(since) + silence };
    }
    case 'pending_approval': {
      // The approval's own deadlines; the SLA deadlines count again once it is decided.
      const a = record.approval;
      if (a && !a.reminded) return { waitFor: 'approval', phase: 'approval-reminder', at: Date.parse(a.remindAt) };
      if (a && !a.escalated) return { waitFor: 'approval', phase: 'approval-escalation', at: Date.parse(a.escalateAt) };
      return { waitFor: 'approval', phase: 'overdue', at: overdue };
    }
    case 'resolved':
      return { waitFor: 'silence', phase: 'auto-close', at: Date.parse(record.resolvedAt ?? record.updatedAt) + silence };
    default: {
      const d = record.deadlines;
      const pending: [Timer['phase'], string | undefined, boolean][] = record.firstRespondedAt
        ? []
        : [
            ['first-response-warning', d.firstResponseWarnAt, record.sla.firstResponseWarned],
            ['first-response-breach', d.firstResponseDue, record.sla.firstResponseBreached],
          ];
      pending.push(['resolution-warning', d.resolutionWarnAt, record.sla.resolutionWarned], ['resolution-breach', d.resolutionDue, record.sla.resolutionBreached]);
      const next = pending.filter(([, at, done]) => at && !done).sort((a, b) => Date.parse(a[1]!) - Date.parse(b[1]!))[0];
      return next ? { waitFor: 'agent', phase: next[0], at: Date.parse(next[1]!) } : { waitFor: 'agent', phase: 'overdue', at: overdue };
    }
  }
}

/**
 * A timer ran out. Records the warning, breach or auto-close that is due (one per call), or returns
 * undefined when nothing is due (an agent acted in the meantime).
 */
export function onTimerExpired(current: CaseRecord, now: Date, policy: SlaPolicy): Change | undefined {
  const timer = nextTimer(current, now, policy);
  if (timer.seconds > 0 || timer.phase === 'none' || timer.phase === 'overdue') return undefined;
  const system: Actor = { kind: 'system' };
  const at = now.toISOString();
  const sla = current.sla;
  switch (timer.phase) {
    case 'first-response-warning':
      return commit(current, { type: 'sla.warning', data: { deadline: 'firstResponse', dueAt: current.deadlines.firstResponseDue }, lifecycle: true, patch: { sla: { ...sla, firstResponseWarned: true } } }, system, now);
    case 'resolution-warning':
      return commit(current, { type: 'sla.warning', data: { deadline: 'resolution', dueAt: current.deadlines.resolutionDue }, lifecycle: true, patch: { sla: { ...sla, resolutionWarned: true } } }, system, now);
    case 'first-response-breach':
    case 'resolution-breach': {
      const deadline = timer.phase === 'first-response-breach' ? 'firstResponse' : 'resolution';
      const flags = deadline === 'firstResponse' ? { firstResponseWarned: true, firstResponseBreached: true } : { resolutionWarned: true, resolutionBreached: true };
      const escalation = escalationForBreach(current, `${deadline} deadline breached`, now);
      return commit(
        current,
        {
          type: 'sla.breached',
          data: { deadline, dueAt: deadline === 'firstResponse' ? current.deadlines.firstResponseDue : current.deadlines.resolutionDue, ...escalation?.data },
          lifecycle: true,
          patch: { sla: { ...sla, ...flags }, ...escalation?.patch },
        },
        system,
        now,
      );
    }
    case 'approval-reminder': {
      const a = current.approval!;
      return commit(current, { type: 'approval.reminded', data: { kind: a.kind, proposedBy: a.proposedBy, rules: a.rules }, lifecycle: true, patch: { approval: { ...a, reminded: true } } }, system, now);
    }
    case 'approval-escalation': {
      // Nobody decided: the lead tier is paged (unless an escalation is running already).
      const a = current.approval!;
      const escalation = current.escalation?.status === 'active' ? undefined : startEscalation(current, 'L1', APPROVAL_OVERDUE, now);
      return commit(
        current,
        { type: 'approval.escalated', data: { kind: a.kind, proposedBy: a.proposedBy, rules: a.rules, ...(escalation?.data) }, lifecycle: true, patch: { approval: { ...a, escalated: true }, ...(escalation?.patch) } },
        system,
        now,
      );
    }
    case 'auto-close': {
      const pauses = closePause(current.pauses, at);
      return commit(
        current,
        {
          type: 'case.closed',
          data: { reason: current.status === 'resolved' ? 'resolved-and-silent' : 'no-reply-from-requester' },
          lifecycle: true,
          // Closed while waiting on the requester: the closed pause moves the deadlines (they matter again on a reopen).
          patch: {
            status: 'closed',
            closedAt: at,
            pauses,
            ...(current.status === 'waiting_on_user' && { deadlines: replan(current, current.priority, pauses, policy) }),
            ...standDown(current),
          },
        },
        system,
        now,
      );
    }
  }
}

/**
 * What a breach does to the escalation. Nothing while one is running below the risk tier (it is already on
 * its way up). A case whose escalation reached the risk team (a P1 is paged there at once) is not walked up
 * from L1 again, which would page the same people twice for one case: while that escalation is running, was
 * acknowledged or ran out unacknowledged (the risk team was paged; its silence is the unacknowledged alert's
 * business, not a second page), the breach is recorded on it. Only one that stood down (the case was resolved
 * or closed, then reopened) leaves room for a new chain, which starts at the risk tier. Otherwise the breach
 * starts the chain at L1.
 */
function escalationForBreach(current: CaseRecord, reason: string, now: Date): Pick<Draft, 'data' | 'patch'> | undefined {
  const esc = current.escalation;
  const reachedRisk = esc !== undefined && (esc.startTier === 'risk' || esc.tier === 'risk');
  if (reachedRisk && esc.status !== 'stood_down') return { data: { escalationId: esc.id, recordedOnEscalation: true }, patch: {} };
  if (esc?.status === 'active') return undefined;
  return startEscalation(current, reachedRisk ? 'risk' : 'L1', reason, now);
}

/** Critical and not yet in front of the risk team (or in an escalation that is still running). */
const needsRiskPage = (r: CaseRecord) =>
  (r.priority === 'P1' || r.safetyCritical) && r.escalation?.status !== 'active' && r.escalation?.startTier !== 'risk';

/** Critical cases page the risk team at once: an escalation that starts at the risk tier. */
export function pageRiskTeam(current: CaseRecord, now: Date): Change | undefined {
  if (!needsRiskPage(current)) return undefined; // already paged (a retried step), or no longer critical
  const draft = startEscalation(current, 'risk', current.safetyCritical ? 'safety-critical report' : 'P1 case', now);
  return commit(current, draft, { kind: 'system' }, now);
}

/** The tier an active escalation reached, or ran out of. */
export function recordEscalationStep(current: CaseRecord, escalationId: string, step: { tier: EscalationTier } | { exhausted: true }, now: Date): Change | undefined {
  const esc = current.escalation;
  if (!esc || esc.id !== escalationId || esc.status !== 'active') return undefined;
  if ('tier' in step) {
    if (esc.tier === step.tier) return undefined; // a retried step
    return commit(current, { type: 'escalation.notified', data: { escalationId, tier: step.tier }, lifecycle: false, patch: { escalation: { ...esc, tier: step.tier } } }, { kind: 'system' }, now);
  }
  return commit(current, { type: 'escalation.unacknowledged', data: { escalationId, tier: esc.tier ?? esc.startTier }, lifecycle: false, patch: { escalation: { ...esc, status: 'unacknowledged' } } }, { kind: 'system' }, now);
}

/**
 * How long an execution waits in person (seconds). A case's execution waits on its task token at most this
 * long after it last moved; a timer further away than this is then handed to a one-time schedule (an alarm,
 * `alarmFor`) and the execution ends, so no execution is held open through days of waiting. Agents usually
 * act on a case they just touched within minutes, which the execution still answers at once; a 100× hour
 * (579 new cases/s) holds 579 × 600 ≈ 350k executions open, a third of the default quota (bench/SCALE.md).
 */
export const LINGER_SECONDS = 600;

/** The silences before an auto-close: handed over at once (no agent is expected to act on them). */
const SILENT: readonly CaseStatus[] = ['resolved', 'waiting_on_user'];

/** What the lifecycle workflow carries between states: just enough to pick its next wait. */
export interface WorkflowState {
  caseId: string;
  status: CaseStatus;
  lifecycleVersion: number;
  critical: boolean;
  due: boolean;
  /** The next timer is far: give it to an alarm and end the execution (see LINGER_SECONDS). */
  handOver: boolean;
  /** The next timer; `seconds` is the wait's timeout, at most LINGER_SECONDS. */
  timer: Timer;
}

/**
 * The state the lifecycle works from. `lingered`: the execution already waited in person (its wait timed
 * out, or a timer just fired), so a far timer is handed over now rather than waited for again.
 */
export function workflowState(record: CaseRecord, now: Date, policy: SlaPolicy, options: { lingered?: boolean } = {}): WorkflowState {
  const timer = nextTimer(record, now, policy);
  const critical = needsRiskPage(record) && (record.status === 'new' || record.status === 'investigating');
  // Something is due already: handle it now rather than wait (a wait's timeout must be ≥ 1 s anyway).
  const due = timer.seconds === 0 && timer.phase !== 'none' && timer.phase !== 'overdue';
  const far = timer.seconds > LINGER_SECONDS;
  return {
    caseId: record.caseId,
    status: record.status,
    lifecycleVersion: record.lifecycleVersion,
    critical,
    due,
    handOver: record.status !== 'closed' && !critical && !due && far && (options.lingered === true || SILENT.includes(record.status)),
    timer: { ...timer, seconds: Math.min(LINGER_SECONDS, Math.max(1, timer.seconds)) },
  };
}
