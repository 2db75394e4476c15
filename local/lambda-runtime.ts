// Lambda, locally: the bundles the CDK app built (cdk.out/asset.*/index.mjs), imported in-process with
// the environment the template gives each function, invoked with a Lambda-shaped context.
// Each function is its own module instance (its SDK clients are its own), and its invocations see their
// own credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, as Lambda gives each function its role's
// session: functions share this process, so process.env answers those two variables from the invocation's
// async context. The access key names the function (local/iam-roles.ts), which lets every emulator
// check the call against the function's role.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveIntrinsics, resourcesOfType, type CfnTemplate, type IntrinsicContext } from './template.ts';

type Handler = (event: unknown, context: LambdaContext) => Promise<unknown>;

export interface LambdaContext {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
  done(): void;
  fail(): void;
  succeed(): void;
}

export interface LocalFunction {
  logicalId: string;
  description: string;
  timeoutSeconds: number;
  memoryMb: number;
  environment: Record<string, string>;
  invoke(event: unknown): Promise<unknown>;
}

export class FunctionTimeoutError extends Error {
  override name = 'Runtime.Timeout';
}

/** One line a function wrote during an invocation (what CloudWatch Logs would hold on AWS). */
export interface FunctionLogLine {
  seq: number;
  at: string;
  functionId: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

/**
 * The functions' output, kept in memory: every line written to stdout/stderr while an invocation runs,
 * attributed to its function (functions share this process, so the invocation is found by async context),
 * plus the error an invocation ends with, as Lambda's runtime would log it.
 */
export interface FunctionLogCapture {
  lines(sinceSeq?: number): FunctionLogLine[];
  /** Lines that fell out of the ring. */
  dropped(): number;
  stop(): void;
}

export interface FunctionLogCaptureOptions {
  /** Lines kept (oldest dropped first). */
  ringSize: number;
  /** Whether a captured line is also written through to the real stream. */
  print: (line: string) => boolean;
}

const invocation = new AsyncLocalStorage<{ functionId: string; env?: Record<string, string> }>();

/**
 * process.env seen through the current invocation: the variables it overrides (its credentials) come from
 * the invocation's async context, everything else from the real environment. Installed once.
 */
let invocationEnvInstalled = false;
function installInvocationEnv(): void {
  if (invocationEnvInstalled) return;
  invocationEnvInstalled = true;
  const real = process.env;
  const own = (key: string | symbol) => {
    const env = invocation.getStore()?.env;
    return typeof key === 'string' && env && Object.hasOwn(env, key) ? env : undefined;
  };
  process.env = new Proxy(real, {
    get: (target, key) => own(key)?.[key as string] ?? Reflect.get(target, key),
    // Writes go to the real environment itself (it accepts plain values only, not a receiver's descriptors).
    set: (target, key, value) => Reflect.set(target, key, value),
    has: (target, key) => own(key) !== undefined || Reflect.has(target, key),
    getOwnPropertyDescriptor: (target, key) => {
      const env = own(key);
      return env ? { value: env[key as string], writable: true, enumerable: true, configurable: true } : Reflect.getOwnPropertyDescriptor(target, key);
    },
  });
}
let activeCapture: ((functionId: string, stream: 'stdout' | 'stderr', text: string) => boolean) | undefined;

export function captureFunctionLogs(opts: FunctionLogCaptureOptions): FunctionLogCapture {
  if (activeCapture) throw new Error('function logs are already captured');
  const ring: FunctionLogLine[] = [];
  let seq = 0;
  let dropped = 0;
  const record = (functionId: string, stream: 'stdout' | 'stderr', text: string): boolean => {
    let print = false;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      ring.push({ seq: ++seq, at: new Date().toISOString(), functionId, stream, line });
      if (ring.length > opts.ringSize) {
        ring.shift();
        dropped++;
      }
      print ||= opts.print(line);
    }
    return print;
  };
  const restore = (['stdout', 'stderr'] as const).map((name) => {
    const target = process[name];
    const original = target.write;
    target.write = function write(this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      const store = invocation.getStore();
      if (store && (typeof chunk === 'string' || chunk instanceof Uint8Array)) {
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        if (!record(store.functionId, name, text)) {
          // Not printed: still honour the write callback, as the stream would.
          const callback = rest.find((r): r is () => void => typeof r === 'function');
          if (callback) queueMicrotask(callback);
          return true;
        }
      }
      return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof target.write;
    return () => {
      target.write = original;
    };
  });
  activeCapture = record;
  return {
    lines: (sinceSeq = 0) => ring.filter((l) => l.seq > sinceSeq),
    dropped: () => dropped,
    stop: () => {
      for (const r of restore) r();
      activeCapture = undefined;
    },
  };
}

/** Load every Node.js AWS::Lambda::Function of the template whose code is a bundled cdk.out asset. */
export async function loadFunctions(
  template: CfnTemplate,
  cdkOutDir: string,
  ctx: IntrinsicContext,
  /** Local-only overrides of the template's variables (e.g. a quieter log level for tests). */
  overrides: Record<string, string> = {},
  /** The credentials of each function's invocations (its role's, locally: local/iam-roles.ts). */
  credentialsFor?: (logicalId: string) => { accessKeyId: string; secretAccessKey: string } | undefined,
): Promise<Map<string, LocalFunction>> {
  if (credentialsFor) installInvocationEnv();
  const functions = new Map<string, LocalFunction>();
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const assetPath = resource.Metadata?.['aws:asset:path'];
    if (typeof assetPath !== 'string') continue; // inline or custom-resource code: not ours to run
    const props = resource.Properties ?? {};
    // Deploy-time helpers CDK adds (the BucketDeployment's Python handler): nothing to run locally.
    if (typeof props.Runtime === 'string' && !props.Runtime.startsWith('nodejs')) continue;
    const variables = { ...((resolveIntrinsics((props.Environment as { Variables?: unknown } | undefined)?.Variables ?? {}, ctx) ?? {}) as Record<string, string>), ...overrides };
    const [file, exportName] = String(props.Handler ?? 'index.handler').split('.') as [string, string];
    const entry = path.join(cdkOutDir, assetPath, `${file}.mjs`);
    const credentials = credentialsFor?.(logicalId);
    const invocationEnv = credentials && { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey };
    const handler = await importWithEnv(entry, exportName, variables, logicalId);
    const timeoutSeconds = Number(props.Timeout ?? 3);
    const memoryMb = Number(props.MemorySize ?? 128);
    functions.set(logicalId, {
      logicalId,
      description: String(props.Description ?? logicalId),
      timeoutSeconds,
      memoryMb,
      environment: variables,
      invoke: (event) => invokeOnce(handler, logicalId, timeoutSeconds, memoryMb, event, ctx, invocationEnv),
    });
  }
  return functions;
}

