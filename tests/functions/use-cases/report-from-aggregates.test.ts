import { describe, expect, it } from 'vitest';
import type { AgentRecord } from '#domain/assignment.ts';
import type { CaseRecord } from '#domain/case.ts';
import { policies } from '#lib/policies.ts';
import type { OutboundEmail, Subscription } from '#lib/ports.ts';
import { reportingPolicy } from '#lib/reporting-policy.ts';
import { aggregateEvents } from '#lib/use-cases/fold-case-events.ts';
import { reportFor, sendScheduledReport, type ReportDeps } from '#lib/use-cases/report-from-aggregates.ts';
import { FakeMailer, FixedClock, InMemoryCaseStore, RecordingMetrics, sequentialIds } from '../fakes.ts';
import { AGENT, CaseFactory, InMemoryReportingStore } from '../reporting-fakes.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const policy = reportingPolicy;
/** Wednesday 2026-11-25 07:00 in Los Angeles: the daily run reports on Tuesday 2026-11-24. */
const RUN_AT = new Date('2026-11-25T15:00:00.000Z');
const PERIOD = '2026-11-24';
/** Tuesday 10:00 PST. */
const TUESDAY = new Date('2026-11-24T18:00:00.000Z');
const at = (ms: number, from: Date = TUESDAY) => new Date(from.getTime() + ms);

const agentRecord = (agentId: string, name: string): AgentRecord => ({ agentId, name, role: 'agent', capacity: 10, availability: 'on-shift', updatedAt: '2026-11-01T00:00:00.000Z' });
const AGENT_RECORDS: AgentRecord[] = [agentRecord('agent-ana', 'Ana Lima'), agentRecord('agent-bo', 'Bo Chen')];

const subscription = (email: string, cadence: Subscription['cadence'], categories?: string[]): Subscription => ({
  subscriptionId: `${cadence}-${email}`,
  email,
  cadence,
  ...(categories && { categories }),
  createdAt: '2026-11-01T00:00:00.000Z',
  createdBy: 'lead-1',
});

/** A minimal RFC 4180 reader: rows of cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  return rows;
}

/** The CSV attachment of a report email, as records keyed by the header. */
function csvOf(email: OutboundEmail): Record<string, string>[] {
  expect(email.attachments).toHaveLength(1);
  const attachment = email.attachments![0]!;
  expect(attachment.contentType).toMatch(/^text\/csv/);
  expect(attachment.filename).toMatch(/\.csv$/);
  const [header, ...rows] = parseCsv(attachment.content);
  expect(header).toEqual(['section', 'metric', 'dimension', 'value', 'previous', 'delta', 'change_pct', 'unit', 'detail']);
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])));
}

const headlineOpened = (email: OutboundEmail) => Number(csvOf(email).find((r) => r.section === 'headline' && r.metric === 'opened')!.value);

/** Aggregate rows as stored: the sum of one counter over the day items of a period. */
function sumOfRows(reporting: InMemoryReportingStore, day: string, counter: string, category?: string): number {
  return reporting
    .aggregateCounts()
    .filter((a) => a.key.granularity === 'day' && a.key.period === day && (!category || a.key.category === category))
    .reduce((n, a) => n + (a.counters[counter] ?? 0), 0);
}

interface World {
  cases: InMemoryCaseStore;
  reporting: InMemoryReportingStore;
  mailer: FakeMailer;
  factory: CaseFactory;
  deps: ReportDeps;
  /** ids getCases was asked for, per call. */
  getCasesCalls: string[][];
}

function world(): World {
  const cases = new InMemoryCaseStore();
  const reporting = new InMemoryReportingStore();
  const mailer = new FakeMailer();
  const getCasesCalls: string[][] = [];
  const deps: ReportDeps = {
    reporting,
    cases: {
      getCases: (ids) => {
        getCasesCalls.push([...ids]);
        return cases.getCases(ids);
      },
    },
    agents: { listAgents: async () => AGENT_RECORDS },
    mailer,
    clock: new FixedClock(RUN_AT),
    policy,
  };
  return { cases, reporting, mailer, factory: new CaseFactory(cases), deps, getCasesCalls };
}

/** Counts the factory's cases so far through the aggregator, as the stream would. */
async function aggregate(w: World, now: Date = at(20 * HOUR)): Promise<void> {
  await aggregateEvents({ cases: w.cases, reporting: w.reporting, clock: new FixedClock(now), policy, policies, metrics: new RecordingMetrics(), ...sequentialIds() }, w.factory.events());
}

