// One action on many cases (POST /cases/bulk). Each case goes through actOnCase, the very use case of
// POST /cases/{caseId}/actions, so roles, four-eyes, transitions and version checks are the per-case ones,
// and each case is its own transaction: one case refused never holds another back, and nothing is written
// for a case that fails. The typed error a case would have answered becomes its result instead.
//
// The guarantee, and why: a case is changed only at the version the agent saw, so a retry can never apply
// an action twice (the first attempt moved the case on; the retry gets a conflict). With an Idempotency-Key
// a retry is answered from the stored results instead — the same per-case answers, nothing applied again —
// and the same key with another body is a 422. The answer is stored after every case was tried, and only
// when none failed for a reason of ours (a retry then tries again; the versions keep that safe). Each case's
// change is also saved with a claim of its own (key, case, body): a retry after an answer that never came
// back (a timeout half-way) finds the cases it had applied by their claims and answers them `applied`.
// Cases run BULK_CONCURRENCY at a time, which keeps 100 cases well inside API Gateway's 29 s.
import type { BulkRequest } from '#events/bulk-action.ts';
import { AppError, ForbiddenError, IdempotencyMismatchError, NotFoundError, StaleVersionError, ValidationError } from '../errors.ts';
import type { Agent } from '../http.ts';
import { describeFailure } from '../http.ts';
import { sha256Hex } from '../ids.ts';
import type { BulkCaseResult, BulkResults, IdempotencyClaim } from '../ports.ts';
import { type ActDeps, actOnCase } from './act-on-case.ts';

export const BULK_CONCURRENCY = 10;
const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

export interface BulkDeps extends ActDeps {
  bulk: BulkResults;
}

export interface BulkOutcome {
  results: BulkCaseResult[];
  /** Answered from an earlier request with the same Idempotency-Key: nothing was applied now. */
  replayed: boolean;
}

export async function bulkActOnCases(deps: BulkDeps, request: { agent: Agent; bulk: BulkRequest; idempotencyKey?: string }): Promise<BulkOutcome> {
  const { agent, bulk } = request;
  // Keys are the caller's: one agent's key never answers another's request.
  const key = request.idempotencyKey ? `${agent.id}:${sha256Hex(request.idempotencyKey)}` : undefined;
  const fingerprint = sha256Hex(JSON.stringify(bulk));
  if (key) {
    const stored = await deps.bulk.getBulk(key);
    if (stored) {
      if (stored.fingerprint !== fingerprint) throw new IdempotencyMismatchError();
      return { results: stored.results, replayed: true };
    }
  }
  const expiresAt = Math.floor(deps.clock.now().getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS;
  const claimOf = (caseId: string): IdempotencyClaim | undefined => (key ? { key: `bulk:${key}:${caseId}`, fingerprint, expiresAt } : undefined);
  const results = await mapBounded(bulk.cases, BULK_CONCURRENCY, (target) => actOnOne(deps, agent, bulk.action, target, claimOf(target.caseId)));
  if (key && !results.some((r) => r.status === 'failed')) await deps.bulk.putBulk(key, { fingerprint, results, expiresAt });
  return { results, replayed: false };
}

async function actOnOne(deps: BulkDeps, agent: Agent, action: BulkRequest['action'], target: BulkRequest['cases'][number], claim: IdempotencyClaim | undefined): Promise<BulkCaseResult> {
  const { caseId } = target;
  try {
    const done = await actOnCase(deps, { caseId, agent, action, expectedVersion: target.expectedVersion, ...(claim && { idempotency: claim }) });
    return { caseId, status: 'applied', httpStatus: 200, version: done.case.version };
  } catch (error) {
    // Moved on since the version asked for: by this very request's earlier attempt, when its claim is there.
    if (error instanceof StaleVersionError && claim && (await deps.bulk.claimTaken(claim))) {
      return { caseId, status: 'applied', httpStatus: 200, version: target.expectedVersion + 1 };
    }
    return resultOf(caseId, error);
  }
}

/** The per-case answer for what actOnCase threw: the status it would have had on its own route. */
export function resultOf(caseId: string, error: unknown): BulkCaseResult {
  if (error instanceof StaleVersionError) return { caseId, status: 'conflict', httpStatus: 409, reason: error.message };
  if (error instanceof ForbiddenError) return { caseId, status: 'forbidden', httpStatus: 403, reason: error.message };
  if (error instanceof NotFoundError) return { caseId, status: 'not_found', httpStatus: 404, reason: error.message };
  // Not allowed in the case's state (a TransitionError's 409), or a field this case cannot take (a 400).
  if (error instanceof ValidationError) return { caseId, status: 'refused', httpStatus: 400, reason: error.fields?.map((f) => `${f.field} ${f.message}`).join('; ') ?? error.message };
  if (error instanceof AppError && error.status < 500) return { caseId, status: 'refused', httpStatus: error.status, reason: error.message };
  // Ours (throttling, a fault): logged by describeFailure, the case unchanged; a retry may try it again.
  const failure = describeFailure(error);
  return { caseId, status: 'failed', httpStatus: failure.status, reason: failure.message };
}

/** `fn` over `items` with at most `limit` in flight, results in the items' order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
