import { describe, expect, it } from 'vitest';
import type { CaseEvent, CaseRecord, Category } from '#domain/case.ts';
import { backlogDeltas, deltasFor, type Counters } from '#domain/reporting/aggregate.ts';
import { addCounters, withoutZeros } from '#domain/reporting/counters.ts';
import { hourKey } from '#domain/reporting/buckets.ts';
import { keyId } from '#domain/reporting/shards.ts';
import { policies } from '#lib/policies.ts';
import type { Clock, CountChange } from '#lib/ports.ts';
import { reportingPolicy } from '#lib/reporting-policy.ts';
import { aggregateEvents, dimsOf, type AggregateDeps } from '#lib/use-cases/fold-case-events.ts';
import { FixedClock, InMemoryCaseStore, RecordingMetrics, sequentialIds } from '../fakes.ts';
import { CaseFactory, InMemoryReportingStore, interleave } from '../reporting-fakes.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const policy = reportingPolicy;
const tz = policy.timeZone;
const settings = { timeZone: tz, histogramEdges: policy.histogramEdges };
/** Cases in one category and local hour that make a surge when the previous days were quiet. */
const THRESHOLD = Math.max(policy.surge.minCount, policy.surge.factor * policy.surge.baselineFloor);

/** Tuesday 2026-11-24, 10:00 in Los Angeles (PST, UTC−8). */
const TEN_AM = new Date('2026-11-24T18:00:00.000Z');
const at = (ms: number, from: Date = TEN_AM) => new Date(from.getTime() + ms);

function setup(clock: Clock = new FixedClock(at(50 * MINUTE))) {
  const cases = new InMemoryCaseStore();
  const reporting = new InMemoryReportingStore();
  const factory = new CaseFactory(cases);
  const metrics = new RecordingMetrics();
  const deps: AggregateDeps = { cases, reporting, clock, policy, policies, metrics, ...sequentialIds() };
  return { cases, reporting, factory, deps, metrics };
}


const sumInto = (into: Map<string, Counters>, key: object, counters: Counters) => into.set(keyId(key), addCounters(into.get(keyId(key)) ?? {}, counters));
const nonZero = (m: Map<string, Counters>) =>
  new Map([...m].map(([k, c]) => [k, withoutZeros(c)] as const).filter(([, c]) => Object.keys(c).length > 0));

/** What the domain says the events add up to: deltasFor / backlogDeltas of each event, summed per key. */
async function expected(cases: InMemoryCaseStore, events: CaseEvent[]) {
  const aggregates = new Map<string, Counters>();
  const backlog = new Map<string, Counters>();
  for (const event of events) {
    const record = (await cases.getCase(event.caseId))!;
    const input = { event, dims: dimsOf(record) };
    for (const d of deltasFor(input, settings)) sumInto(aggregates, d.key, d.counters);
    for (const d of backlogDeltas(input, settings)) sumInto(backlog, d.key, d.counters);
  }
  return { aggregates: nonZero(aggregates), backlog: nonZero(backlog) };
}

/** What the store holds, summed over shards, per aggregate key and per backlog key. */
function stored(reporting: InMemoryReportingStore) {
  const aggregates = new Map<string, Counters>();
  const backlog = new Map<string, Counters>();
  for (const a of reporting.aggregateCounts()) sumInto(aggregates, a.key, a.counters);
  for (const b of reporting.backlogCounts()) sumInto(backlog, b.key, b.counters);
  return { aggregates: nonZero(aggregates), backlog: nonZero(backlog) };
}

/** Opened per category and local hour, as the store counts it for surges. */
const trendCount = (reporting: InMemoryReportingStore, category: Category, hour: string): number => reporting.openedIn(category, hour);

/** The item a change is to, shard left out: what a case's events must touch. */
function touched(c: CountChange): string {
  switch (c.kind) {
    case 'aggregate':
    case 'backlog':
      return `${c.kind}|${keyId(c.key)}`;
    case 'opened-in-hour':
      return `${c.kind}|${c.category}|${c.hour}`;
    case 'top-consumer-case':
      return `${c.kind}|${c.listing.day}|${c.listing.caseId}`;
    case 'agent':
      return `${c.kind}|${keyId(c.key)}`;
  }
}

const systemCases = (cases: InMemoryCaseStore) => [...cases.cases.values()].filter((c) => c.channel === 'system');
/** Everything held but watermarks. */
const counterItems = (reporting: InMemoryReportingStore) => reporting.counts();

