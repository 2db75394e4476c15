// Incident cases: a surge of one kind of complaint becomes one that goes straight to the risk team, or a
// lead opens one by hand; cases are linked to it (one change on each side, saved together), and one
// incident-wide resolve-linked resolves every open linked case, each with its own audited resolution.
// Pure rules: the use case (functions/lib/use-cases/incidents.ts) reads, saves and retries.
import type { FourEyes } from './approval-policy.ts';
import type { Actor, CaseEvent, CaseRecord, CaseStatus, Category, Outcome } from './case.ts';
import { commit, type Change } from './change.ts';
import { applyAgentAction, TransitionError } from './lifecycle.ts';
import { maskCardData } from './privacy/mask-card-data.ts';
import type { SlaPolicy } from './sla/policy.ts';
import { openCase, type Policies } from './intake.ts';
import { planDeadlines } from './sla/deadlines.ts';

export interface Surge {
  incidentKey: string;
  category: Category;
  hour: string;
  lastHour: number;
  baseline: number;
  linkedCaseIds: string[];
}

export const INCIDENT_REQUESTER = 'risk-alerts@trustdesk.local';

export function openIncident(surge: Surge, ctx: { caseId: string; reference: string; now: Date; policies: Policies }): { record: CaseRecord; event: CaseEvent } {
  const label = surge.category.replace(/_/g, ' ');
  const opened = openCase(
    {
      channel: 'system',
      requester: { email: INCIDENT_REQUESTER, name: 'Surge detection' },
      subject: `Surge of ${label} complaints: ${surge.lastHour} in the hour ${surge.hour} (baseline ${surge.baseline})`,
      message: `${surge.lastHour} ${label} cases were opened in the hour starting ${surge.hour}, against a baseline of ${surge.baseline} for that hour. Linked cases: ${surge.linkedCaseIds.length}.`,
      categoryHint: surge.category,
    },
    { caseId: ctx.caseId, reference: ctx.reference, now: ctx.now, priorComplaints: [], policies: ctx.policies },
  );
  const deadlines = planDeadlines({ openedAt: ctx.now, priority: 'P1' }, ctx.policies.sla);
  const at = ctx.now.toISOString();
  const escalationId = `${ctx.caseId}-esc-1`;
  const record: CaseRecord = {
    ...opened.record,
    priority: 'P1',
    ...(!('paused' in deadlines) && { deadlines }),
    incident: { key: surge.incidentKey, linkedCaseIds: surge.linkedCaseIds, lastHour: surge.lastHour, baseline: surge.baseline },
    // Straight to the risk team: the signal consumer starts this escalation with the case.
    escalation: { id: escalationId, startTier: 'risk', status: 'active', reason: `surge of ${label}`, startedAt: at },
    escalationCount: 1,
  };
  const event: CaseEvent = {
    ...opened.event,
    type: 'incident.opened',
    data: { ...opened.event.data, priority: 'P1', incidentKey: surge.incidentKey, linkedCaseIds: surge.linkedCaseIds, lastHour: surge.lastHour, baseline: surge.baseline, escalationId },
  };
  return { record, event };
}

/** An incident links at most this many cases (surge detection links up to 500): resolve-linked handles them in one request. */
export const MAX_LINKED_CASES = 500;

const CLOSED: readonly CaseStatus[] = ['resolved', 'closed'];

/** A lead (or the risk team) opens an incident by hand: a P1 system case with no linked cases yet. */
export function openManualIncident(
  input: { title: string; message: string; category?: Category },
  ctx: { caseId: string; reference: string; now: Date; policies: Policies; openedBy: string },
): { record: CaseRecord; event: CaseEvent } {
  const opened = openCase(
    {
      channel: 'system',
      requester: { email: INCIDENT_REQUESTER, name: 'Incident (opened by hand)' },
      subject: input.title,
      message: input.message,
      ...(input.category && { categoryHint: input.category }),
    },
    { caseId: ctx.caseId, reference: ctx.reference, now: ctx.now, priorComplaints: [], policies: ctx.policies },
  );
  const deadlines = planDeadlines({ openedAt: ctx.now, priority: 'P1' }, ctx.policies.sla);
  const key = `manual-${ctx.caseId}`;
  // P1: the lifecycle workflow pages the risk team as it does for any critical case.
  const record: CaseRecord = {
    ...opened.record,
    priority: 'P1',
    ...(!('paused' in deadlines) && { deadlines }),
    incident: { key, linkedCaseIds: [], openedBy: ctx.openedBy },
  };
  const event: CaseEvent = {
    ...opened.event,
    type: 'incident.opened',
    actor: { kind: 'agent', id: ctx.openedBy, role: 'lead' },
    data: { ...opened.event.data, priority: 'P1', incidentKey: key, linkedCaseIds: [], manual: true },
  };
  return { record, event };
}

