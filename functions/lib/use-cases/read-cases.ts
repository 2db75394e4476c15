// Agents read cases: the queue, a search by an exact key, one case with its timeline, and — for confidential
// categories — the record of who opened it. Opening a confidential case writes its view record before the case is returned, so no
// one reads one unrecorded (a failed write fails the request); other cases cost no write.
import type { CaseEvent, CaseRecord } from '#domain/case.ts';
import { isConfidential, VIEW_LOG_READERS, type CaseView, type ConfidentialityPolicy } from '#domain/confidentiality.ts';
import { NotFoundError } from '../errors.ts';
import { requireRole, type Agent } from '../http.ts';
import { REFERENCE_PATTERN } from '../ids.ts';
import type { CaseKey, CasePage, CaseQuery, CaseStore, CaseSummary, Clock } from '../ports.ts';
import { summarizeCase } from '../case-summary.ts';

const CASE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const isCaseId = (value: string): boolean => CASE_ID.test(value);

export interface ReadDeps {
  store: CaseStore;
  clock: Clock;
  confidentiality: ConfidentialityPolicy;
}

export function listCases(store: CaseStore, q: CaseQuery): Promise<CasePage> {
  return store.listCases(q);
}

/** A search result: a queue row and the keys that found it. */
export type SearchHit = CaseSummary & { matchedBy: CaseKey['by'][] };

const WHOLE_REFERENCE = new RegExp(`^${REFERENCE_PATTERN.source.replaceAll('\\b', '')}$`);

/**
 * The keys a search term may be: a case id and a reference only when shaped like one, an email address
 * (lower-cased, as intake stores it) when it has an @, and always an account and a transaction id as typed.
 */
export function searchKeys(term: string): CaseKey[] {
  const q = term.trim();
  return [
    ...(isCaseId(q.toLowerCase()) ? [{ by: 'caseId' as const, value: q.toLowerCase() }] : []),
    ...(WHOLE_REFERENCE.test(q.toUpperCase()) ? [{ by: 'reference' as const, value: q.toUpperCase() }] : []),
    ...(q.includes('@') ? [{ by: 'email' as const, value: q.toLowerCase() }] : []),
    { by: 'userId' as const, value: q },
    { by: 'transactionId' as const, value: q },
  ];
}

/**
 * GET /cases?q=: every key the term may be, looked up side by side (one round trip), then the cases in one
 * batch read: newest first, each with the keys that matched. Listing shows queue rows only, so it records
 * no view; opening a hit goes through openCase like any other.
 */
export async function searchCases(store: CaseStore, request: { q: string; limit: number }): Promise<{ q: string; items: SearchHit[] }> {
  const found = await Promise.all(searchKeys(request.q).map(async (key) => ({ by: key.by, ids: await store.findCaseIds(key, request.limit) })));
  const matchedBy = new Map<string, CaseKey['by'][]>();
  for (const { by, ids } of found) for (const id of ids) matchedBy.set(id, [...(matchedBy.get(id) ?? []), by]);
  const cases = await store.getCases([...matchedBy.keys()]);
  const items = [...cases.values()]
    .sort((a, b) => (b.openedAt + b.caseId).localeCompare(a.openedAt + a.caseId))
    .slice(0, request.limit)
    .map((r) => ({ ...summarizeCase(r), matchedBy: matchedBy.get(r.caseId) ?? [] }));
  return { q: request.q, items };
}

/** A case and its timeline, oldest event first. Unknown and malformed ids look the same: 404. */
export async function getCase(store: CaseStore, caseId: string): Promise<{ case: CaseRecord; timeline: CaseEvent[] }> {
  const found = CASE_ID.test(caseId) ? await store.getCaseWithTimeline(caseId) : undefined;
  if (!found) throw new NotFoundError('No such case');
  return { case: found.record, timeline: found.events };
}

/** A person opens a case through `route`: getCase, plus the view record when its category is confidential. */
export async function openCase(deps: ReadDeps, request: { caseId: string; viewer: Agent; route: string }): Promise<{ case: CaseRecord; timeline: CaseEvent[] }> {
  const found = await getCase(deps.store, request.caseId);
  if (isConfidential(found.case, deps.confidentiality)) {
    const { id, email, roles } = request.viewer;
    await deps.store.recordView({ caseId: found.case.caseId, viewer: { id, ...(email && { email }), roles }, at: deps.clock.now().toISOString(), route: request.route });
  }
  return found;
}

/** Who opened the case and when, oldest first (the risk team only). */
export async function caseViews(store: CaseStore, request: { caseId: string; agent: Agent }): Promise<{ caseId: string; views: CaseView[] }> {
  requireRole(request.agent, VIEW_LOG_READERS);
  const found = isCaseId(request.caseId) ? await store.getCase(request.caseId) : undefined;
  if (!found) throw new NotFoundError('No such case');
  return { caseId: found.caseId, views: await store.listViews(found.caseId) };
}
