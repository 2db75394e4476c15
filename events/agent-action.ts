// POST /cases/{caseId}/actions: what an agent does to a case, with the version they saw.
import * as z from 'zod/mini';
import { OUTCOMES, PRIORITIES } from '#domain/case.ts';
import type { RequestedAction } from '#domain/lifecycle.ts';
import { describeIssues, TEXT_REQUIRED, type FieldProblem } from './inquiry.ts';

const NO_CONTROL = /^[^\p{Cc}\u2028\u2029]*$/u;
const SINGLE_LINE = /^[^\p{Cc}\p{Cf}\u2028\u2029]*$/u;
const text = (max: number) =>
  z.string(TEXT_REQUIRED).check(
    z.refine((s) => s.trim().length > 0, 'is required'),
    z.maxLength(max, `must be at most ${max} characters`),
    z.refine((s) => NO_CONTROL.test(s.replace(/[\t\r\n]/g, '')), 'must not contain control characters'),
  );
const line = (max: number) =>
  z.string(TEXT_REQUIRED).check(
    z.refine((s) => s.trim().length > 0, 'is required'),
    z.maxLength(max, `must be at most ${max} characters`),
    z.regex(SINGLE_LINE, 'must be a single line of text'),
  );

/** Case ids are UUIDs (functions/lib/ids.ts). */
const CASE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Macro ids are UUIDs (functions/lib/ids.ts). */
export const MACRO_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const REFERENCE = /^TD-[0-9A-HJKMNP-TV-Z]{6}$/;
const INTO_CASE = 'must be the id or the reference (TD-…) of the case to merge into';

const version = z.number('must be the case version you are acting on').check(z.int('must be a whole number'), z.gte(1, 'must be at least 1'));
const base = { expectedVersion: version };

export const AgentActionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('reply'), message: text(10_000), ...base }),
  z.object({ type: z.literal('request-info'), message: text(10_000), ...base }),
  z.object({ type: z.literal('note'), note: text(5_000), ...base }),
  z.object({ type: z.literal('assign'), assignee: line(128), ...base }),
  z.object({ type: z.literal('escalate'), reason: line(500), ...base }),
  z.object({ type: z.literal('acknowledge'), ...base }),
  z.object({ type: z.literal('resolve'), outcome: z.enum(OUTCOMES, `must be one of ${OUTCOMES.join(', ')}`), summary: z.optional(text(2_000)), ...base }),
  z.object({ type: z.literal('reopen'), reason: z.optional(line(500)), ...base }),
  z.object({ type: z.literal('change-priority'), priority: z.enum(PRIORITIES, `must be one of ${PRIORITIES.join(', ')}`), reason: z.optional(line(500)), ...base }),
  z.object({ type: z.literal('approve'), ...base }),
  z.object({ type: z.literal('reject'), note: text(5_000), ...base }),
  z.object({
    type: z.literal('consult'),
    team: z.string('must be the name of a team in config/teams.json').check(z.regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be the name of a team in config/teams.json')),
    question: text(5_000),
    blocking: z.optional(z.boolean('must be true or false')),
    ...base,
  }),
  z.object({ type: z.literal('legal-hold'), reason: line(500), ...base }),
  z.object({ type: z.literal('release-hold'), reason: z.optional(line(500)), ...base }),
  z.object({ type: z.literal('apply-macro'), macroId: z.string('must be the id of a macro').check(z.regex(MACRO_ID, 'must be the id of a macro')), ...base }),
  z.object({ type: z.literal('link-incident'), incidentCaseId: z.string('must be the id of an incident case').check(z.regex(CASE_ID, 'must be the id of an incident case')), ...base }),
  z.object({ type: z.literal('resolve-linked'), message: text(2_000), outcome: z.enum(OUTCOMES, `must be one of ${OUTCOMES.join(', ')}`), ...base }),
  z.object({
    type: z.literal('merge'),
    // The case that carries on, by id or by reference (any case; upper-cased as references are stored).
    intoCaseId: z.pipe(z.string(INTO_CASE), z.transform((s) => (REFERENCE.test(s.trim().toUpperCase()) ? s.trim().toUpperCase() : s.trim().toLowerCase()))).check(
      z.refine((s) => CASE_ID.test(s) || REFERENCE.test(s), INTO_CASE),
    ),
    intoExpectedVersion: z.number('must be the version of the case to merge into').check(z.int('must be a whole number'), z.gte(1, 'must be at least 1')),
    ...base,
  }),
]);

export const ACTION_TYPES = ['reply', 'request-info', 'note', 'assign', 'escalate', 'acknowledge', 'resolve', 'reopen', 'change-priority', 'approve', 'reject', 'consult', 'legal-hold', 'release-hold', 'apply-macro', 'link-incident', 'resolve-linked', 'merge'] as const;

export function parseAgentAction(input: unknown): { ok: true; action: RequestedAction; expectedVersion: number } | { ok: false; problems: FieldProblem[] } {
  const type = input && typeof input === 'object' ? (input as { type?: unknown }).type : undefined;
  if (typeof type !== 'string' || !(ACTION_TYPES as readonly string[]).includes(type)) {
    return { ok: false, problems: [{ field: 'type', message: `must be one of ${ACTION_TYPES.join(', ')}` }] };
  }
  const result = AgentActionSchema.safeParse(input);
  if (!result.success) return { ok: false, problems: describeIssues(result.error.issues) };
  const { expectedVersion, ...action } = result.data;
  return { ok: true, action: action as RequestedAction, expectedVersion };
}
