// The engine of local Step Functions: executions of the template's state machines on the emulator,
// with local handlers for Lambda tasks, task tokens and Wait states, deadlines on the virtual clock,
// retry bookkeeping from the emulator's events, and what "idle" means (see local/stepfunctions.ts for
// what the emulator does not do and how this fills the gap). The API and the server sit on top of it.
import { randomBytes, randomUUID } from 'node:crypto';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError } from 'aws-local-stepfunctions';
import type { VirtualClock } from '../clock.ts';
import type { LocalFunction } from '../lambda-runtime.ts';
import type { IntrinsicContext } from '../template.ts';
import type { ExecutionInfo, ExecutionStatus } from '../stepfunctions.ts';
import { readReferencePath, type MachineRecord, type StateInfo } from './definitions.ts';
import { isObject, PLACEHOLDER_PREFIX, withResolvers, type EmulatorEvent, type EmulatorRun, type TaskHandler } from './emulator.ts';
import { functionError, namedError, runtimeError, SfnApiError, UncatchableError, type ErrorFactory } from './errors.ts';
import { VirtualTimers } from './timers.ts';

export interface Parked {
  kind: 'token' | 'wait';
  stateName: string;
  /** Settles the parked step with an error (execution stopped). */
  cancel(error: Error): void;
}

export interface TokenTask extends Parked {
  kind: 'token';
  token: string;
  exec: ExecutionRecord;
  timeoutAt?: number;
  succeed(output: unknown): void;
  fail(error: Error): void;
}

export interface ExecutionRecord {
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
  /** Task state → its retriers' attempts so far in the current entry, as the emulator counts them (retryClock). */
  retryAttempts: Map<string, number[]>;
  /** Task state → virtual instants its next attempts wait for (a failure that will be retried pushes one). */
  retryDue: Map<string, number[]>;
  cancelTimeout?: () => void;
  done: Promise<void>;
}

const NAME_PATTERN = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/u;

/** What the API operations and the facade (local/stepfunctions.ts) use of the engine. */
export interface Engine {
  machines: Map<string, MachineRecord>;
  executions: Map<string, ExecutionRecord>;
  tokens: Map<string, TokenTask>;
  /** The ARN of the state machine whose execution issued a token (open or closed); undefined for a token it never issued. */
  machineOfToken(token: string): string | undefined;
  /** StartExecution: a new execution, or the running one of that name with the same input. */
  start(machineArn: string, name: string | undefined, inputText: string | undefined): ExecutionRecord;
  /** StopExecution, the execution's TimeoutSeconds, stop(). */
  terminate(exec: ExecutionRecord, status: 'ABORTED' | 'TIMED_OUT', error?: string, cause?: string): void;
  execOrThrow(arn: unknown): ExecutionRecord;
  machineOrThrow(arn: unknown): MachineRecord;
  pendingToken(token: unknown): TokenTask;
  info(exec: ExecutionRecord): ExecutionInfo;
  whenIdle(): Promise<void>;
  stopped(): boolean;
  /** Aborts every running execution and waits for them to end. */
  stop(): Promise<void>;
}

export interface EngineOptions {
  ctx: IntrinsicContext;
  resolveFunction(arnOrName: string): LocalFunction | undefined;
  clock: VirtualClock;
  log: (line: string) => void;
  /** Local IAM: whether the machine's role may invoke the function (the denial's message, else undefined). */
  authorizeInvoke?: (machine: MachineRecord, executionName: string, functionName: string) => string | undefined;
}

