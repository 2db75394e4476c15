// Fixtures for the lifecycle tests: cases built by the domain at a chosen priority and instant, and a
// workflow engine that records what it is asked to do, with Step Functions' naming and token semantics.
import type { CaseRecord, Priority } from '#domain/case.ts';
import { openCase, type NewInquiry } from '#domain/intake.ts';
import { planDeadlines, type Interval, type PlannedDeadlines } from '#domain/sla/deadlines.ts';
import type { FourEyes } from '#domain/approval-policy.ts';
import { fourEyes } from '#lib/governance-config.ts';
import { policies } from '#lib/policies.ts';
import type { Alarm } from '#domain/alarm.ts';
import type { AlarmClock, WorkflowEngine, WorkflowName } from '#lib/ports.ts';

/** The approval policy with no rule at all: nothing needs a second person (tests of everything but four-eyes). */
export const NO_FOUR_EYES: FourEyes = {
  triage: fourEyes.triage,
  policy: { ...fourEyes.policy, outcomes: [], categories: [], riskScoreAtLeast: Number.POSITIVE_INFINITY, amountUsdAtLeast: Number.POSITIVE_INFINITY, reopenOutcomes: [] },
};

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Wednesday 2026-04-15 09:00 in Los Angeles (PDT): a business day, one hour after opening, no holiday near. */
export const OPENED = new Date('2026-04-15T16:00:00.000Z');
export const CASE_ID = '00000000-0000-4000-8000-0000000000c1';
export const REFERENCE = 'TD-00000C';

export const at = (ms: number, from: Date = OPENED): Date => new Date(from.getTime() + ms);

/** The deadlines the SLA policy gives; throws if the clock is paused (an open pause). */
export function plan(priority: Priority, pauses: CaseRecord['pauses'] = [], openedAt: Date = OPENED): PlannedDeadlines {
  const intervals: Interval[] = pauses.map((p) => ({ from: new Date(p.from), ...(p.to && { to: new Date(p.to) }) }));
  const planned = planDeadlines({ openedAt, priority, pauses: intervals }, policies.sla);
  if ('paused' in planned) throw new Error('the clock is paused');
  return planned;
}

export const inquiry = (overrides: Partial<NewInquiry> = {}): NewInquiry => ({
  channel: 'web',
  requester: { email: 'alice@example.com', name: 'Alice' },
  subject: 'Coins never arrived',
  message: 'I bought 500 coins yesterday and my balance was not updated.',
  ...overrides,
});

/** A case at version 1, opened by the domain at `openedAt`, then set to `priority` with that priority's deadlines. */
export function caseAt(priority: Priority, overrides: Partial<CaseRecord> = {}, openedAt: Date = OPENED): CaseRecord {
  const { record } = openCase(inquiry(), { caseId: CASE_ID, reference: REFERENCE, now: openedAt, priorComplaints: [], policies });
  return { ...record, priority, deadlines: plan(priority, [], openedAt), ...overrides };
}

/** Freezes a value and everything in it, so a test can prove a pure function did not touch its input. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

export interface StartCall {
  workflow: WorkflowName;
  name: string;
  input: unknown;
  outcome: 'started' | 'exists';
}

export interface ResumeCall {
  token: string;
  output: unknown;
  outcome: 'resumed' | 'gone';
}

/**
 * Records starts and resumes. An execution name starts once per workflow ('exists' afterwards); a token
 * resumes only while it waits (tests add it to `waiting`), once ('gone' afterwards).
 */
export class FakeEngine implements WorkflowEngine {
  readonly starts: StartCall[] = [];
  readonly resumes: ResumeCall[] = [];
  readonly handOvers: { token: string; outcome: 'handed-over' | 'gone' }[] = [];
  readonly waiting = new Set<string>();

  async start(workflow: WorkflowName, name: string, input: unknown): Promise<'started' | 'exists'> {
    const outcome = this.starts.some((s) => s.workflow === workflow && s.name === name) ? 'exists' : 'started';
    this.starts.push({ workflow, name, input: structuredClone(input), outcome });
    return outcome;
  }

  async resume(token: string, output: unknown): Promise<'resumed' | 'gone'> {
    const outcome = this.waiting.delete(token) ? 'resumed' : 'gone';
    this.resumes.push({ token, output: structuredClone(output), outcome });
    return outcome;
  }

  async handOver(token: string): Promise<'handed-over' | 'gone'> {
    const outcome = this.waiting.delete(token) ? 'handed-over' : 'gone';
    this.handOvers.push({ token, outcome });
    return outcome;
  }

  /** Executions actually started, as `workflow:name`. */
  started(): string[] {
    return this.starts.filter((s) => s.outcome === 'started').map((s) => `${s.workflow}:${s.name}`);
  }
}

/** Alarms as EventBridge Scheduler keeps them: one per case and version, set once, gone once taken back. */
export class FakeAlarmClock implements AlarmClock {
  readonly alarms = new Map<string, Alarm>();
  readonly cancelled: string[] = [];

  async set(alarm: Alarm): Promise<'set' | 'exists'> {
    const key = `${alarm.caseId}-v${alarm.lifecycleVersion}`;
    if (this.alarms.has(key)) return 'exists';
    this.alarms.set(key, structuredClone(alarm));
    return 'set';
  }

  async cancel(caseId: string, lifecycleVersion: number): Promise<void> {
    const key = `${caseId}-v${lifecycleVersion}`;
    if (this.alarms.delete(key)) this.cancelled.push(key);
  }

  /** The alarms set, as `version:phase@ringAt→dueAt`. */
  list(): string[] {
    return [...this.alarms.values()].map((a) => `${a.lifecycleVersion}:${a.phase}@${a.ringAt}→${a.dueAt}`);
  }
}
