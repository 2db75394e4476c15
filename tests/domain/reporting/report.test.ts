// The report model from hand-made rows (fixtures.ts); every expected number is worked out below.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Counters } from '../../../domain/reporting/aggregate.ts';
import { histogramQuantile } from '../../../domain/reporting/quantile.ts';
import { buildReport, metric, percent, type AggregateRow, type BacklogRow, type IncidentRow, type ReportInput, type TopConsumerCase, type TrendRow } from '../../../domain/reporting/report.ts';
import { AS_OF, baseInput, current, day, histogram, previous, row } from './fixtures.ts';

describe('metric: change against the previous period', () => {
  it('gives the delta and the relative change', () => {
    expect(metric('count', 12, 10)).toEqual({ unit: 'count', current: 12, previous: 10, delta: 2, changePct: 20 });
    expect(metric('count', 5, 10)).toMatchObject({ delta: -5, changePct: -50 });
  });

  it('has no relative change from zero, except zero to zero', () => {
    expect(metric('count', 7, 0)).toEqual({ unit: 'count', current: 7, previous: 0, delta: 7, changePct: null });
    expect(metric('count', 0, 0)).toMatchObject({ delta: 0, changePct: 0 });
  });

  it('compares percentages in points only, and nothing with a missing side', () => {
    expect(metric('percent', 70, 50)).toEqual({ unit: 'percent', current: 70, previous: 50, delta: 20, changePct: null });
    expect(metric('minutes', 10, null)).toMatchObject({ delta: null, changePct: null });
    expect(percent(1, 0)).toBeNull();
    expect(percent(1, 4)).toBe(25);
  });
});

describe('histogramQuantile', () => {
  // 10 observations: 2 in (0, 15], 4 in (15, 30], 3 in (30, 60], 1 in (60, 120].
  const c = histogram('frt', { 15: 2, 30: 4, 60: 3, 120: 1 });

  it('interpolates inside the bucket holding the rank', () => {
    expect(histogramQuantile(c, 'frt', 0.5)).toEqual({ minutes: 15 + (15 * (5 - 2)) / 4, atLeast: false }); // 26.25
    expect(histogramQuantile(c, 'frt', 0.9)).toEqual({ minutes: 60, atLeast: false });
    expect(histogramQuantile(c, 'frt', 0.1)).toEqual({ minutes: 7.5, atLeast: false });
    expect(histogramQuantile(c, 'frt', 1)).toEqual({ minutes: 120, atLeast: false });
  });

  it('says "at least the last edge" when the rank is in the +inf bucket', () => {
    expect(histogramQuantile(histogram('rt', { 60: 1, inf: 9 }), 'rt', 0.5)).toEqual({ minutes: 10080, atLeast: true });
  });

  it('is null for an empty histogram and rejects q outside [0, 1]', () => {
    expect(histogramQuantile({ opened: 3 }, 'frt', 0.5)).toBeNull();
    expect(histogramQuantile(histogram('frt', {}), 'frt', 0.5)).toBeNull();
    expect(() => histogramQuantile(c, 'frt', 1.5)).toThrow(RangeError);
  });
});

