import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateTableCommand,
  type AttributeValue,
  type StreamViewType,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseFilterPattern } from '#local/event-filter.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local.ts';
import {
  fileCheckpointStore,
  memoryCheckpointStore,
  startStreamMapping,
  type StreamMapping,
  type StreamMappingOptions,
} from '../../local/stream-poller.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let ddbLocal: DynamoDbLocal;
let ddb: DynamoDBClient;
let streams: DynamoDBStreamsClient;
const mappings: StreamMapping[] = [];
let tableCounter = 0;

beforeAll(async () => {
  ddbLocal = await startDynamoDbLocal({ port: await freePort() });
  ddb = new DynamoDBClient({ endpoint: ddbLocal.endpoint, region: 'eu-west-1', credentials });
  streams = new DynamoDBStreamsClient({ endpoint: ddbLocal.endpoint, region: 'eu-west-1', credentials });
}, 60_000);

afterEach(async () => {
  await Promise.all(mappings.splice(0).map((m) => m.stop()));
});

afterAll(async () => {
  ddb?.destroy();
  streams?.destroy();
  await ddbLocal?.stop();
}, 30_000);

async function newTable(viewType: StreamViewType = 'NEW_AND_OLD_IMAGES'): Promise<{ table: string; streamArn: string }> {
  const table = `poller-${++tableCounter}`;
  const r = await ddb.send(
    new CreateTableCommand({
      TableName: table,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: viewType },
    }),
  );
  return { table, streamArn: r.TableDescription!.LatestStreamArn! };
}

async function put(table: string, pk: string, extra: Record<string, AttributeValue> = {}): Promise<void> {
  await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, ...extra } }));
}

async function putMany(table: string, keys: string[]): Promise<void> {
  for (const k of keys) await put(table, k);
}

const keysOf = (records: DynamoDBRecord[]) => records.map((r) => r.dynamodb?.Keys?.['pk']?.S);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `r${from + i}`);

/** Starts a mapping with test defaults; the handler records each invocation's keys. */
function mapping(
  streamArn: string,
  overrides: Partial<StreamMappingOptions> & Pick<StreamMappingOptions, 'invoke'>,
): { m: StreamMapping; logs: string[] } {
  const logs: string[] = [];
  const m = startStreamMapping({
    streams,
    streamArn,
    functionName: 'test-fn',
    batchSize: 100,
    startingPosition: 'TRIM_HORIZON',
    reportBatchItemFailures: false,
    maximumRetryAttempts: -1,
    bisectBatchOnFunctionError: false,
    pollIntervalMs: 20,
    log: (l) => logs.push(l),
    ...overrides,
  });
  mappings.push(m);
  return { m, logs };
}

