import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type AttributeValue,
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  ScanCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDurableWriteProxy, tablesOfWrite } from '../../local/dynamodb-durable-proxy.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local.ts';
import { freePort } from '../../local/free-port.ts';
import { createTablesFromTemplate } from '../../local/dynamodb-tables.ts';
import type { CfnTemplate } from '../../local/template.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

function clientFor(endpoint: string, region = 'eu-west-1', key = 'local'): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region, credentials: { accessKeyId: key, secretAccessKey: key } });
}

const template: CfnTemplate = {
  Resources: {
    CasesTable: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'status', AttributeType: 'S' },
          { AttributeName: 'createdAt', AttributeType: 'N' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byStatus',
            KeySchema: [
              { AttributeName: 'status', KeyType: 'HASH' },
              { AttributeName: 'createdAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['subject'] },
          },
        ],
        LocalSecondaryIndexes: [
          {
            IndexName: 'byCreated',
            KeySchema: [
              { AttributeName: 'pk', KeyType: 'HASH' },
              { AttributeName: 'createdAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        Tags: [{ Key: 'app', Value: 'trustdesk' }],
      },
    },
    ProfilesTable: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'userId', AttributeType: 'S' }],
        ProvisionedThroughput: { ReadCapacityUnits: 3, WriteCapacityUnits: 2 },
      },
    },
    EventsGlobal: {
      Type: 'AWS::DynamoDB::GlobalTable',
      Properties: {
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [
          { AttributeName: 'id', AttributeType: 'S' },
          { AttributeName: 'kind', AttributeType: 'S' },
        ],
        BillingMode: 'PROVISIONED',
        WriteProvisionedThroughputSettings: { WriteCapacityAutoScalingSettings: { MinCapacity: 4, MaxCapacity: 10, TargetTrackingScalingPolicyConfiguration: { TargetValue: 70 } } },
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byKind',
            KeySchema: [{ AttributeName: 'kind', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
            WriteProvisionedThroughputSettings: { WriteCapacityAutoScalingSettings: { MinCapacity: 2, MaxCapacity: 4, TargetTrackingScalingPolicyConfiguration: { TargetValue: 70 } } },
          },
        ],
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        Replicas: [
          {
            Region: 'eu-west-1',
            ReadProvisionedThroughputSettings: { ReadCapacityUnits: 7 },
            GlobalSecondaryIndexes: [{ IndexName: 'byKind', ReadProvisionedThroughputSettings: { ReadCapacityUnits: 6 } }],
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          },
        ],
      },
    },
    Fn: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'index.handler' } },
  },
};

const nameFor = (prefix: string) => (logicalId: string) => `${prefix}-${logicalId}`;

