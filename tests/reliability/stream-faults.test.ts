// Stream faults and a failing SES, against the local cloud (issue 5, item 4):
// - a poison record among N case events on the cases table's stream, with the aggregator's mapping
//   re-delivering batches it already handled → every other event counted exactly once, the poison
//   parked with its stream, shard and sequence range, and counted once when replayed after the fix;
// - SES throttling injected in front of the mailbox (local/faults.ts) → the scheduled reports and the
//   notifier's emails are retried, and every recipient gets exactly one.
import { BatchWriteItemCommand, GetItemCommand, PutItemCommand, QueryCommand, type AttributeValue, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import type { CaseEvent, CaseRecord, Category, Priority } from '#domain/case.ts';
import { dayKey, hourKey } from '#domain/reporting/buckets.ts';
import { caseItem, eventItem } from '#lib/adapters/dynamodb.ts';
import { reportingPolicy } from '#lib/reporting-policy.ts';
import { cloud, dynamo, executions, mailbox, postInquiry, request, settle, token, unique } from '../integration/support.ts';
import { heavy, sized } from './scale.ts';

const tz = reportingPolicy.timeZone;
const run = unique('sf').toLowerCase();
const json = { 'content-type': 'application/json' };
const figures: Record<string, string | number> = {};

// ── the data: closed system cases and events that send no email and start no waiting workflow ──

const TOTAL_RECORDS = sized(1_000, 10_000); // case events on the stream, the poison among them
const CASES = sized(200, 1_000);
// Away from every period the other tests report on: a day in 2001 picked per run.
const BASE = Date.UTC(2001, 0, 1, 18) + Math.floor(Math.random() * 300) * 86_400_000;
// Not account_access: the surge test counts the system cases of that category.
const CATEGORIES: Category[] = ['payment_dispute', 'refund', 'gifts_coins', 'payout', 'fraud_scam'];
const PRIORITIES: Priority[] = ['P1', 'P2', 'P3', 'P4'];
// Event types the aggregator counts and the notifier does not email about, with the counter each adds.
const KINDS: { type: string; data: Record<string, unknown>; counter: string }[] = [
  { type: 'case.priority-changed', data: {}, counter: 'priority_changed' },
  { type: 'sla.breached', data: { deadline: 'firstResponse' }, counter: 'sla_breach_first_response' },
  { type: 'escalation.started', data: {}, counter: 'escalations_started' },
  { type: 'escalation.notified', data: { tier: 'L1' }, counter: 'escalations_L1' },
  { type: 'escalation.notified', data: { tier: 'L2' }, counter: 'escalations_L2' },
  { type: 'escalation.acknowledged', data: {}, counter: 'acknowledged' },
  { type: 'escalation.unacknowledged', data: {}, counter: 'unacknowledged' },
  { type: 'sla.breached', data: { deadline: 'resolution' }, counter: 'sla_breach_resolution' },
];

const iso = (ms: number) => new Date(ms).toISOString();

function eventOf(caseId: string, caseIndex: number, version: number): CaseEvent {
  const kind = KINDS[(caseIndex + version) % KINDS.length]!;
  return { caseId, version, type: kind.type, at: iso(BASE + (caseIndex % 7) * 3_600_000 + version * 60_000), actor: { kind: 'system' }, data: { ...kind.data, marker: run } };
}

function caseOf(caseId: string, caseIndex: number, versions: number): CaseRecord {
  const openedAt = iso(BASE - 86_400_000);
  const closedAt = iso(BASE + 8 * 3_600_000);
  return {
    caseId,
    reference: `TD-${run.slice(-6).toUpperCase()}-${caseIndex}`,
    status: 'closed',
    channel: 'system',
    requester: { email: `${run}-c${caseIndex}@example.com` },
    subject: 'Stream fault test case',
    message: 'A closed case seeded straight into the table by the stream fault test.',
    attachments: [],
    category: CATEGORIES[caseIndex % CATEGORIES.length]!,
    categorySource: 'form',
    priority: PRIORITIES[caseIndex % PRIORITIES.length]!,
    riskScore: 0,
    riskFactors: [],
    matchedKeywords: [],
    safetyCritical: false,
    repeatCount: 0,
    repeatOf: [],
    deadlines: { firstResponseDue: iso(BASE - 82_800_000), resolutionDue: iso(BASE) },
    pauses: [],
    sla: { firstResponseWarned: false, firstResponseBreached: true, resolutionWarned: false, resolutionBreached: true },
    escalationCount: 0,
    outcome: 'resolved',
    resolvedAt: closedAt,
    closedAt,
    openedAt,
    updatedAt: closedAt,
    lastUserMessageAt: openedAt,
    version: versions,
    lifecycleVersion: versions,
  };
}

/** Counters per aggregate item (granularity#period|category|priority|channel), as the aggregator keys them. */
type Counts = Map<string, Record<string, number>>;

function expectedCounts(events: CaseEvent[], cases: Map<string, CaseRecord>): Counts {
  const counts: Counts = new Map();
  for (const e of events) {
    const record = cases.get(e.caseId)!;
    const counter = KINDS.find((k) => k.type === e.type && Object.entries(k.data).every(([name, value]) => e.data[name] === value))?.counter;
    if (!counter) throw new Error(`no counter for ${e.type}`);
    for (const period of [`day#${dayKey(e.at, tz)}`, `hour#${hourKey(e.at, tz)}`]) {
      const key = `${period}|${record.category}|${record.priority}|${record.channel}`;
      const row = counts.get(key) ?? {};
      row[counter] = (row[counter] ?? 0) + 1;
      counts.set(key, row);
    }
  }
  return counts;
}

async function aggregatesFor(periods: string[]): Promise<Counts> {
  const counts: Counts = new Map();
  for (const period of periods) {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await dynamo.send(
        new QueryCommand({ TableName: cloud.reportingTable, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `AGG#${period}` } }, ExclusiveStartKey: start }),
      );
      for (const item of page.Items ?? []) {
        const row = unmarshall(item) as Record<string, unknown>;
        const key = `${period}|${row.category}|${row.priority}|${row.channel}`;
        const into = counts.get(key) ?? {};
        // Shards of one key are summed, as the report does.
        for (const [name, value] of Object.entries(row)) if (name.startsWith('n_') && typeof value === 'number' && value !== 0) into[name.slice(2)] = (into[name.slice(2)] ?? 0) + value;
        counts.set(key, into);
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return counts;
}

const periodsOf = (counts: Counts) => [...new Set([...counts.keys()].map((k) => k.split('|')[0]!))];
const sorted = (counts: Counts) => Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));

