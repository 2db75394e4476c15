// The case's domain events for other teams, published by the outbox after each audited event it reads.
//
// The guarantee, and why: EventBridge takes no idempotency key either, so publishing rides the same one-off
// claims as the emails (notify.ts): the audited event's publication is claimed in the cases table, published,
// then marked done with the first event's id. A stream redelivery meets the mark and publishes nothing; a
// failed PutEvents gives the claim back so the retry publishes; a crash between EventBridge accepting and the
// mark being written leaves a pending claim that the redelivery takes once its lease ran out — at least once in
// that window only, which is why every detail carries a stable `eventId` (`<caseId>:<version>`) subscribers
// can deduplicate on. The case is read only for events that publish something.
import type { CaseEvent } from '#domain/case.ts';
import { domainEventsFor, mayPublish } from '#domain/domain-events.ts';
import { logger } from '../logger.ts';
import type { CaseStore, DomainEventBus } from '../ports.ts';

export interface PublishDeps {
  store: Pick<CaseStore, 'getCase' | 'claimNotice' | 'releaseNotice' | 'markNoticeSent'>;
  bus: DomainEventBus;
}

export type PublishOutcome = 'published' | 'already-published' | 'nothing-to-publish';

/** The one-off claim's name for an audited event's publication (beside the email notices of the same case). */
export const publicationNotice = (event: Pick<CaseEvent, 'type' | 'version'>) => `published-${event.type}-${event.version}`;

export async function publishDomainEvents(deps: PublishDeps, event: CaseEvent): Promise<PublishOutcome> {
  if (!mayPublish(event.type)) return 'nothing-to-publish';
  const record = await deps.store.getCase(event.caseId);
  if (!record) return 'nothing-to-publish';
  const events = domainEventsFor(event, record);
  if (events.length === 0) return 'nothing-to-publish';
  const notice = publicationNotice(event);
  if (!(await deps.store.claimNotice(event.caseId, notice))) return 'already-published';
  try {
    await deps.bus.publish(events);
  } catch (error) {
    await deps.store.releaseNotice(event.caseId, notice);
    throw error;
  }
  // Published: a failure to mark it leaves the claim pending (not given back), as for a sent email.
  try {
    await deps.store.markNoticeSent(event.caseId, notice, events[0]!.detail.eventId);
  } catch (error) {
    logger.warn('domain events published but not recorded as published', { caseId: event.caseId, notice, error: (error as Error).name });
  }
  return 'published';
}
