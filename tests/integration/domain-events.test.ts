// Another team subscribes to trustdesk's domain events with a rule on the bus, as it would on AWS (PutRule and
// PutTargets with the SDK), and receives each of one case's events once, valid against the published schema.
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { DomainEventEnvelopeSchema } from '#events/domain-events.ts';
import { actAs, asAgent, cloud, postInquiry, request, settle, unique } from './support.ts';

const BUS = 'trustdesk-domain-events';
const events = new EventBridgeClient({ region: 'us-east-1', endpoint: cloud.events, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

async function subscribe(name: string, pattern: unknown): Promise<void> {
  await events.send(new PutRuleCommand({ Name: name, EventBusName: BUS, EventPattern: JSON.stringify(pattern) }));
  // The payments team's queue (another account): the local bus records what the rule delivers to it.
  await events.send(new PutTargetsCommand({ Rule: name, EventBusName: BUS, Targets: [{ Id: 'payments-queue', Arn: 'arn:aws:sqs:us-east-1:222233334444:case-events' }] }));
}

async function delivered(rule: string): Promise<{ 'detail-type': string; detail: { eventId: string; caseEventType: string; change: { kind: string; outcome?: string } } }[]> {
  const res = await request<{ events: never[] }>('GET', `/local/events/rules/${rule}`);
  expect(res.status).toBe(200);
  return res.body.events;
}

async function act(caseId: string, action: Record<string, unknown>): Promise<void> {
  const current = await asAgent<{ case: { version: number } }>(`/cases/${caseId}`);
  const res = await actAs('lead', caseId, { ...action, expectedVersion: current.body.case.version });
  expect(res.status).toBe(200);
}

describe('domain events on the bus', () => {
  it("delivers each of a case's domain events once to a subscribed rule, with its schema", { timeout: 60_000 }, async () => {
    const userId = unique('de-user');
    const everything = unique('payments-all');
    const resolutions = unique('payments-resolved');
    await subscribe(everything, { source: ['trustdesk.cases'], detail: { case: { userId: [userId] } } });
    await subscribe(resolutions, { source: ['trustdesk.cases'], 'detail-type': ['Case Resolved'], detail: { case: { userId: [userId] }, change: { outcome: ['resolved'] } } });

    const opened = await postInquiry({ email: `${userId}@example.com`, subject: 'Coins missing', message: 'My 500 coins never arrived after I paid.', userId });
    expect(opened.status).toBe(201);
    const caseId = opened.body.caseId as string;
    await settle();
    await act(caseId, { type: 'reply', message: 'We are checking the purchase.' });
    await act(caseId, { type: 'resolve', outcome: 'resolved', summary: 'The coins were credited.' });
    await act(caseId, { type: 'reopen', reason: 'the requester wrote again' });
    await act(caseId, { type: 'resolve', outcome: 'false_positive' });
    await settle();

    const all = await delivered(everything);
    expect(all.map((e) => e['detail-type'])).toEqual(['Case Opened', 'Case Replied', 'Case Resolved', 'Case Reopened', 'Case Resolved']);
    for (const e of all) expect(DomainEventEnvelopeSchema.safeParse(e).error).toBeUndefined();
    const ids = all.map((e) => e.detail.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => id.startsWith(`${caseId}:`))).toBe(true);
    // The narrower rule: only the resolution with outcome resolved.
    expect((await delivered(resolutions)).map((e) => [e['detail-type'], e.detail.change.outcome])).toEqual([['Case Resolved', 'resolved']]);
    // Nothing personal on the bus.
    expect(JSON.stringify(all)).not.toContain(`${userId}@example.com`);
    expect(JSON.stringify(all)).not.toContain('500 coins');

    // Settling again (every stream and workflow idle) publishes nothing more; the outbox published them.
    await settle();
    expect(await delivered(everything)).toHaveLength(5);
    const published = await request<{ events: { publishedBy?: string; event: { detail: { eventId: string } } }[] }>('GET', `/local/events?bus=${BUS}`);
    const ours = published.body.events.filter((r) => ids.includes(r.event.detail.eventId));
    expect(ours).toHaveLength(5);
    expect(new Set(ours.map((r) => r.publishedBy))).toEqual(new Set([expect.stringMatching(/^Outbox/)]));
  });
});
