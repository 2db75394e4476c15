// An agent acts on a case: checked against their role and the version they saw, applied by the domain,
// saved with its audited event in one transaction. Four-eyes (the approval policy) makes some resolutions
// and reopenings proposals; the proposer deciding their own proposal is a 403 naming the rule. A merge changes
// two cases and is ./merge-case.ts's; link-incident and resolve-linked are ./incidents.ts's.
import type { CaseEvent } from '#domain/case.ts';
import type { FourEyes } from '#domain/approval-policy.ts';
import { UnknownTeamError, type TeamsPolicy } from '#domain/consult.ts';
import { applyAgentAction, FourEyesError, mayAct, TransitionError, type Change, type RequestedAction } from '#domain/lifecycle.ts';
import { applyMacro, impliedActions } from '#domain/macro.ts';
import type { SlaPolicy } from '#domain/sla/policy.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { newConsultToken } from '../ids.ts';
import type { Agent } from '../http.ts';
import type { AgentDirectory, CaseStore, Clock, MacroStore } from '../ports.ts';
import { withoutSecrets, type ShownCase } from '../shown-case.ts';
import { linkCaseToIncident, resolveLinkedCases, type ResolveLinkedResult } from './incidents.ts';
import { mergeCase } from './merge-case.ts';
import { isCaseId } from './read-cases.ts';

export interface ActDeps {
  store: CaseStore;
  clock: Clock;
  sla: SlaPolicy;
  fourEyes: FourEyes;
  teams: TeamsPolicy;
  /** The canned replies apply-macro reads, and the agents' names its {{agent.name}} renders. */
  macros: Pick<MacroStore, 'getMacro'>;
  agents: Pick<AgentDirectory, 'getAgent'>;
  /** Milliseconds since the request began: resolve-linked stops starting cases at its time budget. */
  elapsed?: () => number;
}

/**
 * What an action answers: the case and its event; link-incident adds the incident, resolve-linked its run's result
 * (no event while incomplete), merge the case merged into and its event.
 */
export interface ActResult {
  case: ShownCase;
  event?: CaseEvent;
  incident?: { caseId: string; version: number; linked: number };
  result?: ResolveLinkedResult;
  into?: { case: ShownCase; event: CaseEvent };
}

export interface ActRequest<A extends RequestedAction = RequestedAction> {
  caseId: string;
  agent: Agent;
  action: A;
  expectedVersion: number;
}

/** Every action but resolve-linked answers with its event (a resolve-linked stopped at its time budget has none yet). */
export function actOnCase(deps: ActDeps, request: ActRequest<Exclude<RequestedAction, { type: 'resolve-linked' }>>): Promise<ActResult & { event: CaseEvent }>;
export function actOnCase(deps: ActDeps, request: ActRequest): Promise<ActResult>;
export async function actOnCase(deps: ActDeps, request: ActRequest): Promise<ActResult> {
  const { agent, action } = request;
  if (!mayAct(agent.roles, action.type)) throw new ForbiddenError(`Your role may not ${action.type} cases`);
  const role = agent.roles.find((r) => mayAct([r], action.type)) ?? 'agent';
  // Actions on two cases or on many: their own use cases (merge-case.ts, incidents.ts) check the versions.
  if (action.type === 'merge') {
    return mergeCase(deps, { caseId: request.caseId, agent, role, intoCaseId: action.intoCaseId, expectedVersion: request.expectedVersion, intoExpectedVersion: action.intoExpectedVersion });
  }
  if (action.type === 'link-incident') return linkCaseToIncident(deps, { caseId: request.caseId, agent, role, incidentCaseId: action.incidentCaseId, expectedVersion: request.expectedVersion });
  if (action.type === 'resolve-linked') {
    const started = Date.now();
    const elapsed = deps.elapsed ?? (() => Date.now() - started);
    return resolveLinkedCases({ ...deps, elapsed }, { incidentCaseId: request.caseId, agent, role, message: action.message, outcome: action.outcome, expectedVersion: request.expectedVersion });
  }
  const current = isCaseId(request.caseId) ? await deps.store.getCase(request.caseId) : undefined;
  if (!current) throw new NotFoundError('No such case');
  if (current.version !== request.expectedVersion) throw staleVersion(current.version);
  let change: Change;
  const actor = { kind: 'agent' as const, id: agent.id, role };
  try {
    if (action.type === 'apply-macro') {
      const macro = await deps.macros.getMacro(action.macroId);
      if (!macro) throw new ValidationError([{ field: 'macroId', message: 'must be the id of a macro' }]);
      const refused = impliedActions(macro.changes).find((t) => !mayAct(agent.roles, t));
      if (refused) throw new ForbiddenError(`This macro would ${refused} the case, which your role may not do`);
      const name = (await deps.agents.getAgent(agent.id))?.name;
      change = applyMacro(current, macro, name, actor, deps.clock.now(), deps.sla, deps.fourEyes);
    } else {
      change = applyAgentAction(current, action, actor, deps.clock.now(), deps.sla, deps.fourEyes, { teams: deps.teams, token: newConsultToken() });
    }
  } catch (error) {
    if (error instanceof TransitionError) throw new ConflictError(error.message);
    if (error instanceof FourEyesError) throw new ForbiddenError(error.message);
    if (error instanceof UnknownTeamError) throw new ValidationError([{ field: 'team', message: error.message }]);
    throw error;
  }
  const outcome = await deps.store.saveChange({ record: change.record, event: change.event });
  if (outcome.kind !== 'saved') throw staleVersion(undefined);
  return { case: withoutSecrets(change.record), event: change.event };
}

export { withoutSecrets, type ShownCase } from '../shown-case.ts';

const staleVersion = (now: number | undefined) =>
  new ConflictError(`Someone else changed this case${now ? ` (it is at version ${now})` : ''}; reload it and try again`);
