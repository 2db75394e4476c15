// POST /subscriptions: who gets which report; DELETE /subscriptions/{subscriptionId}: which one goes.
import * as z from 'zod/mini';
import { CATEGORIES } from '#domain/case.ts';
import { TEXT_REQUIRED } from './inquiry.ts';
import { parseWith, type Parsed } from './request.ts';

export const SubscriptionSchema = z.object({
  email: z.pipe(
    z.pipe(z.string(TEXT_REQUIRED), z.transform((s) => s.trim().toLowerCase())),
    z.email('must be a valid email address').check(z.maxLength(254, 'is too long')),
  ),
  cadence: z.enum(['daily', 'weekly'], 'must be daily or weekly'),
  categories: z.optional(z.array(z.enum(CATEGORIES, `must be one of ${CATEGORIES.join(', ')}`), { error: (issue) => (issue.code === 'invalid_type' ? 'must be a list of categories' : undefined) }).check(z.maxLength(CATEGORIES.length))),
});

export type SubscriptionInput = z.output<typeof SubscriptionSchema>;

export const parseSubscription = (input: unknown): Parsed<SubscriptionInput> => parseWith(SubscriptionSchema, input);

export const SubscriptionPathSchema = z.object({ subscriptionId: z.string(TEXT_REQUIRED) });