/** A day of work on a handful of cases: replies, requests for information, resolutions, reopens, escalations, SLA timers. */
async function busyDay(factory: CaseFactory) {
  const a = await factory.open({ category: 'refund', at: TEN_AM });
  await factory.act(a.caseId, { type: 'reply', message: 'Looking into it' }, at(20 * MINUTE));
  await factory.act(a.caseId, { type: 'resolve', outcome: 'resolved' }, at(2 * HOUR));

  const b = await factory.open({ category: 'payout', at: at(5 * MINUTE) });
  await factory.act(b.caseId, { type: 'request-info', message: 'Which bank?' }, at(30 * MINUTE));
  await factory.requesterReply(b.caseId, at(HOUR));
  await factory.act(b.caseId, { type: 'reply', message: 'Thanks' }, at(70 * MINUTE));
  await factory.act(b.caseId, { type: 'resolve', outcome: 'false_positive' }, at(3 * HOUR));
  await factory.act(b.caseId, { type: 'reopen', reason: 'not fixed' }, at(4 * HOUR));

  const c = await factory.open({ category: 'gifts_coins', at: at(10 * MINUTE), tier: 'top' });
  await factory.act(c.caseId, { type: 'escalate', reason: 'VIP' }, at(15 * MINUTE));
  await factory.act(c.caseId, { type: 'acknowledge' }, at(25 * MINUTE));
  await factory.act(c.caseId, { type: 'change-priority', priority: 'P1', reason: 'top consumer' }, at(26 * MINUTE));

  // Opened late in the evening; answered after local midnight (another day's buckets).
  const d = await factory.open({ category: 'refund', at: new Date('2026-11-25T07:30:00.000Z') });
  await factory.act(d.caseId, { type: 'reply', message: 'Hello' }, new Date('2026-11-25T08:10:00.000Z'));

  const e = await factory.open({ category: 'account_access', at: at(12 * MINUTE) });
  await factory.timer(e.caseId, new Date((await factory.store.getCase(e.caseId))!.deadlines.firstResponseWarnAt!));
  await factory.timer(e.caseId, new Date((await factory.store.getCase(e.caseId))!.deadlines.firstResponseDue));
  return [a, b, c, d, e];
}

