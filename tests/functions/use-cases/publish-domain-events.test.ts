// Publishing the case's domain events from the outbox: once per audited event even when the stream redelivers
// it, retried after the bus refused it, and the case read only for events that publish something.
import { beforeEach, describe, expect, it } from 'vitest';
import type { CaseEvent } from '#domain/case.ts';
import type { DomainEvent } from '#domain/domain-events.ts';
import type { DomainEventBus } from '#lib/ports.ts';
import { publicationNotice, publishDomainEvents, type PublishDeps } from '#lib/use-cases/publish-domain-events.ts';
import { InMemoryCaseStore } from '../fakes.ts';
import { CASE_ID, caseAt } from '../lifecycle-fakes.ts';

class RecordingBus implements DomainEventBus {
  readonly published: DomainEvent[] = [];
  failNext = 0;
  async publish(events: readonly DomainEvent[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('ThrottlingException');
    }
    this.published.push(...events);
  }
}

const resolved: CaseEvent = { caseId: CASE_ID, version: 2, type: 'case.resolved', at: '2026-04-16T10:00:00.000Z', actor: { kind: 'agent', id: 'a-1', role: 'agent' }, data: { outcome: 'resolved', summary: 'done' } };

let store: InMemoryCaseStore;
let bus: RecordingBus;
let deps: PublishDeps;
beforeEach(async () => {
  store = new InMemoryCaseStore();
  store.cases.set(CASE_ID, caseAt('P3', { status: 'resolved', outcome: 'resolved', version: 2 }));
  bus = new RecordingBus();
  deps = { store, bus };
});

describe('publishDomainEvents', () => {
  it('publishes an audited event once, however often the stream delivers it', async () => {
    expect(await publishDomainEvents(deps, resolved)).toBe('published');
    expect(await publishDomainEvents(deps, resolved)).toBe('already-published');
    expect(bus.published.map((e) => [e.detailType, e.detail.eventId])).toEqual([['Case Resolved', `${CASE_ID}:2`]]);
    expect(store.notices.get(`${CASE_ID}#${publicationNotice(resolved)}`)).toEqual({ status: 'sent', providerId: `${CASE_ID}:2` });
  });

  it('gives the claim back when the bus refuses, so the retry publishes it (once)', async () => {
    bus.failNext = 1;
    await expect(publishDomainEvents(deps, resolved)).rejects.toThrow('ThrottlingException');
    expect(bus.published).toEqual([]);
    expect(await publishDomainEvents(deps, resolved)).toBe('published');
    expect(await publishDomainEvents(deps, resolved)).toBe('already-published');
    expect(bus.published).toHaveLength(1);
  });

  it('publishes nothing, and reads no case, for an event that tells other teams nothing', async () => {
    const reads: string[] = [];
    const counting: PublishDeps = {
      bus,
      store: {
        claimNotice: store.claimNotice.bind(store),
        releaseNotice: store.releaseNotice.bind(store),
        markNoticeSent: store.markNoticeSent.bind(store),
        getCase: async (id) => {
          reads.push(id);
          return store.getCase(id);
        },
      },
    };
    expect(await publishDomainEvents(counting, { ...resolved, version: 3, type: 'agent.noted', data: { note: 'x' } })).toBe('nothing-to-publish');
    expect(reads).toEqual([]);
    expect(await publishDomainEvents(counting, { ...resolved, version: 4, type: 'requester.replied', data: {} })).toBe('nothing-to-publish');
    expect(reads).toEqual([CASE_ID]);
    expect(bus.published).toEqual([]);
    expect(store.notices.size).toBe(0);
  });
});
