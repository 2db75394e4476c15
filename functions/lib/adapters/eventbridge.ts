// The DomainEventBus port over Amazon EventBridge: PutEvents to the stack's domain-events bus, up to 10 entries
// per call (the API's limit). EventBridge answers 200 even when some entries failed (throttling, an internal
// error): the adapter treats any failed entry as a failed publish and throws, naming the error codes (never the
// details, which are the events themselves), so the outbox retries the record and parks it after the retries.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DOMAIN_EVENT_SOURCE, type DomainEvent } from '#domain/domain-events.ts';
import type { DomainEventBus } from '../ports.ts';

const eventBridge = new EventBridgeClient({});
const ENTRIES_PER_CALL = 10;

export class EventBridgeDomainEventBus implements DomainEventBus {
  constructor(
    private readonly busName: string,
    private readonly client: EventBridgeClient = eventBridge,
  ) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += ENTRIES_PER_CALL) {
      const chunk = events.slice(i, i + ENTRIES_PER_CALL);
      const out = await this.client.send(
        new PutEventsCommand({
          Entries: chunk.map((e) => ({
            EventBusName: this.busName,
            Source: DOMAIN_EVENT_SOURCE,
            DetailType: e.detailType,
            Detail: JSON.stringify(e.detail),
            Time: new Date(e.detail.occurredAt),
            Resources: [],
          })),
        }),
      );
      if ((out.FailedEntryCount ?? 0) > 0) {
        const codes = [...new Set((out.Entries ?? []).flatMap((e) => (e.ErrorCode ? [e.ErrorCode] : [])))];
        throw new DomainEventsNotPublished(out.FailedEntryCount ?? 0, chunk.length, codes);
      }
    }
  }
}

export class DomainEventsNotPublished extends Error {
  override readonly name = 'DomainEventsNotPublished';
  constructor(failed: number, of: number, codes: string[]) {
    super(`EventBridge refused ${failed} of ${of} domain event(s): ${codes.join(', ') || 'no error code'}`);
  }
}