describe('aggregateEvents: exactly-once counting', () => {
  it('adds up to the sum of the domain deltas of every event, and moves each watermark to the last version', async () => {
    const { cases, reporting, factory, deps } = setup();
    const opened = await busyDay(factory);
    const events = interleave(factory.events());
    expect(new Set(events.map((e) => e.type))).toEqual(
      new Set(['case.opened', 'agent.replied', 'case.resolved', 'agent.requested-info', 'requester.replied', 'case.reopened', 'escalation.started', 'escalation.acknowledged', 'case.priority-changed', 'sla.warning', 'sla.breached']),
    );

    const result = await aggregateEvents(deps, events);

    expect(result).toMatchObject({ applied: events.length, skipped: 0, incidents: [] });
    const want = await expected(cases, events);
    expect(want.aggregates.size).toBeGreaterThan(10);
    expect(stored(reporting)).toEqual(want);
    for (const c of opened) expect(reporting.watermarkOf(c.caseId)).toBe(cases.events.get(c.caseId)!.length);
    // Opened cases per category and local hour feed surge detection.
    expect(trendCount(reporting, 'refund', '2026-11-24T10')).toBe(1);
    expect(trendCount(reporting, 'refund', '2026-11-24T23')).toBe(1);
    expect(trendCount(reporting, 'gifts_coins', '2026-11-24T10')).toBe(1);
    // The top consumer's case is listed for the report of its local day.
    expect(reporting.topConsumerCasesListedOn('2026-11-24').map((l) => l.caseId)).toEqual([opened[2]!.caseId]);
  });

  it('counts each opened case once for the CasesOpened metric, however often its batch comes', async () => {
    const { factory, deps, metrics } = setup();
    const opened = await busyDay(factory);
    const events = interleave(factory.events());
    await aggregateEvents(deps, events);
    await aggregateEvents(deps, events);
    await aggregateEvents(deps, events.slice(0, 5));
    expect(metrics.times('CasesOpened')).toBe(opened.length);
    expect(metrics.counted.every((name) => name === 'CasesOpened')).toBe(true);
  });

  it('counts nothing again when the same batch is delivered again', async () => {
    const { cases, reporting, factory, deps } = setup();
    await busyDay(factory);
    const events = interleave(factory.events());
    await aggregateEvents(deps, events);
    const before = reporting.snapshot();
    const transactions = reporting.transactions.length;

    const again = await aggregateEvents(deps, events);

    expect(again).toEqual({ applied: 0, skipped: events.length, writes: 0, incidents: [] });
    expect(reporting.snapshot()).toEqual(before);
    expect(reporting.transactions).toHaveLength(transactions);
    expect(stored(reporting)).toEqual(await expected(cases, events));
  });

  it('counts only the new versions of a batch that overlaps an earlier one', async () => {
    const { cases, reporting, factory, deps } = setup();
    await busyDay(factory);
    const events = interleave(factory.events());
    const first = events.slice(0, 12);
    const second = events.slice(8); // 4 events delivered twice

    await aggregateEvents(deps, first);
    expect(stored(reporting)).toEqual(await expected(cases, first));
    const result = await aggregateEvents(deps, second);

    expect(result).toMatchObject({ applied: events.length - 12, skipped: 4 });
    expect(stored(reporting)).toEqual(await expected(cases, events));
  });

  it('counts an event once even when a batch holds it twice', async () => {
    const { cases, reporting, factory, deps } = setup();
    await busyDay(factory);
    const events = interleave(factory.events());

    const result = await aggregateEvents(deps, [...events, ...events.slice(0, 3)]);

    expect(result).toMatchObject({ applied: events.length, skipped: 3 });
    expect(stored(reporting)).toEqual(await expected(cases, events));
  });

  it('refuses to count when another consumer moved a watermark meanwhile, and counts nothing of that transaction', async () => {
    const { reporting, factory, deps } = setup();
    await busyDay(factory);
    const events = interleave(factory.events());
    const [victim] = events;
    reporting.beforeApply = async () => {
      reporting.beforeApply = undefined;
      // A concurrent invocation counted the same case first.
      await reporting.applyCounts([], [{ caseId: victim!.caseId, from: 0, to: 1 }]);
    };

    await expect(aggregateEvents(deps, events)).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    expect(reporting.counts()).toEqual(new InMemoryReportingStore().counts());
  });

  it('applies one change per item, once per batch', async () => {
    const { factory, deps, reporting } = setup();
    await busyDay(factory);
    const events = interleave(factory.events());

    const result = await aggregateEvents(deps, events);

    expect(reporting.transactions).toHaveLength(1);
    const changed = reporting.transactions[0]!.changes.map((c) => `${touched(c)}|${'shard' in c ? c.shard : ''}`);
    expect(new Set(changed).size).toBe(changed.length);
    expect(result.writes).toBe(changed.length);
  });

  it('splits many cases into transactions of at most 100 items, each case with its watermark in the transaction of its updates', async () => {
    const { cases, reporting, factory, deps } = setup(new FixedClock(new Date('2026-11-26T08:00:00.000Z')));
    const categories: Category[] = ['refund', 'payout', 'gifts_coins', 'account_access', 'payment_dispute', 'other'];
    for (let i = 0; i < 240; i++) {
      // Spread over 24 hours and six categories: few cases share all their items.
      const c = await factory.open({ category: categories[i % categories.length]!, at: at((i % 24) * HOUR + (i % 7) * MINUTE) });
      await factory.act(c.caseId, { type: 'reply', message: 'On it' }, at((i % 24) * HOUR + 40 * MINUTE));
      if (i % 2 === 0) await factory.act(c.caseId, { type: 'resolve', outcome: 'resolved' }, at((i % 24) * HOUR + 3 * HOUR));
    }
    const events = interleave(factory.events());

    const result = await aggregateEvents(deps, events);

    expect(result.applied).toBe(events.length);
    const transactions = reporting.transactions;
    expect(transactions.length).toBeGreaterThanOrEqual(3);
    for (const t of transactions) expect(t.changes.length + t.moves.length).toBeLessThanOrEqual(100);
    expect(result.writes).toBe(transactions.reduce((n, t) => n + t.changes.length, 0));

    // Every case's watermark moves once, from 0 to its last version.
    const moves = transactions.flatMap((t) => t.moves);
    expect(moves).toHaveLength(240);
    for (const m of moves) expect(m).toEqual({ caseId: m.caseId, from: 0, to: cases.events.get(m.caseId)!.length });

    // The items a case's events touch are all updated in the transaction that moves its watermark.
    for (const t of transactions) {
      const updated = new Set(t.changes.map(touched));
      for (const m of t.moves) {
        const record = (await cases.getCase(m.caseId))!;
        for (const event of events.filter((e) => e.caseId === m.caseId)) {
          const input = { event, dims: dimsOf(record) };
          for (const d of deltasFor(input, settings)) expect(updated).toContain(`aggregate|${keyId(d.key)}`);
          for (const d of backlogDeltas(input, settings)) expect(updated).toContain(`backlog|${keyId(d.key)}`);
          if (event.type === 'case.opened') expect(updated).toContain(`opened-in-hour|${record.category}|${hourKey(event.at, tz)}`);
        }
      }
    }
    expect(stored(reporting)).toEqual(await expected(cases, events));
  });
});

