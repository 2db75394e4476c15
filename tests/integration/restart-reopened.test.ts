// A reopened case across a restart of the local cloud: re-armed under the execution name the stream
// consumer gives it (`<caseId>-v<n>`), so its reopening, redelivered after the restart, starts no second
// lifecycle. (A file of its own: the bundles a process imports keep the endpoints of its first cloud.)
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

/** On disk, in a data directory of its own, kept for the restart (same options, same ports). */
async function options(): Promise<LocalCloudOptions> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'trustdesk-restart-reopened-'));
  dataDirs.push(dataDir);
  return {
    host: '127.0.0.1',
    ports: { api: await freePort(), smtp: await freePort(), ses: await freePort(), dynamodb: await freePort(), s3: await freePort(), sfn: await freePort(), events: await freePort(), sqs: await freePort() },
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

describe('local cloud restart with a reopened case', () => {
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
    const signals = await json<{ result: { batchItemFailures: unknown[] } }>(`${cloud.urls.api}/local/functions/OutboxConsumer/invoke`, {
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
