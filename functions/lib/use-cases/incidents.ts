// Incidents by hand and incident-wide work: a lead opens an incident case (POST /incidents), any agent links
// a case to one (action link-incident), and a lead or the risk team resolves every open linked case at once
// (action resolve-linked on the incident).
//
// The guarantee of resolve-linked, and why: each linked case is resolved by its own change, saved with its
// version checked, and its `case.resolved` event is what sends the requester's resolution email (the
// stream is the outbox, once per event: notify.ts). The run has an id made of the incident and the
// version the request was made on; every case it resolves carries it (`incidentResolution`), so a retry
// of the same request — after a timeout, a crash half-way, or a 202 that stopped at the time budget —
// finds those cases done and writes (and emails) nothing more for them. The incident's own
// `incident.resolved-linked` event is written last, once every linked case is settled: a retry after it
// answers the same counts (`replayed: true`) without touching a case. Two runs racing meet on the version
// checks: the loser re-reads the case, sees the run's mark, and counts it once.
//
// Bounded: an incident links at most MAX_LINKED_CASES (500, as many as surge detection links); they are
// read in batches and resolved RESOLVE_PARALLELISM at a time. A run that reaches its time budget stops
// starting cases and answers 202 with what is left; sending the same request again continues it.
import type { FourEyes } from '#domain/approval-policy.ts';
import type { CaseEvent, CaseRecord } from '#domain/case.ts';
import {
  INCIDENT_REQUESTER,
  linkToIncident,
  openManualIncident,
  recordResolvedLinked,
  resolveLinkedActionId,
  resolveLinkedCase,
  type LinkedOutcome,
  type ResolveLinked,
} from '#domain/incident.ts';
import { rememberComplaint, type Policies } from '#domain/intake.ts';
import { TransitionError, type Change } from '#domain/lifecycle.ts';
import type { Outcome } from '#domain/case.ts';
import type { SlaPolicy } from '#domain/sla/policy.ts';
import type { NewIncident } from '#events/incident.ts';
import { BusyError, ConflictError, IdempotencyMismatchError, NotFoundError, ValidationError } from '../errors.ts';
import type { Agent } from '../http.ts';
import { sha256Hex } from '../ids.ts';
import type { CaseStore, Clock } from '../ports.ts';
import { withoutSecrets, type ShownCase } from '../shown-case.ts';
import { isCaseId } from './read-cases.ts';

/** Linked cases resolved at a time: enough to finish 500 well within the API's time, few enough not to throttle the table. */
export const RESOLVE_PARALLELISM = 8;
/** How long one request may spend starting cases before it answers 202 (the function has 10 s; API Gateway 29 s). */
export const RESOLVE_BUDGET_MS = 7_000;
const MAX_ATTEMPTS = 4;
/** Links race on the incident's version when many are made at once; each loser reads it again. */
const LINK_ATTEMPTS = 10;
const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

const staleVersion = (now: number) => new ConflictError(`Someone else changed this case (it is at version ${now}); reload it and try again`);

// ── opening by hand ───────────────────────────────────────────────────────────────────────────────

export interface OpenIncidentDeps {
  store: CaseStore;
  clock: Clock;
  policies: Policies;
  newCaseId: () => string;
  newReference: () => string;
}

/** A lead's incident: created once per Idempotency-Key (or, without one, per identical body) and caller. */
export async function openIncidentByHand(
  deps: OpenIncidentDeps,
  request: { agent: Agent; input: NewIncident; idempotencyKey?: string },
): Promise<{ caseId: string; reference: string; replayed: boolean }> {
  const { agent, input } = request;
  const fingerprint = sha256Hex(JSON.stringify([input.title, input.message, input.category ?? null]));
  const key = `incident-by-hand:${sha256Hex(`${agent.id}\n${request.idempotencyKey ?? fingerprint}`)}`;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const now = deps.clock.now();
    const context = await deps.store.loadIntakeContext({ email: INCIDENT_REQUESTER });
    const { record, event } = openManualIncident(input, { caseId: deps.newCaseId(), reference: deps.newReference(), now, policies: deps.policies, openedBy: agent.id });
    const outcome = await deps.store.createCase({
      record,
      event,
      idempotency: { key, fingerprint, expiresAt: Math.floor(now.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS },
      requesterVersion: context.requesterVersion,
      recent: rememberComplaint(context.recent, { caseId: record.caseId, reference: record.reference, category: record.category, openedAt: record.openedAt }, now, 1, 10),
      messageIds: [],
    });
    if (outcome.kind === 'created') return { caseId: record.caseId, reference: record.reference, replayed: false };
    if (outcome.kind === 'replay') {
      if (outcome.fingerprint !== fingerprint) throw new IdempotencyMismatchError();
      return { caseId: outcome.caseId, reference: outcome.reference, replayed: true };
    }
  }
  throw new BusyError();
}

