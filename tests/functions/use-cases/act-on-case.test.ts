// An agent acts on a case: role first, then the case and the version they saw, then the domain's rules;
// the change and its event are saved together or not at all.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CaseRecord } from '#domain/case.ts';
import { TransitionError, type AgentAction } from '#domain/lifecycle.ts';
import { type AppError, ConflictError, ForbiddenError, NotFoundError } from '#lib/errors.ts';
import type { Agent } from '#lib/http.ts';
import { fourEyes } from '#lib/governance-config.ts';
import { policies } from '#lib/policies.ts';
import { teamsPolicy } from '#lib/teams-config.ts';
import { actOnCase, type ActDeps } from '#lib/use-cases/act-on-case.ts';
import { FixedClock, InMemoryCaseStore, InMemoryMacroStore } from '../fakes.ts';
import { CASE_ID, HOUR, OPENED, at, caseAt } from '../lifecycle-fakes.ts';

const NOW = at(HOUR);
const agent: Agent = { id: 'agent-7', email: 'agent7@trustdesk.local', roles: ['agent'] };
const lead: Agent = { id: 'lead-2', roles: ['lead'] };
const reply: AgentAction = { type: 'reply', message: 'We are on it.' };

let store: InMemoryCaseStore;
let deps: ActDeps;

beforeEach(() => {
  store = new InMemoryCaseStore();
  deps = { store, clock: new FixedClock(NOW), sla: policies.sla, fourEyes, teams: teamsPolicy, macros: new InMemoryMacroStore(), agents: { getAgent: async () => undefined } };
  store.cases.set(CASE_ID, caseAt('P3'));
  store.events.set(CASE_ID, []);
});

const stored = () => store.cases.get(CASE_ID)!;
const act = (action: AgentAction, overrides: Partial<{ caseId: string; agent: Agent; expectedVersion: number }> = {}) =>
  actOnCase(deps, { caseId: CASE_ID, agent, action, expectedVersion: 1, ...overrides });

/** The rejection, checked to be the given AppError with its HTTP status. */
async function refusal<E extends AppError>(promise: Promise<unknown>, type: new (...args: never[]) => E, status: number): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  expect((error as AppError).status).toBe(status);
  return error as E;
}

function expectNothingSaved(before: CaseRecord) {
  expect(stored()).toEqual(before);
  expect(store.events.get(CASE_ID)).toEqual([]);
}

describe('actOnCase', () => {
  it('saves the new version with its event and returns both', async () => {
    const result = await act(reply);
    expect(result.case).toMatchObject({ caseId: CASE_ID, version: 2, status: 'investigating', firstRespondedAt: NOW.toISOString() });
    expect(result.event).toEqual({
      caseId: CASE_ID,
      version: 2,
      type: 'agent.replied',
      at: NOW.toISOString(),
      actor: { kind: 'agent', id: 'agent-7', role: 'agent' },
      data: { message: 'We are on it.', firstResponse: true },
    });
    expect(stored()).toEqual(result.case);
    expect(store.events.get(CASE_ID)).toEqual([result.event]);
  });

  it('records the role that grants the action, whatever order the roles come in', async () => {
    await act({ type: 'escalate', reason: 'VIP' });
    const { event } = await act({ type: 'acknowledge' }, { agent: { id: 'lead-2', roles: ['agent', 'lead'] }, expectedVersion: 2 });
    expect(event.actor).toEqual({ kind: 'agent', id: 'lead-2', role: 'lead' });
  });

  it('refuses a role without the right (403) before looking the case up', async () => {
    const getCase = vi.spyOn(store, 'getCase');
    const saveChange = vi.spyOn(store, 'saveChange');
    const before = structuredClone(stored());
    for (const action of [{ type: 'acknowledge' }, { type: 'change-priority', priority: 'P1' }] as AgentAction[]) {
      const error = await refusal(act(action), ForbiddenError, 403);
      expect(error.message).toBe(`Your role may not ${action.type} cases`);
    }
    await refusal(act(reply, { agent: { id: 'x', roles: [] } }), ForbiddenError, 403);
    // Even for a case that does not exist: a 403 does not reveal whether it does.
    await refusal(act({ type: 'acknowledge' }, { caseId: '00000000-0000-4000-8000-00000000dead' }), ForbiddenError, 403);
    expect(getCase).not.toHaveBeenCalled();
    expect(saveChange).not.toHaveBeenCalled();
    expectNothingSaved(before);
  });

  it('is 404 for an unknown case id, and for a malformed one without asking the store', async () => {
    const getCase = vi.spyOn(store, 'getCase');
    await refusal(act(reply, { caseId: '00000000-0000-4000-8000-00000000dead' }), NotFoundError, 404);
    expect(getCase).toHaveBeenCalledTimes(1);
    for (const caseId of ['not-a-case', '', `${CASE_ID} `, CASE_ID.toUpperCase(), '../cases']) {
      await refusal(act(reply, { caseId }), NotFoundError, 404);
    }
    expect(getCase).toHaveBeenCalledTimes(1);
  });

  it('is a conflict (409) when the agent saw another version, and saves nothing', async () => {
    const saveChange = vi.spyOn(store, 'saveChange');
    const before = structuredClone(stored());
    for (const expectedVersion of [0, 2, 7]) {
      const error = await refusal(act(reply, { expectedVersion }), ConflictError, 409);
      expect(error.message).toContain('(it is at version 1)');
    }
    expect(saveChange).not.toHaveBeenCalled();
    expectNothingSaved(before);
  });

  it('is a conflict when someone else saves first (the store answers retry), and keeps their change only', async () => {
    let theirs: CaseRecord | undefined;
    store.beforeWrite = () => {
      store.beforeWrite = undefined;
      theirs = { ...stored(), version: 2, assignee: 'agent-9' };
      store.cases.set(CASE_ID, theirs);
    };
    const error = await refusal(act(reply), ConflictError, 409);
    expect(error.message).toContain('reload it and try again');
    expect(stored()).toEqual(theirs);
    expect(store.events.get(CASE_ID)).toEqual([]);
  });

  it('is a conflict for any outcome but saved', async () => {
    vi.spyOn(store, 'saveChange').mockResolvedValue({ kind: 'replay', caseId: CASE_ID, reference: 'TD-1', fingerprint: 'f' });
    await refusal(act(reply), ConflictError, 409);
  });

  it("turns the domain's refusal into a conflict with its reason, and saves nothing", async () => {
    const saveChange = vi.spyOn(store, 'saveChange');
    const before = structuredClone(stored());
    const error = await refusal(act({ type: 'reopen' }), ConflictError, 409);
    expect(error).not.toBeInstanceOf(TransitionError);
    expect(error.message).toBe('The case is new, not resolved or closed');
    await refusal(act({ type: 'change-priority', priority: 'P3' }, { agent: lead }), ConflictError, 409);
    expect(saveChange).not.toHaveBeenCalled();
    expectNothingSaved(before);
  });

  it('lets other errors through as they are', async () => {
    vi.spyOn(store, 'saveChange').mockRejectedValue(new Error('table unavailable'));
    await expect(act(reply)).rejects.toThrow('table unavailable');
  });

  it('uses the clock for the change (not the time the case was opened)', async () => {
    const { case: after } = await act({ type: 'note', note: 'n' });
    expect(after.updatedAt).toBe(NOW.toISOString());
    expect(after.openedAt).toBe(OPENED.toISOString());
  });
});

