// An agent merges a duplicate case into the case that carries on (the `merge` action). Both versions the agent
// saw are checked — the duplicate's `expectedVersion` and the target's `intoExpectedVersion` — before and, in
// the one transaction that saves both changes, again; a 409 names the case that changed. Nothing else is
// written here: the duplicate's `case.merged` event sends the requester's one email and ends its workflows
// through the outbox (functions/outbox), as closing a case does.
import type { CaseEvent, CaseRecord } from '#domain/case.ts';
import { TransitionError } from '#domain/lifecycle.ts';
import { MAX_MERGE_HOPS, mergeCases } from '#domain/merge.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import type { Agent } from '../http.ts';
import type { CaseStore, Clock } from '../ports.ts';
import { withoutSecrets, type ShownCase } from '../shown-case.ts';
import { isCaseId } from './read-cases.ts';

export interface MergeDeps {
  store: Pick<CaseStore, 'getCase' | 'getCaseWithTimeline' | 'findCaseIds' | 'saveChanges'>;
  clock: Clock;
}

export interface MergeRequest {
  caseId: string;
  agent: Agent;
  role: string;
  /** The target's case id or reference, as parsed (ids lower-case, references upper-case). */
  intoCaseId: string;
  expectedVersion: number;
  intoExpectedVersion: number;
}

export interface Merged {
  case: ShownCase;
  event: CaseEvent;
  into: { case: ShownCase; event: CaseEvent };
}

const NO_TARGET = 'must be the id or the reference (TD-…) of an existing case';

/** The target by id or reference; a 400 on `intoCaseId` when there is none. */
async function findTarget(store: MergeDeps['store'], into: string): Promise<CaseRecord> {
  const caseId = isCaseId(into) ? into : (await store.findCaseIds({ by: 'reference', value: into }, 1))[0];
  const target = caseId ? await store.getCase(caseId) : undefined;
  if (!target) throw new ValidationError([{ field: 'intoCaseId', message: NO_TARGET }]);
  return target;
}

const changed = (what: string, version: number) => new ConflictError(`Someone else changed ${what} (it is at version ${version}); reload it and try again`);

export async function mergeCase(deps: MergeDeps, request: MergeRequest): Promise<Merged> {
  const found = isCaseId(request.caseId) ? await deps.store.getCaseWithTimeline(request.caseId) : undefined;
  if (!found) throw new NotFoundError('No such case');
  const target = await findTarget(deps.store, request.intoCaseId);
  if (found.record.version !== request.expectedVersion) throw changed('this case', found.record.version);
  if (target.version !== request.intoExpectedVersion && target.caseId !== found.record.caseId) throw changed(target.reference, target.version);
  let changes: ReturnType<typeof mergeCases>;
  try {
    changes = mergeCases(found, target, { kind: 'agent', id: request.agent.id, role: request.role }, deps.clock.now());
  } catch (error) {
    if (error instanceof TransitionError) throw new ConflictError(error.message);
    throw error;
  }
  const outcome = await deps.store.saveChanges([changes.duplicate, changes.target]);
  if (outcome.kind !== 'saved') {
    // One of them moved between the read and the write: say which (both, if both did).
    const [dup, into] = await Promise.all([deps.store.getCase(found.record.caseId), deps.store.getCase(target.caseId)]);
    if (into && into.version !== target.version) throw changed(target.reference, into.version);
    throw changed('this case', dup?.version ?? found.record.version);
  }
  return {
    case: withoutSecrets(changes.duplicate.record),
    event: changes.duplicate.event,
    into: { case: withoutSecrets(changes.target.record), event: changes.target.event },
  };
}

/**
 * The case a thread's mail belongs to now: the case itself, or — when it was merged — the case it was merged
 * into, following at most MAX_MERGE_HOPS pointers (a target merged on later has its own). Undefined when gone.
 */
export async function caseThatCarriesOn(store: Pick<CaseStore, 'getCase'>, caseId: string): Promise<string | undefined> {
  let current = await store.getCase(caseId);
  for (let hop = 0; current?.mergedInto && hop < MAX_MERGE_HOPS; hop++) {
    const next = await store.getCase(current.mergedInto.caseId);
    if (!next) break;
    current = next;
  }
  return current?.caseId;
}
