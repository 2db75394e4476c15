// One action on many cases: each case through actOnCase on its own (a refusal holds no other case back),
// a result per case in the request's order, and an Idempotency-Key that answers a retry from the stored
// results (nothing applied twice) and refuses the same key with another body.
import { beforeEach, describe, expect, it } from 'vitest';
import { parseBulkRequest } from '#events/bulk-action.ts';
import { IdempotencyMismatchError } from '#lib/errors.ts';
import { fourEyes } from '#lib/governance-config.ts';
import type { Agent } from '#lib/http.ts';
import { policies } from '#lib/policies.ts';
import type { BulkResults, StoredBulk } from '#lib/ports.ts';
import { teamsPolicy } from '#lib/teams-config.ts';
import { BULK_CONCURRENCY, type BulkDeps, bulkActOnCases, mapBounded } from '#lib/use-cases/bulk-act.ts';
import { FixedClock, InMemoryCaseStore, InMemoryMacroStore } from '../fakes.ts';
import { HOUR, at, caseAt } from '../lifecycle-fakes.ts';

const NOW = at(HOUR);
const agent: Agent = { id: 'agent-7', roles: ['agent'] };
const idOf = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

class InMemoryBulkResults implements BulkResults {
  readonly kept = new Map<string, StoredBulk>();
  constructor(private readonly store: InMemoryCaseStore) {}
  async claimTaken(claim: { key: string; fingerprint: string }) {
    return this.store.claims.get(claim.key)?.fingerprint === claim.fingerprint;
  }
  async getBulk(key: string) {
    return this.kept.get(key);
  }
  async putBulk(key: string, stored: StoredBulk) {
    if (!this.kept.has(key)) this.kept.set(key, stored);
  }
}

let store: InMemoryCaseStore;
let bulk: InMemoryBulkResults;
let deps: BulkDeps;

beforeEach(() => {
  store = new InMemoryCaseStore();
  bulk = new InMemoryBulkResults(store);
  deps = { store, clock: new FixedClock(NOW), sla: policies.sla, fourEyes, teams: teamsPolicy, macros: new InMemoryMacroStore(), agents: { getAgent: async () => undefined }, bulk };
  for (let n = 1; n <= 6; n++) {
    store.cases.set(idOf(n), { ...caseAt('P3'), caseId: idOf(n), reference: `TD-0000${n}` });
    store.events.set(idOf(n), []);
  }
});

const request = (body: unknown, key?: string) => {
  const parsed = parseBulkRequest(body, key);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.request;
};
const eventCount = () => [...store.events.values()].reduce((n, events) => n + events.length, 0);