/** Tuesday: 3 refund, 2 payout and 1 top-consumer gifts case; Monday: 2 refund cases. */
async function tuesday(w: World): Promise<CaseRecord[]> {
  const opened: CaseRecord[] = [];
  for (let i = 0; i < 3; i++) opened.push(await w.factory.open({ category: 'refund', at: at(i * 7 * MINUTE) }));
  for (let i = 0; i < 2; i++) opened.push(await w.factory.open({ category: 'payout', at: at(3 * HOUR + i * MINUTE) }));
  opened.push(await w.factory.open({ category: 'gifts_coins', at: at(5 * HOUR), tier: 'top' }));
  await w.factory.act(opened[0]!.caseId, { type: 'reply', message: 'On it' }, at(30 * MINUTE));
  await w.factory.act(opened[0]!.caseId, { type: 'resolve', outcome: 'resolved' }, at(2 * HOUR));
  await w.factory.act(opened[3]!.caseId, { type: 'resolve', outcome: 'duplicate' }, at(4 * HOUR));
  for (let i = 0; i < 2; i++) await w.factory.open({ category: 'refund', at: at(-24 * HOUR + i * HOUR) });
  await aggregate(w);
  return opened;
}

async function subscribe(w: World, ...subscriptions: Subscription[]): Promise<void> {
  for (const s of subscriptions) await w.reporting.putSubscription(s);
}

describe('sendScheduledReport', () => {
  it('emails the daily report once to each daily subscriber, with a CSV whose headline adds up the rows', async () => {
    const w = world();
    await tuesday(w);
    await subscribe(w, subscription('alice@example.com', 'daily'), subscription('bob@example.com', 'daily'), subscription('wendy@example.com', 'weekly'));

    const run = await sendScheduledReport(w.deps, 'daily');

    expect(run).toEqual({ cadence: 'daily', period: PERIOD, sent: ['alice@example.com', 'bob@example.com'], skipped: [], failed: [] });
    expect(w.mailer.sent.map((m) => m.to)).toEqual(['alice@example.com', 'bob@example.com']);
    const rowsSum = sumOfRows(w.reporting, PERIOD, 'opened');
    expect(rowsSum).toBe(6);
    for (const email of w.mailer.sent) {
      expect(email.subject).toContain(PERIOD);
      expect(headlineOpened(email)).toBe(rowsSum);
      const csv = csvOf(email);
      expect(csv.find((r) => r.section === 'headline' && r.metric === 'opened')!.previous).toBe('2');
      expect(csv.find((r) => r.section === 'headline' && r.metric === 'resolved')!.value).toBe(String(sumOfRows(w.reporting, PERIOD, 'resolved')));
    }
    expect(w.reporting.reportStatus('daily', PERIOD, 'alice@example.com')).toBe('sent');
    expect(w.reporting.reportStatus('daily', PERIOD, 'wendy@example.com')).toBeUndefined();
  });

  it('sends nothing when run again for the same period', async () => {
    const w = world();
    await tuesday(w);
    await subscribe(w, subscription('alice@example.com', 'daily'), subscription('bob@example.com', 'daily'), subscription('wendy@example.com', 'weekly'));
    await sendScheduledReport(w.deps, 'daily');

    const again = await sendScheduledReport(w.deps, 'daily');

    expect(again).toEqual({ cadence: 'daily', period: PERIOD, sent: [], skipped: ['alice@example.com', 'bob@example.com'], failed: [] });
    expect(w.mailer.sent).toHaveLength(2);
  });

  it('releases the claim of a subscriber whose email failed, sends the others, and reaches only that one on a re-run', async () => {
    const w = world();
    await tuesday(w);
    await subscribe(w, subscription('alice@example.com', 'daily'), subscription('bob@example.com', 'daily'), subscription('carol@example.com', 'daily'));
    w.mailer.failures.push(Object.assign(new Error('Maximum sending rate exceeded'), { name: 'Throttling' }));

    const run = await sendScheduledReport(w.deps, 'daily');

    expect(run.failed).toEqual([{ email: 'alice@example.com', error: 'Throttling' }]);
    expect(run.sent).toEqual(['bob@example.com', 'carol@example.com']);
    expect(w.reporting.reportStatus('daily', PERIOD, 'alice@example.com')).toBeUndefined();
    expect(w.reporting.reportStatus('daily', PERIOD, 'bob@example.com')).toBe('sent');

    const rerun = await sendScheduledReport(w.deps, 'daily');

    expect(rerun).toMatchObject({ sent: ['alice@example.com'], skipped: ['bob@example.com', 'carol@example.com'], failed: [] });
    expect(w.mailer.sent.map((m) => m.to)).toEqual(['bob@example.com', 'carol@example.com', 'alice@example.com']);
  });

  it('gives a subscriber with a category filter the numbers of those categories only', async () => {
    const w = world();
    await tuesday(w);
    await subscribe(w, subscription('alice@example.com', 'daily'), subscription('rita@example.com', 'daily', ['refund']));

    await sendScheduledReport(w.deps, 'daily');

    const [all, refund] = w.mailer.sent;
    expect(all!.to).toBe('alice@example.com');
    expect(refund!.to).toBe('rita@example.com');
    expect(headlineOpened(all!)).toBe(6);
    expect(headlineOpened(refund!)).toBe(sumOfRows(w.reporting, PERIOD, 'opened', 'refund'));
    expect(headlineOpened(refund!)).toBe(3);
    expect(new Set(csvOf(refund!).filter((r) => r.section === 'category').map((r) => r.dimension))).toEqual(new Set(['refund']));
    // The top consumer's case is a gifts case: not in the refund report.
    expect(csvOf(all!).some((r) => r.section === 'top_consumer_case')).toBe(true);
    expect(csvOf(refund!).some((r) => r.section === 'top_consumer_case')).toBe(false);
  });

  it('reads no aggregates when nobody subscribed to the cadence', async () => {
    const w = world();
    await tuesday(w);
    await subscribe(w, subscription('wendy@example.com', 'weekly'));
    const before = w.reporting.calls.length;

    const run = await sendScheduledReport(w.deps, 'daily');

    expect(run).toEqual({ cadence: 'daily', period: PERIOD, sent: [], skipped: [], failed: [] });
    expect(w.reporting.calls.slice(before).map((c) => c.method)).toEqual(['listSubscriptions']);
    expect(w.reporting.count('dayAggregates')).toBe(0);
    expect(w.getCasesCalls).toEqual([]);
    expect(w.mailer.sent).toEqual([]);
  });

  it('reports the weekly period to weekly subscribers', async () => {
    const w = world();
    await tuesday(w);
    await subscribe(w, subscription('alice@example.com', 'daily'), subscription('wendy@example.com', 'weekly'));
    // Monday 2026-11-30 07:00 PST: last week is 2026-W48 (Mon 23 to Sun 29 November).
    const run = await sendScheduledReport({ ...w.deps, clock: new FixedClock(new Date('2026-11-30T15:00:00.000Z')) }, 'weekly');

    expect(run).toMatchObject({ period: '2026-W48', sent: ['wendy@example.com'] });
    expect(headlineOpened(w.mailer.sent[0]!)).toBe(8); // Monday's 2 and Tuesday's 6
  });
});

