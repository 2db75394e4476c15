// The benchmark's baseline (one apply per event) must count exactly what aggregateEvents counts, or the
// coalescing ratio in bench/RESULTS.md compares two different things.
import { describe, expect, it } from 'vitest';
import { policies } from '#lib/policies.ts';
import { reportingPolicy } from '#lib/reporting-policy.ts';
import { aggregateEvents, type AggregateDeps } from '#lib/use-cases/fold-case-events.ts';
import { aggregatePerRecord } from '../../bench/aggregate-per-record.ts';
import { FixedClock, InMemoryCaseStore, RecordingMetrics, sequentialIds } from '../functions/fakes.ts';
import { CaseFactory, InMemoryReportingStore, interleave } from '../functions/reporting-fakes.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Tuesday 2026-11-24, 10:00 in Los Angeles. */
const TEN_AM = new Date('2026-11-24T18:00:00.000Z');
const at = (ms: number) => new Date(TEN_AM.getTime() + ms);

async function workedCases(factory: CaseFactory): Promise<void> {
  const a = await factory.open({ category: 'refund', at: TEN_AM });
  await factory.act(a.caseId, { type: 'reply', message: 'Looking into it' }, at(20 * MINUTE));
  await factory.act(a.caseId, { type: 'resolve', outcome: 'resolved' }, at(2 * HOUR));
  const b = await factory.open({ category: 'payout', at: at(5 * MINUTE) });
  await factory.act(b.caseId, { type: 'request-info', message: 'Which bank?' }, at(30 * MINUTE));
  await factory.requesterReply(b.caseId, at(HOUR));
  await factory.act(b.caseId, { type: 'resolve', outcome: 'false_positive' }, at(3 * HOUR));
  await factory.act(b.caseId, { type: 'reopen', reason: 'not fixed' }, at(4 * HOUR));
  const c = await factory.open({ category: 'gifts_coins', at: at(10 * MINUTE), tier: 'top' });
  await factory.act(c.caseId, { type: 'escalate', reason: 'VIP' }, at(15 * MINUTE));
  await factory.act(c.caseId, { type: 'acknowledge' }, at(25 * MINUTE));
}

describe('aggregatePerRecord', () => {
  it('leaves the same counts and watermarks as aggregateEvents, with one apply per event and more writes', async () => {
    const cases = new InMemoryCaseStore();
    const factory = new CaseFactory(cases);
    await workedCases(factory);
    const events = interleave(factory.events());
    const deps: AggregateDeps = { cases, reporting: new InMemoryReportingStore(), clock: new FixedClock(at(5 * HOUR)), policy: reportingPolicy, policies, metrics: new RecordingMetrics(), ...sequentialIds() };
    const coalescedStore = new InMemoryReportingStore();
    const perEventStore = new InMemoryReportingStore();

    const coalesced = await aggregateEvents({ ...deps, reporting: coalescedStore }, events);
    const perEvent = await aggregatePerRecord({ ...deps, reporting: perEventStore }, events);

    expect(perEventStore.snapshot()).toEqual(coalescedStore.snapshot());
    expect(perEventStore.aggregateCounts().length).toBeGreaterThan(5);
    expect(perEvent).toMatchObject({ applied: coalesced.applied, skipped: 0, incidents: [] });
    expect(perEvent.writes).toBeGreaterThan(coalesced.writes);
    expect(coalescedStore.transactions).toHaveLength(1);
    expect(perEventStore.transactions).toHaveLength(events.length);
    for (const t of perEventStore.transactions) expect(t.moves).toHaveLength(1);
  });

  it('counts nothing again when the same events come again', async () => {
    const cases = new InMemoryCaseStore();
    const factory = new CaseFactory(cases);
    await workedCases(factory);
    const events = interleave(factory.events());
    const reporting = new InMemoryReportingStore();
    const deps: AggregateDeps = { cases, reporting, clock: new FixedClock(at(5 * HOUR)), policy: reportingPolicy, policies, metrics: new RecordingMetrics(), ...sequentialIds() };
    await aggregatePerRecord(deps, events);
    const before = reporting.snapshot();

    const again = await aggregatePerRecord(deps, events);

    expect(again).toEqual({ applied: 0, skipped: events.length, writes: 0, incidents: [] });
    expect(reporting.snapshot()).toEqual(before);
  });
});
