// Hand-made aggregate rows for the report tests; the expected numbers are worked out in report.test.ts.
import type { AggregateKey, Counters } from '../../../domain/reporting/aggregate.ts';
import type { AggregateRow, ReportInput } from '../../../domain/reporting/report.ts';

export const day = (period: string, category: string, priority = 'P2', channel = 'web'): AggregateKey => ({ granularity: 'day', period, category, priority, channel });
export const row = (key: AggregateKey, counters: Counters): AggregateRow => ({ key, counters });

/** Cumulative histogram counters from the count in each bucket (edges ascending, then inf). */
export function histogram(prefix: 'frt' | 'rt', perBucket: Record<string, number>): Counters {
  const edges = [15, 30, 60, 120, 240, 480, 1440, 2880, 5760, 10080, 'inf'] as const;
  const out: Counters = {};
  let running = 0;
  for (const e of edges) {
    running += perBucket[String(e)] ?? 0;
    out[`${prefix}_le_${e}`] = running;
  }
  return out;
}

/** Tuesday 2026-11-24, reported on Wednesday 2026-11-25 at 07:00 PST. */
export const PERIOD = '2026-11-24';
export const AS_OF = '2026-11-25T15:00:00.000Z';

export const current: AggregateRow[] = [
  // gifts_coins / P2 / web, shard 0
  row(day(PERIOD, 'gifts_coins'), {
    opened: 6,
    opened_repeat: 2,
    opened_top_consumer: 1,
    first_responses: 8,
    first_response_within_sla: 6,
    first_response_breached: 2,
    ...histogram('frt', { 15: 2, 30: 3, 60: 2, 120: 1 }),
    resolved: 4,
    resolved_resolved: 3,
    resolved_confirmed_risk: 1,
    resolution_within_sla: 3,
    resolution_breached: 1,
    ...histogram('rt', { 60: 1, 240: 1, 1440: 1, inf: 1 }),
    escalations_started: 2,
    escalations_L1: 2,
    escalations_L2: 1,
  }),
  // the same key, shard 1
  row(day(PERIOD, 'gifts_coins'), {
    opened: 2,
    first_responses: 2,
    first_response_within_sla: 1,
    first_response_breached: 1,
    ...histogram('frt', { 30: 1, 60: 1 }),
  }),
  row(day(PERIOD, 'payout', 'P1', 'email'), { opened: 2, reopened: 1, escalations_risk: 1, escalations_started: 1 }),
  // Ignored: an hour row, and a day outside the period.
  row({ ...day(PERIOD, 'gifts_coins'), granularity: 'hour', period: `${PERIOD}T10` }, { opened: 100 }),
  row(day('2026-11-23', 'gifts_coins'), { opened: 100 }),
];

export const previous: AggregateRow[] = [
  row(day('2026-11-23', 'gifts_coins'), {
    resolved: 2,
    resolved_resolved: 2,
    first_responses: 2,
    first_response_within_sla: 1,
    first_response_breached: 1,
    ...histogram('frt', { 60: 2 }),
  }),
  row(day('2026-11-23', 'refund', 'P3', 'email'), { closed: 3 }),
];

export const baseInput = (over: Partial<ReportInput> = {}): ReportInput => ({
  cadence: 'daily',
  period: PERIOD,
  current,
  previous,
  backlog: [
    { openedDay: '2026-11-25', open: 3 }, // age 0
    { openedDay: '2026-11-24', open: 2 }, // age 1
    { openedDay: '2026-11-22', open: 4 }, // age 3
    { openedDay: '2026-11-21', open: 1 }, // age 4
    { openedDay: '2026-11-18', open: 2 }, // age 7
    { openedDay: '2026-11-17', open: 5 }, // age 8
    { openedDay: '2026-11-17', open: 1 }, // another category, same day
    { openedDay: '2026-11-01', open: 0 },
    { openedDay: '2026-10-01', open: -2 }, // opened before counting began: ignored
  ],
  trends: [
    { category: 'payout', hour: '2026-11-25T06', lastHour: 4, baseline: 5, factor: 0.8, threshold: 15, surge: false },
    { category: 'gifts_coins', hour: '2026-11-25T06', lastHour: 40, baseline: 8, factor: 5, threshold: 24, surge: true },
  ],
  openIncidents: [
    { key: 'surge#gifts_coins#2026-11-25T00', category: 'gifts_coins', windowStart: '2026-11-25T00', detectedAt: '2026-11-25T14:05:00.000Z', lastHour: 40, baseline: 8, status: 'open' },
  ],
  topConsumerCases: [
    {
      caseId: 'c-1',
      reference: 'TD-0001',
      subject: 'Coins missing after top-up',
      requesterName: 'Alice',
      tier: 'top',
      category: 'gifts_coins',
      priority: 'P2',
      status: 'investigating',
      openedAt: '2026-11-24T18:00:00.000Z',
    },
  ],
  asOf: AS_OF,
  ...over,
});
