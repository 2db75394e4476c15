import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ForbiddenError, NotFoundError, ValidationError } from '#lib/errors.ts';
import { confidentiality } from '#lib/governance-config.ts';
import { caseViews, getCase, listCases, openCase, searchCases, searchKeys, type ReadDeps } from '#lib/use-cases/read-cases.ts';
import { FixedClock, InMemoryCaseStore, NOW, sampleInquiry, submitDeps } from '../fakes.ts';
import { submitInquiry } from '#lib/use-cases/submit-inquiry.ts';

let store: InMemoryCaseStore;

beforeEach(() => {
  store = new InMemoryCaseStore();
});

describe('getCase', () => {
  it('returns the case and its timeline', async () => {
    const { caseId } = await submitInquiry(submitDeps(store), { inquiry: sampleInquiry() });
    const found = await getCase(store, caseId);
    expect(found.case.caseId).toBe(caseId);
    expect(found.timeline.map((e) => e.type)).toEqual(['case.opened']);
  });

  it('is a 404 for an unknown case', async () => {
    await expect(getCase(store, '00000000-0000-4000-8000-0000000000ff')).rejects.toBeInstanceOf(NotFoundError);
  });

  it.each(['', 'CASE#x', '../etc', '00000000-0000-4000-8000-00000000000G', '00000000-0000-4000-8000-0000000000011'])(
    'is the same 404 for the malformed id %j, without asking the store',
    async (caseId) => {
      const lookup = vi.spyOn(store, 'getCaseWithTimeline');
      await expect(getCase(store, caseId)).rejects.toBeInstanceOf(NotFoundError);
      expect(lookup).not.toHaveBeenCalled();
    },
  );
});

describe('searchCases', () => {
  it('finds by reference, case id, email in any case, user id and transaction id, and says which key matched', async () => {
    const deps = submitDeps(store);
    const mine = await submitInquiry(deps, { inquiry: sampleInquiry({ requester: { email: 'bob@example.com', userId: 'u-42' }, transactionId: 'tx-9' }) });
    await submitInquiry(deps, { inquiry: sampleInquiry({ requester: { email: 'carol@example.com', userId: 'u-43' }, transactionId: 'tx-10' }) });
    const { reference } = (await store.getCase(mine.caseId))!;
    for (const [q, by] of [
      [reference.toLowerCase(), 'reference'],
      [mine.caseId.toUpperCase(), 'caseId'],
      [' BOB@Example.com ', 'email'],
      ['u-42', 'userId'],
      ['tx-9', 'transactionId'],
    ] as const) {
      const found = await searchCases(store, { q, limit: 25 });
      expect(found.items.map((i) => [i.caseId, i.matchedBy])).toEqual([[mine.caseId, [by]]]);
    }
    await expect(searchCases(store, { q: 'u-4', limit: 25 })).resolves.toMatchObject({ items: [] });
  });

  it('looks up only the keys a term can be, each by key', () => {
    expect(searchKeys('alice@example.com').map((k) => k.by)).toEqual(['email', 'userId', 'transactionId']);
    expect(searchKeys('td-7k3q9x')).toContainEqual({ by: 'reference', value: 'TD-7K3Q9X' });
    expect(searchKeys('TD-7K3Q9').map((k) => k.by)).toEqual(['userId', 'transactionId']);
  });
});

describe('listCases', () => {
  it('pages through the store with its cursor', async () => {
    const deps = submitDeps(store);
    for (const subject of ['one', 'two', 'three']) await submitInquiry(deps, { inquiry: sampleInquiry({ subject }) });
    const first = await listCases(store, { limit: 2 });
    expect(first.items).toHaveLength(2);
    const second = await listCases(store, { limit: 2, cursor: first.cursor! });
    expect(second.items).toHaveLength(1);
    expect(second.cursor).toBeUndefined();
    expect(new Set([...first.items, ...second.items].map((i) => i.caseId)).size).toBe(3);
    await expect(listCases(store, { limit: 2, cursor: 'forged' })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('openCase', () => {
  const route = 'GET /cases/{caseId}';
  const viewer = { id: 'agent-7', email: 'agent7@trustdesk.local', roles: ['agent'] };
  const deps = (): ReadDeps => ({ store, clock: new FixedClock(NOW), confidentiality });

  it('records who opened a confidential case, when and through which route, once per opening', async () => {
    const { caseId } = await submitInquiry(submitDeps(store), { inquiry: sampleInquiry({ categoryHint: 'safety' }) });
    const found = await openCase(deps(), { caseId, viewer, route });
    expect(found.case.caseId).toBe(caseId);
    await openCase(deps(), { caseId, viewer: { id: 'lead-2', roles: ['lead'] }, route });
    expect(store.views).toEqual([
      { caseId, viewer, at: NOW.toISOString(), route },
      { caseId, viewer: { id: 'lead-2', roles: ['lead'] }, at: NOW.toISOString(), route },
    ]);
  });

  it('writes nothing for a case of another category, or for an unknown case', async () => {
    const { caseId } = await submitInquiry(submitDeps(store), { inquiry: sampleInquiry({ categoryHint: 'gifts_coins' }) });
    const recordView = vi.spyOn(store, 'recordView');
    await openCase(deps(), { caseId, viewer, route });
    await expect(openCase(deps(), { caseId: '00000000-0000-4000-8000-0000000000ff', viewer, route })).rejects.toBeInstanceOf(NotFoundError);
    expect(recordView).not.toHaveBeenCalled();
  });

  it('does not show the case when its view cannot be recorded', async () => {
    const { caseId } = await submitInquiry(submitDeps(store), { inquiry: sampleInquiry({ categoryHint: 'fraud_scam' }) });
    vi.spyOn(store, 'recordView').mockRejectedValue(new Error('table unavailable'));
    await expect(openCase(deps(), { caseId, viewer, route })).rejects.toThrow('table unavailable');
  });
});

describe('caseViews', () => {
  it('lists the views to the risk team only; 404 for an unknown case', async () => {
    const { caseId } = await submitInquiry(submitDeps(store), { inquiry: sampleInquiry({ categoryHint: 'safety' }) });
    await openCase({ store, clock: new FixedClock(NOW), confidentiality }, { caseId, viewer: { id: 'agent-7', roles: ['agent'] }, route: 'GET /cases/{caseId}' });
    const risk = { id: 'risk-1', roles: ['risk'] };
    await expect(caseViews(store, { caseId, agent: risk })).resolves.toEqual({ caseId, views: [expect.objectContaining({ viewer: { id: 'agent-7', roles: ['agent'] } })] });
    for (const roles of [['agent'], ['lead']]) await expect(caseViews(store, { caseId, agent: { id: 'x', roles } })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(caseViews(store, { caseId: '00000000-0000-4000-8000-0000000000ff', agent: risk })).rejects.toBeInstanceOf(NotFoundError);
  });
});
