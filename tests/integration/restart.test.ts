// The local cloud keeps its data on disk; after a restart every open case's workflow is running again,
// under the name the stream consumer gives it, so a redelivered record does not start a second one.
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, ListStreamsCommand, type _Record } from '@aws-sdk/client-dynamodb-streams';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloud, type LocalCloudOptions } from '#local/cloud.ts';
import { freePort } from '#local/free-port.ts';
import { toLambdaRecord } from '#local/stream-poller.ts';
import { policies } from '#lib/policies.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dataDirs: string[] = [];
let cloud: LocalCloud | undefined;

afterEach(async () => {
  await cloud?.stop();
  cloud = undefined;
});

afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

let ports: LocalCloudOptions['ports'] | undefined;

/**
 * A data directory of its own, kept for a restart, on the same ports for every cloud of this file: the
 * bundles imported by the first keep their endpoints for the rest of the process.
 */
async function options(): Promise<LocalCloudOptions> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'trustdesk-restart-'));
  dataDirs.push(dataDir);
  ports ??= { api: await freePort(), smtp: await freePort(), ses: await freePort(), dynamodb: await freePort(), s3: await freePort(), sfn: await freePort() };
  return {
    host: '127.0.0.1',
    ports,
    dataDir,
    inMemory: false,
    cdkOutDir: path.join(root, 'cdk.out'),
    stackName: 'Trustdesk',
    log: () => undefined,
    functionLogLevel: 'WARN',
  };
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  return (await res.json()) as T;
}

describe('local cloud restart', () => {
  it('keeps accepted cases and re-arms their workflows and escalations from DynamoDB', async () => {
    const opts = await options();
    cloud = await startLocalCloud(opts);
    const created = await json<{ caseId: string }>(`${cloud.urls.api}/inquiries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'restart@example.com', subject: 'Cannot log in', message: 'Locked out of my account.' }),
    });
    await cloud.settle();
    await cloud.stop();
    cloud = undefined;

    // Same ports and data.
    cloud = await startLocalCloud(opts);
    const { executions } = await json<{ executions: { name: string; status: string }[] }>(`${cloud.urls.api}/local/executions`);
    expect(executions).toContainEqual(expect.objectContaining({ name: created.caseId, status: 'RUNNING' }));

    const token = (await json<{ token: string }>(`${cloud.urls.api}/local/token?role=agent`)).token;
    const view = await json<{ case: { status: string; deadlines: { firstResponseDue: string } } }>(`${cloud.urls.api}/cases/${created.caseId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(view.case.status).toBe('new');

    // The re-armed timers still fire: past the deadline the case escalates, with one L1 email.
    cloud.clock.set(Date.parse(view.case.deadlines.firstResponseDue) + 1000);
    await cloud.settle();
    const store = await json<{ emails: { subject: string; destination: { to: string[] } }[] }>(`${cloud.urls.mailbox}/store`);
    const escalations = store.emails.filter((m) => m.subject.startsWith('[ESCALATION'));
    expect(escalations.map((m) => m.destination.to[0])).toEqual(['l1-leads@trustdesk.local']);
  }, 120_000); // two cold starts of the whole cloud: minutes on a loaded 2-core machine, not seconds

  it('re-arms a reopened case under the stream consumer\'s name, so its redelivered reopening starts no second lifecycle', async () => {
    const opts = await options();
    cloud = await startLocalCloud(opts);
    const api = cloud.urls.api;
    // A token per request: the clock jumps days ahead, past any token's lifetime.
    const headers = async () => ({ authorization: `Bearer ${(await json<{ token: string }>(`${api}/local/token?role=agent`)).token}`, 'content-type': 'application/json' });
    const view = async (caseId: string) =>
      json<{ case: { status: string; version: number }; timeline: { type: string; version: number }[] }>(`${api}/cases/${caseId}`, { headers: await headers() });
    const act = async (caseId: string, action: Record<string, unknown>) => {
      const body = JSON.stringify({ ...action, expectedVersion: (await view(caseId)).case.version });
      const res = await fetch(`${api}/cases/${caseId}/actions`, { method: 'POST', headers: await headers(), body });
      expect(res.status).toBe(200);
    };
    const { caseId } = await json<{ caseId: string }>(`${api}/inquiries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'reopen-restart@example.com', subject: 'Payout missing', message: 'My payout never arrived.' }),
    });
    await cloud.settle();
    await act(caseId, { type: 'resolve', outcome: 'resolved' });
    await cloud.settle();
    cloud.clock.advance(policies.sla.autoCloseAfterMinutes * 60_000 + 1000); // silence: the case closes
    await cloud.settle();
    expect((await view(caseId)).case.status).toBe('closed');
    await act(caseId, { type: 'reopen', reason: 'not fixed' });
    await cloud.settle();
    const reopened = await view(caseId);
    expect(reopened.case.status).toBe('investigating');
    // Named by the version of the reopening (deadlines long past are recorded after it, moving the case on).
    const reopening = reopened.timeline.filter((e) => e.type === 'case.reopened');
    expect(reopening).toHaveLength(1);
    const lifecycleName = `${caseId}-v${reopening[0]!.version}`;
    const running = async () =>
      (await json<{ executions: { name: string; stateMachine: string; status: string }[] }>(`${api}/local/executions`)).executions.filter(
        (e) => e.name.startsWith(caseId) && e.stateMachine.endsWith('case-lifecycle') && e.status === 'RUNNING',
      );
    expect((await running()).map((e) => e.name)).toEqual([lifecycleName]);
    await cloud.stop();
    cloud = undefined;

    cloud = await startLocalCloud(opts);
    expect((await running()).map((e) => e.name)).toEqual([lifecycleName]);

    // The stream consumer gets the reopening again, as after a crash before its checkpoint was written.
    const redelivered = await streamRecords(cloud, (r) => r.dynamodb?.OldImage?.status?.S === 'closed' && r.dynamodb.NewImage?.caseId?.S === caseId && r.dynamodb.NewImage.status?.S === 'investigating');
    expect(redelivered).toHaveLength(1);
    const signals = await json<{ result: { batchItemFailures: unknown[] } }>(`${cloud.urls.api}/local/functions/LifecycleSignals/invoke`, {
      method: 'POST',
      body: JSON.stringify({ Records: redelivered }),
    });
    expect(signals.result.batchItemFailures).toEqual([]);
    await cloud.settle();
    expect((await running()).map((e) => e.name)).toEqual([lifecycleName]);
  }, 180_000);
});

/** Every record of the cases table's stream that matches, Lambda-shaped. */
async function streamRecords(local: LocalCloud, matches: (r: _Record) => boolean): Promise<unknown[]> {
  const streams = new DynamoDBStreamsClient({ region: 'us-east-1', endpoint: local.urls.dynamodb, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const found: unknown[] = [];
  const { Streams = [] } = await streams.send(new ListStreamsCommand({ TableName: local.nameOf('StorageCases') }));
  for (const { StreamArn } of Streams) {
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn }));
    for (const { ShardId } of StreamDescription?.Shards ?? []) {
      let iterator = (await streams.send(new GetShardIteratorCommand({ StreamArn, ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      while (iterator) {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
        for (const r of page.Records ?? []) if (matches(r)) found.push(toLambdaRecord(r, 'us-east-1', StreamArn!));
        if ((page.Records ?? []).length === 0) break;
        iterator = page.NextShardIterator;
      }
    }
  }
  return found;
}
