// Asynchronous Lambda invocation (InvocationType Event), locally: queued, retried twice on error like
// AWS, and tracked so tests and `settle` can wait until every accepted event has been handled.
import type { LocalFunction } from './lambda-runtime.ts';

export interface AsyncInvoker {
  invoke(fn: LocalFunction, event: unknown): void;
  whenIdle(): Promise<void>;
  failures(): { functionId: string; error: string; at: string }[];
}

export function createAsyncInvoker(opts: { retryDelaysMs?: number[]; log: (line: string) => void }): AsyncInvoker {
  const delays = opts.retryDelaysMs ?? [1000, 2000]; // AWS: 2 retries, about 1 and 2 minutes apart
  let inFlight = 0;
  let waiters: (() => void)[] = [];
  const failed: { functionId: string; error: string; at: string }[] = [];
  const settle = () => {
    if (inFlight === 0) {
      for (const w of waiters) w();
      waiters = [];
    }
  };
  const run = async (fn: LocalFunction, event: unknown) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await fn.invoke(event);
        return;
      } catch (error) {
        const message = (error as Error).message;
        if (attempt >= delays.length) {
          failed.push({ functionId: fn.logicalId, error: message, at: new Date().toISOString() });
          opts.log(`${fn.logicalId}: async invocation failed after ${attempt + 1} attempts: ${message}`);
          return;
        }
        opts.log(`${fn.logicalId}: async invocation failed (${message}); retrying`);
        await new Promise((r) => setTimeout(r, delays[attempt]));
      }
    }
  };
  return {
    invoke(fn, event) {
      inFlight++;
      void run(fn, event).finally(() => {
        inFlight--;
        settle();
      });
    },
    whenIdle: () => (inFlight === 0 ? Promise.resolve() : new Promise((r) => waiters.push(r))),
    failures: () => [...failed],
  };
}