async function batchWrite(items: Record<string, AttributeValue>[]): Promise<void> {
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })));
  const write = async (chunk: WriteRequest[]) => {
    let pending = chunk;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 8) throw new Error('DynamoDB Local kept items unprocessed');
      const out = await dynamo.send(new BatchWriteItemCommand({ RequestItems: { [cloud.casesTable]: pending } }));
      pending = out.UnprocessedItems?.[cloud.casesTable] ?? [];
      if (pending.length > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
    }
  };
  // A few requests at a time: each round of versions holds each case once, so order within it is free.
  for (let i = 0; i < chunks.length; i += 16) await Promise.all(chunks.slice(i, i + 16).map(write));
}

async function putFaults(body: unknown): Promise<Record<string, unknown>> {
  const res = await request('PUT', '/local/faults', { body: JSON.stringify(body), headers: json });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

interface ParkedView {
  id: string;
  functionId: string;
  attempts: number;
  condition: string;
  error: string;
  records: { eventSourceARN: string; eventName: string; dynamodb: { Keys: { pk: { S: string }; sk: { S: string } }; SequenceNumber: string; NewImage?: Record<string, AttributeValue> } }[];
  batchInfo: { streamArn: string; shardId: string; startSequenceNumber: string; endSequenceNumber: string; batchSize: number };
}

const parkedOfRun = async (): Promise<ParkedView[]> =>
  (await request<{ parked: ParkedView[] }>('GET', '/local/parked')).body.parked.filter((p) => p.records.some((r) => JSON.stringify(r.dynamodb.Keys).includes(run)));

afterAll(async () => {
  // The integration cloud is shared with the files that run after this one.
  await request('DELETE', '/local/faults');
  console.log(
    `stream-faults figures${heavy ? ' (heavy)' : ''}: ${Object.entries(figures)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
  );
});

describe('a poison record among the stream records, with redelivery', () => {
  it(`counts the other ${TOTAL_RECORDS - 1} events exactly once, parks the poison with its range and counts it once on replay`, { timeout: sized(60_000, 300_000) }, async () => {
    // Every 3rd batch the aggregator handles is failed anyway (retried or bisected), every 4th delivered twice.
    await putFaults({ stream: { functions: ['ReportingAggregator'], failAfterSuccessEvery: 3, duplicateEvery: 4 } });

    const cases = new Map<string, CaseRecord>();
    const good: CaseEvent[] = [];
    const perCase = Math.floor((TOTAL_RECORDS - 1) / CASES);
    const longer = (TOTAL_RECORDS - 1) % CASES;
    const rounds: CaseEvent[][] = [];
    for (let i = 0; i < CASES; i++) {
      const caseId = `${run}-${String(i).padStart(4, '0')}`;
      const versions = perCase + (i < longer ? 1 : 0);
      cases.set(caseId, caseOf(caseId, i, versions));
      for (let v = 1; v <= versions; v++) (rounds[v - 1] ??= []).push(eventOf(caseId, i, v));
    }
    // The poison: an event whose case was never written; the aggregator cannot count it however often it tries.
    const poisonId = `${run}-poison`;
    const poison: CaseEvent = { caseId: poisonId, version: 1, type: 'case.priority-changed', at: iso(BASE + 2 * 3_600_000), actor: { kind: 'system' }, data: { marker: run } };
    const poisonCase = caseOf(poisonId, CASES, 1);
    rounds[Math.floor(rounds.length / 2)]!.push(poison);

    // Cases first, then their events one version at a time: a case's versions reach the stream in order, as saveChange commits them.
    await batchWrite([...cases.values()].map(caseItem));
    for (const round of rounds) {
      await batchWrite(round.map(eventItem));
      good.push(...round.filter((e) => e !== poison));
    }
    expect(good.length + 1).toBe(TOTAL_RECORDS);
    await settle();

    const expected = expectedCounts(good, cases);
    const periods = periodsOf(expected);
    expect(sorted(await aggregatesFor(periods))).toEqual(sorted(expected));

    const faults = (await request<{ injected: { stream: { failedAfterSuccess: number; duplicated: number; batchesHandled: number } } }>('GET', '/local/faults')).body.injected.stream;
    expect(faults.failedAfterSuccess).toBeGreaterThan(0);
    expect(faults.duplicated).toBeGreaterThan(0);

    // Parked alone (bisected down to it), with what a redrive needs: the stream, the shard, the sequence range, the keys.
    const parked = await parkedOfRun();
    expect(parked.map((p) => p.functionId.replace(/[0-9A-F]{8}$/, ''))).toEqual(['ReportingAggregator']);
    const entry = parked[0]!;
    expect(entry.records).toHaveLength(1);
    const record = entry.records[0]!;
    expect(record.dynamodb.Keys).toEqual({ pk: { S: `CASE#${poisonId}` }, sk: { S: 'EVENT#0000000001' } });
    expect(entry.condition).toBe('RetryAttemptsExhausted');
    expect(entry.attempts).toBeGreaterThan(1);
    expect(entry.error).toContain(poisonId);
    expect(entry.batchInfo).toMatchObject({
      streamArn: record.eventSourceARN,
      startSequenceNumber: record.dynamodb.SequenceNumber,
      endSequenceNumber: record.dynamodb.SequenceNumber,
      batchSize: 1,
    });
    expect(entry.batchInfo.streamArn).toMatch(/^arn:aws:dynamodb:[^:]+:\d{12}:table\/.+\/stream\/.+$/);
    expect(entry.batchInfo.shardId).toMatch(/\S/);

    // A redrive before the cause is fixed fails and keeps the batch parked.
    const early = await request('POST', '/local/parked/replay', { body: JSON.stringify({ id: entry.id }), headers: json });
    expect(early.status).toBe(409);
    expect((await parkedOfRun()).map((p) => p.id)).toEqual([entry.id]);

    // Fix the cause (the missing case), redrive: counted once, and the parked batch is gone.
    await dynamo.send(new PutItemCommand({ TableName: cloud.casesTable, Item: caseItem(poisonCase) }));
    const replay = await request<{ records: number }>('POST', '/local/parked/replay', { body: JSON.stringify({ id: entry.id }), headers: json });
    expect(replay.status, JSON.stringify(replay.body)).toBe(200);
    expect(replay.body.records).toBe(1);
    await settle();
    cases.set(poisonId, poisonCase);
    const withPoison = expectedCounts([...good, poison], cases);
    expect(sorted(await aggregatesFor(periods))).toEqual(sorted(withPoison));
    expect(await parkedOfRun()).toEqual([]);

    // The same record delivered once more (a second redrive): still counted once.
    const again = await request<{ functionError?: string }>('POST', '/local/functions/ReportingAggregator/invoke', { body: JSON.stringify({ Records: entry.records }), headers: json });
    expect(again.body.functionError).toBeUndefined();
    expect(sorted(await aggregatesFor(periods))).toEqual(sorted(withPoison));

    // The other consumers read the same records: no email, and each case's lifecycle ended at once (closed).
    expect((await mailbox()).filter((m) => JSON.stringify(m.destination).includes(run))).toEqual([]);
    const lifecycles = (await executions()).filter((e) => e.name.startsWith(run));
    expect(lifecycles).toHaveLength(cases.size);
    expect(lifecycles.filter((e) => e.status !== 'SUCCEEDED')).toEqual([]);

    Object.assign(figures, {
      records: TOTAL_RECORDS,
      'poison parked': parked.length,
      'counted once': `${good.length}+1 after replay`,
      'aggregate items checked': withPoison.size,
      'redeliveries injected': `${faults.failedAfterSuccess + faults.duplicated} (${faults.failedAfterSuccess} failed after success, ${faults.duplicated} duplicated, of ${faults.batchesHandled} batches)`,
    });
    await putFaults({ stream: null });
  });
});

