// The case's domain events, as other teams (payments, creators, product) see them on the event bus: which
// audited case events are worth telling the rest of the company, and what each tells. A pure mapping, so the
// published contract is decided here and tested here; the outbox only delivers it.
//
// What is published is deliberately thin: ids, codes and outcomes, never the requester's address, name, subject
// or message (those stay in trustdesk, where access is audited). The platform's own account id (`userId`) is
// published because the teams subscribing own that account; a subscriber needing more opens the case.
// Every detail carries `schemaVersion`: a field is only ever added within a version; renaming or removing one
// is a new version (and a new detail-type suffix would be the way to run both during a migration).
import type { CaseEvent, CaseRecord, Category, Channel, EscalationTier, Outcome, Priority, ValueTier } from './case.ts';

export const DOMAIN_EVENT_SOURCE = 'trustdesk.cases';
export const DOMAIN_EVENT_SCHEMA_VERSION = 1;

/** The detail-types on the bus, one per kind of change. */
export const DOMAIN_EVENT_TYPES = [
  'Case Opened',
  'Incident Opened',
  'Case Replied',
  'Case Info Requested',
  'Case Escalated',
  'Case SLA Breached',
  'Case Priority Changed',
  'Case Resolved',
  'Case Reopened',
  'Case Closed',
  'Case Merged',
] as const;
export type DomainEventType = (typeof DOMAIN_EVENT_TYPES)[number];

/** The case as the event tells it: what a subscriber filters on (`detail.case.category`, `detail.case.priority`…). */
export interface PublishedCase {
  caseId: string;
  reference: string;
  channel: Channel;
  category: Category;
  priority: Priority;
  /** The platform account the case is about, when the requester named it (or the profiles knew the address). */
  userId?: string;
  valueTier?: ValueTier;
  /** Set on incident cases: the surge (or hand-opened incident) key. */
  incidentKey?: string;
}

export interface DomainEventDetail {
  schemaVersion: typeof DOMAIN_EVENT_SCHEMA_VERSION;
  /** `<caseId>:<version>`: unique per event, stable across redeliveries (a subscriber deduplicates on it). */
  eventId: string;
  /** The audited event it tells (`case.resolved`, `sla.breached`…). */
  caseEventType: string;
  version: number;
  occurredAt: string;
  case: PublishedCase;
  /** What changed, by detail-type: see `DomainEventChange`. */
  change: DomainEventChange;
}

export type DomainEventChange =
  | { kind: 'opened'; riskScore: number; safetyCritical: boolean }
  | { kind: 'incident-opened'; linkedCases: number }
  | { kind: 'replied'; by: 'agent' }
  | { kind: 'info-requested' }
  | { kind: 'escalated'; escalationId: string; tier: EscalationTier; trigger: 'agent' | 'critical-case' | 'sla-breach' | 'internal' | 'incident' }
  | { kind: 'sla-breached'; deadline: 'firstResponse' | 'resolution'; dueAt?: string }
  | { kind: 'priority-changed'; from: Priority; to: Priority }
  | { kind: 'resolved'; outcome: Outcome }
  | { kind: 'reopened'; from: string; by: 'agent' | 'requester' }
  | { kind: 'closed'; reason: string }
  | { kind: 'merged'; intoCaseId: string; intoReference: string };