// ── linking ───────────────────────────────────────────────────────────────────────────────────────

/** Links the case to the incident: both saved together, the case at the version the agent saw, the incident as it is now. */
export async function linkCaseToIncident(
  deps: { store: CaseStore; clock: Clock },
  request: { caseId: string; agent: Agent; role: string; incidentCaseId: string; expectedVersion: number },
): Promise<{ case: ShownCase; event: CaseEvent; incident: { caseId: string; version: number; linked: number } }> {
  const actor = { kind: 'agent' as const, id: request.agent.id, role: request.role };
  for (let attempt = 0; attempt < LINK_ATTEMPTS; attempt++) {
    // Many links to one incident at once (a bulk link) meet on its version: the losers go again, spread out.
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    const target = isCaseId(request.caseId) ? await deps.store.getCase(request.caseId) : undefined;
    if (!target) throw new NotFoundError('No such case');
    if (target.version !== request.expectedVersion) throw staleVersion(target.version);
    const incident = isCaseId(request.incidentCaseId) ? await deps.store.getCase(request.incidentCaseId) : undefined;
    if (!incident) throw new ValidationError([{ field: 'incidentCaseId', message: 'must be the id of an incident case' }]);
    let changes: { linked: Change; incident: Change };
    try {
      changes = linkToIncident(target, incident, actor, deps.clock.now());
    } catch (error) {
      if (error instanceof TransitionError) throw new ConflictError(error.message);
      throw error;
    }
    const outcome = await deps.store.saveChanges([changes.linked, changes.incident]);
    if (outcome.kind === 'saved') {
      const info = changes.incident.record.incident!;
      return { case: withoutSecrets(changes.linked.record), event: changes.linked.event, incident: { caseId: incident.caseId, version: changes.incident.record.version, linked: info.linkedCaseIds.length } };
    }
    // Stale: the case moved on (the next read answers 409) or the incident did (another link): read both again.
  }
  throw new BusyError();
}

// ── resolving every linked case ───────────────────────────────────────────────────────────────────

export interface ResolveLinkedDeps {
  store: CaseStore;
  clock: Clock;
  sla: SlaPolicy;
  fourEyes: FourEyes;
  /** Milliseconds since the request began (the time budget); tests pass their own. */
  elapsed: () => number;
  budgetMs?: number;
}

export interface ResolveLinkedResult {
  actionId: string;
  /** false: the time budget ran out with `remaining` cases not started; send the same request again to go on. */
  complete: boolean;
  resolved: number;
  proposed: number;
  skipped: number;
  remaining: number;
  /** The run had finished before: its counts, nothing written. */
  replayed: boolean;
  resolvedCaseIds: string[];
  proposedCaseIds: string[];
  skippedCases: { caseId: string; reason: string }[];
}

type Settled = { caseId: string; outcome: LinkedOutcome } | { caseId: string; outcome: 'remaining' };

export async function resolveLinkedCases(
  deps: ResolveLinkedDeps,
  request: { incidentCaseId: string; agent: Agent; role: string; message: string; outcome: Outcome; expectedVersion: number },
): Promise<{ case: ShownCase; event?: CaseEvent; result: ResolveLinkedResult }> {
  const actor = { kind: 'agent' as const, id: request.agent.id, role: request.role };
  const run: ResolveLinked = {
    actionId: resolveLinkedActionId(request.incidentCaseId, request.expectedVersion),
    incidentCaseId: request.incidentCaseId,
    message: request.message,
    outcome: request.outcome,
  };
  let incident = isCaseId(request.incidentCaseId) ? await deps.store.getCase(request.incidentCaseId) : undefined;
  if (!incident) throw new NotFoundError('No such case');
  if (!incident.incident) throw new ConflictError('The case is not an incident; resolve-linked works on incident cases');
  if (incident.incident.resolvedLinked?.actionId === run.actionId) return replay(deps.store, incident, run.actionId);
  if (incident.version !== request.expectedVersion) throw staleVersion(incident.version);

  const settled = new Map<string, Settled>();
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const todo = [...new Set(incident.incident!.linkedCaseIds)].filter((id) => !settled.has(id));
    for (const s of await settleCases(deps, todo, run, actor)) settled.set(s.caseId, s);
    const summary = summarize([...settled.values()]);
    if (summary.remaining > 0) return { case: withoutSecrets(incident), result: { ...summary, actionId: run.actionId, complete: false, replayed: false } };
    const change = recordResolvedLinked(incident, run, summary, actor, deps.clock.now());
    const saved = await deps.store.saveChange(change);
    if (saved.kind === 'saved') return { case: withoutSecrets(change.record), event: change.event, result: { ...summary, actionId: run.actionId, complete: true, replayed: false } };
    // The incident moved on meanwhile: another run of this request finished first, or a case was linked (settle it too).
    const now = await deps.store.getCase(request.incidentCaseId);
    if (!now?.incident) throw new ConflictError('The case is no longer an incident');
    if (now.incident.resolvedLinked?.actionId === run.actionId) return replay(deps.store, now, run.actionId);
    incident = now;
  }
  throw new BusyError();
}