describe('aggregateEvents: surges', () => {
  const surgeBatch = async (factory: CaseFactory, n: number, category: Category = 'refund', from: Date = TEN_AM) => {
    const opened: CaseRecord[] = [];
    for (let i = 0; i < n; i++) opened.push(await factory.open({ category, at: at((i % 50) * MINUTE, from) }));
    return opened;
  };

  it(`opens exactly one incident case for the risk team when ${THRESHOLD} cases of a category open in one hour`, async () => {
    const { cases, reporting, factory, deps } = setup();
    const opened = await surgeBatch(factory, THRESHOLD);

    const result = await aggregateEvents(deps, factory.events());

    expect(result.incidents).toHaveLength(1);
    const incidents = systemCases(cases);
    expect(incidents).toHaveLength(1);
    const incident = incidents[0]!;
    expect(incident.caseId).toBe(result.incidents[0]);
    expect(incident).toMatchObject({
      channel: 'system',
      category: 'refund',
      priority: 'P1',
      escalation: { startTier: 'risk', status: 'active' },
      incident: { key: 'surge#refund#2026-11-24T00', lastHour: THRESHOLD, baseline: policy.surge.baselineFloor },
    });
    expect([...incident.incident!.linkedCaseIds].sort()).toEqual(opened.map((c) => c.caseId).sort());
    expect(cases.events.get(incident.caseId)!.map((e) => e.type)).toEqual(['incident.opened']);
    // Recorded once, and listed under the day of its window for the report.
    expect([...reporting.state.incidents.keys()]).toEqual(['surge#refund#2026-11-24T00']);
    expect(reporting.incidentsListedOn('2026-11-24').map((i) => i.caseId)).toEqual([incident.caseId]);
  });

  it('opens no second incident when the surge batch is delivered again, alone or with new cases', async () => {
    const { cases, factory, deps } = setup();
    await surgeBatch(factory, THRESHOLD);
    const batch = factory.events();
    const first = await aggregateEvents(deps, batch);

    const again = await aggregateEvents(deps, batch);
    await surgeBatch(factory, 3);
    const more = await aggregateEvents(deps, factory.events()); // the old events, the incident's own and 3 new cases

    expect(first.incidents).toHaveLength(1);
    expect(again).toMatchObject({ applied: 0, incidents: [] });
    expect(more).toMatchObject({ applied: 4, skipped: THRESHOLD, incidents: [] });
    expect(systemCases(cases)).toHaveLength(1);
  });

  it('opens one incident when the surge arrives split across batches', async () => {
    const { cases, reporting, factory, deps } = setup();
    const results = [];
    let total = 0;
    while (total < THRESHOLD + 6) {
      const before = new Set(factory.store.events.keys());
      await surgeBatch(factory, 4, 'refund', at(total * MINUTE));
      total += 4;
      results.push(await aggregateEvents(deps, factory.events().filter((e) => !before.has(e.caseId))));
    }

    expect(results.flatMap((r) => r.incidents)).toHaveLength(1);
    // It opened with the batch that reached the threshold, not before.
    const firstOver = Math.ceil(THRESHOLD / 4) - 1;
    expect(results.findIndex((r) => r.incidents.length > 0)).toBe(firstOver);
    expect(systemCases(cases)).toHaveLength(1);
    expect(trendCount(reporting, 'refund', '2026-11-24T10')).toBe(total);
  });

  it('opens one incident when two batches race', async () => {
    const { cases, factory, deps } = setup();
    await surgeBatch(factory, THRESHOLD + 1);
    const events = factory.events();
    const half = Math.ceil(events.length / 2);

    const [a, b] = await Promise.all([aggregateEvents(deps, events.slice(0, half)), aggregateEvents(deps, events.slice(half))]);

    expect(systemCases(cases)).toHaveLength(1);
    expect(new Set([...a.incidents, ...b.incidents])).toEqual(new Set([systemCases(cases)[0]!.caseId]));
  });

  it('opens no incident one case below the threshold', async () => {
    const { cases, reporting, factory, deps } = setup();
    await surgeBatch(factory, THRESHOLD - 1);
    await surgeBatch(factory, THRESHOLD - 1, 'payout'); // another category does not add up with it

    const result = await aggregateEvents(deps, factory.events());

    expect(result.incidents).toEqual([]);
    expect(systemCases(cases)).toEqual([]);
    expect(reporting.count('claimIncident')).toBe(0);
    expect(trendCount(reporting, 'refund', '2026-11-24T10')).toBe(THRESHOLD - 1);
  });

  it('opens no incident when the cases are spread over two hours', async () => {
    const { cases, factory, deps } = setup();
    for (let i = 0; i < THRESHOLD + 2; i++) await factory.open({ category: 'refund', at: at(40 * MINUTE + i * 2 * MINUTE) }); // 10:40 → 11:12

    const result = await aggregateEvents(deps, factory.events());

    expect(result.incidents).toEqual([]);
    expect(systemCases(cases)).toEqual([]);
  });

  it('judges the hour against the same hour on previous days', async () => {
    const { cases, factory, deps } = setup();
    // The same hour was busy all week: 10 refund cases at 10:00 on each of the previous 7 days.
    for (let d = 1; d <= policy.surge.baselineDays; d++) await surgeBatch(factory, 10, 'refund', at(-d * DAY));
    await aggregateEvents(deps, factory.events());
    const seen = new Set(factory.store.events.keys());

    await surgeBatch(factory, policy.surge.factor * 10 - 1);
    const quiet = await aggregateEvents(deps, factory.events().filter((e) => !seen.has(e.caseId)));
    const last = await factory.open({ category: 'refund', at: at(55 * MINUTE) });
    const loud = await aggregateEvents(deps, factory.events([last.caseId]));

    expect(quiet.incidents).toEqual([]);
    expect(loud.incidents).toHaveLength(1);
    expect(systemCases(cases)[0]!.incident).toMatchObject({ lastHour: policy.surge.factor * 10, baseline: 10 });
  });

  it('sees a surge in an hour even when the batch ends in the next hour', async () => {
    const { cases, factory, deps } = setup(new FixedClock(at(HOUR + 5 * MINUTE)));
    await surgeBatch(factory, THRESHOLD);
    await factory.open({ category: 'refund', at: at(HOUR + MINUTE) }); // 11:01, last in the batch

    const result = await aggregateEvents(deps, factory.events());

    expect(result.incidents).toHaveLength(1);
    expect(systemCases(cases)[0]!.incident).toMatchObject({ lastHour: THRESHOLD });
  });

  it('never counts system (incident) cases toward a surge', async () => {
    const { cases, reporting, factory, deps } = setup();
    // Incident cases of the category opened in the same hour, next to fewer real cases than the threshold.
    for (let i = 0; i < 5; i++) await factory.openIncident('refund', at(i * MINUTE), `surge#refund#test-${i}`);
    await surgeBatch(factory, THRESHOLD - 1);

    const result = await aggregateEvents(deps, interleave(factory.events()));

    expect(result.incidents).toEqual([]);
    expect(systemCases(cases)).toHaveLength(5); // only the ones made here
    expect(trendCount(reporting, 'refund', '2026-11-24T10')).toBe(THRESHOLD - 1);
  });

  it('counts the incident case it opened neither as opened nor toward another surge', async () => {
    const { cases, reporting, factory, deps } = setup();
    await surgeBatch(factory, THRESHOLD);
    const [incidentId] = (await aggregateEvents(deps, factory.events())).incidents;
    const counters = structuredClone(counterItems(reporting));

    // The incident's own event comes through the stream next.
    const result = await aggregateEvents(deps, structuredClone(cases.events.get(incidentId!)!));

    expect(result).toMatchObject({ applied: 1, writes: 0, incidents: [] });
    expect(counterItems(reporting)).toEqual(counters);
    expect(reporting.watermarkOf(incidentId!)).toBe(1);
    expect(systemCases(cases)).toHaveLength(1);
  });
});
