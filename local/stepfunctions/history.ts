// An execution's history as GetExecutionHistory answers it: the emulator's event log mapped to AWS's
// history events (ids, previousEventId, the per-type details), with or without the execution data.
import type { ExecutionRecord } from './engine.ts';
import type { EmulatorEvent, Json } from './emulator.ts';

/** The execution's events as AWS history events, in order. */
export function historyEvents(exec: ExecutionRecord, withData: boolean): Json[] {
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
}

function errorDetails(e: EmulatorEvent): Json {
  const cause = e.Cause instanceof Error ? e.Cause.message : e.Cause;
  return { ...(e.Error !== undefined && { error: e.Error }), ...(cause !== undefined && { cause: typeof cause === 'string' ? cause : JSON.stringify(cause) }) };
}
