// GET /ratings (the link from the resolution email: token and score in the query string) and POST /ratings
// (the page's form: token, score and an optional comment). Shape only; whether the token is ours, still valid
// and unused is the use case's (functions/lib/use-cases/rate-case.ts).
import * as z from 'zod/mini';
import { MAX_RATING_COMMENT } from '#domain/satisfaction.ts';
import { parseQuery, parseWith, type Parsed } from './request.ts';

const token = z.string('is required').check(z.minLength(1, 'is required'), z.maxLength(2048, 'must be at most 2048 characters'));
const score = z.string('is required').check(z.regex(/^[1-5]$/, 'must be a whole number from 1 to 5'));

export const RatingLinkSchema = z.strictObject({ token, score });
export const RatingFormSchema = z.strictObject({
  token,
  score,
  comment: z.optional(z.string('must be text').check(z.maxLength(MAX_RATING_COMMENT, `must be at most ${MAX_RATING_COMMENT} characters`))),
});

export interface RatingInput {
  token: string;
  score: number;
  comment?: string;
}

export function parseRatingLink(params: Record<string, string | undefined> | null): Parsed<RatingInput> {
  const parsed = parseQuery(RatingLinkSchema, params, 'is not a parameter of a rating link');
  return parsed.ok ? { ok: true, value: { token: parsed.value.token, score: Number(parsed.value.score) } } : parsed;
}

export function parseRatingForm(body: unknown): Parsed<RatingInput> {
  const parsed = parseWith(RatingFormSchema, body);
  if (!parsed.ok) return parsed;
  const comment = parsed.value.comment?.trim();
  return { ok: true, value: { token: parsed.value.token, score: Number(parsed.value.score), ...(comment && { comment }) } };
}