describe('actOnCase under four-eyes', () => {
  const proposer: Agent = { id: 'lead-1', roles: ['lead'] };
  const secondLead: Agent = { id: 'lead-2', roles: ['lead'] };
  const confirmedRisk: AgentAction = { type: 'resolve', outcome: 'confirmed_risk', summary: 'Stolen card.' };
  const propose = () => act(confirmedRisk, { agent: proposer });

  it('makes a confirmed_risk resolution a proposal that waits in pending_approval', async () => {
    const { case: after, event } = await propose();
    expect(after).toMatchObject({ status: 'pending_approval', version: 2, approval: { proposedBy: 'lead-1', outcome: 'confirmed_risk' } });
    expect(event.type).toBe('approval.requested');
    expect(store.events.get(CASE_ID)!.map((e) => e.type)).toEqual(['approval.requested']);
  });

  it('refuses the proposer (403 naming the rule) and an agent (403), and writes nothing', async () => {
    await propose();
    const saveChange = vi.spyOn(store, 'saveChange');
    const before = structuredClone(stored());
    const mine = await refusal(act({ type: 'approve' }, { agent: proposer, expectedVersion: 2 }), ForbiddenError, 403);
    expect(mine.message).toContain('Four-eyes rule (outcome confirmed_risk)');
    await refusal(act({ type: 'reject', note: 'no' }, { agent: proposer, expectedVersion: 2 }), ForbiddenError, 403);
    const byAgent = await refusal(act({ type: 'approve' }, { agent, expectedVersion: 2 }), ForbiddenError, 403);
    expect(byAgent.message).toBe('Your role may not approve cases');
    expect(saveChange).not.toHaveBeenCalled();
    expect(stored()).toEqual(before);
    expect(store.events.get(CASE_ID)).toHaveLength(1);
  });

  it('resolves on a second lead’s approval; approving twice or on a changed version is a 409 and writes nothing', async () => {
    await propose();
    const { case: resolved, event } = await act({ type: 'approve' }, { agent: secondLead, expectedVersion: 2 });
    expect(resolved).toMatchObject({ status: 'resolved', outcome: 'confirmed_risk', version: 3 });
    expect(event).toMatchObject({ type: 'case.resolved', data: { approval: { proposedBy: 'lead-1', approvedBy: 'lead-2' } } });
    const before = structuredClone(stored());
    const risk: Agent = { id: 'risk-1', roles: ['risk'] };
    const twice = await refusal(act({ type: 'approve' }, { agent: risk, expectedVersion: 3 }), ConflictError, 409);
    expect(twice.message).toContain('nothing to approve or reject');
    await refusal(act({ type: 'approve' }, { agent: risk, expectedVersion: 2 }), ConflictError, 409);
    await refusal(act({ type: 'reject', note: 'late' }, { agent: risk, expectedVersion: 2 }), ConflictError, 409);
    expect(stored()).toEqual(before);
    expect(store.events.get(CASE_ID)!.map((e) => e.type)).toEqual(['approval.requested', 'case.resolved']);
  });

  it('returns a rejected proposal to investigating with the note on the timeline', async () => {
    await propose();
    const { case: after } = await act({ type: 'reject', note: 'Not proven yet.' }, { agent: { id: 'risk-1', roles: ['risk'] }, expectedVersion: 2 });
    expect(after.status).toBe('investigating');
    expect(store.events.get(CASE_ID)!.at(-1)).toMatchObject({ type: 'approval.rejected', data: { note: 'Not proven yet.' } });
  });
});