describe('buildReport (daily)', () => {
  const report = buildReport(baseInput());
  const h = report.headline;

  it('describes its period', () => {
    expect(report).toMatchObject({
      cadence: 'daily',
      period: '2026-11-24',
      previousPeriod: '2026-11-23',
      timeZone: 'America/Los_Angeles',
      days: ['2026-11-24'],
      range: { start: '2026-11-24T08:00:00.000Z', end: '2026-11-25T08:00:00.000Z' },
      asOf: AS_OF,
      title: 'trustdesk daily report: 2026-11-24',
    });
  });

  it('sums the period’s day rows (all shards), ignoring hour rows and other days', () => {
    expect(h.opened).toEqual({ unit: 'count', current: 10, previous: 0, delta: 10, changePct: null });
    expect(h.resolved).toEqual({ unit: 'count', current: 4, previous: 2, delta: 2, changePct: 100 });
    expect(h.firstResponses).toMatchObject({ current: 10, previous: 2 });
    expect(h.reopened).toMatchObject({ current: 1, previous: 0, changePct: null });
    expect(h.topConsumerOpened).toMatchObject({ current: 1, previous: 0 });
    expect(h.escalationsStarted).toMatchObject({ current: 3, previous: 0 });
  });

  it('gives SLA attainment as % of judged responses and resolutions, change in points', () => {
    expect(h.firstResponseSla).toEqual({ unit: 'percent', current: 70, previous: 50, delta: 20, changePct: null }); // 7 / (7 + 3)
    expect(h.resolutionSla).toMatchObject({ current: 75, previous: null, delta: null }); // 3 / 4; none resolved-with-verdict before
  });

  it('estimates p50 / p90 from the summed histograms', () => {
    // Current frt buckets (both shards): ≤15: 2, ≤30: 6, ≤60: 9, ≤120: 10 (cumulative).
    expect(h.firstResponseP50.current).toBeCloseTo(26.25); // rank 5 in (15, 30]: 15 + 15 × 3/4
    expect(h.firstResponseP90.current).toBeCloseTo(60); // rank 9 at the top of (30, 60]
    // Previous: 2 in (30, 60]: p50 = 45, p90 = 57.
    expect(h.firstResponseP50).toMatchObject({ previous: 45, delta: -18.75 });
    expect(h.firstResponseP50.changePct).toBeCloseTo(-41.667, 2);
    expect(h.firstResponseP90.previous).toBeCloseTo(57);
    // Resolution: ≤60: 1, ≤240: 2, ≤1440: 3, +inf: 4 → p50 = 240 (rank 2 fills (120, 240]), p90 beyond the last edge.
    expect(h.resolutionP50).toMatchObject({ current: 240, previous: null });
    expect(h.resolutionP90).toMatchObject({ current: 10080, atLeast: { current: true, previous: false } });
  });

  it('gives the repeat rate and the top repeat categories', () => {
    expect(h.repeatRate).toMatchObject({ unit: 'percent', current: 20, previous: null });
    expect(report.topRepeatCategories).toEqual([{ id: 'gifts_coins', label: 'Gifts & coins', repeat: 2, opened: 8, rate: 25 }]);
  });

  it('gives escalations by tier as counts and as % of opened', () => {
    expect(report.escalationByTier.map((t) => [t.id, t.count.current, t.rate.current, t.rate.previous])).toEqual([
      ['L1', 2, 20, null],
      ['L2', 1, 10, null],
      ['risk', 1, 10, null],
    ]);
  });

  it('breaks volume down by channel and by category', () => {
    expect(report.byChannel.map((c) => [c.id, c.label, c.opened.current, c.share])).toEqual([
      ['web', 'Web form', 8, 80],
      ['email', 'Email', 2, 20],
      ['internal', 'Internal escalation', 0, 0], // always listed: the internal escalations opened
    ]);
    expect(report.byCategory.map((c) => [c.id, c.opened.current, c.opened.previous, c.resolved, c.repeat, c.share])).toEqual([
      ['gifts_coins', 8, 0, 4, 2, 80],
      ['payout', 2, 0, 0, 0, 20],
      ['refund', 0, 0, 0, 0, 0], // active in the previous period only
    ]);
    expect(report.outcomes).toEqual([
      { id: 'resolved', label: 'Resolved', count: 3 },
      { id: 'confirmed_risk', label: 'Confirmed risk', count: 1 },
    ]);
  });

  it('ages the backlog by opening day', () => {
    expect(report.backlog).toEqual({
      total: 18,
      oldestOpenedDay: '2026-11-17',
      buckets: [
        { label: '0–1d', minDays: 0, maxDays: 1, count: 5 }, // today 3 + yesterday 2
        { label: '1–3d', minDays: 2, maxDays: 3, count: 4 },
        { label: '3–7d', minDays: 4, maxDays: 7, count: 3 }, // 4 days 1 + 7 days 2
        { label: '>7d', minDays: 8, maxDays: null, count: 6 },
      ],
    });
  });

  it('lists surging categories first', () => {
    expect(report.trends.map((t) => t.category)).toEqual(['gifts_coins', 'payout']);
    expect(report.openIncidents).toHaveLength(1);
    expect(report.topConsumerCases[0]!.reference).toBe('TD-0001');
  });

  it('handles a period with no rows at all', () => {
    const empty = buildReport(baseInput({ current: [], previous: [], backlog: [], trends: [], openIncidents: [], topConsumerCases: [] }));
    expect(empty.headline.opened).toEqual({ unit: 'count', current: 0, previous: 0, delta: 0, changePct: 0 });
    expect(empty.headline.firstResponseSla.current).toBeNull();
    expect(empty.headline.firstResponseP50.current).toBeNull();
    expect(empty.byCategory).toEqual([]);
    expect(empty.byChannel.map((c) => c.share)).toEqual([null, null, null]);
    expect(empty.backlog.total).toBe(0);
  });
});