describe('a throttled SES', () => {
  const marker = `sesfault-${run}`;
  const subscriptionIds: string[] = [];
  afterAll(async () => {
    const lead = await token('lead');
    for (const id of subscriptionIds) await request('DELETE', `/subscriptions/${id}`, { headers: { authorization: `Bearer ${lead}` } });
  });

  const mailsTo = async (address: string) => (await mailbox()).filter((m) => m.destination.to.some((to) => to.toLowerCase().includes(address)));
  const sesInjected = async () => (await request<{ injected: { ses: { throttled: number } }; ses: { remaining: number } | null }>('GET', '/local/faults')).body;

  it('retries the scheduled reports: each subscriber gets exactly one, and no claim is left pending', { timeout: 60_000 }, async () => {
    const lead = await token('lead');
    const subscribe = async (email: string, cadence: string) => {
      const res = await request<{ subscriptionId: string }>('POST', '/subscriptions', { body: JSON.stringify({ email, cadence }), headers: { ...json, authorization: `Bearer ${lead}` } });
      expect(res.status).toBe(201);
      subscriptionIds.push(res.body.subscriptionId);
    };
    const daily = [1, 2, 3].map((n) => `${marker}-daily${n}@example.com`);
    const weekly = `${marker}-weekly@example.com`;
    for (const email of daily) await subscribe(email, 'daily');
    await subscribe(weekly, 'weekly');

    // 5 throttles: the first subscriber's send fails all three SDK attempts (the run fails and the scheduler's
    // async invocation retries it), the second's succeeds on its third.
    await putFaults({ ses: { throttle: 5, recipientsContaining: marker } });
    expect((await request('POST', '/local/schedules/DailyReport/run')).status).toBe(200);
    const dailyFaults = await sesInjected();
    expect(dailyFaults.injected.ses.throttled).toBe(5);
    const perDaily = await Promise.all(daily.map(mailsTo));
    expect(perDaily.map((m) => m.length)).toEqual([1, 1, 1]);

    // Each claim is marked sent: a throttled send gave its claim back instead of blocking the retry.
    const csv = (perDaily[0]![0] as unknown as { attachments: { filename: string }[] }).attachments.find((a) => a.filename.endsWith('.csv'))!.filename;
    const period = /trustdesk-daily-(.+)\.csv$/.exec(csv)![1]!;
    for (const email of daily) {
      const claim = await dynamo.send(new GetItemCommand({ TableName: cloud.reportingTable, Key: { pk: { S: `REPORT#daily#${period}` }, sk: { S: email } }, ConsistentRead: true }));
      expect(claim.Item?.status?.S).toBe('sent');
    }

    // Run again: nobody is sent a second report.
    expect((await request('POST', '/local/schedules/DailyReport/run')).status).toBe(200);
    expect((await Promise.all(daily.map(mailsTo))).map((m) => m.length)).toEqual([1, 1, 1]);

    // Weekly: every SDK attempt of the first run throttled; the retried invocation delivers it once.
    await putFaults({ ses: { throttle: 3, recipientsContaining: marker } });
    expect((await request('POST', '/local/schedules/WeeklyReport/run')).status).toBe(200);
    expect((await sesInjected()).injected.ses.throttled).toBe(3);
    expect(await mailsTo(weekly)).toHaveLength(1);
    const asyncFailures = (await request<{ asyncFailures: { functionId: string }[] }>('GET', '/local/parked')).body.asyncFailures;
    expect(asyncFailures.filter((f) => f.functionId.startsWith('ReportingReport'))).toEqual([]);

    figures['report throttles injected'] = 5 + 3;
    figures['report emails per subscriber'] = [...perDaily.map((m) => m.length), (await mailsTo(weekly)).length].join('/');
  });

  it("retries the notifier's case emails: each requester is acknowledged exactly once", { timeout: 60_000 }, async () => {
    await putFaults({ ses: { throttle: 4, recipientsContaining: marker } });
    const requesters = [1, 2, 3].map((n) => `${marker}-req${n}@example.com`);
    const categories = ['refund', 'payout', 'gifts_coins'];
    for (const [n, email] of requesters.entries()) {
      const res = await postInquiry({ email, subject: 'Coins missing', message: 'I bought coins and they never reached my wallet.', category: categories[n] });
      expect(res.status).toBe(201);
    }
    await settle();
    const injected = await sesInjected();
    expect(injected.injected.ses.throttled).toBe(4);
    expect(injected.ses?.remaining).toBe(0);
    const perRequester = await Promise.all(requesters.map(mailsTo));
    expect(perRequester.map((m) => m.length)).toEqual([1, 1, 1]);
    figures['notifier throttles injected'] = 4;
    figures['emails per requester'] = perRequester.map((m) => m.length).join('/');
    await putFaults({ ses: null });
  });
});