describe('startDynamoDbLocal (in memory)', { timeout: 30_000 }, () => {
  let ddb: DynamoDbLocal;
  let client: DynamoDBClient;
  const lines: string[] = [];

  beforeAll(async () => {
    ddb = await startDynamoDbLocal({ port: await freePort(), log: (l) => lines.push(l) });
    client = clientFor(ddb.endpoint);
  }, 60_000);
  afterAll(async () => {
    client?.destroy();
    await ddb?.stop();
  }, 30_000);

  it('resolves once the port answers, running the bundled jar in memory, shared, without telemetry', async () => {
    expect(ddb.endpoint).toBe(`http://127.0.0.1:${ddb.port}`);
    await expect(client.send(new ListTablesCommand({}))).resolves.toBeDefined();
    const args = readFileSync(`/proc/${ddb.pid}/cmdline`, 'utf8').split('\0');
    expect(args.some((a) => a.endsWith('DynamoDBLocal.jar'))).toBe(true);
    expect(args).toEqual(expect.arrayContaining(['-inMemory', '-sharedDb', '-disableTelemetry', '-port', String(ddb.port)]));
    expect(lines.some((l) => l.includes('ready at'))).toBe(true);
  });

  it('creates tables from the template: keys, GSI, LSI, stream, billing, TTL; GlobalTable mapped to one table', async () => {
    const tables = await createTablesFromTemplate(client, template, nameFor('t1'));
    expect(tables.map((t) => [t.logicalId, t.tableName])).toEqual([
      ['CasesTable', 't1-CasesTable'],
      ['ProfilesTable', 't1-ProfilesTable'],
      ['EventsGlobal', 't1-EventsGlobal'],
    ]);
    const cases = (await client.send(new DescribeTableCommand({ TableName: 't1-CasesTable' }))).Table!;
    expect(cases.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(cases.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(cases.GlobalSecondaryIndexes?.map((g) => [g.IndexName, g.KeySchema?.map((k) => k.AttributeName), g.Projection])).toEqual([
      ['byStatus', ['status', 'createdAt'], { ProjectionType: 'INCLUDE', NonKeyAttributes: ['subject'] }],
    ]);
    expect(cases.LocalSecondaryIndexes?.map((l) => [l.IndexName, l.Projection?.ProjectionType])).toEqual([['byCreated', 'KEYS_ONLY']]);
    expect(cases.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(tables[0]!.streamArn).toBe(cases.LatestStreamArn);
    expect(tables[0]!.streamArn).toMatch(/table\/t1-CasesTable\/stream\//);
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: 't1-CasesTable' }));
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe('expiresAt');

    const profiles = (await client.send(new DescribeTableCommand({ TableName: 't1-ProfilesTable' }))).Table!;
    expect(profiles.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 3, WriteCapacityUnits: 2 });
    expect(tables[1]!.streamArn).toBeUndefined();

    const events = (await client.send(new DescribeTableCommand({ TableName: 't1-EventsGlobal' }))).Table!;
    expect(events.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 7, WriteCapacityUnits: 4 });
    expect(events.GlobalSecondaryIndexes?.[0]?.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 6, WriteCapacityUnits: 2 });
    expect(events.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    expect(tables[2]!.streamArn).toBe(events.LatestStreamArn);
  });

  it('is idempotent: a second create keeps the tables, their data and their stream ARNs; adds GSIs the template gained', async () => {
    const first = await createTablesFromTemplate(client, template, nameFor('t2'));
    await client.send(new PutItemCommand({ TableName: 't2-CasesTable', Item: { pk: { S: 'c#1' }, sk: { S: 'meta' }, subject: { S: 'hi' } } }));

    const grown = structuredClone(template);
    const props = grown.Resources['CasesTable']!.Properties!;
    (props['GlobalSecondaryIndexes'] as unknown[]).push({
      IndexName: 'bySubject',
      KeySchema: [{ AttributeName: 'subject', KeyType: 'HASH' }],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    });
    (props['AttributeDefinitions'] as unknown[]).push({ AttributeName: 'subject', AttributeType: 'S' });

    const second = await createTablesFromTemplate(client, grown, nameFor('t2'));
    expect(second).toEqual(first);
    const item = await client.send(new GetItemCommand({ TableName: 't2-CasesTable', Key: { pk: { S: 'c#1' }, sk: { S: 'meta' } } }));
    expect(item.Item?.['subject']).toEqual({ S: 'hi' });
    const cases = (await client.send(new DescribeTableCommand({ TableName: 't2-CasesTable' }))).Table!;
    expect(cases.GlobalSecondaryIndexes?.map((g) => g.IndexName).sort()).toEqual(['byStatus', 'bySubject']);
  });

  it('refuses to reuse a table whose key schema no longer matches the template', async () => {
    await createTablesFromTemplate(client, template, nameFor('t3'));
    const changed = structuredClone(template);
    changed.Resources['ProfilesTable']!.Properties!['KeySchema'] = [{ AttributeName: 'email', KeyType: 'HASH' }];
    changed.Resources['ProfilesTable']!.Properties!['AttributeDefinitions'] = [{ AttributeName: 'email', AttributeType: 'S' }];
    await expect(createTablesFromTemplate(client, changed, nameFor('t3'))).rejects.toThrow(/t3-ProfilesTable.*key schema/);
  });

  it('-sharedDb: any credentials and region see the same tables', async () => {
    const other = clientFor(ddb.endpoint, 'ap-southeast-2', 'someoneElse');
    try {
      const names = (await other.send(new ListTablesCommand({}))).TableNames ?? [];
      expect(names).toContain('t1-CasesTable');
    } finally {
      other.destroy();
    }
  });
});

