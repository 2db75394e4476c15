// The agent API: cases, a case with its timeline, and actions. API Gateway has verified the token already.
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { parseAgentAction } from '#events/agent-action.ts';
import { parseCaseQuery } from '#events/case-query.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { NotFoundError, ValidationError } from '#lib/errors.ts';
import { agentFrom, httpErrors, json, readBody, requireRole } from '#lib/http.ts';
import { policies } from '#lib/policies.ts';
import { actOnCase } from '#lib/use-cases/act-on-case.ts';
import { getCase, listCases } from '#lib/use-cases/read-cases.ts';

const env = loadEnv('cases-api');
const store = new DynamoCaseStore(env.CASES_TABLE, undefined);
const READERS = ['agent', 'lead', 'risk'] as const;

type Route = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

const routes: Record<string, Route> = {
  'GET /cases': async (event) => {
    const query = parseCaseQuery(event.queryStringParameters ?? {});
    if (!query.ok) throw new ValidationError(query.problems);
    return json(200, await listCases(store, query.query));
  },
  'GET /cases/{caseId}': async (event) => json(200, await getCase(store, event.pathParameters?.caseId ?? '')),
  'POST /cases/{caseId}/actions': async (event) => {
    const parsed = parseAgentAction(readBody(event, MAX_ACTION_BYTES));
    if (!parsed.ok) throw new ValidationError(parsed.problems);
    const result = await actOnCase(
      { store, clock: systemClock, sla: policies.sla },
      { caseId: event.pathParameters?.caseId ?? '', agent: agentFrom(event), action: parsed.action, expectedVersion: parsed.expectedVersion },
    );
    return json(200, result);
  },
};

const MAX_ACTION_BYTES = 64 * 1024;

async function route(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  requireRole(agentFrom(event), READERS);
  const handle = routes[`${event.httpMethod} ${event.resource}`];
  if (!handle) throw new NotFoundError('No such route');
  return handle(event);
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(httpHeaderNormalizer())
  .use(httpErrors())
  .handler(route);
