// Assignment on the shift: who is on shift (the team calendar, unless the agent set themselves away), which
// waiting case goes to whom (most urgent first, round-robin over agents under their capacity), and the
// audited changes the system makes to a case when it assigns it or returns it to the pool. Pure: the use case
// (functions/lib/use-cases/assign-on-shift.ts) reads agents and cases, asks this module, and saves the changes.
import * as z from 'zod/mini';
import type { CaseRecord, CaseStatus, Priority } from './case.ts';
import { commit, type Change } from './change.ts';
import { isBusinessInstant, type BusinessCalendar } from './sla/calendar.ts';
import './zod-english.ts';

export const AVAILABILITIES = ['on-shift', 'away'] as const;
export type Availability = (typeof AVAILABILITIES)[number];
export const AGENT_RECORD_ROLES = ['agent', 'lead', 'risk'] as const;

/** An agent as the team knows them: set by a lead (name, role, capacity), availability by the agent. */
export interface AgentRecord {
  agentId: string;
  name: string;
  role: (typeof AGENT_RECORD_ROLES)[number];
  /** Open cases (new, investigating, waiting on the user, pending approval) the agent holds at most. */
  capacity: number;
  availability: Availability;
  /** When the system last gave them a case: the round-robin turn goes to the longest-waiting agent. */
  lastAssignedAt?: string;
  updatedAt: string;
}

export interface AssignmentPolicy {
  defaultCapacity: number;
  returnToPoolOnAway: boolean;
}

// zod/mini, as every policy: the classic 'zod' import alone put ~410 KB in each bundle that reaches this module.
const PolicySchema = z.object({
  _comment: z.optional(z.array(z.string())),
  defaultCapacity: z.number().check(z.int(), z.minimum(0), z.maximum(1000)),
  returnToPoolOnAway: z.boolean(),
});

export function parseAssignmentPolicy(json: unknown): AssignmentPolicy {
  const { defaultCapacity, returnToPoolOnAway } = PolicySchema.parse(json);
  return { defaultCapacity, returnToPoolOnAway };
}

/** Statuses that count against an agent's capacity. */
export const OPEN_STATUSES: readonly CaseStatus[] = ['new', 'investigating', 'waiting_on_user', 'pending_approval'];
/** Statuses of a case the system may assign, or return to the pool when its agent goes away. */
export const POOL_STATUSES: readonly CaseStatus[] = ['new', 'investigating'];

/** On shift: the team's calendar is open now and the agent has not set themselves away. */
export function isOnShift(agent: Pick<AgentRecord, 'availability'>, now: Date, calendar: BusinessCalendar): boolean {
  return agent.availability === 'on-shift' && isBusinessInstant(now, calendar);
}

export interface WaitingCase {
  caseId: string;
  priority: Priority;
  openedAt: string;
  deadlines: { firstResponseDue: string };
}

export interface AgentLoad {
  agentId: string;
  capacity: number;
  open: number;
  lastAssignedAt?: string;
}

export interface PlannedAssignment {
  caseId: string;
  agentId: string;
}

/** Most urgent first: priority, then the nearer first-response deadline, then the older case. */
export function byUrgency(a: WaitingCase, b: WaitingCase): number {
  return a.priority.localeCompare(b.priority) || a.deadlines.firstResponseDue.localeCompare(b.deadlines.firstResponseDue) || a.openedAt.localeCompare(b.openedAt) || a.caseId.localeCompare(b.caseId);
}

/**
 * Who gets which waiting case. Cases in order of urgency; each goes to the agent under capacity whose turn
 * it is — the one given a case longest ago (never first), ties by id — who then goes to the back of the
 * line. Cases left when everyone is full stay in the pool.
 */
export function planAssignments(waiting: readonly WaitingCase[], agents: readonly AgentLoad[]): PlannedAssignment[] {
  const line = agents
    .filter((a) => a.open < a.capacity)
    .map((a) => ({ ...a }))
    .sort((a, b) => (a.lastAssignedAt ?? '').localeCompare(b.lastAssignedAt ?? '') || a.agentId.localeCompare(b.agentId));
  const plan: PlannedAssignment[] = [];
  for (const c of [...waiting].sort(byUrgency)) {
    const next = line.shift();
    if (!next) break;
    plan.push({ caseId: c.caseId, agentId: next.agentId });
    next.open += 1;
    if (next.open < next.capacity) line.push(next);
  }
  return plan;
}

/** The system assigns a waiting case on the shift (undefined when it no longer waits: nothing to do). */
export function shiftAssignment(current: CaseRecord, agentId: string, now: Date): Change | undefined {
  if (current.assignee || !POOL_STATUSES.includes(current.status)) return undefined;
  return commit(current, { type: 'case.assigned', data: { assignee: agentId, previous: null, reason: 'shift' }, lifecycle: false, patch: { assignee: agentId } }, { kind: 'system' }, now);
}

/** The agent went away: a case of theirs that is new or investigating returns to the pool (undefined otherwise). */
export function returnToPool(current: CaseRecord, agentId: string, now: Date): Change | undefined {
  if (current.assignee !== agentId || !POOL_STATUSES.includes(current.status)) return undefined;
  const { assignee: _gone, ...rest } = current;
  const change = commit(rest as CaseRecord, { type: 'case.returned-to-pool', data: { previous: agentId, reason: 'away' }, lifecycle: false, patch: {} }, { kind: 'system' }, now);
  return change;
}
