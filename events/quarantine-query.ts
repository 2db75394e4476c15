// GET /quarantine query string: which kind of held mail a lead lists (automatic mail by default), and paging.
import * as z from 'zod/mini';
import { parseQuery, type Parsed } from './request.ts';

export const QUARANTINE_KINDS = ['automatic', 'verdict', 'sender'] as const;
const LIMIT = 'must be a whole number from 1 to 100';

export const QuarantineQuerySchema = z.strictObject({
  kind: z.optional(z.enum(QUARANTINE_KINDS, `must be one of ${QUARANTINE_KINDS.join(', ')}`)),
  limit: z.optional(
    z.pipe(
      z.pipe(z.string(), z.transform((s) => Number(s))),
      z.number(LIMIT).check(z.refine((n) => Number.isInteger(n) && n >= 1 && n <= 100, LIMIT)),
    ),
  ),
  cursor: z.optional(z.string()),
});

export interface QuarantineQueryInput {
  kind: (typeof QUARANTINE_KINDS)[number];
  limit: number;
  cursor?: string;
}

export function parseQuarantineQuery(params: Record<string, string | undefined> | null): Parsed<QuarantineQueryInput> {
  const parsed = parseQuery(QuarantineQuerySchema, params ?? {}, 'is not a filter this API knows');
  if (!parsed.ok) return parsed;
  const { kind, limit, cursor } = parsed.value;
  return { ok: true, value: { kind: kind ?? 'automatic', limit: limit ?? 25, ...(cursor && { cursor }) } };
}
