// GET /reports/current query string: which period in progress the console's dashboard shows.
import * as z from 'zod/mini';
import { parseQuery, type Parsed } from './request.ts';

export const ReportQuerySchema = z.strictObject({
  cadence: z.optional(z.enum(['daily', 'weekly'], 'must be daily or weekly')),
});

export interface ReportQuery {
  cadence: 'daily' | 'weekly';
}

/** No cadence means the daily report; an empty one is not a cadence. */
export function parseReportQuery(params: Record<string, string | undefined> | null): Parsed<ReportQuery> {
  const parsed = parseQuery(ReportQuerySchema, params, 'is not a parameter this API knows');
  return parsed.ok ? { ok: true, value: { cadence: parsed.value.cadence ?? 'daily' } } : parsed;
}
