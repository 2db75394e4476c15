/**
 * Step Functions on the local cloud: every AWS::StepFunctions::StateMachine of the synthesized
 * template runs on aws-local-stepfunctions 3.0.0, behind the AWS Step Functions JSON API
 * (awsJson1_0, `X-Amz-Target: AWSStepFunctions.<Op>`), so unchanged code using @aws-sdk/client-sfn
 * with `AWS_ENDPOINT_URL_SFN` talks to it. Executions live in memory.
 *
 * What the emulator does not do, and how this module fills the gap:
 * - Lambda. Every Task state whose Resource is `arn:aws:states:::lambda:invoke`,
 *   `…:lambda:invoke.waitForTaskToken` or a Lambda ARN gets a local handler (per run) that invokes the
 *   in-process LocalFunction. `lambda:invoke` returns `{ ExecutedVersion, Payload, SdkHttpMetadata,
 *   SdkResponseMetadata, StatusCode: 200 }` like the AWS integration (`InvocationType: Event` → 202,
 *   invoked in the background); a Lambda ARN resource returns the function's result itself. A function
 *   error fails the state with an error whose name is the thrown error's `name` and whose cause is
 *   Lambda's JSON `{"errorMessage","errorType","stackTrace"}`, so Catch/Retry on custom names,
 *   `States.TaskFailed` and `States.ALL` behave as on AWS. An unknown function fails the state with
 *   `Lambda.ResourceNotFoundException`.
 * - Task tokens (`.waitForTaskToken`). Each run gets a context object whose `Task.Token` is a
 *   placeholder unique to the execution. When the state's handler runs, every occurrence of the
 *   placeholder in the resolved Parameters is replaced with a fresh random token (one per state
 *   entry and per retry attempt, like AWS), the token is registered, the Lambda is invoked with it,
 *   and the state stays pending until SendTaskSuccess (output = the parsed `output`) or
 *   SendTaskFailure (error = `error`, cause = `cause`) for that token. The token is registered before
 *   the Lambda runs, so a function may complete its own token. A failing Lambda fails the task.
 *   HeartbeatSeconds/HeartbeatSecondsPath are ignored (SendTaskHeartbeat just checks the token).
 * - Timeouts of waitForTaskToken states run on the VIRTUAL clock: TimeoutSeconds/TimeoutSecondsPath
 *   are stripped from the definition given to the emulator and enforced here against `clock.now()`.
 *   TimeoutSecondsPath is evaluated against `Payload.input` (the workflows put the state input
 *   there: `"input.$": "$"`, checked at load), which is what AWS evaluates it against (the state
 *   input). On expiry the state fails with the emulator's own StatesTimeoutError (`States.Timeout`,
 *   not matched by `States.TaskFailed`, exactly like AWS). Deadlines are re-checked on every
 *   `clock.onChange` and by real timers scaled by `timeScale`.
 * - Wait states also run on the virtual clock: they are handed to the emulator as Task states with a
 *   local handler that waits for the virtual deadline (Seconds, SecondsPath, Timestamp,
 *   TimestampPath on the effective input), so `clock.advance` ends them; their events still say
 *   `Wait`. With timeScale 1 and no advance they last as long as on AWS.
 * - The top-level TimeoutSeconds is enforced on the virtual clock too (→ TIMED_OUT).
 * - The emulator gives every Task a 60 s real-time timeout unless told otherwise, and Node's timers
 *   overflow above 2^31-1 ms (they then fire at once). Tasks without a timeout get the largest safe
 *   one, literal TimeoutSeconds are clamped to it. Other Lambda tasks' TimeoutSeconds stay real time
 *   (they bound a Lambda's real run time) and their TimeoutSecondsPath keeps the emulator's quirk
 *   (evaluated against the Parameters result).
 * - `Promise.withResolvers` (used by the emulator, Node 22) is polyfilled on Node 20.
 * Not supported (load fails naming the state): other Task resources (`states:startExecution`, SDK
 * integrations, activities), JSONata, Variables (`Assign`), Distributed Map.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { VirtualClock } from './clock.ts';
import type { LocalFunction } from './lambda-runtime.ts';
import { resolveIntrinsics, resourcesOfType, type CfnTemplate, type IntrinsicContext } from './template.ts';

export interface LocalStepFunctionsOptions {
  host: string;
  port: number;
  template: CfnTemplate;
  /** `ctx.ref(stateMachineLogicalId)` must equal `stateMachineArn(ctx, logicalId)`. */
  ctx: IntrinsicContext;
  /** FunctionName of a task's Parameters (an ARN whose last ':' segment is the logical id, or the id). */
  resolveFunction(arnOrName: string): LocalFunction | undefined;
  clock: VirtualClock;
  log: (line: string) => void;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionInfo {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  input: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  startDate: Date;
  stopDate?: Date;
}

export interface PendingTask {
  token: string;
  executionArn: string;
  stateName: string;
  /** Virtual epoch ms at which the task times out (States.Timeout), if it has a timeout. */
  timeoutAt?: number;
}

export interface LocalStepFunctions {
  endpoint: string;
  port: number;
  startExecution(stateMachineArn: string, name: string, input: unknown): Promise<{ executionArn: string; startDate: Date }>;
  describe(executionArn: string): ExecutionInfo | undefined;
  executions(): ExecutionInfo[];
  /** The emulator's event log of the execution (Map/Parallel events included). */
  history(executionArn: string): unknown[];
  /** State transitions as AWS bills them: every state entered (nested ones too) plus every retry. */
  transitions(executionArn: string): number;
  pendingTasks(): PendingTask[];
  /**
   * Resolves when no execution is running a non-waiting step: every execution is finished or only
   * waits on task tokens or (virtual-time) Wait states.
   */
  whenIdle(): Promise<void>;
  /** Aborts running executions and closes the server (the port is free when it resolves). */
  stop(): Promise<void>;
}

/** An error of the Step Functions API; `name` is the AWS error code (e.g. `TaskDoesNotExist`). */
export class SfnApiError extends Error {
  constructor(code: string, message: string) {
    super(message);
    this.name = code;
  }
}

export function stateMachineArn(ctx: IntrinsicContext, name: string): string {
  return `arn:${ctx.partition}:states:${ctx.region}:${ctx.accountId}:stateMachine:${name}`;
}

// ---------------------------------------------------------------------------------------------
// Emulator plumbing

type Json = Record<string, unknown>;
type TaskHandler = (input: unknown) => Promise<unknown>;
interface EmulatorRun {
  abort(): void;
  result: Promise<unknown>;
  eventLogs: AsyncGenerator<EmulatorEvent>;
}
interface EmulatorEvent {
  type: string;
  timestamp: number;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
  parentState?: { name: string; type: string };
  index?: number;
  input?: unknown;
  output?: unknown;
  Error?: string;
  Cause?: unknown;
  [other: string]: unknown;
}

