// GET /cases query string: paging and the queue filters agents use.
import { CASE_STATUSES, CATEGORIES, PRIORITIES } from '#domain/case.ts';
import type { FieldProblem } from './inquiry.ts';

export interface CaseQueryInput {
  limit: number;
  cursor?: string;
  filter: {
    status?: (typeof CASE_STATUSES)[number];
    priority?: (typeof PRIORITIES)[number];
    category?: (typeof CATEGORIES)[number];
    assignee?: string;
    breached?: boolean;
  };
}

const ASSIGNEE = /^[A-Za-z0-9._:@-]{1,128}$/;
const KNOWN = new Set(['limit', 'cursor', 'status', 'priority', 'category', 'assignee', 'breached']);

export function parseCaseQuery(params: Record<string, string | undefined>): { ok: true; query: CaseQueryInput } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const oneOf = <T extends string>(field: string, allowed: readonly T[]): T | undefined => {
    const value = params[field];
    if (value === undefined || value === '') return undefined;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    problems.push({ field, message: `must be one of ${allowed.join(', ')}` });
    return undefined;
  };
  for (const key of Object.keys(params)) if (!KNOWN.has(key)) problems.push({ field: key, message: 'is not a filter this API knows' });
  const limitText = params.limit;
  const limit = limitText === undefined || limitText === '' ? 25 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) problems.push({ field: 'limit', message: 'must be a whole number from 1 to 100' });
  const status = oneOf('status', CASE_STATUSES);
  const priority = oneOf('priority', PRIORITIES);
  const category = oneOf('category', CATEGORIES);
  const breachedText = oneOf('breached', ['true', 'false'] as const);
  const assignee = params.assignee;
  if (assignee !== undefined && assignee !== '' && !ASSIGNEE.test(assignee)) problems.push({ field: 'assignee', message: "must be an agent id or 'none'" });
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    query: {
      limit,
      ...(params.cursor && { cursor: params.cursor }),
      filter: {
        ...(status && { status }),
        ...(priority && { priority }),
        ...(category && { category }),
        ...(assignee && { assignee }),
        ...(breachedText && { breached: breachedText === 'true' }),
      },
    },
  };
}
