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
 *
 * One job per file under local/stepfunctions/: `definitions.ts` (the template's machines made ready for
 * the emulator), `engine.ts` (executions, local task handlers, tokens, timeouts), `timers.ts` (the
 * virtual-clock timers), `history.ts` (GetExecutionHistory's events), `api.ts` (the API operations),
 * `server.ts` (the awsJson1_0 HTTP server), `errors.ts` and `emulator.ts` (what they share). This file
 * composes them.
 */
import type { IncomingMessage } from 'node:http';
import type { VirtualClock } from './clock.ts';
import type { Json } from './stepfunctions/emulator.ts';
import type { LocalFunction } from './lambda-runtime.ts';
import { apiOperations } from './stepfunctions/api.ts';
import { loadMachines } from './stepfunctions/definitions.ts';
import { polyfillPromiseWithResolvers } from './stepfunctions/emulator.ts';
import { createEngine } from './stepfunctions/engine.ts';
import { statesTimeoutError } from './stepfunctions/errors.ts';
import { startSfnApiServer } from './stepfunctions/server.ts';
import type { CfnTemplate, IntrinsicContext } from './template.ts';

export { readReferencePath, stateMachineArn } from './stepfunctions/definitions.ts';
export { polyfillPromiseWithResolvers } from './stepfunctions/emulator.ts';
export { SfnApiError } from './stepfunctions/errors.ts';

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
  /**
   * Asked before each API operation (local IAM): the AccessDeniedException message when the caller may not,
   * else undefined; `machineOfToken` names the state machine whose execution issued a task token.
   */
  authorize?: (req: IncomingMessage, op: string, body: Json, machineOfToken: (token: string) => string | undefined) => string | undefined;
  /** Local IAM: whether a machine's role (its RoleArn) may invoke a function its Task names; the denial's message, else undefined. */
  authorizeInvoke?: (roleArn: string, executionName: string, functionName: string) => string | undefined;
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

export async function startLocalStepFunctions(o: LocalStepFunctionsOptions): Promise<LocalStepFunctions> {
  polyfillPromiseWithResolvers();
  const timeoutError = await statesTimeoutError();
  const { clock, log } = o;
  const authorizeInvoke = o.authorizeInvoke;
  const engine = createEngine(
    {
      ctx: o.ctx,
      resolveFunction: o.resolveFunction,
      clock,
      log,
      ...(authorizeInvoke && { authorizeInvoke: (machine: { roleArn: string }, name: string, fn: string) => authorizeInvoke(machine.roleArn, name, fn) }),
    },
    loadMachines(o, clock.now()),
    timeoutError,
  );
  const { start, executions, tokens, info } = engine;
  const authorize = o.authorize;
  const server = await startSfnApiServer({
    host: o.host,
    port: o.port,
    operations: apiOperations(engine, clock),
    log,
    ...(authorize && { authorize: (req: IncomingMessage, op: string, body: Json) => authorize(req, op, body, engine.machineOfToken) }),
  });
  const { endpoint, port } = server;

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
    whenIdle: () => engine.whenIdle(),
    stop: async () => {
      if (engine.stopped()) return;
      await engine.stop();
      await server.close();
    },
  };
}