describe('stream event source mapping', { timeout: 20_000 }, () => {
  it('delivers only the records its FilterCriteria match; the others count as handled and never come again', async () => {
    const { table, streamArn } = await newTable();
    await put(table, 'e1', { itemType: { S: 'event' } });
    await put(table, 'n1', { itemType: { S: 'notice' } });
    await put(table, 'e2', { itemType: { S: 'event' } });
    await put(table, 'e1', { itemType: { S: 'event' }, erased: { BOOL: true } }); // MODIFY: filtered out
    const batches: DynamoDBRecord[][] = [];
    const { m } = mapping(streamArn, {
      filters: [parseFilterPattern(JSON.stringify({ eventName: ['INSERT'], dynamodb: { NewImage: { itemType: { S: ['event'] } } } }))],
      invoke: async (event: DynamoDBStreamEvent) => void batches.push(event.Records),
    });
    await m.whenIdle();
    expect(batches.flatMap(keysOf)).toEqual(['e1', 'e2']);
    await put(table, 'n2', { itemType: { S: 'notice' } });
    await put(table, 'e3', { itemType: { S: 'event' } });
    await m.whenIdle();
    expect(batches.flatMap(keysOf)).toEqual(['e1', 'e2', 'e3']);
    expect(m.stats()).toEqual({ delivered: 3, failedBatches: 0, parked: 0 });
  });

  it('delivers Lambda-shaped events in order, with correct images, in batches of at most batchSize', async () => {
    const { table, streamArn } = await newTable();
    const startedAt = Math.floor(Date.now() / 1000);
    await put(table, 'r0', { n: { N: '0' }, bin: { B: Uint8Array.from([1, 2, 255]) }, tags: { SS: ['a', 'b'] }, nested: { M: { l: { L: [{ S: 'x' }, { N: '1' }] } } } });
    await putMany(table, range(1, 25));
    await put(table, 'r1', { n: { N: '100' } }); // MODIFY
    await ddb.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: 'r2' } } })); // REMOVE

    const batches: DynamoDBRecord[][] = [];
    const { m } = mapping(streamArn, {
      batchSize: 10,
      invoke: async (event: DynamoDBStreamEvent) => {
        batches.push(event.Records);
      },
    });
    await m.whenIdle();

    expect(batches.length).toBeGreaterThanOrEqual(3);
    expect(batches.every((b) => b.length >= 1 && b.length <= 10)).toBe(true);
    const records = batches.flat();
    expect(keysOf(records)).toEqual([...range(0, 25), 'r1', 'r2']);
    expect(records.map((r) => r.eventName)).toEqual([...Array(25).fill('INSERT'), 'MODIFY', 'REMOVE']);
    const seqs = records.map((r) => BigInt(r.dynamodb!.SequenceNumber!));
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);

    const now = Math.floor(Date.now() / 1000);
    for (const r of records) {
      expect(r).toMatchObject({ eventVersion: '1.1', eventSource: 'aws:dynamodb', awsRegion: 'eu-west-1', eventSourceARN: streamArn });
      expect(typeof r.eventID).toBe('string');
      expect(r.dynamodb!.StreamViewType).toBe('NEW_AND_OLD_IMAGES');
      expect(r.dynamodb!.SizeBytes).toBeGreaterThan(0);
      const t = r.dynamodb!.ApproximateCreationDateTime!;
      expect(Number.isInteger(t)).toBe(true); // seconds, not a Date
      expect(t).toBeGreaterThanOrEqual(startedAt - 120); // DynamoDB Local rounds down to the minute
      expect(t).toBeLessThanOrEqual(now + 1);
    }
    expect(records[0]!.dynamodb!.NewImage).toEqual({
      pk: { S: 'r0' },
      n: { N: '0' },
      bin: { B: Buffer.from([1, 2, 255]).toString('base64') },
      tags: { SS: ['a', 'b'] },
      nested: { M: { l: { L: [{ S: 'x' }, { N: '1' }] } } },
    });
    expect(records[0]!.dynamodb!.OldImage).toBeUndefined();
    expect(records[0]!.dynamodb!.Keys).toEqual({ pk: { S: 'r0' } });
    const modify = records[25]!.dynamodb!;
    expect(modify.OldImage).toEqual({ pk: { S: 'r1' } });
    expect(modify.NewImage).toEqual({ pk: { S: 'r1' }, n: { N: '100' } });
    const remove = records[26]!.dynamodb!;
    expect(remove.OldImage).toEqual({ pk: { S: 'r2' } });
    expect(remove.NewImage).toBeUndefined();
    expect(m.stats()).toEqual({ delivered: 27, failedBatches: 0, parked: 0 });

    // A later write is delivered alone: nothing already checkpointed comes again.
    const before = batches.length;
    await put(table, 'late');
    await m.whenIdle();
    expect(batches.slice(before).map(keysOf)).toEqual([['late']]);
  });

  it('KEYS_ONLY streams carry keys and no images', async () => {
    const { table, streamArn } = await newTable('KEYS_ONLY');
    await put(table, 'k', { big: { S: 'x'.repeat(100) } });
    const records: DynamoDBRecord[] = [];
    const { m } = mapping(streamArn, { invoke: async (e) => void records.push(...e.Records) });
    await m.whenIdle();
    expect(records).toHaveLength(1);
    expect(records[0]!.dynamodb).toMatchObject({ Keys: { pk: { S: 'k' } }, StreamViewType: 'KEYS_ONLY' });
    expect(records[0]!.dynamodb!.NewImage).toBeUndefined();
  });

  it('partial batch failure: checkpoints before the lowest failed record and retries from it; earlier ones are not redelivered', async () => {
    const { table, streamArn } = await newTable();
    await putMany(table, range(0, 6));
    const calls: string[][] = [];
    const { m } = mapping(streamArn, {
      reportBatchItemFailures: true,
      invoke: async (e) => {
        calls.push(keysOf(e.Records) as string[]);
        if (calls.length > 1) return { batchItemFailures: [] };
        // r5 and r3 fail: the lowest (r3) wins
        const seq = (k: string) => e.Records.find((r) => r.dynamodb?.Keys?.['pk']?.S === k)!.dynamodb!.SequenceNumber!;
        return { batchItemFailures: [{ itemIdentifier: seq('r5') }, { itemIdentifier: seq('r3') }] };
      },
    });
    await m.whenIdle();
    expect(calls).toEqual([range(0, 6), range(3, 6)]);
    expect(m.stats()).toEqual({ delivered: 6, failedBatches: 1, parked: 0 });
  });

  it('an empty itemIdentifier or one not in the batch fails the whole batch; without ReportBatchItemFailures the response is ignored', async () => {
    const a = await newTable();
    await putMany(a.table, range(0, 3));
    const callsA: string[][] = [];
    const { m: ma } = mapping(a.streamArn, {
      reportBatchItemFailures: true,
      invoke: async (e) => {
        callsA.push(keysOf(e.Records) as string[]);
        if (callsA.length === 1) return { batchItemFailures: [{ itemIdentifier: '' }] };
        if (callsA.length === 2) return { batchItemFailures: [{ itemIdentifier: '999999999999999999999' }] };
        return { batchItemFailures: null };
      },
    });

    const b = await newTable();
    await putMany(b.table, range(0, 3));
    const callsB: string[][] = [];
    const { m: mb } = mapping(b.streamArn, {
      reportBatchItemFailures: false,
      invoke: async (e) => {
        callsB.push(keysOf(e.Records) as string[]);
        return { batchItemFailures: [{ itemIdentifier: e.Records[0]!.dynamodb!.SequenceNumber! }] };
      },
    });
    await Promise.all([ma.whenIdle(), mb.whenIdle()]);
    expect(callsA).toEqual([range(0, 3), range(0, 3), range(0, 3)]);
    expect(ma.stats()).toEqual({ delivered: 3, failedBatches: 2, parked: 0 });
    expect(callsB).toEqual([range(0, 3)]);
    expect(mb.stats()).toEqual({ delivered: 3, failedBatches: 0, parked: 0 });
  });

  it('a poison record with maximumRetryAttempts 2 goes to onFailure alone; every other record is delivered once, in order', async () => {
    const { table, streamArn } = await newTable();
    await putMany(table, range(0, 10));
    const timeline: string[] = [];
    let poisonInvocations = 0;
    const failures: { keys: string[]; attempts: number; error: string; shardId: string }[] = [];
    const { m } = mapping(streamArn, {
      batchSize: 4,
      maximumRetryAttempts: 2,
      bisectBatchOnFunctionError: true,
      reportBatchItemFailures: true,
      invoke: async (e) => {
        const keys = keysOf(e.Records) as string[];
        if (keys.includes('r6')) {
          if (keys.length === 1) poisonInvocations++;
          throw new TypeError('cannot read r6');
        }
        timeline.push(...keys);
      },
      onFailure: async (f) => {
        failures.push({ keys: keysOf(f.records) as string[], attempts: f.attempts, error: f.error, shardId: f.shardId });
        timeline.push(`parked:${keysOf(f.records).join(',')}`);
      },
    });
    await m.whenIdle();
    expect(failures).toEqual([{ keys: ['r6'], attempts: 3, error: 'TypeError: cannot read r6', shardId: expect.stringMatching(/^shardId-/) }]);
    expect(poisonInvocations).toBe(3); // first try + 2 retries
    expect(timeline).toEqual([...range(0, 6), 'parked:r6', 'r7', 'r8', 'r9']);
    expect(m.stats()).toMatchObject({ delivered: 9, parked: 1 });

    await put(table, 'after');
    await m.whenIdle();
    expect(timeline.at(-1)).toBe('after');
  });

  it('bisect on function error isolates a throwing record; without bisect the whole batch is parked', async () => {
    const a = await newTable();
    await putMany(a.table, range(0, 8));
    const calls: string[][] = [];
    const parked: string[][] = [];
    const { m: ma } = mapping(a.streamArn, {
      batchSize: 8,
      maximumRetryAttempts: 0,
      bisectBatchOnFunctionError: true,
      invoke: async (e) => {
        const keys = keysOf(e.Records) as string[];
        calls.push(keys);
        if (keys.includes('r5')) throw new Error('bad r5');
      },
      onFailure: async (f) => void parked.push(keysOf(f.records) as string[]),
    });

    const b = await newTable();
    await putMany(b.table, range(0, 8));
    const callsB: string[][] = [];
    const parkedB: { keys: string[]; attempts: number }[] = [];
    const { m: mb } = mapping(b.streamArn, {
      batchSize: 8,
      maximumRetryAttempts: 1,
      bisectBatchOnFunctionError: false,
      invoke: async (e) => {
        const keys = keysOf(e.Records) as string[];
        callsB.push(keys);
        if (keys.includes('r5')) throw new Error('bad r5');
      },
      onFailure: async (f) => void parkedB.push({ keys: keysOf(f.records) as string[], attempts: f.attempts }),
    });
    await Promise.all([ma.whenIdle(), mb.whenIdle()]);

    expect(calls).toEqual([
      range(0, 8), // fails → halves
      range(0, 4), // ok
      range(4, 8), // fails → halves
      ['r4', 'r5'], // fails → halves
      ['r4'], // ok
      ['r5'], // fails; no retries left → onFailure
      ['r6', 'r7'], // ok
    ]);
    expect(parked).toEqual([['r5']]);
    expect(ma.stats()).toEqual({ delivered: 7, failedBatches: 4, parked: 1 });

    expect(callsB).toEqual([range(0, 8), range(0, 8)]);
    expect(parkedB).toEqual([{ keys: range(0, 8), attempts: 2 }]);
    expect(mb.stats()).toEqual({ delivered: 0, failedBatches: 2, parked: 8 });
  });

  it('a checkpoint file survives a poller restart: the next poller delivers only new records', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'checkpoints-'));
    const file = join(dir, 'nested', 'checkpoints.json');
    try {
      const { table, streamArn } = await newTable();
      await putMany(table, range(0, 5));
      const first: string[] = [];
      const { m: m1 } = mapping(streamArn, {
        batchSize: 2,
        checkpoints: fileCheckpointStore(file),
        invoke: async (e) => void first.push(...(keysOf(e.Records) as string[])),
      });
      await m1.whenIdle();
      await m1.stop();
      expect(first).toEqual(range(0, 5));
      const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
      expect(Object.keys(saved)).toHaveLength(1);
      expect(Object.keys(saved)[0]).toMatch(/^shardId-/);

      await putMany(table, range(5, 8));
      const second: string[] = [];
      const { m: m2 } = mapping(streamArn, {
        checkpoints: fileCheckpointStore(file),
        invoke: async (e) => void second.push(...(keysOf(e.Records) as string[])),
      });
      await m2.whenIdle();
      expect(second).toEqual(range(5, 8));
      const after = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
      expect(BigInt(Object.values(after)[0]!)).toBeGreaterThan(BigInt(Object.values(saved)[0]!));
      expect(readdirSync(join(dir, 'nested'))).toEqual(['checkpoints.json']); // no temp files left
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fileCheckpointStore and memoryCheckpointStore keep the last sequence number per shard; one file serves several stores', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'checkpoints-'));
    try {
      const file = join(dir, 'c.json');
      const a = fileCheckpointStore(file);
      const b = fileCheckpointStore(file);
      expect(await a.get('s1')).toBeUndefined();
      await Promise.all([a.set('s1', '10'), b.set('s2', '20'), a.set('s1', '11')]);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ s1: '11', s2: '20' });
      expect(await fileCheckpointStore(file).get('s2')).toBe('20');
      const mem = memoryCheckpointStore();
      await mem.set('s', '1');
      await mem.set('s', '2');
      expect(await mem.get('s')).toBe('2');
      expect(await memoryCheckpointStore().get('s')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('whenIdle waits for records written before the call and for invocations in flight', async () => {
    const { table, streamArn } = await newTable();
    const done: string[] = [];
    const { m } = mapping(streamArn, {
      batchSize: 2,
      invoke: async (e) => {
        await new Promise((r) => setTimeout(r, 80));
        done.push(...(keysOf(e.Records) as string[]));
      },
    });
    const t0 = Date.now();
    await m.whenIdle(); // empty stream: quick
    expect(Date.now() - t0).toBeLessThan(1_000);
    await putMany(table, range(0, 6));
    await m.whenIdle();
    expect(done).toEqual(range(0, 6)); // three slow batches, all finished
    expect(m.stats().delivered).toBe(6);
  });

  it('MaximumBatchingWindow: records written apart within the window go in one batch; a full batch or whenIdle does not wait', async () => {
    const { table, streamArn } = await newTable();
    const windowed: string[][] = [];
    const { m } = mapping(streamArn, { batchSize: 4, maximumBatchingWindowMs: 1_500, invoke: async (e) => void windowed.push(keysOf(e.Records) as string[]) });
    await m.whenIdle();
    await put(table, 'w1');
    await new Promise((r) => setTimeout(r, 300)); // several poll intervals: without a window w1 would go alone
    await put(table, 'w2');
    await new Promise((r) => setTimeout(r, 300));
    expect(windowed).toEqual([]); // the window is still open
    await new Promise((r) => setTimeout(r, 2_500));
    expect(windowed).toEqual([['w1', 'w2']]);

    await putMany(table, range(0, 4)); // a full batch goes at once
    await new Promise((r) => setTimeout(r, 400));
    expect(windowed.at(-1)).toEqual(range(0, 4));

    await put(table, 'w3');
    const t0 = Date.now();
    await m.whenIdle(); // closes the open window
    expect(windowed.at(-1)).toEqual(['w3']);
    expect(Date.now() - t0).toBeLessThan(1_000);

    const plain: string[][] = [];
    const other = await newTable();
    const { m: unwindowed } = mapping(other.streamArn, { batchSize: 4, invoke: async (e) => void plain.push(keysOf(e.Records) as string[]) });
    await unwindowed.whenIdle();
    await put(other.table, 'p1');
    await new Promise((r) => setTimeout(r, 700));
    await put(other.table, 'p2');
    await new Promise((r) => setTimeout(r, 700));
    expect(plain).toEqual([['p1'], ['p2']]);
  });

  it('pause holds new batches on the stream until resume, then delivers every record once, in order', async () => {
    const { table, streamArn } = await newTable();
    const done: string[] = [];
    const { m } = mapping(streamArn, {
      batchSize: 2,
      invoke: async (e) => {
        done.push(...(keysOf(e.Records) as string[]));
      },
    });
    await m.whenIdle();
    m.pause();
    await putMany(table, range(0, 5));
    await new Promise((r) => setTimeout(r, 600)); // several poll intervals
    expect(done).toEqual([]);
    m.resume();
    await m.whenIdle();
    expect(done).toEqual(range(0, 5));
    expect(m.stats().delivered).toBe(5);
  });

  it('LATEST skips what was written before the mapping started', async () => {
    const { table, streamArn } = await newTable();
    await put(table, 'old');
    const seen: string[] = [];
    const { m } = mapping(streamArn, {
      startingPosition: 'LATEST',
      invoke: async (e) => void seen.push(...(keysOf(e.Records) as string[])),
    });
    await m.whenIdle();
    await put(table, 'new');
    await m.whenIdle();
    expect(seen).toEqual(['new']);
  });

  it('a shard closed by disabling the stream is drained, then finished', async () => {
    const { table, streamArn } = await newTable();
    await putMany(table, range(0, 4));
    await ddb.send(new UpdateTableCommand({ TableName: table, StreamSpecification: { StreamEnabled: false } }));
    const seen: string[] = [];
    const { m, logs } = mapping(streamArn, { batchSize: 3, invoke: async (e) => void seen.push(...(keysOf(e.Records) as string[])) });
    await m.whenIdle();
    expect(seen).toEqual(range(0, 4));
    expect(logs.some((l) => /shard shardId-\S+: finished/.test(l))).toBe(true);
  });

  it('streams API errors and expired iterators are logged and retried without losing, repeating or reordering records', async () => {
    const { table, streamArn } = await newTable();
    await putMany(table, range(0, 20));
    let getRecordsCalls = 0;
    let describeCalls = 0;
    const flaky = {
      config: streams.config,
      send: async (command: unknown, options?: unknown) => {
        if (command instanceof DescribeStreamCommand && ++describeCalls === 1) {
          throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error' });
        }
        if (command instanceof GetRecordsCommand) {
          getRecordsCalls++;
          if (getRecordsCalls === 2) throw Object.assign(new Error('Iterator expired'), { name: 'ExpiredIteratorException' });
          if (getRecordsCalls === 4 || getRecordsCalls === 5) {
            throw Object.assign(new Error('We encountered an internal error'), { name: 'InternalServerError' });
          }
        }
        return (streams.send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options);
      },
    } as unknown as DynamoDBStreamsClient;
    const seen: string[] = [];
    const { m, logs } = mapping(streamArn, {
      streams: flaky,
      batchSize: 3,
      invoke: async (e) => void seen.push(...(keysOf(e.Records) as string[])),
    });
    await m.whenIdle();
    expect(seen).toEqual(range(0, 20));
    expect(logs.some((l) => l.includes('DescribeStream') && l.includes('ECONNREFUSED'))).toBe(true);
    expect(logs.some((l) => l.includes('iterator expired'))).toBe(true);
    expect(logs.filter((l) => l.includes('GetRecords failed (InternalServerError')).length).toBe(2);
  });

  it('follows shard lineage: a parent shard is finished before its child starts (LATEST skips closed parents)', async () => {
    // DynamoDB Local never splits shards, so this one runs against a small fake of the Streams API.
    const fake = fakeStreams([
      { id: 'shardId-child', parent: 'shardId-parent', closed: false, seqs: [6, 7, 8] },
      { id: 'shardId-parent', closed: true, seqs: [1, 2, 3, 4, 5] },
    ]);
    const calls: string[][] = [];
    const { m } = mapping('arn:aws:dynamodb:eu-west-1:000000000000:table/fake/stream/x', {
      streams: fake.client,
      batchSize: 2,
      invoke: async (e) => {
        await new Promise((r) => setTimeout(r, 5));
        calls.push(keysOf(e.Records) as string[]);
      },
    });
    await m.whenIdle();
    expect(calls).toEqual([['k1', 'k2'], ['k3', 'k4'], ['k5'], ['k6', 'k7'], ['k8']]);

    const latest: string[] = [];
    const { m: m2 } = mapping('arn:aws:dynamodb:eu-west-1:000000000000:table/fake/stream/x', {
      streams: fake.client,
      startingPosition: 'LATEST',
      invoke: async (e) => void latest.push(...(keysOf(e.Records) as string[])),
    });
    await m2.whenIdle();
    fake.append('shardId-child', 9);
    await m2.whenIdle();
    expect(latest).toEqual(['k9']);
  });
});

