// What the Step Functions emulator (aws-local-stepfunctions) hands us and needs from us: its run and
// event shapes, the timer limits, and the Promise.withResolvers it calls (Node 22) polyfilled on Node 20.
// Shared by the other files of local/stepfunctions/.

export type Json = Record<string, unknown>;
export type TaskHandler = (input: unknown) => Promise<unknown>;
export interface EmulatorRun {
  abort(): void;
  result: Promise<unknown>;
  eventLogs: AsyncGenerator<EmulatorEvent>;
}
export interface EmulatorEvent {
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
export const MAX_TIMER_MS = 2 ** 31 - 1;
export const MAX_EMULATOR_TIMEOUT_SECONDS = Math.floor(MAX_TIMER_MS / 1000);
export const PLACEHOLDER_PREFIX = '__local_sfn_task_token__';

export interface Resolvers<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function withResolvers<T>(): Resolvers<T> {
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

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