describe('startDynamoDbLocal failures and process hygiene', { timeout: 40_000 }, () => {
  let blocker: Server | undefined;
  afterAll(() => blocker?.close());

  it('fails clearly when the port is taken', async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker!.listen(0, '127.0.0.1', r));
    const { port } = blocker.address() as AddressInfo;
    await expect(startDynamoDbLocal({ port })).rejects.toThrow(new RegExp(`port ${port} is already in use`));
  });

  it('fails clearly when java is missing', async () => {
    await expect(startDynamoDbLocal({ port: await freePort(), java: '/nonexistent/bin/java' })).rejects.toThrow(
      /needs Java 17\+.*not found/,
    );
  });

  it('keeps data on disk with dbPath across a stop and a restart; stop() kills java', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ddb-persist-'));
    const port = await freePort();
    try {
      const a = await startDynamoDbLocal({ port, dbPath: join(dir, 'db') });
      const c1 = clientFor(a.endpoint);
      const before = await createTablesFromTemplate(c1, template, nameFor('p'));
      await c1.send(new PutItemCommand({ TableName: 'p-ProfilesTable', Item: { userId: { S: 'u1' }, tier: { S: 'gold' } } }));
      c1.destroy();
      await a.stop();
      expect(isAlive(a.pid)).toBe(false);
      expect(readdirSync(join(dir, 'db'))).toContain('shared-local-instance.db');

      const b = await startDynamoDbLocal({ port, dbPath: join(dir, 'db') });
      const c2 = clientFor(b.endpoint);
      try {
        expect(b.pid).not.toBe(a.pid);
        const after = await createTablesFromTemplate(c2, template, nameFor('p'));
        expect(after).toEqual(before); // same tables, same stream ARNs
        const item = await c2.send(new GetItemCommand({ TableName: 'p-ProfilesTable', Key: { userId: { S: 'u1' } } }));
        expect(item.Item).toEqual({ userId: { S: 'u1' }, tier: { S: 'gold' } });
      } finally {
        c2.destroy();
        await b.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('no java survives a SIGKILLed parent: the watchdog kills it, and a pid file lets the next start on the port kill a leftover', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ddb-orphan-'));
    const moduleUrl = pathToFileURL(resolve('local/dynamodb-local.ts')).href;
    const script = join(dir, 'child.mts');
    writeFileSync(
      script,
      `import { startDynamoDbLocal } from ${JSON.stringify(moduleUrl)};\n` +
        `const d = await startDynamoDbLocal({ port: Number(process.argv[2]) });\n` +
        `console.log(JSON.stringify({ pid: d.pid }));\n` +
        `setInterval(() => {}, 1000);\n`,
    );
    const runChild = async (port: number) => {
      const child = spawn(process.execPath, ['--import', 'tsx', script, String(port)], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const javaPid = await new Promise<number>((res, rej) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /\{"pid":(\d+)\}/.exec(out);
          if (m) res(Number(m[1]));
        });
        child.once('exit', (code) => rej(new Error(`child exited ${code}: ${err}`)));
      });
      return { child, javaPid };
    };
    const [portA, portB] = [await freePort(), await freePort()];
    const [a, b] = await Promise.all([runChild(portA), runChild(portB)]);
    try {
      // A: the watchdog alone cleans up after a SIGKILLed parent.
      a.child.kill('SIGKILL');
      expect(await waitFor(() => !isAlive(a.javaPid), 10_000)).toBe(true);
      expect(await waitFor(() => !existsSync(join(tmpdir(), `trustdesk-dynamodb-local-${portA}.pid`)), 5_000)).toBe(true);

      // B: without the watchdog (killed here on purpose) java is orphaned; the pid file lets the
      // next start on the same port kill it.
      const watchdogPid = readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .find((p) => {
          try {
            const args = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
            return args.includes('dynamodb-local-watchdog') && args.includes(String(b.javaPid));
          } catch {
            return false;
          }
        });
      expect(watchdogPid).toBeDefined();
      process.kill(Number(watchdogPid), 'SIGKILL');
      b.child.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 300));
      expect(isAlive(b.javaPid)).toBe(true); // orphaned
      expect(existsSync(join(tmpdir(), `trustdesk-dynamodb-local-${portB}.pid`))).toBe(true);
      const lines: string[] = [];
      const next = await startDynamoDbLocal({ port: portB, log: (l) => lines.push(l) });
      try {
        expect(isAlive(b.javaPid)).toBe(false);
        expect(lines.some((l) => l.includes(`leftover DynamoDB Local (pid ${b.javaPid})`))).toBe(true);
        const c = clientFor(next.endpoint);
        await expect(c.send(new ListTablesCommand({}))).resolves.toBeDefined();
        c.destroy();
      } finally {
        await next.stop();
      }
    } finally {
      for (const { child, javaPid } of [a, b]) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        if (isAlive(javaPid)) process.kill(javaPid, 'SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('startDurableWriteProxy', { timeout: 60_000 }, () => {
  it('names the tables of every kind of write', () => {
    expect(tablesOfWrite({ TableName: 'cases', Item: {} })).toEqual(['cases']);
    expect(tablesOfWrite({ RequestItems: { a: [], b: [] } })).toEqual(['a', 'b']);
    expect(tablesOfWrite({ TransactItems: [{ Put: { TableName: 'x' } }, { ConditionCheck: { TableName: 'y' } }] })).toEqual(['x', 'y']);
    expect(tablesOfWrite({ Statement: 'UPDATE …' })).toEqual([]);
  });

  it('answers a transaction only once it survives a SIGKILL of DynamoDB Local, and passes errors through', async () => {
    const dbPath = mkdtempSync(join(tmpdir(), 'ddb-durable-'));
    const java = await startDynamoDbLocal({ port: await freePort(), dbPath });
    const proxy = await startDurableWriteProxy({ upstream: java.endpoint, port: 0 });
    const client = new DynamoDBClient({ endpoint: proxy.endpoint, region: 'local', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    let again: DynamoDbLocal | undefined;
    try {
      await client.send(
        new CreateTableCommand({ TableName: 'durable', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }),
      );
      const put = (pk: string) => ({ Put: { TableName: 'durable', Item: { pk: { S: pk } }, ConditionExpression: 'attribute_not_exists(pk)' } });
      const acked: string[] = [];
      let next = 0;
      let killed = false;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (!killed) {
            const pk = `k${next++}`;
            const ok = await client.send(new TransactWriteItemsCommand({ TransactItems: [put(pk), put(`${pk}-b`)] })).then(() => true, () => false);
            if (killed || !ok) continue;
            acked.push(pk);
            if (acked.length >= 200) {
              killed = true;
              process.kill(java.pid, 'SIGKILL');
            }
          }
        }),
      );
      await proxy.stop();
      await java.stop();
      again = await startDynamoDbLocal({ port: await freePort(), dbPath });
      const reader = new DynamoDBClient({ endpoint: again.endpoint, region: 'local', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
      const found = new Set<string>();
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await reader.send(new ScanCommand({ TableName: 'durable', ExclusiveStartKey: start }));
        for (const item of page.Items ?? []) found.add(item.pk!.S!);
        start = page.LastEvaluatedKey;
      } while (start);
      expect(acked.filter((pk) => !found.has(pk) || !found.has(`${pk}-b`))).toEqual([]);

      const proxy2 = await startDurableWriteProxy({ upstream: again.endpoint, port: 0 });
      const client2 = new DynamoDBClient({ endpoint: proxy2.endpoint, region: 'local', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
      // A write DynamoDB refuses comes back as it was (here: the condition fails).
      await expect(client2.send(new TransactWriteItemsCommand({ TransactItems: [put(acked[0]!)] }))).rejects.toThrow(/ConditionalCheckFailed/);
      expect((await client2.send(new GetItemCommand({ TableName: 'durable', Key: { pk: { S: acked[0]! } } }))).Item?.pk?.S).toBe(acked[0]);
      client2.destroy();
      reader.destroy();
      await proxy2.stop();
    } finally {
      client.destroy();
      await proxy.stop();
      await java.stop();
      await again?.stop();
      rmSync(dbPath, { recursive: true, force: true });
    }
  });
});