export function createEngine(o: EngineOptions, machines: Map<string, MachineRecord>, timeoutError: ErrorFactory): Engine {
  const { clock, log } = o;
  const executions = new Map<string, ExecutionRecord>();
  const tokens = new Map<string, TokenTask>();
  const closedTokens = new Map<string, 'timed-out' | 'closed'>();
  /** The state machine each token was issued by, kept after it closes (IAM authorizes SendTask* on it). */
  const tokenMachines = new Map<string, string>();
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

  const lambdaFor = (functionName: unknown, stateName: string, exec: ExecutionRecord): LocalFunction => {
    if (typeof functionName !== 'string' || functionName === '') {
      throw runtimeError(`state ${stateName}: FunctionName must be a string`);
    }
    // As on AWS, a role that may not invoke the function fails the task (Retry/Catch see the error name).
    const denied = o.authorizeInvoke?.(exec.machine, exec.name, functionName);
    if (denied !== undefined) throw namedError('Lambda.AWSLambdaException', denied);
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
    const fn = lambdaFor(params.FunctionName, info.name, exec);
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
    const fn = lambdaFor(info.definition.Resource, info.name, exec);
    const result = await invokeTracked(exec, fn, input);
    return result === undefined ? null : result;
  };

  const tokenHandler = (exec: ExecutionRecord, info: StateInfo): TaskHandler => async (input) => {
    guard(exec);
    const token = randomBytes(48).toString('base64url');
    const params = replaceDeep(input, exec.placeholder, token);
    const call = isObject(params) ? params : {};
    const fn = lambdaFor(call.FunctionName, info.name, exec);
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
    tokenMachines.set(token, exec.machine.arn);
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

  // --- Retry intervals on the virtual clock ------------------------------------------------------
  // The emulator sleeps a Retry interval in real time; told to retry Task states at once (retryIntervalOverrides
  // 0), it leaves the interval to us: a failure our handler throws is matched against the state's retriers the way
  // the emulator matches it (first retrier whose ErrorEquals fits; MaxAttempts; IntervalSeconds × BackoffRate^n,
  // capped by MaxDelaySeconds, FULL jitter), and the retried attempt first waits on the virtual clock. Moving the
  // clock shortens the wait; at time scale 1 nothing changes. The wait counts as work in flight (whenIdle waits for
  // it, as it waits for the emulator's own sleep). Iterations of one Map share a state's count (no trustdesk Map
  // retries a Task).

  const retryDelayMs = (exec: ExecutionRecord, info: StateInfo, error: unknown): number | undefined => {
    const name = error instanceof Error ? error.name : '';
    if (!info.retry || name === 'States.Runtime' || name === 'States.Aborted' || error instanceof UncatchableError) return undefined;
    const attempts = exec.retryAttempts.get(info.name) ?? new Array<number>(info.retry.length).fill(0);
    exec.retryAttempts.set(info.name, attempts);
    for (const [i, retrier] of info.retry.entries()) {
      const fits = (retrier.ErrorEquals ?? []).some((e) => e === name || e === 'States.ALL' || (e === 'States.TaskFailed' && name !== 'States.Timeout'));
      if (!fits) continue;
      const done = attempts[i] ?? 0;
      if (done >= (retrier.MaxAttempts ?? 3)) return undefined;
      attempts[i] = done + 1;
      const interval = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** done;
      const capped = Math.max(0, Math.min(interval, retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY)) * 1000;
      return retrier.JitterStrategy === 'FULL' ? Math.random() * capped : capped;
    }
    return undefined;
  };

  const waitForRetry = async (exec: ExecutionRecord, info: StateInfo, due: number): Promise<void> => {
    if (due <= clock.now()) return;
    exec.active++;
    tick();
    const done = withResolvers<void>();
    const cancelTimer = timers.add(due, () => done.resolve());
    const parked: Parked = {
      kind: 'wait',
      stateName: info.name,
      cancel: (error) => {
        cancelTimer();
        done.reject(error);
      },
    };
    exec.parked.add(parked);
    try {
      await done.promise;
    } finally {
      exec.parked.delete(parked);
      exec.active--;
      tick();
    }
  };

  const onVirtualRetryClock = (exec: ExecutionRecord, info: StateInfo, handler: TaskHandler): TaskHandler => async (input) => {
    const due = exec.retryDue.get(info.name)?.shift();
    if (due !== undefined) await waitForRetry(exec, info, due);
    try {
      const output = await handler(input);
      exec.retryAttempts.delete(info.name);
      return output;
    } catch (error) {
      const delay = retryDelayMs(exec, info, error);
      if (delay === undefined) exec.retryAttempts.delete(info.name);
      else exec.retryDue.set(info.name, [...(exec.retryDue.get(info.name) ?? []), clock.now() + delay]);
      throw error;
    }
  };

  /** The Task states whose Retry intervals run on the virtual clock: the emulator retries them at once. */
  const immediateRetries = (machine: MachineRecord): Record<string, number> =>
    Object.fromEntries([...machine.states.values()].filter((i) => i.retry && i.kind !== undefined && i.kind !== 'wait').map((i) => [i.name, 0]));

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
    for (const info of exec.machine.states.values()) {
      const handler = handlers[info.name];
      if (handler && info.retry && info.kind !== 'wait') handlers[info.name] = onVirtualRetryClock(exec, info, handler);
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
      retryAttempts: new Map(),
      retryDue: new Map(),
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
      overrides: { taskResourceLocalHandlers: handlersFor(exec) as never, retryIntervalOverrides: immediateRetries(machine) },
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

  return {
    machines,
    executions,
    tokens,
    machineOfToken: (token: string) => tokenMachines.get(token),
    start,
    terminate,
    execOrThrow,
    machineOrThrow,
    pendingToken,
    info,
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
    stopped: () => stopped,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const exec of executions.values()) terminate(exec, 'ABORTED', 'States.Aborted', 'The local cloud stopped');
      await Promise.all([...executions.values()].map((e) => e.done));
      timers.close();
    },
  };
}

function replaceDeep(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') return value.includes(from) ? value.split(from).join(to) : value;
  if (Array.isArray(value)) return value.map((v) => replaceDeep(v, from, to));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceDeep(v, from, to)]));
  return value;
}

function decrement(map: Map<string, number>, key: string): void {
  const n = (map.get(key) ?? 0) - 1;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}
