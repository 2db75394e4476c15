// The errors of local Step Functions: the API's (SfnApiError, by AWS error code) and the ones a state's
// Retry/Catch sees (States.Timeout, States.Runtime, a Lambda function's error, a named task failure).
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { withResolvers } from './emulator.ts';

/** An error of the Step Functions API; `name` is the AWS error code (e.g. `TaskDoesNotExist`). */
export class SfnApiError extends Error {
  constructor(code: string, message: string) {
    super(message);
    this.name = code;
  }
}

export type ErrorFactory = () => Error;
let statesTimeoutErrorFactory: ErrorFactory | undefined;

/**
 * The emulator excludes its own StatesTimeoutError (by `instanceof`) from `States.TaskFailed`, as AWS
 * does for States.Timeout; the class is not exported. A 1 ms task timeout hands us an instance.
 */
export async function statesTimeoutError(): Promise<ErrorFactory> {
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
export class UncatchableError extends Error {
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

export function runtimeError(message: string): Error {
  return new UncatchableError('States.Runtime', message);
}

/** What a state's Retry/Catch sees when a Lambda function throws (like Lambda's error payload). */
export function functionError(thrown: unknown): Error {
  const e = thrown instanceof Error ? thrown : new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
  const errorType = e.name || 'Error';
  const stackTrace = (e.stack ?? '').split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
  const error = new Error(JSON.stringify({ errorMessage: e.message, errorType, stackTrace }));
  error.name = errorType;
  return error;
}

export function namedError(name: string, cause: string): Error {
  const error = new Error(cause);
  error.name = name;
  return error;
}