/**
 * Handlers read their configuration at cold start (module scope), so each bundle is imported with its
 * own variables in process.env, which is restored afterwards.
 */
async function importWithEnv(entry: string, exportName: string, variables: Record<string, string>, instance: string): Promise<Handler> {
  const saved = { ...process.env };
  Object.assign(process.env, variables);
  try {
    // One module instance per function, even when two functions share a bundle: their clients and
    // configuration are their own, as in two Lambda sandboxes.
    const url = `${pathToFileURL(entry).href}?function=${encodeURIComponent(instance)}`;
    const mod = (await import(url)) as Record<string, unknown>;
    const handler = mod[exportName];
    if (typeof handler !== 'function') throw new Error(`${entry} exports no function "${exportName}"`);
    return handler as Handler;
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

async function invokeOnce(handler: Handler, name: string, timeoutSeconds: number, memoryMb: number, event: unknown, ctx: IntrinsicContext, env?: Record<string, string>) {
  // Real time, not the local cloud's virtual clock: a function's time budget is wall-clock.
  const deadline = performance.now() + timeoutSeconds * 1000;
  const arn = `arn:${ctx.partition}:lambda:${ctx.region}:${ctx.accountId}:function:${name}`;
  const context: LambdaContext = {
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: arn,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, Math.round(deadline - performance.now())),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  // Events cross a process boundary on AWS: never share object references with the caller.
  const payload = structuredClone(event);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FunctionTimeoutError(`${name} timed out after ${timeoutSeconds} s`)), timeoutSeconds * 1000);
  });
  try {
    const result = await Promise.race([invocation.run({ functionId: name, ...(env && { env }) }, () => handler(payload, context)), timeout]);
    return result === undefined ? undefined : (JSON.parse(JSON.stringify(result)) as unknown);
  } catch (error) {
    // Lambda's runtime logs the error an invocation fails with: its message reaches the logs too.
    const e = error as Error;
    activeCapture?.(name, 'stderr', `ERROR\tInvoke Error\t${JSON.stringify({ errorType: e.name, errorMessage: e.message, stackTrace: e.stack?.split('\n') ?? [] })}`);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
