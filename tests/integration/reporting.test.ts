import { DynamoDBClient, PutItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { dayKey } from '#domain/reporting/buckets.ts';
import { reportingPolicy } from '#lib/reporting-policy.ts';
import { advanceClockTo, allItems, clockNow, cloud, mailbox, postInquiry, request, sendMail, settle, token, unique } from './support.ts';

const client = new DynamoDBClient({ region: 'us-east-1', endpoint: cloud.dynamodb, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
const tz = reportingPolicy.timeZone;

async function scan(table: string): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Opened counts per day × category × channel, from the aggregates. */
async function openedFromAggregates(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const item of await scan(cloud.reportingTable)) {
    const pk = item.pk?.S ?? '';
    if (!pk.startsWith('AGG#day#')) continue;
    const key = `${pk.slice('AGG#day#'.length)}|${item.category?.S}|${item.channel?.S}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(item.n_opened?.N ?? 0));
  }
  return counts;
}

/** The same counts derived from the cases themselves. */
async function openedFromCases(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const item of await allItems()) {
    if (item.itemType?.S !== 'case' || item.channel?.S === 'system') continue;
    const key = `${dayKey(item.openedAt!.S!, tz)}|${item.category?.S}|${item.channel?.S}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

const nonZero = (m: Map<string, number>) => new Map([...m].filter(([, n]) => n !== 0));

describe('aggregates from the stream', () => {
  it('count exactly the cases opened over HTTP and SMTP, and ignore a redelivered batch', async () => {
    for (let i = 0; i < 3; i++) expect((await postInquiry({ email: `${unique('agg')}@example.com`, subject: 'Refund please', message: 'Please refund my last coin purchase.' })).status).toBe(201);
    await sendMail({ from: `${unique('aggmail')}@example.com`, subject: 'Gift missing', text: 'My gift to a streamer never arrived.' });
    await sendMail({ from: `${unique('aggmail')}@example.com`, subject: 'Payout late', text: 'My creator payout did not arrive in my bank.' });
    await settle();
    const fromCases = await openedFromCases();
    expect(nonZero(await openedFromAggregates())).toEqual(fromCases);

    // The same events again, as the stream would redeliver them: nothing changes.
    const events = (await allItems()).filter((i) => i.itemType?.S === 'event').slice(0, 40);
    const batch = {
      Records: events.map((image, n) => ({
        eventID: `redelivered-${n}`,
        eventName: 'INSERT',
        eventSource: 'aws:dynamodb',
        eventVersion: '1.1',
        awsRegion: 'us-east-1',
        dynamodb: { Keys: { pk: image.pk, sk: image.sk }, NewImage: image, SequenceNumber: String(n + 1), SizeBytes: 100, StreamViewType: 'NEW_AND_OLD_IMAGES' },
        eventSourceARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/cases/stream/local',
      })),
    };
    for (let i = 0; i < 2; i++) {
      const res = await request('POST', '/local/functions/ReportingAggregator/invoke', { body: JSON.stringify(batch), headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(200);
      expect(res.body.functionError).toBeUndefined();
    }
    expect(nonZero(await openedFromAggregates())).toEqual(fromCases);
  });

  it('parks a poison record and counts the rest of its batch', async () => {
    // An event whose case does not exist cannot be counted, however often it is retried.
    await client.send(
      new PutItemCommand({
        TableName: cloud.casesTable,
        Item: {
          pk: { S: 'CASE#poison' },
          sk: { S: 'EVENT#0000000001' },
          itemType: { S: 'event' },
          caseId: { S: 'poison' },
          version: { N: '1' },
          type: { S: 'case.opened' },
          at: { S: new Date(await clockNow()).toISOString() },
          actor: { M: { kind: { S: 'system' } } },
          data: { M: {} },
        },
      }),
    );
    for (let i = 0; i < 2; i++) expect((await postInquiry({ email: `${unique('poison')}@example.com`, subject: 'Coins missing', message: 'I bought coins and they are not in my wallet.' })).status).toBe(201);
    await settle();
    const parked = (await request<{ parked: { functionId: string; records: { dynamodb: { NewImage: { caseId: { S: string } } } }[] }[] }>('GET', '/local/parked')).body.parked;
    const poisoned = parked.filter((p) => p.functionId.startsWith('ReportingAggregator'));
    expect(poisoned.flatMap((p) => p.records.map((r) => r.dynamodb.NewImage.caseId.S))).toEqual(['poison']);
    expect(nonZero(await openedFromAggregates())).toEqual(await openedFromCases());
  });
});

describe('surge detection', () => {
  it('opens exactly one incident for a surge of one category and pages the risk team', async () => {
    const threshold = Math.max(reportingPolicy.surge.minCount, reportingPolicy.surge.factor * reportingPolicy.surge.baselineFloor);
    const post = () => postInquiry({ email: `${unique('surge')}@example.com`, subject: 'Account hacked', message: 'Someone logged into my account and changed my password.', category: 'account_access' });
    const ours = new Set<string>();
    const postOurs = async () => {
      const res = await post();
      expect(res.status).toBe(201);
      ours.add((res.body as { caseId: string }).caseId);
    };
    for (let i = 0; i < threshold + 2; i++) await postOurs();
    await settle();
    for (let i = 0; i < 3; i++) await postOurs();
    await settle();

    // The cloud is shared by every file, and another file's account_access cases (on another virtual day)
    // may have surged too: the incidents that matter are the ones linking this surge's cases.
    const incidents = (await allItems()).filter(
      (i) => i.itemType?.S === 'case' && i.channel?.S === 'system' && i.category?.S === 'account_access' && (i.incident?.M?.linkedCaseIds?.L ?? []).some((l) => ours.has(l.S ?? '')),
    );
    expect(incidents).toHaveLength(1);
    const reference = incidents[0]!.reference!.S!;
    const linked = incidents[0]!.incident?.M?.linkedCaseIds?.L ?? [];
    expect(linked.length).toBeGreaterThanOrEqual(threshold);
    const pages = (await mailbox()).filter((m) => m.subject.startsWith('[ESCALATION') && m.subject.includes(reference));
    expect(pages.map((m) => m.destination.to[0])).toEqual(['risk-oncall@trustdesk.local']);
  });
});

describe('scheduled reports', () => {
  it('emails each daily subscriber once per period, with the CSV numbers matching the aggregates', async () => {
    const lead = await token('lead');
    const subscribe = (email: string, cadence: string) =>
      request('POST', '/subscriptions', { body: JSON.stringify({ email, cadence }), headers: { 'content-type': 'application/json', authorization: `Bearer ${lead}` } });
    const daily = [`${unique('cfo')}@example.com`, `${unique('risklead')}@example.com`];
    for (const email of daily) expect((await subscribe(email, 'daily')).status).toBe(201);
    expect((await subscribe(`${unique('weekly')}@example.com`, 'weekly')).status).toBe(201);
    expect((await subscribe('not-an-email', 'hourly')).status).toBe(400);
    expect((await request('GET', '/subscriptions', { headers: { authorization: `Bearer ${await token('agent')}` } })).status).toBe(403);

    // Cases today, then a day later the daily report covers them ("yesterday").
    const today = dayKey(new Date(await clockNow()), tz);
    await postInquiry({ email: `${unique('daily')}@example.com`, subject: 'Payout missing', message: 'My creator payout did not arrive.' });
    await settle();
    const before = (await mailbox()).length;
    // A day later: the schedule fires on its own at 07:00 on the way, and once more by hand.
    await advanceClockTo((await clockNow()) + 86_400_000);
    expect((await request('POST', '/local/schedules/DailyReport/run')).status).toBe(200);
    const reports = (await mailbox()).slice(before).filter((m) => daily.includes(m.destination.to[0]!));
    expect(reports.map((m) => m.destination.to[0]).sort()).toEqual([...daily].sort());

    const stored = reports[0] as unknown as { attachments: { filename: string; content: string }[] };
    const csv = Buffer.from(stored.attachments.find((a) => a.filename.endsWith('.csv'))!.content, 'base64').toString('utf8');
    const openedRow = csv.split(/\r?\n/).find((line) => line.startsWith('headline,opened,'));
    const fromAggregates = [...(await openedFromAggregates())].filter(([k]) => k.startsWith(`${today}|`)).reduce((n, [, v]) => n + v, 0);
    expect(Number(openedRow?.split(',')[3])).toBe(fromAggregates);
    expect(csv).toContain(today); // the report's period is the day the cases were opened

    // Run again for the same period: nobody gets a second email.
    const afterFirst = (await mailbox()).length;
    expect((await request('POST', '/local/schedules/DailyReport/run')).status).toBe(200);
    expect((await mailbox()).slice(afterFirst).filter((m) => daily.includes(m.destination.to[0]!))).toHaveLength(0);
  });
});
