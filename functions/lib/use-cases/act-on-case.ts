// An agent acts on a case: checked against their role and the version they saw, applied by the domain,
// saved with its audited event in one transaction. Four-eyes (the approval policy) makes some resolutions
// and reopenings proposals; the proposer deciding their own proposal is a 403 naming the rule.
import type { CaseEvent, CaseRecord } from '#domain/case.ts';
import type { FourEyes } from '#domain/approval-policy.ts';
import { UnknownTeamError, type Consult, type TeamsPolicy } from '#domain/consult.ts';
import { applyAgentAction, FourEyesError, mayAct, TransitionError, type Change, type RequestedAction } from '#domain/lifecycle.ts';
import { applyMacro, impliedActions } from '#domain/macro.ts';
import type { SlaPolicy } from '#domain/sla/policy.ts';
import { ConflictError, ForbiddenError, NotFoundError, StaleVersionError, ValidationError } from '../errors.ts';
import { newConsultToken } from '../ids.ts';
import type { Agent } from '../http.ts';
import type { AgentDirectory, CaseStore, Clock, IdempotencyClaim, MacroStore } from '../ports.ts';
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
}

export async function actOnCase(
  deps: ActDeps,
  /** `idempotency`: a claim saved with the change (a bulk action's, so its retry can tell it applied this). */
  request: { caseId: string; agent: Agent; action: RequestedAction; expectedVersion: number; idempotency?: IdempotencyClaim },
): Promise<{ case: ShownCase; event: CaseEvent }> {
  const { agent, action } = request;
  if (!mayAct(agent.roles, action.type)) throw new ForbiddenError(`Your role may not ${action.type} cases`);
  const current = isCaseId(request.caseId) ? await deps.store.getCase(request.caseId) : undefined;
  if (!current) throw new NotFoundError('No such case');
  if (current.version !== request.expectedVersion) throw staleVersion(current.version);
  let change: Change;
  const actor = { kind: 'agent' as const, id: agent.id, role: agent.roles.find((r) => mayAct([r], action.type)) ?? 'agent' };
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
  const outcome = await deps.store.saveChange({ record: change.record, event: change.event, ...(request.idempotency && { idempotency: request.idempotency }) });
  if (outcome.kind !== 'saved') throw staleVersion(undefined);
  return { case: withoutSecrets(change.record), event: change.event };
}

/** A case as the API shows it: consult tokens (the secret an email answer carries) left out. */
export type ShownCase = Omit<CaseRecord, 'consults'> & { consults?: Omit<Consult, 'token'>[] };

export function withoutSecrets(record: CaseRecord): ShownCase {
  if (!record.consults) return record;
  return { ...record, consults: record.consults.map(({ token: _token, ...consult }) => consult) };
}

const staleVersion = (now: number | undefined) =>
  new StaleVersionError(`Someone else changed this case${now ? ` (it is at version ${now})` : ''}; reload it and try again`);
