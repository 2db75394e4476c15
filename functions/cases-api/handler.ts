// The agent API: cases, a case with its timeline, actions, who opened a confidential case, and (for leads) the
// mail held in quarantine. API Gateway has verified the token already.
import { parseAgentAction } from '#events/agent-action.ts';
import { CasePathSchema, parseCaseQuery } from '#events/case-query.ts';
import { parseQuarantineQuery } from '#events/quarantine-query.ts';
import { parsePath } from '#events/request.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { confidentiality, fourEyes } from '#lib/governance-config.ts';
import { agentFrom, httpApi, json, readBody, requireRole, valid } from '#lib/http.ts';
import { policies } from '#lib/policies.ts';
import { teamsPolicy } from '#lib/teams-config.ts';
import { actOnCase } from '#lib/use-cases/act-on-case.ts';
import { caseViews, listCases, openCase } from '#lib/use-cases/read-cases.ts';

const env = loadEnv('cases-api');
const store = new DynamoCaseStore(env.CASES_TABLE, undefined);
const READERS = ['agent', 'lead', 'risk'] as const;
const MAX_ACTION_BYTES = 64 * 1024;

export const handler = httpApi(
  {
    'GET /cases': async (event) => json(200, await listCases(store, valid(parseCaseQuery(event.queryStringParameters)).value)),
    'GET /cases/{caseId}': async (event) => {
      const { caseId } = valid(parsePath(CasePathSchema, event.pathParameters)).value;
      return json(200, await openCase({ store, clock: systemClock, confidentiality }, { caseId, viewer: agentFrom(event), route: `${event.httpMethod} ${event.resource}` }));
    },
    'GET /cases/{caseId}/views': async (event) => {
      const { caseId } = valid(parsePath(CasePathSchema, event.pathParameters)).value;
      return json(200, await caseViews(store, { caseId, agent: agentFrom(event) }));
    },
    // Mail held instead of becoming a case (automatic mail by default): leads only.
    'GET /quarantine': async (event) => {
      requireRole(agentFrom(event), ['lead']);
      return json(200, await store.listQuarantined(valid(parseQuarantineQuery(event.queryStringParameters)).value));
    },
    'POST /cases/{caseId}/actions': async (event) => {
      const { caseId } = valid(parsePath(CasePathSchema, event.pathParameters)).value;
      const { action, expectedVersion } = valid(parseAgentAction(readBody(event, MAX_ACTION_BYTES)));
      return json(200, await actOnCase({ store, clock: systemClock, sla: policies.sla, fourEyes, teams: teamsPolicy }, { caseId, agent: agentFrom(event), action, expectedVersion }));
    },
  },
  { roles: READERS },
);
