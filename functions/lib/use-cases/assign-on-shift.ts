// Assignment on the shift. `assignWaiting` gives the unassigned new and investigating cases to the agents on
// shift under their capacity (domain/assignment.ts decides who gets what); the shift-start schedule runs it
// for the whole pool, the outbox stream consumer for the cases just opened (after intake, never in
// it). `setAvailability` records an agent going away or coming back; going away returns their new and
// investigating cases to the pool (config/assignment-policy.json) and hands them to whoever is on shift.
// Every change is one version-checked save with its audited event by the system actor, so a rerun or a race
// with an agent skips cases that moved on: nothing is assigned twice.
import { isOnShift, OPEN_STATUSES, planAssignments, POOL_STATUSES, returnToPool, shiftAssignment, type AgentRecord, type AssignmentPolicy, type Availability } from '#domain/assignment.ts';
import type { SlaPolicy } from '#domain/sla/policy.ts';
import { NotFoundError } from '../errors.ts';
import type { AgentDirectory, CaseStore, CaseSummary, Clock } from '../ports.ts';

export interface AssignDeps {
  store: Pick<CaseStore, 'listCases' | 'getCase' | 'saveChange'>;
  agents: AgentDirectory;
  clock: Clock;
  sla: Pick<SlaPolicy, 'calendar'>;
  policy: AssignmentPolicy;
}

export interface AssignmentRun {
  onShift: number;
  waiting: number;
  assigned: number;
}

const PAGE = 100;

async function allCases(store: AssignDeps['store'], filter: { assignee: string }): Promise<CaseSummary[]> {
  const found: CaseSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listCases({ limit: PAGE, filter, ...(cursor && { cursor }) });
    found.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return found;
}

/** Assigns waiting cases (these ones, or the whole pool) to the agents on shift now. */
export async function assignWaiting(deps: AssignDeps, only?: readonly string[]): Promise<AssignmentRun> {
  const now = deps.clock.now();
  const onShift = (await deps.agents.listAgents()).filter((a) => isOnShift(a, now, deps.sla.calendar));
  if (onShift.length === 0) return { onShift: 0, waiting: 0, assigned: 0 };
  const pool = (await allCases(deps.store, { assignee: 'none' })).filter((c) => POOL_STATUSES.includes(c.status) && (!only || only.includes(c.caseId)));
  if (pool.length === 0) return { onShift: onShift.length, waiting: 0, assigned: 0 };
  const loads = await Promise.all(
    onShift.map(async (a) => ({
      agentId: a.agentId,
      capacity: a.capacity,
      open: (await allCases(deps.store, { assignee: a.agentId })).filter((c) => OPEN_STATUSES.includes(c.status)).length,
      ...(a.lastAssignedAt && { lastAssignedAt: a.lastAssignedAt }),
    })),
  );
  const plan = planAssignments(pool, loads);
  let assigned = 0;
  const last = new Map<string, string>();
  for (const { caseId, agentId } of plan) {
    const current = await deps.store.getCase(caseId);
    const change = current && shiftAssignment(current, agentId, deps.clock.now());
    if (!change) continue;
    const outcome = await deps.store.saveChange(change);
    if (outcome.kind !== 'saved') continue; // an agent or another run got there first: it is not waiting any more
    assigned += 1;
    last.set(agentId, change.record.updatedAt);
  }
  for (const [agentId, at] of last) await deps.agents.markAssigned(agentId, at);
  return { onShift: onShift.length, waiting: pool.length, assigned };
}

/** An agent sets themselves on shift or away; away returns their pool cases (when configured). */
export async function setAvailability(
  deps: AssignDeps,
  request: { agentId: string; availability: Availability },
): Promise<{ agent: AgentRecord; returned: number; assigned: number }> {
  const existing = await deps.agents.getAgent(request.agentId);
  if (!existing) throw new NotFoundError('No agent record for you yet: a lead adds it (PUT /agents/{agentId})');
  const agent: AgentRecord = { ...existing, availability: request.availability, updatedAt: deps.clock.now().toISOString() };
  await deps.agents.putAgent(agent);
  let returned = 0;
  if (request.availability === 'away' && deps.policy.returnToPoolOnAway) {
    for (const summary of await allCases(deps.store, { assignee: agent.agentId })) {
      const current = await deps.store.getCase(summary.caseId);
      const change = current && returnToPool(current, agent.agentId, deps.clock.now());
      if (change && (await deps.store.saveChange(change)).kind === 'saved') returned += 1;
    }
  }
  const { assigned } = returned > 0 || request.availability === 'on-shift' ? await assignWaiting(deps) : { assigned: 0 };
  return { agent, returned, assigned };
}

/** A lead adds or changes an agent record (availability kept unless given). */
export async function putAgent(
  deps: Pick<AssignDeps, 'agents' | 'clock' | 'policy'>,
  input: { agentId: string; name: string; role: AgentRecord['role']; capacity?: number; availability?: Availability },
): Promise<AgentRecord> {
  const existing = await deps.agents.getAgent(input.agentId);
  const agent: AgentRecord = {
    agentId: input.agentId,
    name: input.name,
    role: input.role,
    capacity: input.capacity ?? existing?.capacity ?? deps.policy.defaultCapacity,
    availability: input.availability ?? existing?.availability ?? 'on-shift',
    ...(existing?.lastAssignedAt && { lastAssignedAt: existing.lastAssignedAt }),
    updatedAt: deps.clock.now().toISOString(),
  };
  await deps.agents.putAgent(agent);
  return agent;
}
