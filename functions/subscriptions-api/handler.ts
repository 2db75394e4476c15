// GET/POST /subscriptions and DELETE /subscriptions/{subscriptionId}: leads manage who gets the reports.
import { parsePath } from '#events/request.ts';
import { parseSubscription, SubscriptionPathSchema } from '#events/subscription.ts';
import { DynamoReportingStore, subscriptionId } from '#lib/adapters/reporting-store.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { NotFoundError } from '#lib/errors.ts';
import { agentFrom, httpApi, json, readBody, valid } from '#lib/http.ts';

const env = loadEnv('subscriptions-api');
const store = new DynamoReportingStore(env.REPORTING_TABLE);
const clock = systemClock;

const MAX_SUBSCRIPTION_BYTES = 8 * 1024;

export const handler = httpApi(
  {
    'GET /subscriptions': async () => json(200, { items: await store.listSubscriptions() }),
    'POST /subscriptions': async (event) => {
      const { email, cadence, categories } = valid(parseSubscription(readBody(event, MAX_SUBSCRIPTION_BYTES))).value;
      const subscription = {
        subscriptionId: subscriptionId(cadence, email),
        email,
        cadence,
        ...(categories?.length && { categories: [...new Set(categories)] }),
        createdAt: clock.now().toISOString(),
        createdBy: agentFrom(event).id,
      };
      await store.putSubscription(subscription);
      return json(201, subscription);
    },
    'DELETE /subscriptions/{subscriptionId}': async (event) => {
      const { subscriptionId } = valid(parsePath(SubscriptionPathSchema, event.pathParameters)).value;
      if (!(await store.deleteSubscription(subscriptionId))) throw new NotFoundError('No such subscription');
      return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
    },
  },
  { roles: ['lead'] },
);