export interface DomainEvent {
  detailType: DomainEventType;
  detail: DomainEventDetail;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The changes an audited case event tells other teams, each with its detail-type (none when it tells them nothing). */
function changeOf(event: CaseEvent, record: CaseRecord): [DomainEventType, DomainEventChange][] {
  const d = event.data;
  switch (event.type) {
    case 'case.opened':
      return [['Case Opened', { kind: 'opened', riskScore: Number(d.riskScore ?? record.riskScore), safetyCritical: d.safetyCritical === true }]];
    case 'incident.opened': {
      const opened: [DomainEventType, DomainEventChange] = ['Incident Opened', { kind: 'incident-opened', linkedCases: Array.isArray(d.linkedCaseIds) ? d.linkedCaseIds.length : 0 }];
      // A surge incident pages the risk team in the same event that opens it.
      return str(d.escalationId) ? [opened, ['Case Escalated', { kind: 'escalated', escalationId: String(d.escalationId), tier: 'risk', trigger: 'incident' }]] : [opened];
    }
    case 'agent.replied':
      return [['Case Replied', { kind: 'replied', by: 'agent' }]];
    case 'agent.requested-info':
      return [['Case Info Requested', { kind: 'info-requested' }]];
    case 'escalation.started':
      // By an agent, or by the system paging the risk team for a P1 or safety-critical case.
      return [['Case Escalated', { kind: 'escalated', escalationId: String(d.escalationId), tier: tierOf(d.startTier), trigger: event.actor.kind === 'agent' ? 'agent' : 'critical-case' }]];
    case 'internal.escalated':
      return str(d.escalationId) ? [['Case Escalated', { kind: 'escalated', escalationId: String(d.escalationId), tier: tierOf(d.startTier), trigger: 'internal' }]] : [];
    case 'sla.breached': {
      const deadline = d.deadline === 'resolution' ? 'resolution' : 'firstResponse';
      const breached: [DomainEventType, DomainEventChange] = ['Case SLA Breached', { kind: 'sla-breached', deadline, ...(str(d.dueAt) && { dueAt: String(d.dueAt) }) }];
      // A breach starts a chain unless it was recorded on the one already running (one page for a P1).
      const started = str(d.escalationId) && d.recordedOnEscalation !== true;
      return started ? [breached, ['Case Escalated', { kind: 'escalated', escalationId: String(d.escalationId), tier: tierOf(d.startTier), trigger: 'sla-breach' }]] : [breached];
    }
    case 'case.priority-changed':
      return [['Case Priority Changed', { kind: 'priority-changed', from: d.from as Priority, to: d.to as Priority }]];
    case 'case.resolved':
      return [['Case Resolved', { kind: 'resolved', outcome: (str(d.outcome) ?? record.outcome ?? 'resolved') as Outcome }]];
    case 'case.reopened':
      return [['Case Reopened', { kind: 'reopened', from: String(d.from ?? ''), by: 'agent' }]];
    case 'requester.replied':
      return d.reopened === true ? [['Case Reopened', { kind: 'reopened', from: String(d.from ?? ''), by: 'requester' }]] : [];
    case 'case.closed':
      return [['Case Closed', { kind: 'closed', reason: String(d.reason ?? '') }]];
    case 'case.merged':
      // The duplicate closed into the case that carries on (its outcome is duplicate).
      return [['Case Merged', { kind: 'merged', intoCaseId: String(d.intoCaseId ?? ''), intoReference: String(d.intoReference ?? '') }]];
    default:
      return [];
  }
}

const tierOf = (v: unknown): EscalationTier => (v === 'L2' || v === 'risk' ? v : 'L1');

/** Whether an audited event type can tell other teams anything (the outbox reads the case only for these). */
export function mayPublish(eventType: string): boolean {
  return PUBLISHED_CASE_EVENTS.has(eventType);
}
const PUBLISHED_CASE_EVENTS = new Set(['case.opened', 'incident.opened', 'agent.replied', 'agent.requested-info', 'escalation.started', 'internal.escalated', 'sla.breached', 'case.priority-changed', 'case.resolved', 'case.reopened', 'requester.replied', 'case.closed', 'case.merged']);

/**
 * The domain events one audited case event publishes (none, one, or two when it also started an escalation),
 * in the order they happened. `record` is the case as read when publishing; its stable fields (reference,
 * channel, account) name the case, and the priority and category are those the event states when it states them.
 */
export function domainEventsFor(event: CaseEvent, record: CaseRecord): DomainEvent[] {
  const changes = changeOf(event, record);
  const d = event.data;
  const priority = (event.type === 'case.priority-changed' ? d.to : (d.priority ?? record.priority)) as Priority;
  const published: PublishedCase = {
    caseId: record.caseId,
    reference: record.reference,
    channel: record.channel,
    category: (str(d.category) ?? record.category) as Category,
    priority,
    ...(record.requester.userId && { userId: record.requester.userId }),
    ...(record.valueTier && { valueTier: record.valueTier }),
    ...(record.incident && { incidentKey: record.incident.key }),
  };
  return changes.map(([detailType, change], i) => ({
    detailType,
    detail: {
      schemaVersion: DOMAIN_EVENT_SCHEMA_VERSION,
      // The second event of one audited change (an escalation it started) gets its own id.
      eventId: i === 0 ? `${event.caseId}:${event.version}` : `${event.caseId}:${event.version}:${i}`,
      caseEventType: event.type,
      version: event.version,
      occurredAt: event.at,
      case: published,
      change,
    },
  }));
}
