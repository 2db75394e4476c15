// Leads subscribe stakeholders to the daily or weekly report and remove them. A repeated subscribe
// replaces the one subscription of that cadence and address (same id), so a retried POST adds nothing.
import type { SubscriptionInput } from '#events/subscription.ts';
import { subscriptionIdOf } from '#domain/reporting/subscription.ts';
import { NotFoundError } from '../errors.ts';
import type { Clock, ReportingStore, Subscription } from '../ports.ts';

export interface SubscriptionDeps {
  store: Pick<ReportingStore, 'listSubscriptions' | 'putSubscription' | 'deleteSubscription'>;
  clock: Clock;
}

export const subscribe = async (deps: SubscriptionDeps, input: SubscriptionInput, createdBy: string): Promise<Subscription> => {
  const subscription: Subscription = {
    subscriptionId: subscriptionIdOf(input.cadence, input.email),
    email: input.email,
    cadence: input.cadence,
    ...(input.categories?.length && { categories: [...new Set(input.categories)] }),
    createdAt: deps.clock.now().toISOString(),
    createdBy,
  };
  await deps.store.putSubscription(subscription);
  return subscription;
};

export const unsubscribe = async (deps: SubscriptionDeps, subscriptionId: string): Promise<void> => {
  if (!(await deps.store.deleteSubscription(subscriptionId))) throw new NotFoundError('No such subscription');
};
