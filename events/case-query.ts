// GET /cases query string (paging and the queue filters agents use, or `q`: a search by an exact key), the {caseId} of the routes
// under /cases/{caseId}, and the {n} of an attachment (1 for the first, as the export numbers them). A parameter given empty (a form's blank filter) counts as absent.
import * as z from 'zod/mini';
import { CASE_STATUSES, CATEGORIES, CHANNELS, PRIORITIES } from '#domain/case.ts';
import { TEXT_REQUIRED } from './inquiry.ts';
import { parseQuery, type Parsed } from './request.ts';

const ASSIGNEE = /^[A-Za-z0-9._:@-]{1,128}$/;
const LIMIT = 'must be a whole number from 1 to 100';
const oneOf = <const T extends readonly [string, ...string[]]>(allowed: T) => z.optional(z.enum(allowed, `must be one of ${allowed.join(', ')}`));

/** In the order the problems are reported. */
export const CaseQuerySchema = z.strictObject({
  limit: z.optional(
    z.pipe(
      z.pipe(z.string(), z.transform((s) => Number(s))),
      z.number(LIMIT).check(z.refine((n) => Number.isInteger(n) && n >= 1 && n <= 100, LIMIT)),
    ),
  ),
  status: oneOf(CASE_STATUSES),
  priority: oneOf(PRIORITIES),
  category: oneOf(CATEGORIES),
  breached: z.optional(z.pipe(z.enum(['true', 'false'], 'must be one of true, false'), z.transform((s) => s === 'true'))),
  assignee: z.optional(z.string().check(z.regex(ASSIGNEE, "must be an agent id or 'none'"))),
  channel: oneOf(CHANNELS),
  topConsumer: z.optional(z.pipe(z.enum(['true', 'false'], 'must be one of true, false'), z.transform((s) => s === 'true'))),
  cursor: z.optional(z.string()),
  q: z.optional(z.string().check(z.refine((s) => s.trim().length >= 1 && s.trim().length <= 200, 'must be 1 to 200 characters'))),
});

export interface CaseQueryInput {
  limit: number;
  /** A search term (reference, case id, email, user id, transaction id): exclusive of filters and cursor. */
  q?: string;
  cursor?: string;
  filter: {
    status?: (typeof CASE_STATUSES)[number];
    priority?: (typeof PRIORITIES)[number];
    category?: (typeof CATEGORIES)[number];
    assignee?: string;
    breached?: boolean;
    channel?: (typeof CHANNELS)[number];
    topConsumer?: boolean;
  };
}

export function parseCaseQuery(params: Record<string, string | undefined> | null): Parsed<CaseQueryInput> {
  const given = Object.entries(params ?? {}).filter(([key, value]) => !(value === '' && Object.hasOwn(CaseQuerySchema.def.shape, key)));
  const parsed = parseQuery(CaseQuerySchema, Object.fromEntries(given), 'is not a filter this API knows');
  if (!parsed.ok) return parsed;
  const { limit, cursor, status, priority, category, assignee, breached, channel, topConsumer, q } = parsed.value;
  if (q !== undefined) {
    const others = Object.keys(parsed.value).filter((k) => k !== 'q' && k !== 'limit' && parsed.value[k as keyof typeof parsed.value] !== undefined);
    if (others.length > 0) return { ok: false, problems: [{ field: 'q', message: `is a search by an exact key and cannot be combined with ${others.join(', ')}` }] };
    return { ok: true, value: { limit: limit ?? 25, q: q.trim(), filter: {} } };
  }
  return {
    ok: true,
    value: {
      limit: limit ?? 25,
      ...(cursor && { cursor }),
      filter: {
        ...(status && { status }),
        ...(priority && { priority }),
        ...(category && { category }),
        ...(assignee && { assignee }),
        ...(breached !== undefined && { breached }),
        ...(channel && { channel }),
        ...(topConsumer !== undefined && { topConsumer }),
      },
    },
  };
}

export const CasePathSchema = z.object({ caseId: z.string(TEXT_REQUIRED) });

const ATTACHMENT_NUMBER = 'must be a whole number from 1 (the first attachment)';

/** GET /cases/{caseId}/attachments/{n}: n counts the case's attachments from 1, as `attachments/<n>-<filename>` in its export. */
export const AttachmentPathSchema = z.object({
  caseId: z.string(TEXT_REQUIRED),
  n: z.pipe(
    z.string(ATTACHMENT_NUMBER).check(z.regex(/^[1-9][0-9]{0,5}$/, ATTACHMENT_NUMBER)),
    z.transform((s) => Number(s)),
  ),
});
