// Internal requesters (role `internal`): another team opens a case on behalf of a user, creator or agency,
// follows its own escalations, reads them, and escalates a case it follows. An internal user sees only the
// cases it reported or is named on: any other case — existing or not — reads as the same 403 (GET) or the
// same 404 (escalate), so nothing tells which case ids exist. Internal users never act as agents.
import type { CaseEvent } from '#domain/case.ts';
import { mayFollow, type InternalPolicy } from '#domain/internal.ts';
import { escalateInternally, TransitionError, type Change } from '#domain/lifecycle.ts';
import type { SlaPolicy } from '#domain/sla/policy.ts';
import type { InternalCaseInput } from '#events/internal-case.ts';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.ts';
import { requireRole, type Agent } from '../http.ts';
import type { CasePage, CaseStore, Clock } from '../ports.ts';
import { withoutSecrets, type ShownCase } from './act-on-case.ts';
import { isCaseId } from './read-cases.ts';
import { newInquiryFrom, submitInquiry, type SubmitDeps, type Submitted } from './submit-inquiry.ts';

export const INTERNAL = ['internal'] as const;

export async function openInternalCase(
  deps: SubmitDeps & { internal: InternalPolicy },
  request: { agent: Agent; input: InternalCaseInput; idempotencyKey?: string },
): Promise<Submitted> {
  requireRole(request.agent, INTERNAL);
  const { onBehalfOf, creatorUserIds, named } = request.input;
  const { agent } = request;
  return submitInquiry(deps, {
    inquiry: {
      ...newInquiryFrom('internal', request.input),
      internal: {
        reporter: { id: agent.id, ...(agent.email && { email: agent.email }) },
        onBehalfOf,
        ...(creatorUserIds && { creatorUserIds: [...new Set(creatorUserIds)] }),
        named: [...new Set(named ?? [])].filter((id) => id !== agent.id),
        ...deps.internal,
      },
    },
    // One reporter's retry is the same case; another reporter's identical text is theirs.
    idempotencyKey: `internal:${agent.id}:${request.idempotencyKey ?? JSON.stringify(request.input)}`,
  });
}

/** The caller's own escalations, newest first: pages are read until `limit` of theirs are found (or the end). */
export async function listOwnCases(store: CaseStore, agent: Agent, q: { limit: number; cursor?: string }): Promise<CasePage> {
  requireRole(agent, INTERNAL);
  const items: CasePage['items'] = [];
  let cursor = q.cursor;
  for (let page = 0; page < 20 && items.length < q.limit; page++) {
    const found = await store.listCases({ limit: 100, ...(cursor && { cursor }), filter: { follower: agent.id } });
    items.push(...found.items);
    cursor = found.cursor;
    if (!cursor) break;
  }
  return { items: items.slice(0, q.limit), ...(cursor && { cursor }) };
}

const NOT_YOURS = 'You may only see the cases you opened or are named on';

/** A case the internal user follows, with its timeline; any other id (unknown too) is the same 403. */
export async function readOwnCase(store: CaseStore, agent: Agent, caseId: string): Promise<{ case: ShownCase; timeline: CaseEvent[] }> {
  requireRole(agent, INTERNAL);
  const found = isCaseId(caseId) ? await store.getCaseWithTimeline(caseId) : undefined;
  if (!found || !mayFollow(found.record, agent.id)) throw new ForbiddenError(NOT_YOURS);
  return { case: withoutSecrets(found.record), timeline: found.events };
}

/** An internal user escalates a case it follows: priority at least the floor, deadlines re-planned. Others: 404. */
export async function escalateOwnCase(
  deps: { store: CaseStore; clock: Clock; sla: SlaPolicy; internal: InternalPolicy },
  request: { caseId: string; agent: Agent; reason: string; expectedVersion: number },
): Promise<{ case: ShownCase; event: CaseEvent }> {
  requireRole(request.agent, INTERNAL);
  const current = isCaseId(request.caseId) ? await deps.store.getCase(request.caseId) : undefined;
  if (!current || !mayFollow(current, request.agent.id)) throw new NotFoundError('No such case');
  if (current.version !== request.expectedVersion) throw new ConflictError(`Someone else changed this case (it is at version ${current.version}); reload it and try again`);
  let change: Change;
  try {
    change = escalateInternally(current, request.reason, { kind: 'agent', id: request.agent.id, role: 'internal' }, deps.clock.now(), deps.sla, deps.internal);
  } catch (error) {
    if (error instanceof TransitionError) throw new ConflictError(error.message);
    throw error;
  }
  const outcome = await deps.store.saveChange(change);
  if (outcome.kind !== 'saved') throw new ConflictError('Someone else changed this case; reload it and try again');
  return { case: withoutSecrets(change.record), event: change.event };
}
