// GET/POST /subscriptions and DELETE /subscriptions/{subscriptionId}: leads manage who gets the reports.
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { parseSubscription } from '#events/subscription.ts';
import { DynamoReportingStore, subscriptionId } from '#lib/adapters/reporting-store.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { NotFoundError, ValidationError } from '#lib/errors.ts';
import { agentFrom, httpErrors, json, readBody, requireRole } from '#lib/http.ts';

const env = loadEnv('subscriptions-api');
const store = new DynamoReportingStore(env.REPORTING_TABLE);
const clock = systemClock;

async function route(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const agent = agentFrom(event);
  requireRole(agent, ['lead']);
  switch (`${event.httpMethod} ${event.resource}`) {
    case 'GET /subscriptions':
      return json(200, { items: await store.listSubscriptions() });
    case 'POST /subscriptions': {
      const parsed = parseSubscription(readBody(event, 8 * 1024));
      if (!parsed.ok) throw new ValidationError(parsed.problems);
      const { email, cadence, categories } = parsed.value;
      const subscription = {
        subscriptionId: subscriptionId(cadence, email),
        email,
        cadence,
        ...(categories?.length && { categories: [...new Set(categories)] }),
        createdAt: clock.now().toISOString(),
        createdBy: agent.id,
      };
      await store.putSubscription(subscription);
      return json(201, subscription);
    }
    case 'DELETE /subscriptions/{subscriptionId}':
      if (!(await store.deleteSubscription(event.pathParameters?.subscriptionId ?? ''))) throw new NotFoundError('No such subscription');
      return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
    default:
      throw new NotFoundError('No such route');
  }
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>().use(httpHeaderNormalizer()).use(httpErrors()).handler(route);
