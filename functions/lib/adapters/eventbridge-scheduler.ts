// AlarmClock on EventBridge Scheduler: one one-time schedule per case and lifecycle version (`at(...)`
// in UTC, no flexible window, deleted by the scheduler once it has run), whose target is Scheduler's
// universal target for Step Functions StartExecution: it starts the case-timer machine with the alarm,
// under an execution name of the case and version (a redelivered ring starts nothing twice). The
// execution's role is the scheduler's own (TIMER_SCHEDULER_ROLE_ARN, states:StartExecution on that machine).
import { ConflictException, CreateScheduleCommand, DeleteScheduleCommand, ResourceNotFoundException, SchedulerClient } from '@aws-sdk/client-scheduler';
import { alarmExecutionName, alarmName, type Alarm } from '#domain/alarm.ts';
import type { AlarmClock } from '../ports.ts';

export const scheduler = new SchedulerClient({});

/** Scheduler's universal target for StartExecution (its Input is the API request). */
export const START_EXECUTION_TARGET = 'arn:aws:scheduler:::aws-sdk:sfn:startExecution';

/** `at(yyyy-mm-ddThh:mm:ss)`: the whole second, UTC. */
export const atExpression = (iso: string): string => `at(${iso.slice(0, 19)})`;

export class SchedulerAlarmClock implements AlarmClock {
  constructor(
    private readonly o: { group: string; roleArn: string; timerMachineArn: string },
    private readonly client: SchedulerClient = scheduler,
  ) {}

  async set(alarm: Alarm): Promise<'set' | 'exists'> {
    try {
      await this.client.send(
        new CreateScheduleCommand({
          Name: alarmName(alarm.caseId, alarm.lifecycleVersion),
          GroupName: this.o.group,
          ScheduleExpression: atExpression(alarm.ringAt),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Target: {
            Arn: START_EXECUTION_TARGET,
            RoleArn: this.o.roleArn,
            Input: JSON.stringify({ StateMachineArn: this.o.timerMachineArn, Name: alarmExecutionName(alarm.caseId, alarm.lifecycleVersion), Input: JSON.stringify(alarm) }),
          },
        }),
      );
      return 'set';
    } catch (error) {
      if (error instanceof ConflictException) return 'exists';
      throw error;
    }
  }

  async cancel(caseId: string, lifecycleVersion: number): Promise<void> {
    try {
      await this.client.send(new DeleteScheduleCommand({ Name: alarmName(caseId, lifecycleVersion), GroupName: this.o.group }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}