describe('reportFor', () => {
  it('reads only the reporting store, and the case store once for a bounded list, however many cases there are', async () => {
    const small = world();
    await tuesday(small);
    const start = small.reporting.calls.length;
    await reportFor(small.deps, 'daily', PERIOD);
    const smallCalls = small.reporting.calls.slice(start).map((c) => c.method);

    const big = world();
    await tuesday(big);
    // 130 more cases of top consumers on Tuesday, spread thin enough that no hour surges.
    const categories = ['gifts_coins', 'payout', 'safety', 'other'] as const;
    for (let i = 0; i < 130; i++) await big.factory.open({ category: categories[i % 4]!, at: at((i % 13) * HOUR + i * 1000), tier: 'top' });
    await aggregate(big);
    const bigStart = big.reporting.calls.length;
    const report = await reportFor(big.deps, 'daily', PERIOD);
    const bigCalls = big.reporting.calls.slice(bigStart).map((c) => c.method);

    for (const method of [...smallCalls, ...bigCalls]) expect(['dayAggregates', 'agentAggregates', 'backlog', 'openedPerHour', 'incidentsOn', 'topConsumerCasesOn']).toContain(method);
    expect(bigCalls).toEqual(smallCalls);
    expect(small.getCasesCalls).toHaveLength(1);
    expect(big.getCasesCalls).toHaveLength(1);
    expect(big.getCasesCalls[0]!.length).toBeLessThanOrEqual(100);
    expect(report.headline.opened.current).toBe(136);
    expect(report.headline.topConsumerOpened.current).toBe(131);
    expect(report.openIncidents).toEqual([]);
    expect(report.topConsumerCases).toHaveLength(100);
  });

  it('lists an incident of the period with its case status, also one detected in the local evening (the next UTC day)', async () => {
    const w = world();
    // Tuesday 20:00–20:14 PST = Wednesday 04:00 UTC: a surge of refund complaints.
    const evening = new Date('2026-11-25T04:00:00.000Z');
    const threshold = Math.max(policy.surge.minCount, policy.surge.factor * policy.surge.baselineFloor);
    for (let i = 0; i < threshold; i++) await w.factory.open({ category: 'refund', at: at(i * MINUTE, evening) });
    await aggregate(w, at(30 * MINUTE, evening));
    const incident = [...w.cases.cases.values()].find((c) => c.channel === 'system')!;
    expect(incident).toBeDefined();

    const report = await reportFor(w.deps, 'daily', PERIOD);

    expect(report.openIncidents).toEqual([
      expect.objectContaining({ key: 'surge#refund#2026-11-24T00', category: 'refund', lastHour: threshold, status: incident.status }),
    ]);
    expect(w.getCasesCalls[0]).toContain(incident.caseId);
    // Wednesday's report does not list it again.
    expect((await reportFor(w.deps, 'daily', '2026-11-25')).openIncidents).toEqual([]);
  });
});

