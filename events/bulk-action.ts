// POST /cases/bulk: one action for up to 100 cases, each with the version the agent saw. The action's fields
// are the per-case action's own (./agent-action.ts ACTION_FIELDS), so a bulk note is checked exactly as a note
// is; BULK_ACTION_TYPES is the one list of what may be done in bulk (adding a type is one line here).
import * as z from 'zod/mini';
import type { RequestedAction } from '#domain/lifecycle.ts';
import { ACTION_FIELDS, EXPECTED_VERSION } from './agent-action.ts';
import { describeIssues, TEXT_REQUIRED, type FieldProblem } from './inquiry.ts';

/**
 * What may be done to many cases at once. `link-incident` joins when that per-case action exists: its entry in
 * ACTION_FIELDS (./agent-action.ts), then its name here (and its label in web/src/console/bulk.ts, which the
 * type check asks for; the bulk bar gives it a text box per field).
 */
export const BULK_ACTION_TYPES = ['assign', 'apply-macro', 'note', 'resolve', 'link-incident'] as const satisfies readonly (keyof typeof ACTION_FIELDS)[];
export type BulkActionType = (typeof BULK_ACTION_TYPES)[number];

export const MAX_BULK_CASES = 100;

const BulkActionSchema = z.discriminatedUnion(
  'type',
  BULK_ACTION_TYPES.map((type) => z.object({ type: z.literal(type), ...ACTION_FIELDS[type] })) as unknown as [z.ZodMiniObject, ...z.ZodMiniObject[]],
);

const CaseTargetSchema = z.object({
  caseId: z.string(TEXT_REQUIRED).check(z.minLength(1, 'is required'), z.maxLength(64, 'must be at most 64 characters')),
  expectedVersion: EXPECTED_VERSION,
});

const CasesSchema = z.array(CaseTargetSchema, 'must be a list of {caseId, expectedVersion}').check(
  z.minLength(1, 'must name at least one case'),
  z.maxLength(MAX_BULK_CASES, `must name at most ${MAX_BULK_CASES} cases`),
);

export interface BulkTarget {
  caseId: string;
  expectedVersion: number;
}

export interface BulkRequest {
  action: RequestedAction & { type: BulkActionType };
  cases: BulkTarget[];
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

/** The body and the optional Idempotency-Key header, every problem of both named (`action.note`, `cases.3.expectedVersion`). */
export function parseBulkRequest(body: unknown, idempotencyKey: string | undefined): { ok: true; request: BulkRequest; idempotencyKey?: string } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) problems.push({ field: 'Idempotency-Key', message: 'must be 1 to 128 visible ASCII characters' });
  const input = (body ?? {}) as { action?: unknown; cases?: unknown };
  const type = input.action && typeof input.action === 'object' ? (input.action as { type?: unknown }).type : undefined;
  let action: BulkRequest['action'] | undefined;
  if (!input.action || typeof input.action !== 'object' || Array.isArray(input.action)) {
    problems.push({ field: 'action', message: `must be an object with a type, one of ${BULK_ACTION_TYPES.join(', ')}` });
  } else if (typeof type !== 'string' || !(BULK_ACTION_TYPES as readonly string[]).includes(type)) {
    problems.push({ field: 'action.type', message: `must be one of ${BULK_ACTION_TYPES.join(', ')}` });
  } else {
    const parsed = BulkActionSchema.safeParse(input.action);
    if (parsed.success) action = parsed.data as BulkRequest['action'];
    else problems.push(...describeIssues(parsed.error.issues).map((p) => ({ ...p, field: `action.${p.field === 'body' ? 'type' : p.field}` })));
  }
  const cases = CasesSchema.safeParse(input.cases);
  if (!cases.success) {
    problems.push(...describeIssues(cases.error.issues).map((p) => ({ ...p, field: p.field === 'body' ? 'cases' : `cases.${p.field}` })));
  } else {
    const seen = new Map<string, number>();
    cases.data.forEach((c, i) => {
      if (seen.has(c.caseId)) problems.push({ field: `cases.${i}.caseId`, message: `repeats cases.${seen.get(c.caseId)}.caseId; name each case once` });
      else seen.set(c.caseId, i);
    });
  }
  if (problems.length > 0 || !action || !cases.success) return { ok: false, problems };
  return { ok: true, request: { action, cases: cases.data }, ...(idempotencyKey && { idempotencyKey }) };
}
