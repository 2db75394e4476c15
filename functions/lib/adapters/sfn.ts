import { SFNClient, SendTaskFailureCommand, SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { HANDED_OVER_ERROR } from '#workflows/steps.ts';
import type { WorkflowEngine, WorkflowName } from '../ports.ts';

export const sfn = new SFNClient({});

/** Errors that mean "this token no longer waits": nothing to resume, and nothing to retry. */
const GONE = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken']);

export class StepFunctionsEngine implements WorkflowEngine {
  constructor(
    private readonly machines: Record<WorkflowName, string>,
    private readonly client: SFNClient = sfn,
  ) {}

  async start(workflow: WorkflowName, name: string, input: unknown): Promise<'started' | 'exists'> {
    try {
      await this.client.send(
        new StartExecutionCommand({ stateMachineArn: this.machines[workflow], name: executionName(name), input: JSON.stringify(input) }),
      );
      return 'started';
    } catch (error) {
      if (error instanceof Error && error.name === 'ExecutionAlreadyExists') return 'exists';
      throw error;
    }
  }

  async resume(token: string, output: unknown): Promise<'resumed' | 'gone'> {
    try {
      await this.client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
      return 'resumed';
    } catch (error) {
      if (error instanceof Error && GONE.has(error.name)) return 'gone';
      throw error;
    }
  }

  async handOver(token: string): Promise<'handed-over' | 'gone'> {
    try {
      await this.client.send(new SendTaskFailureCommand({ taskToken: token, error: HANDED_OVER_ERROR, cause: 'the next timer is held by an alarm' }));
      return 'handed-over';
    } catch (error) {
      if (error instanceof Error && GONE.has(error.name)) return 'gone';
      throw error;
    }
  }
}

/** Execution names: 1–80 characters of letters, digits, - and _. */
export const executionName = (name: string): string => name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
