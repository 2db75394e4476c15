// Agents read cases: the queue, one case with its timeline, and — for confidential categories — the record
// of who opened it. Opening a confidential case writes its view record before the case is returned, so no
// one reads one unrecorded (a failed write fails the request); other cases cost no write.
import type { CaseEvent, CaseRecord } from '#domain/case.ts';
import { isConfidential, VIEW_LOG_READERS, type CaseView, type ConfidentialityPolicy } from '#domain/confidentiality.ts';
import { NotFoundError } from '../errors.ts';
import { requireRole, type Agent } from '../http.ts';
import type { CasePage, CaseQuery, CaseStore, Clock } from '../ports.ts';

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
