import { beforeEach, describe, expect, it, vi } from 'vitest';
import { NotFoundError, ValidationError } from '#lib/errors.ts';
import { getCase, listCases } from '#lib/use-cases/read-cases.ts';
import { InMemoryCaseStore, sampleInquiry, submitDeps } from '../fakes.ts';
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