/** Every given linked case settled (or left for the next request once the budget is spent), at most RESOLVE_PARALLELISM at a time. */
async function settleCases(deps: ResolveLinkedDeps, caseIds: string[], run: ResolveLinked, actor: { kind: 'agent'; id: string; role: string }): Promise<Settled[]> {
  const budget = deps.budgetMs ?? RESOLVE_BUDGET_MS;
  const out: Settled[] = [];
  let next = 0;
  // One batch read per 100 cases, shared by the workers.
  const batches = new Map<number, Promise<Map<string, CaseRecord>>>();
  const readBatch = (b: number) => {
    let batch = batches.get(b);
    if (!batch) batches.set(b, (batch = deps.store.getCases(caseIds.slice(b * 100, (b + 1) * 100))));
    return batch;
  };
  const worker = async () => {
    while (next < caseIds.length) {
      const i = next++;
      const caseId = caseIds[i]!;
      if (deps.elapsed() >= budget) {
        out.push({ caseId, outcome: 'remaining' });
        continue;
      }
      const read = (await readBatch(Math.floor(i / 100))).get(caseId);
      out.push(await settleOne(deps, caseId, read, run, actor));
    }
  };
  await Promise.all(Array.from({ length: Math.min(RESOLVE_PARALLELISM, caseIds.length) }, worker));
  return out;
}

async function settleOne(deps: ResolveLinkedDeps, caseId: string, read: CaseRecord | undefined, run: ResolveLinked, actor: { kind: 'agent'; id: string; role: string }): Promise<Settled> {
  let current = read;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const outcome = resolveLinkedCase(current, run, actor, deps.clock.now(), deps.sla, deps.fourEyes);
    if (outcome.kind === 'skipped' || !outcome.change) return { caseId, outcome };
    const saved = await deps.store.saveChange(outcome.change);
    if (saved.kind === 'saved') return { caseId, outcome };
    // Someone changed the case meanwhile (or this run's twin resolved it): decide again on what it is now.
    current = await deps.store.getCase(caseId);
  }
  return { caseId, outcome: 'remaining' };
}

function summarize(settled: Settled[]): Omit<ResolveLinkedResult, 'actionId' | 'complete' | 'replayed'> {
  const resolvedCaseIds: string[] = [];
  const proposedCaseIds: string[] = [];
  const skippedCases: { caseId: string; reason: string }[] = [];
  let remaining = 0;
  for (const s of settled) {
    if (s.outcome === 'remaining') remaining++;
    else if (s.outcome.kind === 'resolved') resolvedCaseIds.push(s.caseId);
    else if (s.outcome.kind === 'proposed') proposedCaseIds.push(s.caseId);
    else skippedCases.push({ caseId: s.caseId, reason: s.outcome.reason });
  }
  return { resolved: resolvedCaseIds.length, proposed: proposedCaseIds.length, skipped: skippedCases.length, remaining, resolvedCaseIds, proposedCaseIds, skippedCases };
}

/** A run that finished before: what its event recorded, nothing written. */
async function replay(store: CaseStore, incident: CaseRecord, actionId: string): Promise<{ case: ShownCase; event?: CaseEvent; result: ResolveLinkedResult }> {
  const found = await store.getCaseWithTimeline(incident.caseId);
  const event = found?.events.find((e) => e.type === 'incident.resolved-linked' && e.data.actionId === actionId);
  const d = (event?.data ?? {}) as Partial<ResolveLinkedResult>;
  const counts = incident.incident!.resolvedLinked!;
  return {
    case: withoutSecrets(found?.record ?? incident),
    ...(event && { event }),
    result: {
      actionId,
      complete: true,
      replayed: true,
      resolved: counts.resolved,
      proposed: counts.proposed,
      skipped: counts.skipped,
      remaining: 0,
      resolvedCaseIds: d.resolvedCaseIds ?? [],
      proposedCaseIds: d.proposedCaseIds ?? [],
      skippedCases: d.skippedCases ?? [],
    },
  };
}
