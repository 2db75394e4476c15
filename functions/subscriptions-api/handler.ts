// GET/POST /subscriptions and DELETE /subscriptions/{subscriptionId}: leads manage who gets the reports.
import { parsePath } from '#events/request.ts';
import { parseSubscription, SubscriptionPathSchema } from '#events/subscription.ts';
import { DynamoReportingStore } from '#lib/adapters/reporting-store.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { agentFrom, httpApi, json, readBody, valid } from '#lib/http.ts';
import { type SubscriptionDeps, subscribe, unsubscribe } from '#lib/use-cases/manage-subscriptions.ts';

const env = loadEnv('subscriptions-api');
const deps: SubscriptionDeps = { store: new DynamoReportingStore(env.REPORTING_TABLE), clock: systemClock };

const MAX_SUBSCRIPTION_BYTES = 8 * 1024;

export const handler = httpApi(
  {
    'GET /subscriptions': async () => json(200, { items: await deps.store.listSubscriptions() }),
    'POST /subscriptions': async (event) => {
      const input = valid(parseSubscription(readBody(event, MAX_SUBSCRIPTION_BYTES))).value;
      const subscription = await subscribe(deps, input, agentFrom(event).id);
      return json(201, subscription);
    },
    'DELETE /subscriptions/{subscriptionId}': async (event) => {
      const { subscriptionId } = valid(parsePath(SubscriptionPathSchema, event.pathParameters)).value;
      await unsubscribe(deps, subscriptionId);
      return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
    },
  },
  { roles: ['lead'] },
);
