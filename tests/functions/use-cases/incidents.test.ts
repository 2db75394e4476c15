// Incidents through the agent actions, against the in-memory store: opening one by hand once per key,
// linking (both saved together, refusals mapped to 400/409), and resolve-linked exactly once per linked
// case — after a retry, a crash half-way, a concurrent change, or a run stopped at its time budget.
import { beforeEach, describe, expect, it } from 'vitest';
import type { CaseRecord } from '#domain/case.ts';
import { openManualIncident } from '#domain/incident.ts';
import { type AppError, ConflictError, ForbiddenError, IdempotencyMismatchError, ValidationError } from '#lib/errors.ts';
import type { Agent } from '#lib/http.ts';
import { policies } from '#lib/policies.ts';
import { teamsPolicy } from '#lib/teams-config.ts';
import { actOnCase, type ActDeps } from '#lib/use-cases/act-on-case.ts';
import { openIncidentByHand } from '#lib/use-cases/incidents.ts';
import { FixedClock, InMemoryCaseStore, InMemoryMacroStore } from '../fakes.ts';
import { HOUR, NO_FOUR_EYES, at, caseAt } from '../lifecycle-fakes.ts';

const NOW = at(HOUR);
const INCIDENT_ID = '00000000-0000-4000-8000-00000000a001';
const caseId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const lead: Agent = { id: 'lead-1', roles: ['lead'] };
const agent: Agent = { id: 'agent-1', roles: ['agent'] };
const MESSAGE = 'The gift outage is fixed and your gifts were credited.';

let store: InMemoryCaseStore;
let deps: ActDeps;
let elapsedMs: number;

function put(record: CaseRecord) {
  store.cases.set(record.caseId, record);
  store.events.set(record.caseId, []);
}

beforeEach(() => {
  store = new InMemoryCaseStore();
  elapsedMs = 0;
  deps = { store, clock: new FixedClock(NOW), sla: policies.sla, fourEyes: NO_FOUR_EYES, teams: teamsPolicy, macros: new InMemoryMacroStore(), agents: { getAgent: async () => undefined }, elapsed: () => elapsedMs };
  const { record } = openManualIncident({ title: 'Gift outage', message: 'Gifts are not credited.' }, { caseId: INCIDENT_ID, reference: 'TD-INC001', now: NOW, policies, openedBy: 'lead-1' });
  put(record);
});

async function refusal<E extends AppError>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  return error as E;
}

const link = (id: string, expectedVersion = 1, who: Agent = agent) => actOnCase(deps, { caseId: id, agent: who, action: { type: 'link-incident', incidentCaseId: INCIDENT_ID }, expectedVersion });
const resolveLinked = (expectedVersion: number, who: Agent = lead) => actOnCase(deps, { caseId: INCIDENT_ID, agent: who, action: { type: 'resolve-linked', message: MESSAGE, outcome: 'resolved' }, expectedVersion });
const eventsOf = (id: string) => store.events.get(id) ?? [];
const resolutions = (id: string) => eventsOf(id).filter((e) => e.type === 'case.resolved');

/** `n` open cases, each linked to the incident; the incident's version after. */
async function linked(n: number): Promise<number> {
  for (let i = 1; i <= n; i++) {
    put(caseAt('P3', { caseId: caseId(i), status: 'investigating' }));
    await link(caseId(i));
  }
  return store.cases.get(INCIDENT_ID)!.version;
}

describe('POST /incidents (openIncidentByHand)', () => {
  const open = (key?: string, title = 'Payout delays') =>
    openIncidentByHand({ store, clock: new FixedClock(NOW), policies, newCaseId: () => crypto.randomUUID(), newReference: () => `TD-${Math.random().toString(36).slice(2, 8).toUpperCase()}` }, { agent: lead, input: { title, message: 'Payouts are stuck.' }, ...(key && { idempotencyKey: key }) });

  it('opens the incident once per key: a replay is the same case', async () => {
    const first = await open('k-1');
    const again = await open('k-1');
    expect(again).toEqual({ ...first, replayed: true });
    expect(store.cases.get(first.caseId)).toMatchObject({ channel: 'system', incident: { key: `manual-${first.caseId}`, linkedCaseIds: [], openedBy: 'lead-1' } });
    expect(eventsOf(first.caseId).map((e) => e.type)).toEqual(['incident.opened']);
  });

  it('refuses a key reused with another body (422)', async () => {
    await open('k-2');
    await refusal(open('k-2', 'Another title'), IdempotencyMismatchError);
  });
});

