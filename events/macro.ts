// POST /macros and PUT /macros/{macroId}: what a lead saves as a canned reply. The body's placeholders are
// checked against the domain's closed list here, so a macro naming an unknown one is refused with a 400
// that names it (field `body`), and a fallback for a placeholder outside the list is refused the same way.
import * as z from 'zod/mini';
import { CATEGORIES, OUTCOMES, PRIORITIES } from '#domain/case.ts';
import { changeProblems, isPlaceholder, MACRO_STATUS_ACTIONS, type MacroChanges, type Placeholder, PLACEHOLDERS, unknownPlaceholders } from '#domain/macro.ts';
import { MACRO_ID } from './agent-action.ts';
import { describeIssues, type FieldProblem, TEXT_REQUIRED } from './inquiry.ts';

const text = (max: number) =>
  z.string(TEXT_REQUIRED).check(
    z.refine((s) => s.trim().length > 0, 'is required'),
    z.maxLength(max, `must be at most ${max} characters`),
  );

export const MacroInputSchema = z.object({
  name: text(120),
  body: text(10_000),
  fallbacks: z.optional(z.record(z.string(), z.string('must be text').check(z.maxLength(200, 'must be at most 200 characters')))),
  changes: z.optional(
    z.object({
      status: z.optional(z.enum(MACRO_STATUS_ACTIONS, `must be one of ${MACRO_STATUS_ACTIONS.join(', ')}`)),
      outcome: z.optional(z.enum(OUTCOMES, `must be one of ${OUTCOMES.join(', ')}`)),
      category: z.optional(z.enum(CATEGORIES, `must be one of ${CATEGORIES.join(', ')}`)),
      priority: z.optional(z.enum(PRIORITIES, `must be one of ${PRIORITIES.join(', ')}`)),
      assignee: z.optional(text(128)),
    }),
  ),
  categories: z.optional(z.array(z.enum(CATEGORIES, `must be one of ${CATEGORIES.join(', ')}`)).check(z.maxLength(CATEGORIES.length))),
});

export interface MacroInput {
  name: string;
  body: string;
  fallbacks: Partial<Record<Placeholder, string>>;
  changes: MacroChanges;
  categories: (typeof CATEGORIES)[number][];
}

/** Parse a macro as a lead saved it: shape by zod, then the placeholders and changes by the domain. */
export function parseMacroInput(input: unknown): { ok: true; macro: MacroInput } | { ok: false; problems: FieldProblem[] } {
  const result = MacroInputSchema.safeParse(input);
  if (!result.success) return { ok: false, problems: describeIssues(result.error.issues) };
  const { name, body, fallbacks = {}, changes = {}, categories = [] } = result.data;
  const problems: FieldProblem[] = [];
  const unknown = unknownPlaceholders(body);
  if (unknown.length > 0) {
    problems.push({ field: 'body', message: `unknown placeholder ${unknown.map((n) => `{{${n}}}`).join(', ')}; allowed: ${PLACEHOLDERS.join(', ')}` });
  }
  for (const key of Object.keys(fallbacks)) {
    if (!isPlaceholder(key)) problems.push({ field: `fallbacks.${key}`, message: `is not a placeholder; allowed: ${PLACEHOLDERS.join(', ')}` });
  }
  problems.push(...changeProblems(changes));
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, macro: { name: name.trim(), body, fallbacks: fallbacks as MacroInput['fallbacks'], changes, categories: [...new Set(categories)] } };
}

export const MacroPathSchema = z.object({
  macroId: z.string('must be the id of a macro').check(z.regex(MACRO_ID, 'must be the id of a macro')),
});

/** PUT /macros/{macroId}: the whole macro again, with the version the lead edited. */
export function parseMacroUpdate(input: unknown): { ok: true; macro: MacroInput; expectedVersion: number } | { ok: false; problems: FieldProblem[] } {
  const raw = input && typeof input === 'object' ? (input as Record<string, unknown>) : {};
  const { expectedVersion, ...rest } = raw;
  const version = typeof expectedVersion === 'number' && Number.isInteger(expectedVersion) && expectedVersion >= 1 ? expectedVersion : undefined;
  const parsed = parseMacroInput(rest);
  const problems = [...(version === undefined ? [{ field: 'expectedVersion', message: 'must be the macro version you edited (a whole number, at least 1)' }] : []), ...(parsed.ok ? [] : parsed.problems)];
  if (problems.length > 0 || !parsed.ok || version === undefined) return { ok: false, problems };
  return { ok: true, macro: parsed.macro, expectedVersion: version };
}
