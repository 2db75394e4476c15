// The Step Functions API operations (StartExecution, DescribeExecution, StopExecution, SendTask*,
// ListExecutions, GetExecutionHistory, ListStateMachines, DescribeStateMachine) over the engine: each
// takes the request's JSON body and returns the response's, or throws an SfnApiError.
import type { VirtualClock } from '../clock.ts';
import type { Json } from './emulator.ts';
import type { Engine } from './engine.ts';
import { namedError, SfnApiError } from './errors.ts';
import { historyEvents } from './history.ts';

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

/** The operations by name (the X-Amz-Target after `AWSStepFunctions.`). */
export function apiOperations(engine: Engine, clock: VirtualClock): Record<string, (body: Json) => unknown> {
  const { start, execOrThrow, terminate, pendingToken, machineOrThrow, executions, machines } = engine;
  return {
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
}
