// apply-macro through the use case: one version check, one saved change with one audited event carrying
// the macro and the fields it changed, the body personalised; each change checked against the role.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Macro } from '#domain/macro.ts';
import { ConflictError, ForbiddenError, ValidationError } from '#lib/errors.ts';
import type { Agent } from '#lib/http.ts';
import { fourEyes } from '#lib/governance-config.ts';
import { policies } from '#lib/policies.ts';
import { teamsPolicy } from '#lib/teams-config.ts';
import { actOnCase, type ActDeps } from '#lib/use-cases/act-on-case.ts';
import { FixedClock, InMemoryCaseStore, InMemoryMacroStore } from '../fakes.ts';
import { CASE_ID, HOUR, at, caseAt } from '../lifecycle-fakes.ts';

const MACRO_ID = '6f1c2b9e-8d4a-4c7e-9b1a-2f3e4d5c6b7a';
const agent: Agent = { id: 'agent-7', roles: ['agent'] };
const lead: Agent = { id: 'lead-2', roles: ['lead'] };
const macro = (overrides: Partial<Macro> = {}): Macro => ({
  macroId: MACRO_ID,
  name: 'Coins refunded',
  body: 'Hi {{requester.name}}, case {{case.reference}} is sorted. {{agent.name}}',
  fallbacks: { 'requester.name': 'there', 'agent.name': 'The team' },
  changes: {},
  categories: [],
  version: 1,
  updatedAt: '2026-04-01T00:00:00.000Z',
  updatedBy: 'lead-2',
  ...overrides,
});

let store: InMemoryCaseStore;
let macros: InMemoryMacroStore;
let deps: ActDeps;

beforeEach(() => {
  store = new InMemoryCaseStore();
  macros = new InMemoryMacroStore();
  deps = { store, clock: new FixedClock(at(HOUR)), sla: policies.sla, fourEyes, teams: teamsPolicy, macros, agents: { getAgent: async (id) => (id === 'agent-7' ? { agentId: id, name: 'Bo <3>', role: 'agent', capacity: 10, availability: 'on-shift' } : undefined) } as ActDeps['agents'] };
  store.cases.set(CASE_ID, { ...caseAt('P3'), requester: { email: 'ana@example.com' } });
  store.events.set(CASE_ID, []);
});

const apply = (who: Agent = agent, expectedVersion = 1) => actOnCase(deps, { caseId: CASE_ID, agent: who, action: { type: 'apply-macro', macroId: MACRO_ID }, expectedVersion });

describe('apply-macro', () => {
  it('replies with the rendered body as one event and one version', async () => {
    macros.macros.set(MACRO_ID, macro());
    const { case: after, event } = await apply();
    expect(after.version).toBe(2);
    expect(store.events.get(CASE_ID)).toHaveLength(1);
    expect(event.type).toBe('agent.replied');
    expect(event.data.message).toBe(`Hi there, case ${after.reference} is sorted. Bo <3>`);
    expect(event.data.macro).toEqual({ macroId: MACRO_ID, name: 'Coins refunded', version: 1 });
  });

  it('resolves with the outcome and sets category, priority and assignee in the same event', async () => {
    macros.macros.set(MACRO_ID, macro({ changes: { status: 'resolve', outcome: 'resolved', category: 'refund', priority: 'P2', assignee: 'agent-9' } }));
    const { case: after, event } = await apply(lead);
    expect(store.events.get(CASE_ID)).toHaveLength(1);
    expect(event.type).toBe('case.resolved');
    expect(event.version).toBe(2);
    expect(after).toMatchObject({ status: 'resolved', outcome: 'resolved', category: 'refund', priority: 'P2', assignee: 'agent-9', version: 2, lifecycleVersion: 2 });
    expect(event.data.changes).toMatchObject({ priority: { from: 'P3', to: 'P2' }, category: { to: 'refund' }, assignee: { to: 'agent-9' } });
  });

  it('refuses a change the role may not make, a stale version and an unknown macro, writing nothing', async () => {
    macros.macros.set(MACRO_ID, macro({ changes: { priority: 'P1' } }));
    await expect(apply(agent)).rejects.toBeInstanceOf(ForbiddenError);
    macros.macros.set(MACRO_ID, macro());
    await expect(apply(agent, 7)).rejects.toBeInstanceOf(ConflictError);
    macros.macros.clear();
    await expect(apply(agent)).rejects.toBeInstanceOf(ValidationError);
    expect(store.events.get(CASE_ID)).toHaveLength(0);
    expect(store.cases.get(CASE_ID)!.version).toBe(1);
  });
});
