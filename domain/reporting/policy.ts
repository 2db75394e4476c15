// Reporting policy: schema and parser. Pure: the caller supplies the JSON (config/reporting-policy.json).
import * as z from 'zod/mini';
import { isValidTimeZone } from '../sla/calendar.ts';
import '../zod-english.ts';

const TimeZone = z.string().check(z.refine(isValidTimeZone, { error: (issue) => `unknown time zone ${JSON.stringify(issue.input)}` }));

/**
 * An EventBridge Scheduler cron expression without the `cron( )` wrapper: six fields
 * (minutes hours day-of-month month day-of-week year), exactly one of the two day fields "?".
 */
export function isSchedulerCron(expression: string): boolean {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) return false;
  if (!fields.every((f) => /^[0-9A-Za-z*?/,#L W-]+$/.test(f))) return false;
  const [, , dom, , dow] = fields;
  return (dom === '?') !== (dow === '?');
}

const Cadence = z.strictObject({
  cron: z.string().check(
    z.refine(isSchedulerCron, {
      error: (issue) => `must be a six-field EventBridge Scheduler cron expression with "?" in exactly one day field, got ${JSON.stringify(issue.input)}`,
    }),
  ),
  timeZone: TimeZone,
});

export const SurgePolicySchema = z
  .strictObject({
    /** A category surges when its last hour reaches factor × baseline (and minCount). */
    factor: z.number().check(z.gt(1)),
    /** How many previous days of the same hour make the baseline. */
    baselineDays: z.number().check(z.int(), z.gte(1), z.lte(60)),
    /** The baseline never drops below this: quiet categories do not alarm on a handful of cases. */
    baselineFloor: z.number().check(z.positive()),
    /** Never a surge below this many cases in the hour. */
    minCount: z.number().check(z.int(), z.positive()),
    /** One incident per category and window of this many hours (aligned to local midnight). */
    incidentWindowHours: z.number().check(z.int(), z.positive()),
  })
  .check(z.superRefine((s, ctx) => {
    if (24 % s.incidentWindowHours !== 0) {
      ctx.addIssue({ code: 'custom', path: ['incidentWindowHours'], message: 'must divide 24', input: s.incidentWindowHours });
    }
  }));
export type SurgePolicy = z.infer<typeof SurgePolicySchema>;

export const ReportingPolicySchema = z.strictObject({
  _comment: z.optional(z.union([z.string(), z.array(z.string())])),
  /** Buckets (day, hour, week) and report periods are local to this zone. */
  timeZone: TimeZone,
  surge: SurgePolicySchema,
  cadences: z.strictObject({ daily: Cadence, weekly: Cadence }),
  /** Upper edges (minutes, inclusive) of the first-response and resolution time histograms; +inf is implied. */
  histogramEdges: z.array(z.number().check(z.int(), z.positive())).check(
    z.minLength(1),
    z.refine((edges) => edges.every((e, i) => i === 0 || e > edges[i - 1]!), { error: 'edges must be strictly increasing' }),
  ),
  /** Items each aggregate key is spread over (see shardFor in aggregate.ts). */
  shards: z.number().check(z.int(), z.gte(1), z.lte(100)),
  /** How many categories the report lists as top repeat-complaint categories. */
  topRepeatCategories: z.number().check(z.int(), z.gte(1), z.lte(20)),
});
export type ReportingPolicy = z.infer<typeof ReportingPolicySchema>;

/** Thrown by parseReportingPolicy; `message` lists every problem as "path: message". */
export class ReportingPolicyError extends Error {
  override name = 'ReportingPolicyError';
  readonly issues: readonly { path: string; message: string }[];
  constructor(issues: readonly { path: string; message: string }[]) {
    super(`Invalid reporting policy:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`);
    this.issues = issues;
  }
}

export function parseReportingPolicy(json: unknown): ReportingPolicy {
  const result = ReportingPolicySchema.safeParse(json);
  if (result.success) return result.data;
  throw new ReportingPolicyError(
    result.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.') || '(root)', message: i.message })),
  );
}
