// The case timer: what an alarm starts when it rings (a one-time EventBridge Scheduler schedule set by
// the lifecycle when it handed a far timer over, domain/alarm.ts). Two states: sleep to the exact instant
// (the alarm rings up to ALARM_LEAD_SECONDS early, never late by more than the scheduler's minute), then
// record the timer. The step checks the alarm is still the case's (a stale or redelivered one does nothing)
// and decides what follows: another alarm, or a lifecycle execution when the next timer is near.
// A Standard machine named per case and version: a redelivered ring starts no second execution.
import { Wait, WaitTime, type IChainable } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { step, type WorkflowSteps } from './case-lifecycle.ts';
import { STEP } from './steps.ts';

export function caseTimer(scope: Construct, { steps }: WorkflowSteps): IChainable {
  const sleep = new Wait(scope, 'Sleep until the exact deadline', { time: WaitTime.timestampPath('$.dueAt') });
  return sleep.next(step(scope, 'Deadline or silence reached (unless the alarm is stale)', steps, STEP.alarmRang));
}