describe('bulkActOnCases', () => {
  it('applies to each case at its version and answers every other case with the status its own route would give', async () => {
    // Case 6 is resolved already: resolving it again is not allowed in its state.
    store.cases.set(idOf(6), { ...store.cases.get(idOf(6))!, status: 'resolved', version: 3 });
    const body = {
      action: { type: 'resolve', outcome: 'resolved', summary: 'Refunded.' },
      cases: [
        { caseId: idOf(1), expectedVersion: 1 },
        { caseId: idOf(2), expectedVersion: 4 },
        { caseId: '00000000-0000-4000-8000-00000000ffff', expectedVersion: 1 },
        { caseId: idOf(6), expectedVersion: 3 },
        { caseId: idOf(3), expectedVersion: 1 },
      ],
    };
    const { results, replayed } = await bulkActOnCases(deps, { agent, bulk: request(body) });
    expect(replayed).toBe(false);
    expect(results.map((r) => [r.caseId, r.status, r.httpStatus])).toEqual([
      [idOf(1), 'applied', 200],
      [idOf(2), 'conflict', 409],
      ['00000000-0000-4000-8000-00000000ffff', 'not_found', 404],
      [idOf(6), 'refused', 409],
      [idOf(3), 'applied', 200],
    ]);
    expect(results[0]!.version).toBe(2);
    expect(results[1]!.reason).toMatch(/version 1/);
    expect(results[3]!.reason).toMatch(/resolved/);
    expect(store.cases.get(idOf(1))).toMatchObject({ status: 'resolved', version: 2 });
    expect(store.cases.get(idOf(2))).toMatchObject({ version: 1 });
    expect(store.cases.get(idOf(6))).toMatchObject({ version: 3 });
    expect(eventCount()).toBe(2);
  });

  it('answers forbidden for a role that may not act, writing nothing', async () => {
    const outsider: Agent = { id: 'team-9', roles: ['internal'] };
    const { results } = await bulkActOnCases(deps, { agent: outsider, bulk: request({ action: { type: 'note', note: 'x' }, cases: [{ caseId: idOf(1), expectedVersion: 1 }] }) });
    expect(results).toEqual([{ caseId: idOf(1), status: 'forbidden', httpStatus: 403, reason: 'Your role may not note cases' }]);
    expect(eventCount()).toBe(0);
  });

  it('answers a retry with the same Idempotency-Key from the stored results and applies nothing again', async () => {
    const body = { action: { type: 'note', note: 'Checked the ledger.' }, cases: [1, 2, 3].map((n) => ({ caseId: idOf(n), expectedVersion: 1 })) };
    const first = await bulkActOnCases(deps, { agent, bulk: request(body), idempotencyKey: 'bulk-1' });
    expect(first.results.every((r) => r.status === 'applied')).toBe(true);
    const retry = await bulkActOnCases(deps, { agent, bulk: request(body), idempotencyKey: 'bulk-1' });
    expect(retry).toEqual({ results: first.results, replayed: true });
    expect(eventCount()).toBe(3);
    // Without the key the versions still hold: the cases moved on, so a second attempt conflicts.
    const again = await bulkActOnCases(deps, { agent, bulk: request(body) });
    expect(again.results.map((r) => r.status)).toEqual(['conflict', 'conflict', 'conflict']);
    expect(eventCount()).toBe(3);
  });

  it('refuses the same key with another body (422), and scopes keys to the agent', async () => {
    const body = { action: { type: 'note', note: 'One.' }, cases: [{ caseId: idOf(1), expectedVersion: 1 }] };
    await bulkActOnCases(deps, { agent, bulk: request(body), idempotencyKey: 'k' });
    const other = { ...body, action: { type: 'note', note: 'Two.' } };
    await expect(bulkActOnCases(deps, { agent, bulk: request(other), idempotencyKey: 'k' })).rejects.toBeInstanceOf(IdempotencyMismatchError);
    const colleague: Agent = { id: 'agent-8', roles: ['agent'] };
    const theirs = await bulkActOnCases(deps, { agent: colleague, bulk: request({ ...other, cases: [{ caseId: idOf(1), expectedVersion: 2 }] }), idempotencyKey: 'k' });
    expect(theirs).toMatchObject({ replayed: false, results: [{ status: 'applied', version: 3 }] });
  });

  it('answers a retry after a lost answer (a crash before the results were kept) from each case’s claim: applied, not conflict', async () => {
    const body = { action: { type: 'assign', assignee: 'agent-2' }, cases: [{ caseId: idOf(1), expectedVersion: 1 }, { caseId: idOf(2), expectedVersion: 9 }, { caseId: idOf(3), expectedVersion: 1 }] };
    const crashing = { ...deps, bulk: Object.assign(Object.create(bulk) as InMemoryBulkResults, { putBulk: async () => Promise.reject(new Error('timed out')) }) };
    await expect(bulkActOnCases(crashing, { agent, bulk: request(body), idempotencyKey: 'lost' })).rejects.toThrow('timed out');
    expect(eventCount()).toBe(2);
    const retry = await bulkActOnCases(deps, { agent, bulk: request(body), idempotencyKey: 'lost' });
    expect(retry.results.map((r) => [r.status, r.version])).toEqual([
      ['applied', 2],
      ['conflict', undefined],
      ['applied', 2],
    ]);
    expect(eventCount()).toBe(2);
    // Another agent's request (another key) on the same cases is not mistaken for it.
    const colleague: Agent = { id: 'agent-8', roles: ['agent'] };
    expect((await bulkActOnCases(deps, { agent: colleague, bulk: request(body), idempotencyKey: 'lost' })).results[0]!.status).toBe('conflict');
  });

  it('keeps no answer when a case failed on our side, so a retry tries again', async () => {
    const failing = { ...store, getCase: async () => Promise.reject(new Error('socket hang up')) } as unknown as InMemoryCaseStore;
    const body = { action: { type: 'note', note: 'x' }, cases: [{ caseId: idOf(1), expectedVersion: 1 }] };
    const { results } = await bulkActOnCases({ ...deps, store: failing }, { agent, bulk: request(body), idempotencyKey: 'k2' });
    expect(results[0]).toMatchObject({ status: 'failed', httpStatus: 500 });
    expect(bulk.kept.size).toBe(0);
  });
});

describe('mapBounded', () => {
  it('keeps the order and never has more than the limit in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapBounded(Array.from({ length: 35 }, (_, i) => i), BULK_CONCURRENCY, async (i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight--;
      return i * 2;
    });
    expect(out).toEqual(Array.from({ length: 35 }, (_, i) => i * 2));
    expect(most).toBe(BULK_CONCURRENCY);
  });
});

describe('parseBulkRequest', () => {
  it('names each bad field, in the action and in each case', () => {
    const parsed = parseBulkRequest(
      { action: { type: 'resolve', outcome: 'maybe' }, cases: [{ caseId: idOf(1), expectedVersion: 1 }, { caseId: idOf(1), expectedVersion: 2 }, { caseId: idOf(2), expectedVersion: 0 }, { caseId: idOf(3) }] },
      undefined,
    );
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problems.map((p) => p.field)).toEqual(['action.outcome', 'cases.2.expectedVersion', 'cases.3.expectedVersion']);
  });

  it('refuses types not allowed in bulk, repeated cases, more than 100 cases and a bad key', () => {
    const hundredOne = Array.from({ length: 101 }, (_, i) => ({ caseId: idOf(i), expectedVersion: 1 }));
    const parsed = parseBulkRequest({ action: { type: 'escalate', reason: 'x' }, cases: hundredOne }, 'has space');
    expect(!parsed.ok && parsed.problems.map((p) => p.field)).toEqual(['Idempotency-Key', 'action.type', 'cases']);
    const repeated = parseBulkRequest({ action: { type: 'assign', assignee: 'agent-2' }, cases: [{ caseId: idOf(1), expectedVersion: 1 }, { caseId: idOf(1), expectedVersion: 1 }] }, undefined);
    expect(!repeated.ok && repeated.problems).toEqual([{ field: 'cases.1.caseId', message: 'repeats cases.0.caseId; name each case once' }]);
    expect(parseBulkRequest({ action: { type: 'note', note: 'x' }, cases: [] }, undefined)).toMatchObject({ ok: false, problems: [{ field: 'cases' }] });
  });
});
