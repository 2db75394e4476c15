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
import { CaseFactory, InMemoryReportingStore, interleave, streamed } from '../reporting-fakes.ts';

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


/** The events delivered by the test's stream shard (positioned on first delivery). */
const aggregate = (deps: AggregateDeps, events: CaseEvent[]) => aggregateEvents(deps, streamed(deps, events));

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
/** Everything held but the marks. */
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
  it('adds up to the sum of the domain deltas of every event, and marks the run on its first and last record', async () => {
    const { cases, reporting, factory, deps } = setup();
    const opened = await busyDay(factory);
    const events = interleave(factory.events());
    expect(new Set(events.map((e) => e.type))).toEqual(
      new Set(['case.opened', 'agent.replied', 'case.resolved', 'agent.requested-info', 'requester.replied', 'case.reopened', 'escalation.started', 'escalation.acknowledged', 'case.priority-changed', 'sla.warning', 'sla.breached']),
    );

    const result = await aggregate(deps, events);

    expect(result).toMatchObject({ applied: events.length, skipped: 0, incidents: [] });
    const want = await expected(cases, events);
    expect(want.aggregates.size).toBeGreaterThan(10);
    expect(stored(reporting)).toEqual(want);
    // One run: two marks, each with the run's range; no mark per case.
    expect(reporting.state.marks.size).toBe(2);
    const ids = [`${events[0]!.caseId}#${events[0]!.version}`, `${events.at(-1)!.caseId}#${events.at(-1)!.version}`];
    for (const id of ids) expect(reporting.markOf(id)).toEqual([{ first: '1', last: String(events.length) }]);
    expect(result).toMatchObject({ marks: 2 });
    expect(opened).toHaveLength(5);
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
    await aggregate(deps, events);
    await aggregate(deps, events);
    await aggregate(deps, events.slice(0, 5));
    expect(metrics.times('CasesOpened')).toBe(opened.length);
    expect(metrics.counted.every((name) => name === 'CasesOpened')).toBe(true);
  });

  it('counts nothing again when the same batch is delivered again', async () => {
    const { cases, reporting, factory, deps } = setup();
    await busyDay(factory);
    const events = interleave(factory.events());
    await aggregate(deps, events);
    const before = reporting.snapshot();
    const transactions = reporting.transactions.length;

    const again = await aggregate(deps, events);

    // Nothing counted; the halves it would be bisected into are marked on their ends (re-marks), nothing else written.
    expect(again).toEqual({ applied: 0, skipped: events.length, writes: 0, marks: 2, incidents: [] });
    expect(reporting.counts()).toEqual((({ marks: _m, ...rest }) => rest)(before));
    expect(reporting.state.marks.size).toBe(4);
    const thirdTime = await aggregate(deps, events);
    expect(thirdTime).toMatchObject({ applied: 0, marks: 0 });
    expect(reporting.transactions).toHaveLength(transactions);
    expect(stored(reporting)).toEqual(await expected(cases, events));
  });

  it('counts only the new versions of a batch that overlaps an earlier one', async () => {
    const { cases, reporting, factory, deps } = setup();
    await busyDay(factory);
    const events = interleave(factory.events());
    const first = events.slice(0, 12);
    const second = events.slice(8); // 4 events delivered twice

    await aggregate(deps, first);
    expect(stored(reporting)).toEqual(await expected(cases, first));
    const result = await aggregate(deps, second);

    expect(result).toMatchObject({ applied: events.length - 12, skipped: 4 });
    expect(stored(reporting)).toEqual(await expected(cases, events));
  });

  it('counts an event once even when a batch holds it twice', async () => {
    const { cases, reporting, factory, deps } = setup();
    await busyDay(factory);
    const events = interleave(factory.events());

    const result = await aggregate(deps, [...events, ...events.slice(0, 3)]);

    expect(result).toMatchObject({ applied: events.length, skipped: 3 });
    expect(stored(reporting)).toEqual(await expected(cases, events));
  });

  it('refuses to count when another consumer counted the same run meanwhile, and counts nothing of that transaction', async () => {
    const { reporting, factory, deps } = setup();
    await busyDay(factory);
    const events = interleave(factory.events());
    const [first] = events;
    reporting.beforeApply = async () => {
      reporting.beforeApply = undefined;
      // A concurrent invocation counted a run starting at the same record first.
      await reporting.applyCounts([], [{ eventId: `${first!.caseId}#${first!.version}`, ranges: [{ first: '1', last: '1' }] }]);
    };

    await expect(aggregate(deps, events)).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    expect(reporting.counts()).toEqual(new InMemoryReportingStore().counts());
  });

  it('counts exactly once whatever pieces a batch is redelivered in: bisected halves, quarters, single records, redrives', async () => {
    const { cases, reporting, factory, deps } = setup(new FixedClock(new Date('2026-11-26T08:00:00.000Z')));
    for (let i = 0; i < 60; i++) {
      const c = await factory.open({ category: (['refund', 'payout', 'gifts_coins', 'account_access', 'other'] as Category[])[i % 5]!, at: at((i % 24) * HOUR + (i % 7) * MINUTE) });
      await factory.act(c.caseId, { type: 'reply', message: 'On it' }, at((i % 24) * HOUR + 40 * MINUTE));
    }
    const events = interleave(factory.events());
    const batch = streamed(deps, events);
    // The first delivery dies after its first run was applied.
    let applies = 0;
    reporting.beforeApply = () => {
      if (++applies === 2) throw new Error('the invocation died');
    };
    await expect(aggregateEvents(deps, batch)).rejects.toThrow('the invocation died');
    reporting.beforeApply = undefined;
    expect(reporting.transactions).toHaveLength(1);
    // Then every piece fails after it was handled, so the mapping bisects it, down to single records, and
    // after all that a redrive of a single record and the whole batch once more.
    let deliveries = 0;
    const deliver = async (piece: typeof batch): Promise<void> => {
      deliveries++;
      await aggregateEvents(deps, piece);
      if (piece.length < 2) return;
      const mid = Math.ceil(piece.length / 2);
      await deliver(piece.slice(0, mid));
      await deliver(piece.slice(mid));
    };
    await deliver(batch);
    await aggregateEvents(deps, batch.slice(37, 38));
    const last = await aggregateEvents(deps, batch);

    expect(deliveries).toBeGreaterThan(2 * batch.length - 2);
    expect(last).toMatchObject({ applied: 0, skipped: batch.length });
    expect(stored(reporting)).toEqual(await expected(cases, events));
  });

  it('applies one change per item, once per batch', async () => {
    const { factory, deps, reporting } = setup();
    await busyDay(factory);
    const events = interleave(factory.events());

    const result = await aggregate(deps, events);

    expect(reporting.transactions).toHaveLength(1);
    const changed = reporting.transactions[0]!.changes.map((c) => `${touched(c)}|${'shard' in c ? c.shard : ''}`);
    expect(new Set(changed).size).toBe(changed.length);
    expect(result.writes).toBe(changed.length);
  });

  it('splits a batch into runs of at most 100 items, marks included, each a contiguous stretch of the batch', async () => {
    const { cases, reporting, factory, deps } = setup(new FixedClock(new Date('2026-11-26T08:00:00.000Z')));
    const categories: Category[] = ['refund', 'payout', 'gifts_coins', 'account_access', 'payment_dispute'];
    for (let i = 0; i < 240; i++) {
      // Spread over 24 hours and five categories (120 hour items): the batch does not fit one apply.
      const c = await factory.open({ category: categories[i % categories.length]!, at: at((i % 24) * HOUR + (i % 7) * MINUTE) });
      await factory.act(c.caseId, { type: 'reply', message: 'On it' }, at((i % 24) * HOUR + 40 * MINUTE));
      if (i % 2 === 0) await factory.act(c.caseId, { type: 'resolve', outcome: 'resolved' }, at((i % 24) * HOUR + 3 * HOUR));
    }
    const events = interleave(factory.events());

    const result = await aggregate(deps, events);

    expect(result.applied).toBe(events.length);
    const transactions = reporting.transactions;
    expect(transactions.length).toBeGreaterThanOrEqual(2);
    for (const t of transactions) expect(t.changes.length + t.marks.length).toBeLessThanOrEqual(100);
    expect(result.writes).toBe(transactions.reduce((n, t) => n + t.changes.length, 0));
    // Runs follow each other: each starts right after the one before, and together they cover the batch.
    const ranges = transactions.map((t) => t.marks[0]!.ranges[0]!);
    expect(ranges[0]!.first).toBe('1');
    for (let i = 1; i < ranges.length; i++) expect(Number(ranges[i]!.first)).toBe(Number(ranges[i - 1]!.last) + 1);
    expect(ranges.at(-1)!.last).toBe(String(events.length));
    for (const t of transactions) expect(t.marks.every((m) => JSON.stringify(m.ranges) === JSON.stringify(t.marks[0]!.ranges))).toBe(true);
    // Far fewer marks than cases: two per run.
    expect(result.marks).toBe(2 * transactions.length);
    // The items a record's event touches are all updated in the transaction of the run that marks it.
    const positioned = streamed(deps, events);
    for (const t of transactions) {
      const updated = new Set(t.changes.map(touched));
      const { first, last } = t.marks[0]!.ranges[0]!;
      for (const { event, position } of positioned.filter((p) => Number(p.position) >= Number(first) && Number(p.position) <= Number(last))) {
        const record = (await cases.getCase(event.caseId))!;
        const input = { event, dims: dimsOf(record) };
        for (const d of deltasFor(input, settings)) expect(updated, position).toContain(`aggregate|${keyId(d.key)}`);
        for (const d of backlogDeltas(input, settings)) expect(updated).toContain(`backlog|${keyId(d.key)}`);
        if (event.type === 'case.opened') expect(updated).toContain(`opened-in-hour|${record.category}|${hourKey(event.at, tz)}`);
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

    const result = await aggregate(deps, factory.events());

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
    const first = await aggregate(deps, batch);

    const again = await aggregate(deps, batch);
    await surgeBatch(factory, 3);
    const more = await aggregate(deps, factory.events()); // the old events, the incident's own and 3 new cases

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
      results.push(await aggregate(deps, factory.events().filter((e) => !before.has(e.caseId))));
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

    const [a, b] = await Promise.all([aggregate(deps, events.slice(0, half)), aggregate(deps, events.slice(half))]);

    expect(systemCases(cases)).toHaveLength(1);
    expect(new Set([...a.incidents, ...b.incidents])).toEqual(new Set([systemCases(cases)[0]!.caseId]));
  });

  it('opens no incident one case below the threshold', async () => {
    const { cases, reporting, factory, deps } = setup();
    await surgeBatch(factory, THRESHOLD - 1);
    await surgeBatch(factory, THRESHOLD - 1, 'payout'); // another category does not add up with it

    const result = await aggregate(deps, factory.events());

    expect(result.incidents).toEqual([]);
    expect(systemCases(cases)).toEqual([]);
    expect(reporting.count('claimIncident')).toBe(0);
    expect(trendCount(reporting, 'refund', '2026-11-24T10')).toBe(THRESHOLD - 1);
  });

  it('opens no incident when the cases are spread over two hours', async () => {
    const { cases, factory, deps } = setup();
    for (let i = 0; i < THRESHOLD + 2; i++) await factory.open({ category: 'refund', at: at(40 * MINUTE + i * 2 * MINUTE) }); // 10:40 → 11:12

    const result = await aggregate(deps, factory.events());

    expect(result.incidents).toEqual([]);
    expect(systemCases(cases)).toEqual([]);
  });

  it('judges the hour against the same hour on previous days', async () => {
    const { cases, factory, deps } = setup();
    // The same hour was busy all week: 10 refund cases at 10:00 on each of the previous 7 days.
    for (let d = 1; d <= policy.surge.baselineDays; d++) await surgeBatch(factory, 10, 'refund', at(-d * DAY));
    await aggregate(deps, factory.events());
    const seen = new Set(factory.store.events.keys());

    await surgeBatch(factory, policy.surge.factor * 10 - 1);
    const quiet = await aggregate(deps, factory.events().filter((e) => !seen.has(e.caseId)));
    const last = await factory.open({ category: 'refund', at: at(55 * MINUTE) });
    const loud = await aggregate(deps, factory.events([last.caseId]));

    expect(quiet.incidents).toEqual([]);
    expect(loud.incidents).toHaveLength(1);
    expect(systemCases(cases)[0]!.incident).toMatchObject({ lastHour: policy.surge.factor * 10, baseline: 10 });
  });

  it('sees a surge in an hour even when the batch ends in the next hour', async () => {
    const { cases, factory, deps } = setup(new FixedClock(at(HOUR + 5 * MINUTE)));
    await surgeBatch(factory, THRESHOLD);
    await factory.open({ category: 'refund', at: at(HOUR + MINUTE) }); // 11:01, last in the batch

    const result = await aggregate(deps, factory.events());

    expect(result.incidents).toHaveLength(1);
    expect(systemCases(cases)[0]!.incident).toMatchObject({ lastHour: THRESHOLD });
  });

  it('never counts system (incident) cases toward a surge', async () => {
    const { cases, reporting, factory, deps } = setup();
    // Incident cases of the category opened in the same hour, next to fewer real cases than the threshold.
    for (let i = 0; i < 5; i++) await factory.openIncident('refund', at(i * MINUTE), `surge#refund#test-${i}`);
    await surgeBatch(factory, THRESHOLD - 1);

    const result = await aggregate(deps, interleave(factory.events()));

    expect(result.incidents).toEqual([]);
    expect(systemCases(cases)).toHaveLength(5); // only the ones made here
    expect(trendCount(reporting, 'refund', '2026-11-24T10')).toBe(THRESHOLD - 1);
  });

  it('counts the incident case it opened neither as opened nor toward another surge', async () => {
    const { cases, reporting, factory, deps } = setup();
    await surgeBatch(factory, THRESHOLD);
    const [incidentId] = (await aggregate(deps, factory.events())).incidents;
    const counters = structuredClone(counterItems(reporting));

    // The incident's own event comes through the stream next.
    const result = await aggregate(deps, structuredClone(cases.events.get(incidentId!)!));

    expect(result).toMatchObject({ applied: 1, writes: 0, incidents: [] });
    expect(counterItems(reporting)).toEqual(counters);
    expect(reporting.markOf(`${incidentId!}#1`)).toHaveLength(1);
    expect(systemCases(cases)).toHaveLength(1);
  });
});
