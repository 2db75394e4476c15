// The published schema of the domain events: the JSON Schema file subscribers read is the zod schema trustdesk
// tests against (regenerate with `npm run events:schema`), and the envelope refuses what the bus never sends.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DomainEventEnvelopeSchema, domainEventsJsonSchema } from '#events/domain-events.ts';

const envelope = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'Case Resolved',
  source: 'trustdesk.cases',
  account: '111122223333',
  time: '2026-12-04T10:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    schemaVersion: 1,
    eventId: 'c-1:7',
    caseEventType: 'case.resolved',
    version: 7,
    occurredAt: '2026-12-04T10:00:00.000Z',
    case: { caseId: 'c-1', reference: 'TD-AAAAAA', channel: 'email', category: 'gifts_coins', priority: 'P3', userId: 'u-42' },
    change: { kind: 'resolved', outcome: 'resolved' },
  },
};

describe('the domain events schema', () => {
  it('is the file subscribers read (npm run events:schema rewrites it)', () => {
    const file = JSON.parse(readFileSync(new URL('../../events/domain-events.v1.schema.json', import.meta.url), 'utf8'));
    expect(file).toEqual(domainEventsJsonSchema());
  });

  it('accepts an event as a rule target receives it, and refuses an unknown detail-type, version or change', () => {
    expect(DomainEventEnvelopeSchema.parse(envelope)).toEqual(envelope);
    expect(DomainEventEnvelopeSchema.safeParse({ ...envelope, 'detail-type': 'Case Deleted' }).success).toBe(false);
    expect(DomainEventEnvelopeSchema.safeParse({ ...envelope, detail: { ...envelope.detail, schemaVersion: 2 } }).success).toBe(false);
    expect(DomainEventEnvelopeSchema.safeParse({ ...envelope, detail: { ...envelope.detail, change: { kind: 'resolved', outcome: 'maybe' } } }).success).toBe(false);
  });
});
