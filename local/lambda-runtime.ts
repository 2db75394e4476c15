// Lambda, locally: the bundles the CDK app built (cdk.out/asset.*/index.mjs), imported in-process with
// the environment the template gives each function, invoked with a Lambda-shaped context.
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

/** Load every Node.js AWS::Lambda::Function of the template whose code is a bundled cdk.out asset. */
export async function loadFunctions(
  template: CfnTemplate,
  cdkOutDir: string,
  ctx: IntrinsicContext,
  /** Local-only overrides of the template's variables (e.g. a quieter log level for tests). */
  overrides: Record<string, string> = {},
): Promise<Map<string, LocalFunction>> {
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
    const handler = await importWithEnv(entry, exportName, variables);
    const timeoutSeconds = Number(props.Timeout ?? 3);
    const memoryMb = Number(props.MemorySize ?? 128);
    functions.set(logicalId, {
      logicalId,
      description: String(props.Description ?? logicalId),
      timeoutSeconds,
      memoryMb,
      environment: variables,
      invoke: (event) => invokeOnce(handler, logicalId, timeoutSeconds, memoryMb, event, ctx),
    });
  }
  return functions;
}

/**
 * Handlers read their configuration at cold start (module scope), so each bundle is imported with its
 * own variables in process.env, which is restored afterwards.
 */
async function importWithEnv(entry: string, exportName: string, variables: Record<string, string>): Promise<Handler> {
  const saved = { ...process.env };
  Object.assign(process.env, variables);
  try {
    const mod = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
    const handler = mod[exportName];
    if (typeof handler !== 'function') throw new Error(`${entry} exports no function "${exportName}"`);
    return handler as Handler;
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

async function invokeOnce(handler: Handler, name: string, timeoutSeconds: number, memoryMb: number, event: unknown, ctx: IntrinsicContext) {
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
    const result = await Promise.race([handler(payload, context), timeout]);
    return result === undefined ? undefined : (JSON.parse(JSON.stringify(result)) as unknown);
  } finally {
    clearTimeout(timer);
  }
}
