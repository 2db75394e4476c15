import type { CaseEvent, CaseRecord } from '#domain/case.ts';
import { NotFoundError } from '../errors.ts';
import type { CasePage, CaseQuery, CaseStore } from '../ports.ts';

const CASE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const isCaseId = (value: string): boolean => CASE_ID.test(value);

export function listCases(store: CaseStore, q: CaseQuery): Promise<CasePage> {
  return store.listCases(q);
}

/** A case and its timeline, oldest event first. Unknown and malformed ids look the same: 404. */
export async function getCase(store: CaseStore, caseId: string): Promise<{ case: CaseRecord; timeline: CaseEvent[] }> {
  const found = CASE_ID.test(caseId) ? await store.getCaseWithTimeline(caseId) : undefined;
  if (!found) throw new NotFoundError('No such case');
  return { case: found.record, timeline: found.events };
}