function fakeStreams(shards: { id: string; parent?: string; closed: boolean; seqs: number[] }[]) {
  const seqString = (n: number) => String(n).padStart(21, '0');
  const record = (n: number): _Record => ({
    eventID: `e${n}`,
    eventName: 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-1',
    dynamodb: {
      ApproximateCreationDateTime: new Date(),
      Keys: { pk: { S: `k${n}` } },
      SequenceNumber: seqString(n),
      SizeBytes: 10,
      StreamViewType: 'KEYS_ONLY',
    },
  });
  const byId = new Map(shards.map((s) => [s.id, s]));
  const client = {
    config: { region: async () => 'eu-west-1' },
    send: async (command: unknown) => {
      if (command instanceof DescribeStreamCommand) {
        return {
          StreamDescription: {
            Shards: shards.map((s) => ({
              ShardId: s.id,
              ParentShardId: s.parent,
              SequenceNumberRange: {
                StartingSequenceNumber: seqString(s.seqs[0]!),
                EndingSequenceNumber: s.closed ? seqString(s.seqs.at(-1)!) : undefined,
              },
            })),
          },
        };
      }
      if (command instanceof GetShardIteratorCommand) {
        const { ShardId, ShardIteratorType, SequenceNumber } = command.input;
        const s = byId.get(ShardId!)!;
        const pos =
          ShardIteratorType === 'TRIM_HORIZON'
            ? 0
            : ShardIteratorType === 'LATEST'
              ? s.seqs.length
              : s.seqs.findIndex((n) => seqString(n) === SequenceNumber) + 1;
        return { ShardIterator: `${s.id}|${pos}` };
      }
      if (command instanceof GetRecordsCommand) {
        const [id, p] = command.input.ShardIterator!.split('|');
        const s = byId.get(id!)!;
        const pos = Number(p);
        const taken = s.seqs.slice(pos, pos + (command.input.Limit ?? 1000));
        const next = pos + taken.length;
        return {
          Records: taken.map(record),
          NextShardIterator: s.closed && next >= s.seqs.length ? undefined : `${s.id}|${next}`,
        };
      }
      throw new Error('unexpected command');
    },
  } as unknown as DynamoDBStreamsClient;
  return { client, append: (id: string, n: number) => byId.get(id)!.seqs.push(n) };
}
