// The published schema of the case's domain events on the event bus (version 1), for the teams that subscribe:
// the envelope EventBridge delivers (`source` trustdesk.cases, one `detail-type` per kind of change) and its
// `detail`. Subscribers validate with it (or with `domain-events.v1.schema.json`, the same schema as JSON Schema,
// kept equal to this one by a test); trustdesk's own tests check every published event against it. The outbox
// does not import it: the mapping in domain/domain-events.ts is what builds the events, this is what they promise.
import { z } from 'zod';
import { CATEGORIES, CHANNELS, ESCALATION_TIERS, OUTCOMES, PRIORITIES, VALUE_TIERS } from '#domain/case.ts';
import { DOMAIN_EVENT_SCHEMA_VERSION, DOMAIN_EVENT_SOURCE, DOMAIN_EVENT_TYPES } from '#domain/domain-events.ts';

const instant = z.iso.datetime({ offset: true });

export const PublishedCaseSchema = z.object({
  caseId: z.string().min(1),
  reference: z.string().regex(/^TD-/),
  channel: z.enum(CHANNELS),
  category: z.enum(CATEGORIES),
  priority: z.enum(PRIORITIES),
  userId: z.string().min(1).optional(),
  valueTier: z.enum(VALUE_TIERS).optional(),
  incidentKey: z.string().min(1).optional(),
});

export const DomainEventChangeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('opened'), riskScore: z.number(), safetyCritical: z.boolean() }),
  z.object({ kind: z.literal('incident-opened'), linkedCases: z.number().int().min(0) }),
  z.object({ kind: z.literal('replied'), by: z.literal('agent') }),
  z.object({ kind: z.literal('info-requested') }),
  z.object({ kind: z.literal('escalated'), escalationId: z.string().min(1), tier: z.enum(ESCALATION_TIERS), trigger: z.enum(['agent', 'critical-case', 'sla-breach', 'internal', 'incident']) }),
  z.object({ kind: z.literal('sla-breached'), deadline: z.enum(['firstResponse', 'resolution']), dueAt: instant.optional() }),
  z.object({ kind: z.literal('priority-changed'), from: z.enum(PRIORITIES), to: z.enum(PRIORITIES) }),
  z.object({ kind: z.literal('resolved'), outcome: z.enum(OUTCOMES) }),
  z.object({ kind: z.literal('reopened'), from: z.string(), by: z.enum(['agent', 'requester']) }),
  z.object({ kind: z.literal('closed'), reason: z.string() }),
  z.object({ kind: z.literal('merged'), intoCaseId: z.string().min(1), intoReference: z.string().regex(/^TD-/) }),
]);

export const DomainEventDetailSchema = z.object({
  schemaVersion: z.literal(DOMAIN_EVENT_SCHEMA_VERSION),
  eventId: z.string().min(1),
  caseEventType: z.string().min(1),
  version: z.number().int().min(1),
  occurredAt: instant,
  case: PublishedCaseSchema,
  change: DomainEventChangeSchema,
});

/** What a rule's target receives: EventBridge's envelope around the detail. */
export const DomainEventEnvelopeSchema = z.object({
  version: z.literal('0'),
  id: z.string().min(1),
  'detail-type': z.enum(DOMAIN_EVENT_TYPES),
  source: z.literal(DOMAIN_EVENT_SOURCE),
  account: z.string(),
  time: instant,
  region: z.string(),
  resources: z.array(z.string()),
  detail: DomainEventDetailSchema,
});

/** Which `change.kind` each detail-type carries (the README's table and the tests use it). */
export const CHANGE_KIND_OF: Record<(typeof DOMAIN_EVENT_TYPES)[number], z.infer<typeof DomainEventChangeSchema>['kind']> = {
  'Case Opened': 'opened',
  'Incident Opened': 'incident-opened',
  'Case Replied': 'replied',
  'Case Info Requested': 'info-requested',
  'Case Escalated': 'escalated',
  'Case SLA Breached': 'sla-breached',
  'Case Priority Changed': 'priority-changed',
  'Case Resolved': 'resolved',
  'Case Reopened': 'reopened',
  'Case Closed': 'closed',
  'Case Merged': 'merged',
};

/** The envelope's schema as JSON Schema (draft 2020-12): what `domain-events.v1.schema.json` holds. */
export function domainEventsJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://trustdesk.example/schemas/domain-events.v1.schema.json',
    title: 'trustdesk case domain event (version 1), as an EventBridge rule target receives it',
    ...z.toJSONSchema(DomainEventEnvelopeSchema),
  };
}
