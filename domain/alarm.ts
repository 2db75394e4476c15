// When a case's far timer is handed over from its execution to a one-time schedule: the alarm, as pure
// arithmetic. The schedule rings a little early (EventBridge Scheduler fires within the minute after its
// time, never before), and what it starts waits the last seconds to the exact instant, so the hand-over
// loses no precision: a deadline fires when it is due, as it did when an execution waited the whole way.
// An alarm is set for one lifecycle version of the case; any change that moves the lifecycle sets a new one,
// and an alarm that rings for a version the case has left does nothing (stale).
import type { CaseRecord } from './case.ts';
import { nextDeadline, type Timer } from './lifecycle.ts';
import type { SlaPolicy } from './sla/policy.ts';

/** How much earlier than the deadline the schedule rings: the scheduler's minute of precision and one to spare. */
export const ALARM_LEAD_SECONDS = 120;

/** One case's next timer, handed to a schedule. */
export interface Alarm {
  caseId: string;
  /** The case's lifecycle version the alarm was set for: a newer case makes it stale. */
  lifecycleVersion: number;
  phase: Timer['phase'];
  /** The exact instant the timer runs out (ISO, ms precision). */
  dueAt: string;
  /** When the schedule rings: a whole minute (UTC), ALARM_LEAD_SECONDS or more before `dueAt`. */
  ringAt: string;
}

/** The alarm of the case's next timer, or undefined when it has none (a closed case). */
export function alarmFor(record: CaseRecord, now: Date, policy: SlaPolicy): Alarm | undefined {
  const next = nextDeadline(record, now, policy);
  if (next.at === undefined || next.phase === 'none') return undefined;
  const ring = Math.floor((next.at - ALARM_LEAD_SECONDS * 1000) / 60_000) * 60_000;
  return {
    caseId: record.caseId,
    lifecycleVersion: record.lifecycleVersion,
    phase: next.phase,
    dueAt: new Date(next.at).toISOString(),
    ringAt: new Date(Math.max(ring, now.getTime())).toISOString(),
  };
}

/** The schedule's name: one per case and lifecycle version (≤ 64 characters: a UUID and a version). */
export const alarmName = (caseId: string, lifecycleVersion: number): string => `${caseId}-v${lifecycleVersion}`;

/** The short execution an alarm starts: named by the case and the version, so a redelivered ring starts none twice. */
export const alarmExecutionName = (caseId: string, lifecycleVersion: number): string => `${caseId}-t${lifecycleVersion}`;

/** The lifecycle execution that takes over a case whose next timer is near again, named by the version it starts from. */
export const wokenExecutionName = (caseId: string, lifecycleVersion: number): string => `${caseId}-w${lifecycleVersion}`;