describe('buildReport (weekly)', () => {
  it('sums the seven days of the ISO week and compares with the week before', () => {
    const week = buildReport(
      baseInput({
        cadence: 'weekly',
        period: '2026-W48',
        current: [
          row(day('2026-11-23', 'refund'), { opened: 1 }),
          row(day('2026-11-29', 'refund'), { opened: 2 }),
          row(day('2026-11-30', 'refund'), { opened: 50 }), // next week
        ],
        previous: [row(day('2026-11-16', 'refund'), { opened: 4 }), row(day('2026-11-23', 'refund'), { opened: 50 })],
        asOf: '2026-11-30T15:00:00.000Z',
      }),
    );
    expect(week.previousPeriod).toBe('2026-W47');
    expect(week.days).toEqual(['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29']);
    expect(week.headline.opened).toMatchObject({ current: 3, previous: 4, delta: -1, changePct: -25 });
    expect(week.title).toBe('trustdesk weekly report: 2026-W48 (2026-11-23 to 2026-11-29)');
    expect(week.range).toEqual({ start: '2026-11-23T08:00:00.000Z', end: '2026-11-30T08:00:00.000Z' });
  });
});

describe('buildReport reads rows only', () => {
  it('takes no case records: every input is a row list or a scalar', () => {
    expectTypeOf<keyof ReportInput>().toEqualTypeOf<
      'cadence' | 'period' | 'current' | 'previous' | 'backlog' | 'trends' | 'openIncidents' | 'topConsumerCases' | 'asOf' | 'timeZone' | 'topRepeatCategories' | 'agents'
    >();
    expectTypeOf<ReportInput['current']>().toEqualTypeOf<readonly AggregateRow[]>();
    expectTypeOf<ReportInput['previous']>().toEqualTypeOf<readonly AggregateRow[]>();
    expectTypeOf<ReportInput['backlog']>().toEqualTypeOf<readonly BacklogRow[]>();
    expectTypeOf<ReportInput['trends']>().toEqualTypeOf<readonly TrendRow[]>();
    expectTypeOf<ReportInput['openIncidents']>().toEqualTypeOf<readonly IncidentRow[]>();
    expectTypeOf<ReportInput['topConsumerCases']>().toEqualTypeOf<readonly TopConsumerCase[]>();
    expectTypeOf<AggregateRow>().toEqualTypeOf<{ key: AggregateRow['key']; counters: Counters }>();
  });

  it('depends only on the sums: splitting every row into shards changes nothing', () => {
    const split = (rows: AggregateRow[], shards: number) =>
      rows.flatMap((r) =>
        Array.from({ length: shards }, (_, i) => ({
          key: r.key,
          counters: Object.fromEntries(Object.entries(r.counters).map(([k, n]) => [k, Math.floor(n / shards) + (i < n % shards ? 1 : 0)])),
        })),
      );
    const once = buildReport(baseInput());
    expect(buildReport(baseInput({ current: split(current, 7), previous: split(previous, 3) }))).toEqual(once);
  });

  it('does not change its input', () => {
    const input = baseInput();
    const copy = structuredClone(input);
    buildReport(input);
    expect(input).toEqual(copy);
  });
});
