// Words and numbers for the console: labels, dates, SLA countdowns, urgency and timeline lines.
import type { Actor, CaseEvent, CaseRecord, CaseStatus, Priority } from '#domain/case.ts';
import { categoryLabel } from '#domain/reporting/report.ts';

export { categoryLabel };

export const STATUS_LABELS: Record<CaseStatus, string> = {
  new: 'New',
  investigating: 'Investigating',
  waiting_on_user: 'Waiting on requester',
  pending_approval: 'Pending approval',
  resolved: 'Resolved',
  closed: 'Closed',
};
export const PRIORITY_LABELS: Record<Priority, string> = { P1: 'P1 · critical', P2: 'P2 · high', P3: 'P3 · normal', P4: 'P4 · low' };
export const OUTCOME_LABELS: Record<string, string> = {
  resolved: 'Resolved',
  confirmed_risk: 'Confirmed risk',
  false_positive: 'False positive',
  duplicate: 'Duplicate',
};
const PRIORITY_RANK: Record<Priority, number> = { P1: 0, P2: 1, P3: 2, P4: 3 };

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export const formatDateTime = (iso: string): string => {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : dateTime.format(t);
};

export function formatAmount(amount: number, currency: string | undefined): string {
  if (!currency) return String(amount);
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(amount);
  } catch {
    return `${amount} ${currency}`;
  }
}

