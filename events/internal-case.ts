// POST /internal/cases: another team (role internal) opens a case on behalf of a user, creator or agency —
// the inquiry's own fields, whom it is for, the creators an agency's case concerns, and other internal people
// who may follow it. GET /internal/cases: the caller's own escalations, paginated.
import * as z from 'zod/mini';
import { REQUESTER_KINDS } from '#domain/internal.ts';
import { describeIssues, InquirySchema, type FieldProblem, type Inquiry } from './inquiry.ts';
import { parseQuery, type Parsed } from './request.ts';

const USER_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const userIds = (what: string, max: number) =>
  z.array(z.string('must be a list of ids').check(z.regex(USER_ID, `must be ${what}: letters, digits and . _ : -`)), 'must be a list of ids').check(
    z.maxLength(max, `must name at most ${max}`),
  );

export const InternalCaseSchema = z.extend(InquirySchema, {
  onBehalfOf: z.enum(REQUESTER_KINDS, `must be one of ${REQUESTER_KINDS.join(', ')}`),
  creatorUserIds: z.optional(userIds('creator user ids', 50).check(z.minLength(1, 'must name at least one creator'))),
  named: z.optional(userIds('internal user ids', 20)),
});

export type InternalCaseInput = Inquiry & { onBehalfOf: (typeof REQUESTER_KINDS)[number]; creatorUserIds?: string[]; named?: string[] };

export function parseInternalCase(input: unknown): Parsed<InternalCaseInput> {
  const result = InternalCaseSchema.safeParse(input);
  const problems: FieldProblem[] = result.success ? [] : describeIssues(result.error.issues);
  const given = (field: string) => !!input && typeof input === 'object' && (input as Record<string, unknown>)[field] !== undefined;
  if (given('amount') && !given('currency')) problems.push({ field: 'currency', message: 'is required when amount is given' });
  if (given('creatorUserIds') && (input as Record<string, unknown>).onBehalfOf !== 'agency') problems.push({ field: 'creatorUserIds', message: 'only an agency names several creators' });
  if (!result.success || problems.length > 0) return { ok: false, problems };
  return { ok: true, value: result.data as InternalCaseInput };
}

const LIMIT = 'must be a whole number from 1 to 100';
export const InternalQuerySchema = z.strictObject({
  limit: z.optional(z.pipe(z.pipe(z.string(), z.transform((s) => Number(s))), z.number(LIMIT).check(z.refine((n) => Number.isInteger(n) && n >= 1 && n <= 100, LIMIT)))),
  cursor: z.optional(z.string()),
});

export function parseInternalQuery(params: Record<string, string | undefined> | null): Parsed<{ limit: number; cursor?: string }> {
  const parsed = parseQuery(InternalQuerySchema, params, 'is not a parameter this API knows');
  if (!parsed.ok) return parsed;
  return { ok: true, value: { limit: parsed.value.limit ?? 25, ...(parsed.value.cursor && { cursor: parsed.value.cursor }) } };
}
