// SLA policy: schema and parser. Pure: the caller supplies the JSON (e.g. config/sla-policy.json).
import * as z from 'zod/mini';
import { PRIORITIES, VALUE_TIERS, type Priority } from '../case.ts';
import '../zod-english.ts';
import { WEEKDAYS, isValidTimeZone } from './calendar.ts';

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

function isRealDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(2000, 0, 1));
  date.setUTCFullYear(y, mo - 1, d);
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

function toMinutes(hhmm: string): number {
  const [h = 0, m = 0] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

const Comment = z.optional(z.union([z.string(), z.array(z.string())]));

const CalendarSchema = z
  .strictObject({
    timeZone: z.string().check(
      z.refine(isValidTimeZone, {
        error: (issue) => `unknown time zone ${JSON.stringify(issue.input)}`,
      }),
    ),
    workDays: z.array(z.enum(WEEKDAYS)).check(
      z.minLength(1, { error: 'at least one work day is required' }),
      z.refine((days) => new Set(days).size === days.length, { error: 'work days must not repeat' }),
    ),
    open: z.string().check(z.regex(HH_MM, { error: 'must be a 24-hour time "HH:MM"' })),
    close: z.string().check(z.regex(HH_MM, { error: 'must be a 24-hour time "HH:MM"' })),
    holidays: z.array(
      z.string().check(
        z.refine(isRealDate, {
          error: (issue) => `must be a real local date "YYYY-MM-DD", got ${JSON.stringify(issue.input)}`,
        }),
      ),
    ),
    _comment: Comment,
  })
  .check(z.superRefine((cal, ctx) => {
    if (toMinutes(cal.open) >= toMinutes(cal.close)) {
      ctx.addIssue({
        code: 'custom',
        path: ['close'],
        message: `close (${cal.close}) must be after open (${cal.open})`,
        input: cal.close,
      });
    }
  }));

const PositiveMinutes = z.number().check(z.int(), z.positive());

const TargetSchema = z
  .strictObject({
    firstResponseMinutes: PositiveMinutes,
    resolutionMinutes: PositiveMinutes,
    clock: z.enum(['24x7', 'business']),
    _comment: Comment,
  })
  .check(z.superRefine((t, ctx) => {
    if (t.resolutionMinutes < t.firstResponseMinutes) {
      ctx.addIssue({
        code: 'custom',
        path: ['resolutionMinutes'],
        message: `resolutionMinutes (${t.resolutionMinutes}) must not be less than firstResponseMinutes (${t.firstResponseMinutes})`,
        input: t.resolutionMinutes,
      });
    }
  }));

function perPriority<T extends z.ZodMiniType>(schema: T) {
  const shape = Object.fromEntries(PRIORITIES.map((p) => [p, schema])) as Record<Priority, T>;
  return z.strictObject(shape);
}

/**
 * Top consumers (a value tier from the profiles table, or 90 days of spend in the ledger) get a first response
 * sooner: each priority's target here, on that priority's clock, when it is tighter than the priority's own.
 */
const TopConsumerSchema = z.strictObject({
  _comment: Comment,
  tiers: z.array(z.enum(VALUE_TIERS)).check(z.minLength(1)),
  /** Succeeded coin purchases and subscriptions in the last 90 days, in USD (the triage policy's FX rates). */
  spendUsd90dAtLeast: z.number().check(z.positive()),
  firstResponseMinutes: perPriority(PositiveMinutes),
});

export const SlaPolicySchema = z
  .strictObject({
    _comment: Comment,
    calendar: CalendarSchema,
    targets: perPriority(TargetSchema),
    preBreachWarningMinutes: perPriority(z.number().check(z.int(), z.nonnegative())),
    autoCloseAfterMinutes: PositiveMinutes,
    topConsumer: z.optional(TopConsumerSchema),
  })
  .check(z.superRefine((p, ctx) => {
    for (const priority of PRIORITIES) {
      const tighter = p.topConsumer?.firstResponseMinutes[priority];
      if (tighter !== undefined && tighter > p.targets[priority].firstResponseMinutes) {
        ctx.addIssue({ code: 'custom', path: ['topConsumer', 'firstResponseMinutes', priority], message: `must not be more than targets.${priority}.firstResponseMinutes (${p.targets[priority].firstResponseMinutes})`, input: tighter });
      }
    }
  }));

export type SlaPolicy = z.infer<typeof SlaPolicySchema>;
export type SlaClock = SlaPolicy['targets'][Priority]['clock'];

/** Thrown by parseSlaPolicy; `message` lists every problem as "path: message". */
export class SlaPolicyError extends Error {
  readonly issues: readonly { path: string; message: string }[];
  constructor(issues: readonly { path: string; message: string }[]) {
    super(`Invalid SLA policy:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'SlaPolicyError';
    this.issues = issues;
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/** Validates an SLA policy document; throws SlaPolicyError naming each bad path. */
export function parseSlaPolicy(json: unknown): SlaPolicy {
  const result = SlaPolicySchema.safeParse(json);
  if (result.success) return result.data;
  throw new SlaPolicyError(result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })));
}
