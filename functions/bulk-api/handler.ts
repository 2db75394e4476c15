// POST /cases/bulk: one action on up to 100 cases. Its own function because it needs what a single-case call
// does not: a timeout near API Gateway's 29 s (100 cases, 10 at a time, each its own transaction), while the
// cases API keeps its short one. Each case goes through actOnCase, as POST /cases/{caseId}/actions does.
import { parseBulkRequest } from '#events/bulk-action.ts';
import { DynamoAgentDirectory } from '#lib/adapters/dynamodb-agents.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { DynamoMacroStore } from '#lib/adapters/dynamodb-macros.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { fourEyes } from '#lib/governance-config.ts';
import { httpApi, json, readBody, agentFrom, valid } from '#lib/http.ts';
import { slaPolicy } from '#lib/sla-config.ts';
import { teamsPolicy } from '#lib/teams-config.ts';
import { type BulkDeps, bulkActOnCases } from '#lib/use-cases/bulk-act.ts';

const env = loadEnv('bulk-api');
const store = new DynamoCaseStore(env.CASES_TABLE, undefined);
const deps: BulkDeps = {
  store,
  bulk: store,
  clock: systemClock,
  sla: slaPolicy,
  fourEyes,
  teams: teamsPolicy,
  macros: new DynamoMacroStore(env.MACROS_TABLE),
  agents: new DynamoAgentDirectory(env.AGENTS_TABLE),
};
const MAX_BULK_BYTES = 256 * 1024;

export const handler = httpApi(
  {
    'POST /cases/bulk': async (event) => {
      const { request, idempotencyKey } = valid(parseBulkRequest(readBody(event, MAX_BULK_BYTES), event.headers['idempotency-key']));
      const outcome = await bulkActOnCases(deps, { agent: agentFrom(event), bulk: request, ...(idempotencyKey && { idempotencyKey }) });
      return json(200, { results: outcome.results }, outcome.replayed ? { 'idempotent-replayed': 'true' } : {});
    },
  },
  { roles: ['agent', 'lead', 'risk'] },
);