describe('the per-agent report', () => {
  const ana = { ...AGENT, id: 'agent-ana', role: 'agent' };
  const bo = { ...AGENT, id: 'agent-bo', role: 'agent' };
  const stranger = { ...AGENT, id: 'agent-no-record', role: 'agent' };

  /** Ana answers and resolves two refund cases (one is reopened by its requester), Bo one payout case; a third agent with no record answers one. */
  async function twoAgents(w: World): Promise<void> {
    const [a, b, c, d] = [
      await w.factory.open({ category: 'refund', at: at(0) }),
      await w.factory.open({ category: 'refund', at: at(MINUTE) }),
      await w.factory.open({ category: 'payout', at: at(2 * MINUTE) }),
      await w.factory.open({ category: 'payout', at: at(3 * MINUTE) }),
    ];
    await w.factory.act(a!.caseId, { type: 'reply', message: 'On it' }, at(10 * MINUTE), ana);
    await w.factory.act(a!.caseId, { type: 'resolve', outcome: 'resolved' }, at(HOUR), ana);
    await w.factory.act(b!.caseId, { type: 'reply', message: 'On it' }, at(20 * MINUTE), ana);
    await w.factory.act(b!.caseId, { type: 'resolve', outcome: 'resolved' }, at(2 * HOUR), ana);
    await w.factory.requesterReply(b!.caseId, at(3 * HOUR));
    await w.factory.act(c!.caseId, { type: 'request-info', message: 'Which payout?' }, at(40 * MINUTE), bo);
    await w.factory.act(c!.caseId, { type: 'resolve', outcome: 'resolved' }, at(5 * HOUR), bo);
    await w.factory.act(d!.caseId, { type: 'reply', message: 'Looking' }, at(30 * MINUTE), stranger);
  }

  it('shows each agent by their record with handled, attainment, medians and reopen rate; a redelivered batch counts once', async () => {
    const w = world();
    await twoAgents(w);
    await aggregate(w);
    await aggregate(w); // the stream delivers everything again
    const report = await reportFor(w.deps, 'weekly', '2026-W48');

    expect(report.agents.map((a) => [a.name, a.handled, a.firstResponses, a.reopened, a.reopenRate])).toEqual([
      ['Ana Lima', 2, 2, 1, 50],
      ['Bo Chen', 1, 1, 0, 0],
      ['agent-no-record', 0, 1, 0, null],
    ]);
    const anaRow = report.agents[0]!;
    expect(anaRow.firstResponseSla).toBe(100);
    expect(anaRow.medianFirstResponse?.minutes).toBeGreaterThan(0);
    expect(anaRow.medianFirstResponse?.minutes).toBeLessThanOrEqual(30);
    expect(anaRow.byCategory.map((c) => [c.id, c.handled])).toEqual([['refund', 2]]);
    expect(report.agents[1]!.byCategory.map((c) => [c.id, c.handled])).toEqual([['payout', 1]]);
    // Nothing of the requesters reaches the per-agent rows.
    expect(JSON.stringify(report.agents)).not.toMatch(/requester-|@example\.com/);
  });

  it('gives a subscriber with a category filter the agents of those categories only, in the weekly email', async () => {
    const w = world();
    await twoAgents(w);
    await aggregate(w);
    await subscribe(w, subscription('paula@example.com', 'weekly', ['payout']));
    await sendScheduledReport({ ...w.deps, clock: new FixedClock(new Date('2026-11-30T15:00:00.000Z')) }, 'weekly');

    const [mail] = w.mailer.sent;
    expect(mail!.html).toContain('Bo Chen');
    expect(mail!.html).not.toContain('Ana Lima');
    expect(mail!.text).toMatch(/Bo Chen\s+1\s/);
  });
});