describe('link-incident', () => {
  it('saves the case and the incident together', async () => {
    put(caseAt('P3', { caseId: caseId(1) }));
    const result = await link(caseId(1));
    expect(result.case.incidentCaseId).toBe(INCIDENT_ID);
    expect(result.event).toMatchObject({ type: 'incident.linked', caseId: caseId(1) });
    expect(result.incident).toEqual({ caseId: INCIDENT_ID, version: 2, linked: 1 });
    expect(store.cases.get(INCIDENT_ID)?.incident?.linkedCaseIds).toEqual([caseId(1)]);
    expect(eventsOf(INCIDENT_ID).map((e) => e.type)).toEqual(['incident.case-linked']);
  });

  it('goes on when only the incident moved meanwhile (another link), never overwriting it', async () => {
    put(caseAt('P3', { caseId: caseId(1) }));
    put(caseAt('P3', { caseId: caseId(2) }));
    let raced = false;
    store.beforeWrite = async (w) => {
      if (raced || w.kind !== 'change' || w.write.record.caseId !== caseId(1)) return;
      raced = true;
      store.beforeWrite = undefined;
      await link(caseId(2));
    };
    await link(caseId(1));
    expect(store.cases.get(INCIDENT_ID)?.incident?.linkedCaseIds).toEqual([caseId(2), caseId(1)]);
  });

  it('refuses a stale case version, a non-incident (409) and an unknown incident (400), writing nothing', async () => {
    put(caseAt('P3', { caseId: caseId(1) }));
    put(caseAt('P3', { caseId: caseId(2) }));
    await refusal(link(caseId(1), 5), ConflictError);
    const notIncident = await refusal(actOnCase(deps, { caseId: caseId(1), agent, action: { type: 'link-incident', incidentCaseId: caseId(2) }, expectedVersion: 1 }), ConflictError);
    expect(notIncident.message).toContain('not an incident');
    const unknown = await refusal(actOnCase(deps, { caseId: caseId(1), agent, action: { type: 'link-incident', incidentCaseId: caseId(99) }, expectedVersion: 1 }), ValidationError);
    expect(unknown.fields).toEqual([{ field: 'incidentCaseId', message: 'must be the id of an incident case' }]);
    expect(eventsOf(caseId(1))).toEqual([]);
    expect(eventsOf(INCIDENT_ID)).toEqual([]);
  });
});

describe('resolve-linked', () => {
  it('resolves every open linked case once, skips the others, and records the run on the incident', async () => {
    const version = await linked(3);
    put({ ...store.cases.get(caseId(3))!, status: 'closed' });
    const { result, event, case: inc } = await resolveLinked(version);
    expect(result).toMatchObject({ complete: true, replayed: false, resolved: 2, proposed: 0, skipped: 1, remaining: 0, skippedCases: [{ caseId: caseId(3), reason: 'already closed' }] });
    expect(result!.resolvedCaseIds.sort()).toEqual([caseId(1), caseId(2)]);
    for (const id of [caseId(1), caseId(2)]) {
      expect(resolutions(id)).toHaveLength(1);
      expect(resolutions(id)[0]).toMatchObject({ actor: { id: 'lead-1' }, data: { summary: MESSAGE, incidentCaseId: INCIDENT_ID } });
    }
    expect(resolutions(caseId(3))).toEqual([]);
    expect(event).toMatchObject({ type: 'incident.resolved-linked', version: version + 1, data: { resolved: 2, skipped: 1 } });
    expect(inc.incident?.resolvedLinked).toMatchObject({ resolved: 2, skipped: 1, by: 'lead-1' });
  });

  it('answers a retry of the same request with the same counts, writing nothing', async () => {
    const version = await linked(2);
    const first = await resolveLinked(version);
    const before = structuredClone([...store.events]);
    const again = await resolveLinked(version);
    expect(again.result).toMatchObject({ complete: true, replayed: true, resolved: 2, skipped: 0 });
    expect(again.result!.resolvedCaseIds.sort()).toEqual(first.result!.resolvedCaseIds.sort());
    expect(again.event).toEqual(first.event);
    expect([...store.events]).toEqual(before);
  });

  it('after a crash half-way, the retry resolves only what is left', async () => {
    const version = await linked(4);
    let saves = 0;
    store.beforeWrite = (w) => {
      if (w.kind === 'change' && w.write.event.type === 'case.resolved' && ++saves === 3) throw new Error('crash');
    };
    await expect(resolveLinked(version)).rejects.toThrow('crash');
    store.beforeWrite = undefined;
    expect([1, 2, 3, 4].map((n) => resolutions(caseId(n)).length).reduce((a, b) => a + b)).toBeLessThan(4);
    expect(store.cases.get(INCIDENT_ID)?.version).toBe(version);
    const { result } = await resolveLinked(version);
    expect(result).toMatchObject({ complete: true, resolved: 4, skipped: 0 });
    for (const n of [1, 2, 3, 4]) expect(resolutions(caseId(n))).toHaveLength(1);
  });

  it('re-reads a case changed meanwhile and resolves it on top of that change', async () => {
    const version = await linked(1);
    store.beforeWrite = (w) => {
      if (w.kind !== 'change' || w.write.event.type !== 'case.resolved') return;
      store.beforeWrite = undefined;
      const current = store.cases.get(caseId(1))!;
      store.cases.set(caseId(1), { ...current, version: current.version + 1, assignee: 'agent-9' });
    };
    const { result } = await resolveLinked(version);
    expect(result).toMatchObject({ resolved: 1 });
    expect(store.cases.get(caseId(1))).toMatchObject({ status: 'resolved', assignee: 'agent-9' });
  });

  it('stops at the time budget with what is left (no event yet); the same request again finishes it', async () => {
    const version = await linked(3);
    elapsedMs = 60_000;
    const stopped = await resolveLinked(version);
    expect(stopped.result).toMatchObject({ complete: false, remaining: 3, resolved: 0 });
    expect(stopped.event).toBeUndefined();
    expect(store.cases.get(INCIDENT_ID)?.version).toBe(version);
    elapsedMs = 0;
    const done = await resolveLinked(version);
    expect(done.result).toMatchObject({ complete: true, resolved: 3, remaining: 0 });
  });

  it('is for leads and the risk team, on incident cases, at the version shown', async () => {
    const version = await linked(1);
    await refusal(resolveLinked(version, agent), ForbiddenError);
    await refusal(resolveLinked(version + 3), ConflictError);
    const notIncident = await refusal(actOnCase(deps, { caseId: caseId(1), agent: lead, action: { type: 'resolve-linked', message: MESSAGE, outcome: 'resolved' }, expectedVersion: 2 }), ConflictError);
    expect(notIncident.message).toContain('not an incident');
    expect(resolutions(caseId(1))).toEqual([]);
  });
});