/** The largest setTimeout delay Node honours (larger ones fire after 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_EMULATOR_TIMEOUT_SECONDS = Math.floor(MAX_TIMER_MS / 1000);
const PLACEHOLDER_PREFIX = '__local_sfn_task_token__';

interface Resolvers<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

function withResolvers<T>(): Resolvers<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** aws-local-stepfunctions 3.0.0 calls Promise.withResolvers (Node ≥ 22). */
export function polyfillPromiseWithResolvers(): void {
  const P = Promise as unknown as { withResolvers?: unknown };
  if (typeof P.withResolvers === 'function') return;
  Object.defineProperty(Promise, 'withResolvers', {
    value: function withResolversPolyfill(this: PromiseConstructor) {
      let resolve!: (value: unknown) => void;
      let reject!: (reason: unknown) => void;
      const promise = new this((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
    writable: true,
    configurable: true,
  });
}

type ErrorFactory = () => Error;
let statesTimeoutErrorFactory: ErrorFactory | undefined;

/**
 * The emulator excludes its own StatesTimeoutError (by `instanceof`) from `States.TaskFailed`, as AWS
 * does for States.Timeout; the class is not exported. A 1 ms task timeout hands us an instance.
 */
async function statesTimeoutError(): Promise<ErrorFactory> {
  if (statesTimeoutErrorFactory) return statesTimeoutErrorFactory;
  const probe = new StateMachine(
    { StartAt: 'Probe', States: { Probe: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:probe', TimeoutSeconds: 0.001, End: true } } } as unknown as StateMachineDefinition,
    { validationOptions: { noValidate: true } },
  );
  const never = withResolvers<unknown>();
  const run = probe.run({}, { overrides: { taskResourceLocalHandlers: { Probe: () => never.promise as Promise<never> } } });
  let factory: ErrorFactory = () => Object.assign(new Error('States.Timeout'), { name: 'States.Timeout' });
  try {
    await run.result;
  } catch (error) {
    const inner = error instanceof ExecutionError ? (error.cause as Error | undefined) : undefined;
    if (inner?.name === 'States.Timeout') {
      const Ctor = inner.constructor as new () => Error;
      factory = () => new Ctor();
    }
  } finally {
    never.resolve(null);
  }
  statesTimeoutErrorFactory = factory;
  return factory;
}

/** An error no Retry/Catch may handle (the emulator reads these getters), like States.Runtime. */
class UncatchableError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
  get isRetryable(): boolean {
    return false;
  }
  get isCatchable(): boolean {
    return false;
  }
}

function runtimeError(message: string): Error {
  return new UncatchableError('States.Runtime', message);
}

/** What a state's Retry/Catch sees when a Lambda function throws (like Lambda's error payload). */
function functionError(thrown: unknown): Error {
  const e = thrown instanceof Error ? thrown : new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
  const errorType = e.name || 'Error';
  const stackTrace = (e.stack ?? '').split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
  const error = new Error(JSON.stringify({ errorMessage: e.message, errorType, stackTrace }));
  error.name = errorType;
  return error;
}

function namedError(name: string, cause: string): Error {
  const error = new Error(cause);
  error.name = name;
  return error;
}

// ---------------------------------------------------------------------------------------------
// Definitions

type TaskKind = 'lambda-invoke' | 'lambda-token' | 'lambda-arn' | 'wait';

interface StateInfo {
  name: string;
  type: string;
  definition: Json; // as written (resolved)
  kind?: TaskKind;
  retry?: { ErrorEquals: string[]; MaxAttempts?: number }[];
}

interface MachineRecord {
  logicalId: string;
  arn: string;
  name: string;
  type: 'STANDARD' | 'EXPRESS';
  roleArn: string;
  definition: Json;
  definitionString: string;
  emulator: StateMachine;
  timeoutSeconds?: number;
  states: Map<string, StateInfo>;
  /** Container state name → names of every state nested in it. */
  descendants: Map<string, Set<string>>;
  creationDate: number;
}

const LAMBDA_INVOKE = /^arn:[\w-]+:states:::lambda:invoke$/;
const LAMBDA_TOKEN = /^arn:[\w-]+:states:::lambda:invoke\.waitForTaskToken$/;
const LAMBDA_ARN = /^arn:[\w-]+:lambda:/;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function loadMachines(o: LocalStepFunctionsOptions, creationDate: number): Map<string, MachineRecord> {
  const machines = new Map<string, MachineRecord>();
  for (const [logicalId, resource] of resourcesOfType(o.template, 'AWS::StepFunctions::StateMachine')) {
    const where = `state machine ${logicalId}`;
    const props = resource.Properties ?? {};
    let definition: unknown;
    if (props.DefinitionString !== undefined) {
      let text = resolveIntrinsics(props.DefinitionString, o.ctx);
      if (typeof text !== 'string') throw new Error(`${where}: DefinitionString did not resolve to a string`);
      text = substitute(text, props.DefinitionSubstitutions, o.ctx, where);
      try {
        definition = JSON.parse(text as string);
      } catch (error) {
        throw new Error(`${where}: DefinitionString is not valid JSON: ${(error as Error).message}`);
      }
    } else if (props.Definition !== undefined) {
      const resolved = resolveIntrinsics(props.Definition, o.ctx);
      definition = JSON.parse(substitute(JSON.stringify(resolved), props.DefinitionSubstitutions, o.ctx, where));
    } else if (props.DefinitionS3Location !== undefined) {
      throw new Error(`${where}: DefinitionS3Location is not supported by the local cloud`);
    } else {
      throw new Error(`${where}: no DefinitionString or Definition`);
    }
    if (!isObject(definition) || !isObject(definition.States) || typeof definition.StartAt !== 'string') {
      throw new Error(`${where}: the definition has no StartAt/States`);
    }
    let roleArn = `arn:${o.ctx.partition}:iam::${o.ctx.accountId}:role/${logicalId}-local`;
    try {
      const r = props.RoleArn === undefined ? undefined : resolveIntrinsics(props.RoleArn, o.ctx);
      if (typeof r === 'string') roleArn = r;
    } catch {
      // The role is informational locally.
    }
    const states = new Map<string, StateInfo>();
    const descendants = new Map<string, Set<string>>();
    const emulatorDefinition = prepareDefinition(definition, where, states, descendants, []);
    const topTimeout = definition.TimeoutSeconds;
    delete emulatorDefinition.TimeoutSeconds; // enforced on the virtual clock
    // Validate what we were given (AWS validates at CreateStateMachine); run the transformed copy.
    validateDefinition(definition, where);
    // A fixed StateMachineName (as the stack sets) names the machine, as on AWS; else the logical id.
    const fixedName = props.StateMachineName === undefined ? undefined : resolveIntrinsics(props.StateMachineName, o.ctx);
    const name = typeof fixedName === 'string' && fixedName.length > 0 ? fixedName : logicalId;
    const arn = stateMachineArn(o.ctx, name);
    machines.set(arn, {
      logicalId,
      arn,
      name,
      type: props.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
      roleArn,
      definition,
      definitionString: JSON.stringify(definition),
      emulator: new StateMachine(emulatorDefinition as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } }),
      ...(typeof topTimeout === 'number' && topTimeout > 0 && { timeoutSeconds: topTimeout }),
      states,
      descendants,
      creationDate,
    });
  }
  return machines;
}

/** Definitions already validated in this process (asl-validator compiles its schema each call: ~0.1 s). */
const validDefinitions = new Set<string>();

function validateDefinition(definition: Json, where: string): void {
  const key = JSON.stringify(definition);
  if (validDefinitions.has(key)) return;
  try {
    new StateMachine(definition as unknown as StateMachineDefinition, { validationOptions: { checkArn: false, checkPaths: true } });
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`);
  }
  validDefinitions.add(key);
}

function substitute(text: string, substitutions: unknown, ctx: IntrinsicContext, where: string): string {
  if (substitutions === undefined) return text;
  const values = resolveIntrinsics(substitutions, ctx);
  if (!isObject(values)) throw new Error(`${where}: DefinitionSubstitutions must be an object`);
  return text.replace(/\$\{([^}]+)\}/g, (whole, key: string) => {
    const v = values[key];
    if (v === undefined) return whole;
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

/** A copy of a (sub-)definition for the emulator; records every state in `states`. */
function prepareDefinition(def: Json, where: string, states: Map<string, StateInfo>, descendants: Map<string, Set<string>>, ancestors: string[]): Json {
  if (def.QueryLanguage === 'JSONata') throw new Error(`${where}: JSONata is not supported by the local cloud`);
  const out: Json = { ...def, States: {} };
  const outStates = out.States as Json;
  for (const [name, raw] of Object.entries(def.States as Json)) {
    if (!isObject(raw) || typeof raw.Type !== 'string') throw new Error(`${where}: state "${name}" has no Type`);
    const at = `${where}, state "${name}"`;
    if (states.has(name)) throw new Error(`${at}: state names must be unique in the whole state machine`);
    for (const a of ancestors) descendants.get(a)!.add(name);
    if (raw.QueryLanguage === 'JSONata' || 'Arguments' in raw || 'Output' in raw) throw new Error(`${at}: JSONata is not supported by the local cloud`);
    if ('Assign' in raw) throw new Error(`${at}: Variables (Assign) are not supported by the local cloud`);
    const info: StateInfo = { name, type: raw.Type, definition: raw };
    if (Array.isArray(raw.Retry)) info.retry = raw.Retry as StateInfo['retry'];
    states.set(name, info);
    let state: Json = { ...raw };
    switch (raw.Type) {
      case 'Task':
        state = prepareTask(raw, at, info);
        break;
      case 'Wait':
        info.kind = 'wait';
        state = {
          Type: 'Task',
          Resource: 'arn:aws:states:::local:wait',
          TimeoutSeconds: MAX_EMULATOR_TIMEOUT_SECONDS,
          ...pick(raw, ['Comment', 'InputPath', 'OutputPath', 'Next', 'End']),
        };
        break;
      case 'Parallel': {
        descendants.set(name, new Set());
        if (!Array.isArray(raw.Branches)) throw new Error(`${at}: Parallel state without Branches`);
        state.Branches = raw.Branches.map((b: unknown, i: number) => {
          if (!isObject(b) || !isObject(b.States)) throw new Error(`${at}: branch ${i} has no States`);
          return prepareDefinition(b, `${at}, branch ${i}`, states, descendants, [...ancestors, name]);
        });
        break;
      }
      case 'Map': {
        descendants.set(name, new Set());
        for (const field of ['ItemReader', 'ResultWriter', 'ItemBatcher', 'ToleratedFailurePercentage', 'ToleratedFailureCount', 'Label']) {
          if (field in raw) throw new Error(`${at}: ${field} (Distributed Map) is not supported by the local cloud`);
        }
        const processorField = 'ItemProcessor' in raw ? 'ItemProcessor' : 'Iterator';
        const processor = raw[processorField];
        if (!isObject(processor) || !isObject(processor.States)) throw new Error(`${at}: Map state without ItemProcessor/Iterator`);
        if (isObject(processor.ProcessorConfig) && processor.ProcessorConfig.Mode === 'DISTRIBUTED') {
          throw new Error(`${at}: Distributed Map is not supported by the local cloud`);
        }
        state[processorField] = prepareDefinition(processor, `${at}, item processor`, states, descendants, [...ancestors, name]);
        break;
      }
      default:
        break;
    }
    outStates[name] = state;
  }
  return out;
}

function prepareTask(raw: Json, at: string, info: StateInfo): Json {
  const resource = raw.Resource;
  if (typeof resource !== 'string') throw new Error(`${at}: Task state without a Resource`);
  const state: Json = { ...raw };
  if (LAMBDA_TOKEN.test(resource)) {
    info.kind = 'lambda-token';
    const parameters = raw.Parameters;
    if (!JSON.stringify(parameters ?? null).includes('$$.Task.Token')) {
      throw new Error(`${at}: a .waitForTaskToken task must pass $$.Task.Token in its Parameters`);
    }
    if (raw.TimeoutSecondsPath !== undefined) {
      const payload = isObject(parameters) ? parameters.Payload : undefined;
      if (!isObject(payload) || payload['input.$'] !== '$') {
        throw new Error(
          `${at}: TimeoutSecondsPath is evaluated locally against Payload.input; the Payload must contain "input.$": "$"`,
        );
      }
      if (typeof raw.TimeoutSecondsPath !== 'string' || !raw.TimeoutSecondsPath.startsWith('$')) {
        throw new Error(`${at}: TimeoutSecondsPath must be a reference path`);
      }
    }
    // Timeouts run on the virtual clock (see the module comment); heartbeats are ignored.
    for (const f of ['TimeoutSeconds', 'TimeoutSecondsPath', 'HeartbeatSeconds', 'HeartbeatSecondsPath']) delete state[f];
    state.TimeoutSeconds = MAX_EMULATOR_TIMEOUT_SECONDS;
    return state;
  }
  if (LAMBDA_INVOKE.test(resource)) info.kind = 'lambda-invoke';
  else if (LAMBDA_ARN.test(resource)) info.kind = 'lambda-arn';
  else {
    throw new Error(
      `${at}: Task resource ${resource} is not supported by the local cloud ` +
        '(only arn:aws:states:::lambda:invoke, lambda:invoke.waitForTaskToken and Lambda function ARNs)',
    );
  }
  for (const f of ['HeartbeatSeconds', 'HeartbeatSecondsPath']) delete state[f];
  if (typeof raw.TimeoutSeconds === 'number') state.TimeoutSeconds = Math.min(raw.TimeoutSeconds, MAX_EMULATOR_TIMEOUT_SECONDS);
  else if (raw.TimeoutSecondsPath === undefined) state.TimeoutSeconds = MAX_EMULATOR_TIMEOUT_SECONDS;
  return state;
}

function pick(o: Json, keys: string[]): Json {
  const out: Json = {};
  for (const k of keys) if (k in o) out[k] = o[k];
  return out;
}

/** A JSONPath reference path (`$`, `$.a.b`, `$.a[0]`, `$['a b']`) read from `root`. */
export function readReferencePath(path: string, root: unknown): { found: boolean; value?: unknown } {
  if (!path.startsWith('$')) throw new Error(`not a reference path: ${path}`);
  let rest = path.slice(1);
  let current: unknown = root;
  const step = /^(?:\.([^.[\]]+)|\[(\d+)\]|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\])/;
  while (rest.length > 0) {
    const m = step.exec(rest);
    if (!m) throw new Error(`unsupported reference path: ${path}`);
    rest = rest.slice(m[0].length);
    if (m[2] !== undefined) {
      if (!Array.isArray(current)) return { found: false };
      const i = Number(m[2]);
      if (i >= current.length) return { found: false };
      current = current[i];
    } else {
      const key = m[1] ?? m[3] ?? m[4] ?? '';
      if (!isObject(current) || !Object.hasOwn(current, key)) return { found: false };
      current = current[key];
    }
  }
  return { found: true, value: current };
}

function replaceDeep(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') return value.includes(from) ? value.split(from).join(to) : value;
  if (Array.isArray(value)) return value.map((v) => replaceDeep(v, from, to));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceDeep(v, from, to)]));
  return value;
}

// ---------------------------------------------------------------------------------------------
// Virtual-time timers

interface TimerEntry {
  deadline: number;
  fire(): void;
  timer?: NodeJS.Timeout;
}

class VirtualTimers {
  private readonly entries = new Set<TimerEntry>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly clock: VirtualClock,
    private readonly log: (line: string) => void,
  ) {
    this.unsubscribe = clock.onChange(() => this.recheck());
  }

  /** Calls `fire` once the virtual clock reaches `deadline`; returns a cancel function. */
  add(deadline: number, fire: () => void): () => void {
    const entry: TimerEntry = { deadline, fire };
    this.entries.add(entry);
    this.arm(entry);
    return () => {
      clearTimeout(entry.timer);
      this.entries.delete(entry);
    };
  }

  recheck(): void {
    for (const entry of [...this.entries]) this.arm(entry);
  }

  close(): void {
    this.unsubscribe();
    for (const entry of this.entries) clearTimeout(entry.timer);
    this.entries.clear();
  }

  private arm(entry: TimerEntry): void {
    if (!this.entries.has(entry)) return;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    const remaining = entry.deadline - this.clock.now();
    if (remaining <= 0) {
      this.entries.delete(entry);
      try {
        entry.fire();
      } catch (error) {
        this.log(`states: a timer failed: ${(error as Error).stack ?? String(error)}`);
      }
      return;
    }
    if (this.clock.timeScale <= 0) return; // only advance/set move this clock
    const delay = Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(remaining / this.clock.timeScale)));
    entry.timer = setTimeout(() => this.arm(entry), delay);
    entry.timer.unref();
  }
}

// ---------------------------------------------------------------------------------------------
// Executions

interface Parked {
  kind: 'token' | 'wait';
  stateName: string;
  /** Settles the parked step with an error (execution stopped). */
  cancel(error: Error): void;
}

interface TokenTask extends Parked {
  kind: 'token';
  token: string;
  exec: ExecutionRecord;
  timeoutAt?: number;
  succeed(output: unknown): void;
  fail(error: Error): void;
}

interface ExecutionRecord {
  arn: string;
  name: string;
  machine: MachineRecord;
  inputText: string;
  input: unknown;
  status: ExecutionStatus;
  output?: unknown;
  outputText?: string;
  error?: string;
  cause?: string;
  startDate: number;
  stopDate?: number;
  events: EmulatorEvent[];
  transitions: number;
  placeholder: string;
  run?: EmulatorRun;
  /** Set when StopExecution / the execution timeout / stop() ended it. */
  stopping?: boolean;
  /** In-flight non-waiting work inside our handlers (Lambda invocations). */
  active: number;
  parked: Set<Parked>;
  /** `state#iteration` → retrier attempts of the current entry (mirrors the emulator). */
  attempts: Map<string, number[]>;
  /** `state#iteration` whose failure will be retried (the emulator is sleeping before the retry). */
  retrying: Map<string, number>;
  cancelTimeout?: () => void;
  done: Promise<void>;
}

const NAME_PATTERN = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/u;

export async function startLocalStepFunctions(o: LocalStepFunctionsOptions): Promise<LocalStepFunctions> {
  polyfillPromiseWithResolvers();
  const timeoutError = await statesTimeoutError();
  const { clock, log } = o;
  const machines = loadMachines(o, clock.now());
  const executions = new Map<string, ExecutionRecord>();
  const tokens = new Map<string, TokenTask>();
  const closedTokens = new Map<string, 'timed-out' | 'closed'>();
  const timers = new VirtualTimers(clock, log);
  let detached = 0; // InvocationType Event invocations still running
  let progress = 0;
  let progressWaiters: (() => void)[] = [];
  let stopped = false;
  const tick = () => {
    progress++;
    const waiters = progressWaiters;
    progressWaiters = [];
    for (const w of waiters) w();
  };

  // --- handlers --------------------------------------------------------------------------------

  const lambdaFor = (functionName: unknown, stateName: string): LocalFunction => {
    if (typeof functionName !== 'string' || functionName === '') {
      throw runtimeError(`state ${stateName}: FunctionName must be a string`);
    }
    const fn = o.resolveFunction(functionName);
    if (!fn) {
      throw namedError('Lambda.ResourceNotFoundException', `Function not found: ${functionName} (state ${stateName})`);
    }
    return fn;
  };

  const invokeTracked = async (exec: ExecutionRecord, fn: LocalFunction, payload: unknown): Promise<unknown> => {
    exec.active++;
    tick();
    try {
      return await fn.invoke(payload);
    } catch (error) {
      throw functionError(error);
    } finally {
      exec.active--;
      tick();
    }
  };

  const guard = (exec: ExecutionRecord) => {
    if (exec.stopping || stopped) throw new UncatchableError('States.Aborted', 'The execution was stopped');
  };

  const invokeResult = (payload: unknown, statusCode = 200) => {
    const requestId = randomUUID();
    return {
      ExecutedVersion: '$LATEST',
      Payload: payload === undefined ? null : payload,
      SdkHttpMetadata: {
        HttpStatusCode: statusCode,
        HttpHeaders: { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST', 'x-amzn-RequestId': requestId },
      },
      SdkResponseMetadata: { RequestId: requestId },
      StatusCode: statusCode,
    };
  };

  const lambdaInvokeHandler = (exec: ExecutionRecord, info: StateInfo): TaskHandler => async (input) => {
    guard(exec);
    const params = isObject(input) ? input : {};
    const fn = lambdaFor(params.FunctionName, info.name);
    const payload = params.Payload === undefined ? {} : params.Payload;
    if (params.InvocationType === 'Event') {
      detached++;
      fn.invoke(payload)
        .catch((error: unknown) => log(`states: ${exec.name} ${info.name}: async invocation of ${fn.logicalId} failed: ${(error as Error).message}`))
        .finally(() => {
          detached--;
          tick();
        });
      return { ...invokeResult('', 202) };
    }
    if (params.InvocationType === 'DryRun') return invokeResult('', 204);
    return invokeResult(await invokeTracked(exec, fn, payload));
  };

  const lambdaArnHandler = (exec: ExecutionRecord, info: StateInfo): TaskHandler => async (input) => {
    guard(exec);
    const fn = lambdaFor(info.definition.Resource, info.name);
    const result = await invokeTracked(exec, fn, input);
    return result === undefined ? null : result;
  };

  const tokenHandler = (exec: ExecutionRecord, info: StateInfo): TaskHandler => async (input) => {
    guard(exec);
    const token = randomBytes(48).toString('base64url');
    const params = replaceDeep(input, exec.placeholder, token);
    const call = isObject(params) ? params : {};
    const fn = lambdaFor(call.FunctionName, info.name);
    let timeoutAt: number | undefined;
    const def = info.definition;
    if (typeof def.TimeoutSeconds === 'number') {
      timeoutAt = clock.now() + def.TimeoutSeconds * 1000;
    } else if (typeof def.TimeoutSecondsPath === 'string') {
      const payload = call.Payload;
      if (!isObject(payload) || !('input' in payload)) {
        throw runtimeError(`state ${info.name}: TimeoutSecondsPath needs the state input in Payload.input`);
      }
      const { found, value } = readReferencePath(def.TimeoutSecondsPath, payload.input);
      if (!found || typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
        throw runtimeError(
          `state ${info.name}: TimeoutSecondsPath ${def.TimeoutSecondsPath} must point to a positive integer, got ${found ? JSON.stringify(value) : 'nothing'}`,
        );
      }
      timeoutAt = clock.now() + value * 1000;
    }

    const settled = withResolvers<unknown>();
    let cancelTimer: (() => void) | undefined;
    let open = true;
    const close = (how: 'timed-out' | 'closed') => {
      if (!open) return false;
      open = false;
      tokens.delete(token);
      closedTokens.set(token, how);
      exec.parked.delete(task);
      cancelTimer?.();
      tick();
      return true;
    };
    const task: TokenTask = {
      kind: 'token',
      token,
      exec,
      stateName: info.name,
      ...(timeoutAt !== undefined && { timeoutAt }),
      succeed: (output) => {
        if (close('closed')) settled.resolve(output);
      },
      fail: (error) => {
        if (close('closed')) settled.reject(error);
      },
      cancel: (error) => {
        if (close('closed')) settled.reject(error);
      },
    };
    tokens.set(token, task);
    exec.parked.add(task);
    if (timeoutAt !== undefined) {
      cancelTimer = timers.add(timeoutAt, () => {
        if (close('timed-out')) settled.reject(timeoutError());
      });
    }
    tick();
    // The function usually stores the token somewhere; it may also complete it itself.
    invokeTracked(exec, fn, call.Payload === undefined ? {} : call.Payload).catch((error: unknown) => task.fail(error as Error));
    return settled.promise;
  };

  const waitHandler = (exec: ExecutionRecord, info: StateInfo): TaskHandler => async (input) => {
    guard(exec);
    const def = info.definition;
    let deadline: number;
    if (typeof def.Seconds === 'number') deadline = clock.now() + def.Seconds * 1000;
    else if (typeof def.Timestamp === 'string') deadline = Date.parse(def.Timestamp);
    else if (typeof def.SecondsPath === 'string') {
      const { found, value } = readReferencePath(def.SecondsPath, input);
      if (!found || typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        throw runtimeError(`state ${info.name}: SecondsPath ${def.SecondsPath} must point to an integer ≥ 0, got ${found ? JSON.stringify(value) : 'nothing'}`);
      }
      deadline = clock.now() + value * 1000;
    } else if (typeof def.TimestampPath === 'string') {
      const { found, value } = readReferencePath(def.TimestampPath, input);
      const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
      if (!found || Number.isNaN(at)) {
        throw runtimeError(`state ${info.name}: TimestampPath ${def.TimestampPath} must point to a timestamp, got ${found ? JSON.stringify(value) : 'nothing'}`);
      }
      deadline = at;
    } else {
      throw runtimeError(`state ${info.name}: Wait state without Seconds, Timestamp, SecondsPath or TimestampPath`);
    }
    if (Number.isNaN(deadline)) throw runtimeError(`state ${info.name}: invalid Timestamp`);
    if (deadline <= clock.now()) return input;
    const done = withResolvers<unknown>();
    let cancelTimer: (() => void) | undefined;
    const parked: Parked = {
      kind: 'wait',
      stateName: info.name,
      cancel: (error) => {
        cancelTimer?.();
        done.reject(error);
      },
    };
    exec.parked.add(parked);
    cancelTimer = timers.add(deadline, () => done.resolve(input));
    tick();
    try {
      return await done.promise;
    } finally {
      exec.parked.delete(parked);
      tick();
    }
  };

  const handlersFor = (exec: ExecutionRecord): Record<string, TaskHandler> => {
    const handlers: Record<string, TaskHandler> = {};
    for (const info of exec.machine.states.values()) {
      switch (info.kind) {
        case 'lambda-invoke':
          handlers[info.name] = lambdaInvokeHandler(exec, info);
          break;
        case 'lambda-arn':
          handlers[info.name] = lambdaArnHandler(exec, info);
          break;
        case 'lambda-token':
          handlers[info.name] = tokenHandler(exec, info);
          break;
        case 'wait':
          handlers[info.name] = waitHandler(exec, info);
          break;
        default:
          break;
      }
    }
    return handlers;
  };

  // --- events ------------------------------------------------------------------------------------

  const willRetry = (exec: ExecutionRecord, key: string, info: StateInfo | undefined, errorName: string): boolean => {
    if (!info?.retry || errorName === 'States.Runtime' || errorName === 'States.Aborted') return false;
    const attempts = exec.attempts.get(key) ?? new Array<number>(info.retry.length).fill(0);
    exec.attempts.set(key, attempts);
    for (let i = 0; i < info.retry.length; i++) {
      const retrier = info.retry[i]!;
      const matches = (retrier.ErrorEquals ?? []).some(
        (e) => e === errorName || e === 'States.ALL' || (e === 'States.TaskFailed' && info.type === 'Task' && errorName !== 'States.Timeout'),
      );
      if (!matches) continue;
      if ((attempts[i] ?? 0) >= (retrier.MaxAttempts ?? 3)) return false;
      attempts[i] = (attempts[i] ?? 0) + 1;
      return true;
    }
    return false;
  };

  const onEvent = (exec: ExecutionRecord, event: EmulatorEvent) => {
    const state = event.state;
    const info = state ? exec.machine.states.get(state.name) : undefined;
    if (state && info?.kind === 'wait') state.type = 'Wait';
    exec.events.push(event);
    const key = state ? `${state.name}#${event.index ?? ''}` : '';
    switch (event.type) {
      case 'StateEntered':
        exec.transitions++;
        exec.attempts.delete(key);
        break;
      case 'StateRetried':
        exec.transitions++;
        decrement(exec.retrying, key);
        break;
      case 'StateFailed':
        if (willRetry(exec, key, info, String(event.Error ?? ''))) exec.retrying.set(key, (exec.retrying.get(key) ?? 0) + 1);
        break;
      case 'StateCaught':
        exec.retrying.delete(key);
        break;
      case 'ParallelBranchFailed':
      case 'MapIterationFailed': {
        const nested = event.parentState ? exec.machine.descendants.get(event.parentState.name) : undefined;
        for (const k of [...exec.retrying.keys()]) if (nested?.has(k.slice(0, k.lastIndexOf('#')))) exec.retrying.delete(k);
        break;
      }
      case 'ExecutionSucceeded':
      case 'ExecutionFailed':
      case 'ExecutionAborted':
      case 'ExecutionTimeout':
        exec.retrying.clear();
        break;
      default:
        break;
    }
    tick();
  };

  // --- lifecycle ---------------------------------------------------------------------------------

  const info = (exec: ExecutionRecord): ExecutionInfo => ({
    executionArn: exec.arn,
    stateMachineArn: exec.machine.arn,
    name: exec.name,
    status: exec.status,
    input: exec.input,
    ...(exec.outputText !== undefined && { output: exec.output }),
    ...(exec.error !== undefined && { error: exec.error }),
    ...(exec.cause !== undefined && { cause: exec.cause }),
    startDate: new Date(exec.startDate),
    ...(exec.stopDate !== undefined && { stopDate: new Date(exec.stopDate) }),
  });

  const cancelParked = (exec: ExecutionRecord) => {
    for (const p of [...exec.parked]) p.cancel(new UncatchableError('States.Aborted', 'The execution was stopped'));
  };

  /** StopExecution, the execution's TimeoutSeconds, stop(). */
  const terminate = (exec: ExecutionRecord, status: 'ABORTED' | 'TIMED_OUT', error?: string, cause?: string) => {
    if (exec.status !== 'RUNNING') return;
    exec.stopping = true;
    exec.status = status;
    exec.stopDate = clock.now();
    if (error !== undefined) exec.error = error;
    if (cause !== undefined) exec.cause = cause;
    exec.cancelTimeout?.();
    exec.run?.abort();
    cancelParked(exec);
    if (status === 'TIMED_OUT') log(`states: ${exec.machine.name} execution ${exec.name} TIMED_OUT after ${exec.machine.timeoutSeconds} s`);
    tick();
  };

  const finish = (exec: ExecutionRecord, outcome: PromiseSettledResult<unknown>) => {
    exec.cancelTimeout?.();
    cancelParked(exec);
    exec.retrying.clear();
    if (exec.status === 'TIMED_OUT') {
      const aborted = exec.events.findLast((e) => e.type === 'ExecutionAborted');
      if (aborted) aborted.type = 'ExecutionTimeout';
    }
    if (exec.status !== 'RUNNING') return tick(); // stopped or timed out: already final
    exec.stopDate = clock.now();
    if (outcome.status === 'fulfilled') {
      exec.status = 'SUCCEEDED';
      exec.output = outcome.value;
      exec.outputText = JSON.stringify(outcome.value ?? null);
    } else {
      const reason = outcome.reason as Error;
      if (reason instanceof ExecutionAbortedError) exec.status = 'ABORTED';
      else if (reason instanceof ExecutionTimeoutError) exec.status = 'TIMED_OUT';
      else {
        exec.status = 'FAILED';
        const inner = reason instanceof ExecutionError && reason.cause instanceof Error ? reason.cause : reason;
        exec.error = inner?.name ?? 'Error';
        exec.cause = typeof inner?.message === 'string' ? inner.message : String(inner);
        log(`states: ${exec.machine.name} execution ${exec.name} FAILED: ${exec.error}: ${exec.cause}`);
      }
    }
    tick();
  };

  const start = (machineArn: string, name: string | undefined, inputText: string | undefined): ExecutionRecord => {
    if (stopped) throw new SfnApiError('ServiceUnavailable', 'The local Step Functions service is stopped');
    if (typeof machineArn !== 'string' || machineArn === '') throw new SfnApiError('ValidationException', 'stateMachineArn is required');
    const machine = machines.get(machineArn);
    if (!machine) {
      if (!/^arn:[\w-]+:states:[^:]*:[^:]*:stateMachine:[^:]+$/.test(machineArn)) throw new SfnApiError('InvalidArn', `Invalid Arn: '${machineArn}'`);
      throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${machineArn}'`);
    }
    const execName = name === undefined || name === '' ? randomUUID() : name;
    if (typeof execName !== 'string' || !NAME_PATTERN.test(execName)) throw new SfnApiError('InvalidName', `Invalid Name: '${String(execName)}'`);
    const text = inputText ?? '{}';
    let input: unknown;
    try {
      if (typeof text !== 'string') throw new Error('input must be a string');
      input = JSON.parse(text);
    } catch (error) {
      throw new SfnApiError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${(error as Error).message}'`);
    }
    const arn = `arn:${o.ctx.partition}:states:${o.ctx.region}:${o.ctx.accountId}:execution:${machine.name}:${execName}`;
    const existing = executions.get(arn);
    if (existing) {
      if (existing.status === 'RUNNING' && JSON.stringify(existing.input) === JSON.stringify(input)) return existing;
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    const startDate = clock.now();
    const exec: ExecutionRecord = {
      arn,
      name: execName,
      machine,
      inputText: text,
      input,
      status: 'RUNNING',
      startDate,
      events: [],
      transitions: 0,
      placeholder: `${PLACEHOLDER_PREFIX}${randomBytes(16).toString('hex')}__`,
      active: 0,
      parked: new Set(),
      attempts: new Map(),
      retrying: new Map(),
      done: Promise.resolve(),
    };
    executions.set(arn, exec);
    const context = {
      Execution: { Id: arn, Name: execName, RoleArn: machine.roleArn, StartTime: new Date(startDate).toISOString() },
      StateMachine: { Id: machine.arn, Name: machine.name },
      Task: { Token: exec.placeholder },
    };
    // Handlers may run synchronously inside run(): `exec` is registered before.
    const run = machine.emulator.run(input as never, {
      overrides: { taskResourceLocalHandlers: handlersFor(exec) as never },
      context,
    }) as unknown as EmulatorRun;
    exec.run = run;
    const collected = (async () => {
      for await (const event of run.eventLogs) onEvent(exec, event);
    })();
    exec.done = Promise.allSettled([run.result, collected]).then(([outcome]) => finish(exec, outcome!));
    if (machine.timeoutSeconds !== undefined) {
      exec.cancelTimeout = timers.add(startDate + machine.timeoutSeconds * 1000, () => terminate(exec, 'TIMED_OUT', 'States.Timeout'));
    }
    tick();
    return exec;
  };

  const execOrThrow = (arn: unknown): ExecutionRecord => {
    if (typeof arn !== 'string' || arn === '') throw new SfnApiError('ValidationException', 'executionArn is required');
    const exec = executions.get(arn);
    if (!exec) {
      if (!/^arn:[\w-]+:states:[^:]*:[^:]*:execution:[^:]+:[^:]+$/.test(arn)) throw new SfnApiError('InvalidArn', `Invalid Arn: '${arn}'`);
      throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    }
    return exec;
  };

  const machineOrThrow = (arn: unknown): MachineRecord => {
    if (typeof arn !== 'string' || arn === '') throw new SfnApiError('ValidationException', 'stateMachineArn is required');
    const machine = machines.get(arn);
    if (!machine) throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  };

  const pendingToken = (token: unknown): TokenTask => {
    if (typeof token !== 'string' || token.length === 0 || token.length > 1024) throw new SfnApiError('InvalidToken', 'Invalid Token');
    const task = tokens.get(token);
    if (task) return task;
    if (closedTokens.get(token) === 'timed-out') throw new SfnApiError('TaskTimedOut', 'Task Timed Out');
    throw new SfnApiError('TaskDoesNotExist', 'Task Does Not Exist');
  };

  const busy = (): boolean => {
    if (detached > 0) return true;
    for (const exec of executions.values()) {
      if (exec.status !== 'RUNNING') continue;
      if (exec.active > 0 || exec.retrying.size > 0 || exec.parked.size === 0) return true;
    }
    return false;
  };

  // --- API -----------------------------------------------------------------------------------------

  const epochSeconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);
  const page = <T>(items: T[], body: Json, defaultMax: number): { items: T[]; nextToken?: string } => {
    const offset = typeof body.nextToken === 'string' && /^\d+$/.test(body.nextToken) ? Number(body.nextToken) : 0;
    if (body.nextToken !== undefined && body.nextToken !== null && !(typeof body.nextToken === 'string' && /^\d+$/.test(body.nextToken))) {
      throw new SfnApiError('InvalidToken', 'Invalid pagination token');
    }
    const max = typeof body.maxResults === 'number' && body.maxResults > 0 ? Math.min(body.maxResults, 1000) : defaultMax;
    const slice = items.slice(offset, offset + max);
    return { items: slice, ...(offset + max < items.length && { nextToken: String(offset + max) }) };
  };

  const operations: Record<string, (body: Json) => unknown> = {
    StartExecution: (body) => {
      const exec = start(body.stateMachineArn as string, body.name as string | undefined, body.input as string | undefined);
      return { executionArn: exec.arn, startDate: epochSeconds(exec.startDate) };
    },
    DescribeExecution: (body) => {
      const exec = execOrThrow(body.executionArn);
      return {
        executionArn: exec.arn,
        stateMachineArn: exec.machine.arn,
        name: exec.name,
        status: exec.status,
        startDate: epochSeconds(exec.startDate),
        ...(exec.stopDate !== undefined && { stopDate: epochSeconds(exec.stopDate) }),
        input: exec.inputText,
        inputDetails: { included: true },
        ...(exec.outputText !== undefined && { output: exec.outputText, outputDetails: { included: true } }),
        ...(exec.error !== undefined && { error: exec.error }),
        ...(exec.cause !== undefined && { cause: exec.cause }),
      };
    },
    StopExecution: (body) => {
      const exec = execOrThrow(body.executionArn);
      terminate(exec, 'ABORTED', body.error as string | undefined, body.cause as string | undefined);
      return { stopDate: epochSeconds(exec.stopDate ?? clock.now()) };
    },
    SendTaskSuccess: (body) => {
      const task = pendingToken(body.taskToken);
      let output: unknown;
      try {
        if (typeof body.output !== 'string') throw new Error('output is required');
        output = JSON.parse(body.output);
      } catch (error) {
        throw new SfnApiError('InvalidOutput', `Invalid Output: '${(error as Error).message}'`);
      }
      task.succeed(output);
      return {};
    },
    SendTaskFailure: (body) => {
      const task = pendingToken(body.taskToken);
      task.fail(namedError(typeof body.error === 'string' ? body.error : '', typeof body.cause === 'string' ? body.cause : ''));
      return {};
    },
    SendTaskHeartbeat: (body) => {
      pendingToken(body.taskToken);
      return {};
    },
    ListExecutions: (body) => {
      const machine = machineOrThrow(body.stateMachineArn);
      const filter = body.statusFilter;
      const list = [...executions.values()]
        .filter((e) => e.machine === machine && (filter === undefined || filter === null || e.status === filter))
        .sort((a, b) => b.startDate - a.startDate);
      const { items, nextToken } = page(list, body, 100);
      return {
        executions: items.map((e) => ({
          executionArn: e.arn,
          stateMachineArn: machine.arn,
          name: e.name,
          status: e.status,
          startDate: epochSeconds(e.startDate),
          ...(e.stopDate !== undefined && { stopDate: epochSeconds(e.stopDate) }),
        })),
        ...(nextToken && { nextToken }),
      };
    },
    GetExecutionHistory: (body) => {
      const exec = execOrThrow(body.executionArn);
      let events = historyEvents(exec, body.includeExecutionData !== false);
      if (body.reverseOrder === true) events = events.reverse();
      const { items, nextToken } = page(events, body, 100);
      return { events: items, ...(nextToken && { nextToken }) };
    },
    ListStateMachines: (body) => {
      const { items, nextToken } = page([...machines.values()], body, 100);
      return {
        stateMachines: items.map((m) => ({ stateMachineArn: m.arn, name: m.name, type: m.type, creationDate: epochSeconds(m.creationDate) })),
        ...(nextToken && { nextToken }),
      };
    },
    DescribeStateMachine: (body) => {
      const m = machineOrThrow(body.stateMachineArn);
      return {
        stateMachineArn: m.arn,
        name: m.name,
        status: 'ACTIVE',
        definition: m.definitionString,
        roleArn: m.roleArn,
        type: m.type,
        creationDate: epochSeconds(m.creationDate),
      };
    },
  };

  const historyEvents = (exec: ExecutionRecord, withData: boolean): Json[] => {
    const out: Json[] = [];
    const data = (key: string, value: unknown): Json =>
      withData ? { [key]: JSON.stringify(value ?? null), [`${key}Details`]: { truncated: false } } : {};
    for (const e of exec.events) {
      const s = e.state;
      let mapped: Json | undefined;
      switch (e.type) {
        case 'ExecutionStarted':
          mapped = { type: 'ExecutionStarted', executionStartedEventDetails: { ...data('input', e.input), roleArn: exec.machine.roleArn } };
          break;
        case 'ExecutionSucceeded':
          mapped = { type: 'ExecutionSucceeded', executionSucceededEventDetails: data('output', e.output) };
          break;
        case 'ExecutionFailed':
          mapped = { type: 'ExecutionFailed', executionFailedEventDetails: errorDetails(e) };
          break;
        case 'ExecutionAborted':
          mapped = { type: 'ExecutionAborted', executionAbortedEventDetails: { ...(exec.error && { error: exec.error }), ...(exec.cause && { cause: exec.cause }) } };
          break;
        case 'ExecutionTimeout':
          mapped = { type: 'ExecutionTimedOut', executionTimedOutEventDetails: { error: 'States.Timeout' } };
          break;
        case 'StateEntered':
          mapped = { type: `${s?.type ?? ''}StateEntered`, stateEnteredEventDetails: { name: s?.name, ...data('input', s?.input) } };
          break;
        case 'StateExited':
          mapped = { type: `${s?.type ?? ''}StateExited`, stateExitedEventDetails: { name: s?.name, ...data('output', s?.output) } };
          break;
        case 'StateFailed':
          if (s?.type === 'Task') mapped = { type: 'TaskFailed', taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', ...errorDetails(e) } };
          else if (s?.type === 'Map' || s?.type === 'Parallel') mapped = { type: `${s.type}StateFailed` };
          break;
        case 'MapIterationStarted':
        case 'MapIterationSucceeded':
        case 'MapIterationFailed': {
          const details = { name: e.parentState?.name, index: e.index };
          mapped = { type: e.type, [`${e.type[0]!.toLowerCase()}${e.type.slice(1)}EventDetails`]: details };
          break;
        }
        default:
          break; // StateRetried, StateCaught, ParallelBranch*: no AWS history event of their own
      }
      if (!mapped) continue;
      const id = out.length + 1;
      out.push({ timestamp: e.timestamp / 1000, id, ...(id > 1 && { previousEventId: id - 1 }), ...mapped });
    }
    return out;
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const reply = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.0',
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': randomUUID(),
      });
      res.end(text);
    };
    const fail = (status: number, code: string, message: string) => reply(status, { __type: code, message });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= 8 * 1024 * 1024) chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      try {
        if (req.method !== 'POST') return fail(400, 'UnknownOperationException', `${req.method} is not supported`);
        if (size > 8 * 1024 * 1024) return fail(413, 'RequestEntityTooLarge', 'Request too large');
        const target = String(req.headers['x-amz-target'] ?? '');
        const op = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : '';
        const handler = Object.hasOwn(operations, op) ? operations[op] : undefined;
        if (!handler) return fail(400, 'UnknownOperationException', `Unknown operation ${target || '(no X-Amz-Target)'}`);
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text.trim() === '' ? {} : JSON.parse(text);
        } catch {
          return fail(400, 'SerializationException', 'Request body is not valid JSON');
        }
        if (!isObject(body)) return fail(400, 'SerializationException', 'Request body must be a JSON object');
        return reply(200, handler(body));
      } catch (error) {
        if (error instanceof SfnApiError) return fail(400, error.name, error.message);
        log(`states: ${String(req.headers['x-amz-target'])} failed: ${(error as Error).stack ?? String(error)}`);
        return fail(500, 'InternalFailure', (error as Error).message);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://${urlHost(o.host)}:${port}`;

  return {
    endpoint,
    port,
    startExecution: async (machineArn, name, input) => {
      const text = JSON.stringify(input === undefined ? {} : input);
      const exec = start(machineArn, name, text);
      return { executionArn: exec.arn, startDate: new Date(exec.startDate) };
    },
    describe: (arn) => {
      const exec = executions.get(arn);
      return exec ? info(exec) : undefined;
    },
    executions: () => [...executions.values()].map(info),
    history: (arn) => [...(executions.get(arn)?.events ?? [])],
    transitions: (arn) => executions.get(arn)?.transitions ?? 0,
    pendingTasks: () =>
      [...tokens.values()].map((t) => ({
        token: t.token,
        executionArn: t.exec.arn,
        stateName: t.stateName,
        ...(t.timeoutAt !== undefined && { timeoutAt: t.timeoutAt }),
      })),
    whenIdle: async () => {
      for (;;) {
        const before = progress;
        await new Promise<void>((resolve) => setImmediate(resolve));
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (!busy() && progress === before) return;
        if (busy()) {
          // Wake on the next progress, or poll (a Retry interval sleeps without telling anyone).
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 20);
            progressWaiters.push(() => {
              clearTimeout(timer);
              resolve();
            });
          });
        }
      }
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const exec of executions.values()) terminate(exec, 'ABORTED', 'States.Aborted', 'The local cloud stopped');
      await Promise.all([...executions.values()].map((e) => e.done));
      timers.close();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

function errorDetails(e: EmulatorEvent): Json {
  const cause = e.Cause instanceof Error ? e.Cause.message : e.Cause;
  return { ...(e.Error !== undefined && { error: e.Error }), ...(cause !== undefined && { cause: typeof cause === 'string' ? cause : JSON.stringify(cause) }) };
}

function decrement(map: Map<string, number>, key: string): void {
  const n = (map.get(key) ?? 0) - 1;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
