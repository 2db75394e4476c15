// The agents API: the team's agent records (any agent role reads them; leads add and change them) and an
// agent's own availability (on shift / away), which hands their waiting work back to the pool when they go.
import { AgentPathSchema, parseAgentInput, parseAvailability } from '#events/agent-record.ts';
import { parsePath } from '#events/request.ts';
import { DynamoAgentDirectory } from '#lib/adapters/dynamodb-agents.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { assignmentPolicy } from '#lib/assignment-config.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { agentFrom, httpApi, json, readBody, requireRole, valid } from '#lib/http.ts';
import { slaPolicy } from '#lib/sla-config.ts';
import { putAgent, setAvailability, type AssignDeps } from '#lib/use-cases/assign-on-shift.ts';

const env = loadEnv('agents-api');
const deps: AssignDeps = {
  store: new DynamoCaseStore(env.CASES_TABLE, undefined),
  agents: new DynamoAgentDirectory(env.AGENTS_TABLE),
  clock: systemClock,
  sla: slaPolicy,
  policy: assignmentPolicy,
};
const ROLES = ['agent', 'lead', 'risk'] as const;
const MAX_BYTES = 8 * 1024;

export const handler = httpApi(
  {
    'GET /agents': async (event) => {
      requireRole(agentFrom(event), ROLES);
      return json(200, { items: await deps.agents.listAgents() });
    },
    'PUT /agents/{agentId}': async (event) => {
      requireRole(agentFrom(event), ['lead']);
      const { agentId } = valid(parsePath(AgentPathSchema, event.pathParameters)).value;
      const input = valid(parseAgentInput(readBody(event, MAX_BYTES))).value;
      return json(200, await putAgent(deps, { agentId, ...input }));
    },
    'POST /agents/me/availability': async (event) => {
      const agent = agentFrom(event);
      requireRole(agent, ROLES);
      const { availability } = valid(parseAvailability(readBody(event, MAX_BYTES))).value;
      return json(200, await setAvailability(deps, { agentId: agent.id, availability }));
    },
  },
  { roles: ROLES },
);