/** "2d 4h", "3h 05m", "12m 09s" — coarser the further away. */
export function formatDuration(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${two(m)}m`;
  return `${m}m ${two(sec)}s`;
}

export const DUE_SOON_MS = 4 * 3600_000;

/** What the SLA clock of a case is doing now. */
export type SlaState =
  | { state: 'running'; which: 'first response' | 'resolution'; dueAt: number; breached: boolean }
  | { state: 'paused' }
  | { state: 'done' };

type SlaFields = Pick<CaseRecord, 'status' | 'deadlines' | 'sla' | 'firstRespondedAt'>;

export function slaState(c: SlaFields): SlaState {
  if (c.status === 'resolved' || c.status === 'closed') return { state: 'done' };
  if (c.status === 'waiting_on_user') return { state: 'paused' };
  // Before the first response its deadline counts; after it, the resolution deadline.
  if (!c.firstRespondedAt && !c.sla.firstResponseBreached) {
    return { state: 'running', which: 'first response', dueAt: Date.parse(c.deadlines.firstResponseDue), breached: false };
  }
  if (!c.firstRespondedAt && Date.parse(c.deadlines.firstResponseDue) < Date.parse(c.deadlines.resolutionDue)) {
    return { state: 'running', which: 'first response', dueAt: Date.parse(c.deadlines.firstResponseDue), breached: true };
  }
  return { state: 'running', which: 'resolution', dueAt: Date.parse(c.deadlines.resolutionDue), breached: c.sla.resolutionBreached };
}

/** Most urgent first: running clocks by due time (overdue first), then paused, then finished cases. */
export function byUrgency<T extends SlaFields & Pick<CaseRecord, 'priority' | 'openedAt'>>(a: T, b: T): number {
  const rank = (s: SlaState) => (s.state === 'running' ? 0 : s.state === 'paused' ? 1 : 2);
  const sa = slaState(a);
  const sb = slaState(b);
  if (rank(sa) !== rank(sb)) return rank(sa) - rank(sb);
  if (sa.state === 'running' && sb.state === 'running' && sa.dueAt !== sb.dueAt) return sa.dueAt - sb.dueAt;
  if (a.priority !== b.priority) return PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority];
  return a.openedAt < b.openedAt ? -1 : a.openedAt > b.openedAt ? 1 : 0;
}

export function describeActor(actor: Actor | undefined): string {
  if (!actor) return 'trustdesk';
  if (actor.kind === 'requester') return `${actor.email} (requester)`;
  if (actor.kind === 'agent') return `${actor.id} (${actor.role})`;
  if (actor.kind === 'team') return `${actor.email} (${actor.team} team)`;
  return 'trustdesk';
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const deadlineName = (v: unknown) => (v === 'firstResponse' ? 'first response' : 'resolution');

const approvedBy = (d: Record<string, unknown>) => {
  const approval = d.approval as { approvedBy?: unknown; proposedBy?: unknown } | undefined;
  return approval ? ` · proposed by ${String(approval.proposedBy)}, approved by ${String(approval.approvedBy)}` : '';
};

/** One timeline entry in words: a title and, when there is one, the text that was written. */
export function describeEvent(e: CaseEvent): { title: string; detail?: string } {
  const d = e.data ?? {};
  switch (e.type) {
    case 'case.opened':
      return { title: `Case opened by ${d.channel === 'email' ? 'email' : d.channel === 'internal' ? 'an internal escalation' : 'web form'} · ${String(d.priority ?? '')}` };
    case 'evidence.gathered': {
      const findings = Array.isArray(d.findings) ? (d.findings as { code: string; explanation: string }[]) : [];
      const priority = d.priority as { from: string; to: string } | undefined;
      const head = `Evidence from the ledger: ${findings.length ? findings.map((f) => f.code.replace(/_/g, ' ')).join(', ') : 'no findings'}`;
      return { title: priority ? `${head} · priority ${priority.from} → ${priority.to}` : head, ...(findings.length && { detail: findings.map((f) => f.explanation).join('\n') }) };
    }
    case 'internal.escalated':
      return { title: `Escalated by ${String(d.by)} (internal): priority ${String(d.from)} → ${String(d.to)}`, detail: text(d.reason) };
    case 'consult.asked':
      return { title: `Consult asked of ${String(d.team)}${d.blocking ? ' (blocking)' : ''}, due ${typeof d.dueAt === 'string' ? formatDateTime(d.dueAt) : ''}`, detail: text(d.question) };
    case 'consult.answered':
      return {
        title: `${String(d.team)} answered the consult in ${String(d.turnaroundMinutes)} business min${d.withinTarget ? '' : ' (late)'}${d.returnsToAgent ? ': back to the agent' : ''}`,
        detail: text(d.answer),
      };
    case 'consult.reminded':
      return { title: `Consult: ${String(d.team)} reminded (due ${typeof d.dueAt === 'string' ? formatDateTime(d.dueAt) : ''})` };
    case 'consult.escalated':
      return { title: `Consult overdue: ${String(d.team)}'s lead told` };
    case 'incident.opened':
      if (d.manual === true) return { title: 'Incident opened by hand' };
      return { title: `Incident opened: ${String(d.lastHour ?? '?')} cases in the last hour (baseline ${String(d.baseline ?? '?')})` };
    case 'incident.linked':
      return { title: `Linked to incident ${String(d.incidentReference ?? d.incidentCaseId)}` };
    case 'incident.case-linked':
      return { title: `Case ${String(d.reference ?? d.caseId)} linked (${String(d.linked)} linked)` };
    case 'incident.resolved-linked':
      return {
        title: `Linked cases resolved (${OUTCOME_LABELS[String(d.outcome)] ?? String(d.outcome)}): ${String(d.resolved)} resolved, ${String(d.proposed)} proposed for approval, ${String(d.skipped)} skipped`,
        detail: text(d.message),
      };
    case 'agent.replied':
      return { title: d.firstResponse ? 'Replied to the requester (first response)' : 'Replied to the requester', detail: text(d.message) };
    case 'agent.requested-info':
      return { title: 'Asked the requester for information (SLA paused)', detail: text(d.message) };
    case 'agent.noted':
      return { title: 'Internal note', detail: text(d.note) };
    case 'case.assigned':
      return { title: `Assigned to ${String(d.assignee)}${d.previous ? ` (was ${String(d.previous)})` : ''}` };
    case 'escalation.started':
      return { title: `Escalation started at ${String(d.startTier ?? 'L1')}`, detail: text(d.reason) };
    case 'escalation.notified':
      return { title: `Escalation: ${String(d.tier)} notified` };
    case 'escalation.acknowledged':
      return { title: `Escalation acknowledged (${String(d.tier ?? '')})` };
    case 'escalation.unacknowledged':
      return { title: 'Escalation ran out of tiers without an acknowledgement' };
    case 'case.resolved':
      return { title: `Resolved: ${OUTCOME_LABELS[String(d.outcome)] ?? String(d.outcome)}${approvedBy(d)}${d.incidentCaseId ? ' (incident-wide)' : ''}`, detail: text(d.summary) };
    case 'satisfaction.rated':
      return { title: `Requester rated resolution ${String(d.resolution ?? '')}: ${String(d.rating ?? '')} out of 5`, detail: text(d.comment) };
    case 'approval.requested':
      return {
        title: d.kind === 'reopen' ? 'Reopening proposed; waits for approval' : `Resolution proposed (${OUTCOME_LABELS[String(d.outcome)] ?? String(d.outcome)}); waits for approval`,
        detail: `Four-eyes rules: ${Array.isArray(d.rules) ? d.rules.join('; ') : ''}${text(d.summary ?? d.reason) ? `\n\n${text(d.summary ?? d.reason)}` : ''}`,
      };
    case 'approval.rejected':
      return { title: d.kind === 'reopen' ? 'Reopening rejected' : 'Resolution rejected; back to investigating', detail: text(d.note) };
    case 'approval.reminded':
      return { title: 'Approval still pending: approvers reminded' };
    case 'approval.escalated':
      return { title: 'Approval not decided in time: escalated to the lead tier' };
    case 'case.reopened':
      return { title: `Reopened (was ${STATUS_LABELS[d.from as CaseStatus] ?? String(d.from)})${approvedBy(d)}`, detail: text(d.reason) };
    case 'case.priority-changed':
      return { title: `Priority ${String(d.from)} → ${String(d.to)}`, detail: text(d.reason) };
    case 'case.closed':
      return { title: d.reason === 'resolved-and-silent' ? 'Closed after the resolution (no reply)' : 'Closed: no reply from the requester' };
    case 'case.merged':
      return { title: `Merged into ${String(d.intoReference ?? 'another case')}: closed as a duplicate (the requester was told)` };
    case 'case.merged-in': {
      // The duplicate's messages, oldest first, as the requester and the agents wrote them there.
      const messages = Array.isArray(d.messages) ? (d.messages as { at?: unknown; from?: unknown; subject?: unknown; message?: unknown }[]) : [];
      const files = Array.isArray(d.attachments) ? d.attachments.length : 0;
      const omitted = typeof d.messagesOmitted === 'number' ? `\n\n(${d.messagesOmitted} more messages are on ${String(d.fromReference)})` : '';
      const lines = messages.map((m) => `${m.from === 'agent' ? 'Agent' : 'Requester'}${typeof m.at === 'string' ? `, ${formatDateTime(m.at)}` : ''}: ${[text(m.subject), text(m.message)].filter(Boolean).join(' — ')}`);
      return {
        title: `${String(d.fromReference ?? 'A duplicate')} merged in: ${messages.length} message${messages.length === 1 ? '' : 's'}${files ? `, ${files} attachment${files === 1 ? '' : 's'}` : ''}`,
        ...(lines.length > 0 && { detail: lines.join('\n\n') + omitted }),
      };
    }
    case 'requester.replied': {
      const subject = text(d.subject);
      const message = text(d.message);
      return { title: d.reopened ? 'The requester wrote again (case reopened)' : 'The requester wrote', ...((subject || message) && { detail: [subject, message].filter(Boolean).join('\n\n') }) };
    }
    case 'requester.auto-replied':
      return { title: 'Automatic reply (out of office or similar): nothing changed', ...(text(d.message) && { detail: text(d.message) }) };
    case 'email.bounced':
      return {
        title: `Email to ${String(d.address ?? 'the requester')} bounced (${String(d.status ?? '')})${d.permanent ? ': no more email until they write again' : ''}`,
        ...(text(d.diagnosticCode) && { detail: text(d.diagnosticCode) }),
      };
    case 'email.complained':
      return { title: `${String(d.address ?? 'The requester')} reported an email as spam: no more email until they write again`, ...(text(d.feedbackType) && { detail: text(d.feedbackType) }) };
    case 'sla.warning':
      return { title: `SLA warning: ${deadlineName(d.deadline)} due ${typeof d.dueAt === 'string' ? formatDateTime(d.dueAt) : 'soon'}` };
    case 'sla.breached':
      return {
        title: `SLA breached: ${deadlineName(d.deadline)} was due ${typeof d.dueAt === 'string' ? formatDateTime(d.dueAt) : ''}`,
        ...(d.recordedOnEscalation === true && { detail: 'Recorded on the risk team\'s escalation (already paged; not paged again from L1)' }),
      };
    default:
      return { title: e.type };
  }
}
