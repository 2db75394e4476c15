// GET /users/{userId}: the account in the path and the ledger window in the query (`days`, default 90,
// 1 to 366), each checked so a bad one is a 400 naming it.
import * as z from 'zod/mini';
import { parsePath, parseQuery, type Parsed } from './request.ts';

export const USER_WINDOW_DAYS = { default: 90, min: 1, max: 366 } as const;

export const UserPathSchema = z.object({
  userId: z.string('is required').check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1 to 128 letters, digits and . _ : -')),
});

const UserQuerySchema = z.strictObject({
  days: z.optional(z.string().check(z.regex(/^\d{1,3}$/, `must be a whole number of days from ${USER_WINDOW_DAYS.min} to ${USER_WINDOW_DAYS.max}`))),
});

export const parseUserPath = (params: Record<string, string | undefined> | null): Parsed<{ userId: string }> => parsePath(UserPathSchema, params);

export function parseUserQuery(params: Record<string, string | undefined> | null): Parsed<{ days: number }> {
  const parsed = parseQuery(UserQuerySchema, params, 'is not a parameter of GET /users/{userId}');
  if (!parsed.ok) return parsed;
  const days = parsed.value.days === undefined ? USER_WINDOW_DAYS.default : Number(parsed.value.days);
  if (days < USER_WINDOW_DAYS.min || days > USER_WINDOW_DAYS.max) {
    return { ok: false, problems: [{ field: 'days', message: `must be a whole number of days from ${USER_WINDOW_DAYS.min} to ${USER_WINDOW_DAYS.max}` }] };
  }
  return { ok: true, value: { days } };
}