/** Why a case cannot be linked to this incident, or undefined when it can. */
function linkRefusal(target: CaseRecord, incident: CaseRecord): string | undefined {
  if (target.caseId === incident.caseId) return 'A case cannot be linked to itself';
  if (!incident.incident) return 'That case is not an incident';
  if (CLOSED.includes(incident.status)) return `That incident is ${incident.status}; reopen it first`;
  if (target.incident) return 'An incident cannot be linked to another incident';
  if (target.incidentCaseId === incident.caseId) return 'The case is already linked to this incident';
  if (target.incidentCaseId) return `The case is already linked to incident ${target.incidentCaseId}`;
  if (incident.incident.linkedCaseIds.length >= MAX_LINKED_CASES) return `That incident already links ${MAX_LINKED_CASES} cases, the most one incident may`;
  return undefined;
}

/**
 * Links a case to an incident: a change to each (the case gets `incidentCaseId`, the incident's
 * `linkedCaseIds` gains it), saved together with both versions checked. A case a surge already listed
 * is linked without being listed twice. TransitionError names why it cannot be.
 */
export function linkToIncident(target: CaseRecord, incident: CaseRecord, actor: Actor, now: Date): { linked: Change; incident: Change } {
  const refusal = linkRefusal(target, incident);
  if (refusal) throw new TransitionError(refusal);
  const info = incident.incident!;
  const linkedCaseIds = info.linkedCaseIds.includes(target.caseId) ? info.linkedCaseIds : [...info.linkedCaseIds, target.caseId];
  return {
    linked: commit(target, { type: 'incident.linked', data: { incidentCaseId: incident.caseId, incidentReference: incident.reference }, lifecycle: false, patch: { incidentCaseId: incident.caseId } }, actor, now),
    incident: commit(
      incident,
      { type: 'incident.case-linked', data: { caseId: target.caseId, reference: target.reference, linked: linkedCaseIds.length }, lifecycle: false, patch: { incident: { ...info, linkedCaseIds } } },
      actor,
      now,
    ),
  };
}

/** The id of one resolve-linked run: the incident and the version it was asked on, so a retry of the same request is the same run. */
export const resolveLinkedActionId = (incidentCaseId: string, expectedVersion: number) => `${incidentCaseId}-resolve-linked-v${expectedVersion}`;

export interface ResolveLinked {
  actionId: string;
  incidentCaseId: string;
  message: string;
  outcome: Outcome;
}

/** What resolve-linked does to one linked case. */
export type LinkedOutcome =
  | { kind: 'resolved'; change?: Change }
  | { kind: 'proposed'; change?: Change }
  | { kind: 'skipped'; reason: string };

/**
 * One linked case under a resolve-linked run: resolved with the message as its summary (or, under a
 * four-eyes rule, proposed), its event carrying `incidentCaseId` and the run's `incidentActionId`. A case
 * this very run resolved already (a retry, or a crash and retry) is reported again without a change;
 * a resolved, closed or pending one is skipped with why.
 */
export function resolveLinkedCase(current: CaseRecord | undefined, run: ResolveLinked, actor: Actor & { kind: 'agent' }, now: Date, policy: SlaPolicy, fourEyes: FourEyes): LinkedOutcome {
  if (!current) return { kind: 'skipped', reason: 'no such case' };
  if (current.incidentResolution?.actionId === run.actionId) return { kind: current.status === 'pending_approval' ? 'proposed' : 'resolved' };
  if (CLOSED.includes(current.status)) return { kind: 'skipped', reason: `already ${current.status}` };
  if (current.status === 'pending_approval') return { kind: 'skipped', reason: 'waiting for approval' };
  const change = applyAgentAction(current, { type: 'resolve', outcome: run.outcome, summary: run.message }, actor, now, policy, fourEyes);
  const mark = { incidentCaseId: run.incidentCaseId, incidentActionId: run.actionId };
  const marked: Change = {
    record: { ...change.record, incidentResolution: { incidentCaseId: run.incidentCaseId, actionId: run.actionId } },
    event: { ...change.event, data: { ...change.event.data, ...mark } },
  };
  return { kind: change.event.type === 'case.resolved' ? 'resolved' : 'proposed', change: marked };
}

export interface ResolvedLinkedSummary {
  resolvedCaseIds: string[];
  proposedCaseIds: string[];
  skippedCases: { caseId: string; reason: string }[];
}

/** The incident's own record of a finished run: one event with every linked case's fate, the counts on the incident. */
export function recordResolvedLinked(incident: CaseRecord, run: ResolveLinked, summary: ResolvedLinkedSummary, actor: Actor & { kind: 'agent' }, now: Date): Change {
  const info = incident.incident;
  if (!info) throw new TransitionError('The case is not an incident');
  const counts = { resolved: summary.resolvedCaseIds.length, proposed: summary.proposedCaseIds.length, skipped: summary.skippedCases.length };
  const message = maskCardData(run.message).text;
  return commit(
    incident,
    {
      type: 'incident.resolved-linked',
      data: { actionId: run.actionId, outcome: run.outcome, message, ...counts, ...summary },
      lifecycle: false,
      patch: { incident: { ...info, resolvedLinked: { actionId: run.actionId, at: now.toISOString(), by: actor.id, outcome: run.outcome, ...counts } } },
    },
    actor,
    now,
  );
}
