// The macros API: the team's canned replies. Every agent role lists them; leads create, edit (with the
// version they saw: 409 when another lead saved first) and delete them. Applying one is a case action
// (apply-macro, in the cases API), and the picker's per-case preview is GET /cases/{caseId}/macros.
import { MacroPathSchema, parseMacroInput, parseMacroUpdate } from '#events/macro.ts';
import { parsePath } from '#events/request.ts';
import { DynamoMacroStore } from '#lib/adapters/dynamodb-macros.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { agentFrom, httpApi, json, readBody, requireRole, valid } from '#lib/http.ts';
import { newMacroId } from '#lib/ids.ts';
import { createMacro, deleteMacro, listMacros, updateMacro, type MacroDeps } from '#lib/use-cases/manage-macros.ts';

const env = loadEnv('macros-api');
const deps: MacroDeps = { macros: new DynamoMacroStore(env.MACROS_TABLE), clock: systemClock, newId: newMacroId };
const ROLES = ['agent', 'lead', 'risk'] as const;
const MAX_BYTES = 64 * 1024;

export const handler = httpApi(
  {
    'GET /macros': async (event) => {
      requireRole(agentFrom(event), ROLES);
      return json(200, { items: await listMacros(deps) });
    },
    'POST /macros': async (event) => {
      const agent = agentFrom(event);
      requireRole(agent, ['lead']);
      const input = valid(parseMacroInput(readBody(event, MAX_BYTES))).macro;
      return json(201, await createMacro(deps, input, agent.id));
    },
    'PUT /macros/{macroId}': async (event) => {
      const agent = agentFrom(event);
      requireRole(agent, ['lead']);
      const { macroId } = valid(parsePath(MacroPathSchema, event.pathParameters)).value;
      const { macro, expectedVersion } = valid(parseMacroUpdate(readBody(event, MAX_BYTES)));
      return json(200, await updateMacro(deps, macroId, macro, expectedVersion, agent.id));
    },
    'DELETE /macros/{macroId}': async (event) => {
      requireRole(agentFrom(event), ['lead']);
      const { macroId } = valid(parsePath(MacroPathSchema, event.pathParameters)).value;
      await deleteMacro(deps, macroId);
      return json(200, { macroId, deleted: true });
    },
  },
  { roles: ROLES },
);
