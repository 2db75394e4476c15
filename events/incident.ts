// POST /incidents: a lead (or the risk team) opens an incident case by hand — a title (the case's subject,
// one line), what is going on (the message) and, optionally, the category it concerns. Strict: an unknown
// field is named in the 400 rather than silently dropped (a typo in `category` must not open a case without it).
import * as z from 'zod/mini';
import { CATEGORIES, type Category } from '#domain/case.ts';
import { INQUIRY_LIMITS, TEXT_REQUIRED } from './inquiry.ts';
import { parseQuery, type Parsed } from './request.ts';

const SINGLE_LINE = /^[^\p{Cc}\p{Cf}\u2028\u2029]*$/u;
const MULTI_LINE = /^[^\p{Cc}\u2028\u2029]*$/u;

export const NewIncidentSchema = z.strictObject({
  title: z.pipe(z.string(TEXT_REQUIRED), z.transform((s) => s.trim())).check(
    z.minLength(1, 'is required'),
    z.maxLength(INQUIRY_LIMITS.subject, `must be at most ${INQUIRY_LIMITS.subject} characters`),
    z.regex(SINGLE_LINE, 'must be a single line of text'),
  ),
  message: z.string(TEXT_REQUIRED).check(
    z.refine((s) => s.trim().length > 0, 'is required'),
    z.maxLength(INQUIRY_LIMITS.message, `must be at most ${INQUIRY_LIMITS.message} characters`),
    z.refine((s) => MULTI_LINE.test(s.replace(/[\t\r\n]/g, '')), 'must not contain control characters'),
  ),
  category: z.optional(z.enum(CATEGORIES, `must be one of ${CATEGORIES.join(', ')}`)),
});

export interface NewIncident {
  title: string;
  message: string;
  category?: Category;
}

export function parseNewIncident(input: unknown): Parsed<NewIncident> {
  // Unknown fields are named one by one, as for a query string.
  const parsed = parseQuery(NewIncidentSchema, input as Record<string, string | undefined>, 'is not a field of an incident');
  return parsed.ok ? { ok: true, value: parsed.value as NewIncident } : parsed;
}
