// The public inquiry: one schema for the API and the web form. zod/mini keeps the intake bundle small.
import * as z from 'zod/mini';
import { CATEGORIES } from '#domain/case.ts';

export const INQUIRY_LIMITS = {
  email: 254,
  name: 120,
  subject: 200,
  message: 10_000,
  userId: 64,
  transactionId: 100,
  maxAmount: 1_000_000_000,
} as const;

/** Visible characters only: no CR/LF or other control characters (they would reach email headers). */
const SINGLE_LINE = /^[^\p{Cc}\p{Cf}\u2028\u2029]*$/u;
/** Multi-line text: control characters other than tab/newline are refused. */
const MULTI_LINE = /^[^\p{Cc}\u2028\u2029]*$/u;
const MULTI_LINE_ALLOWED = /[\t\r\n]/g;
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** Absent → "is required"; present but not text → "must be text". */
export const TEXT_REQUIRED = { error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : 'must be text') };

const trimmed = (max: number, pattern: RegExp, what: string) =>
  z.pipe(
    z.string(TEXT_REQUIRED),
    z.transform((s) => s.trim()),
  ).check(
    z.minLength(1, 'is required'),
    z.maxLength(max, `must be at most ${max} characters`),
    z.regex(pattern, `must be ${what}`),
  );

const optional = z.optional;

/** A plain decimal as a form sends it ("12", "-3", "19.99"); not hex, exponents or Infinity, which Number() accepts. */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const amount = z.pipe(
  z.transform((v: unknown) => (typeof v === 'string' && DECIMAL.test(v.trim()) ? Number(v) : v)),
  z.number('must be a number').check(
    z.gte(0, 'must not be negative'),
    z.lte(INQUIRY_LIMITS.maxAmount, `must be at most ${INQUIRY_LIMITS.maxAmount}`),
    z.refine((n) => Number.isFinite(n) && Math.abs(Math.round(n * 100) - n * 100) < 1e-6, 'must have at most 2 decimals'),
  ),
);

export const InquirySchema = z.object({
  email: z.pipe(
    z.pipe(z.string(TEXT_REQUIRED), z.transform((s) => s.trim().toLowerCase())),
    z.email('must be a valid email address').check(z.maxLength(INQUIRY_LIMITS.email, 'is too long')),
  ),
  subject: trimmed(INQUIRY_LIMITS.subject, SINGLE_LINE, 'a single line of text'),
  message: z
    .string(TEXT_REQUIRED)
    .check(
      z.refine((s) => s.trim().length > 0, 'is required'),
      z.maxLength(INQUIRY_LIMITS.message, `must be at most ${INQUIRY_LIMITS.message} characters`),
      z.refine((s) => MULTI_LINE.test(s.replace(MULTI_LINE_ALLOWED, '')), 'must not contain control characters'),
    ),
  name: optional(trimmed(INQUIRY_LIMITS.name, SINGLE_LINE, 'a single line of text')),
  userId: optional(trimmed(INQUIRY_LIMITS.userId, IDENTIFIER, 'letters, digits and . _ : -')),
  category: optional(z.enum(CATEGORIES, `must be one of ${CATEGORIES.join(', ')}`)),
  amount: optional(amount),
  currency: optional(
    z.pipe(z.string('must be a 3-letter ISO 4217 code'), z.transform((s) => s.trim().toUpperCase())).check(
      z.regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO 4217 code'),
    ),
  ),
  transactionId: optional(trimmed(INQUIRY_LIMITS.transactionId, IDENTIFIER, 'letters, digits and . _ : -')),
});

export type Inquiry = z.output<typeof InquirySchema>;

/** Each field as people read it: the form's labels and the error pages name fields this way. */
export const INQUIRY_LABELS: Record<keyof z.output<typeof InquirySchema>, string> = {
  email: 'Email address',
  name: 'Your name',
  userId: 'Account ID',
  category: 'What is it about?',
  subject: 'Subject',
  message: 'What happened?',
  amount: 'Amount',
  currency: 'Currency',
  transactionId: 'Transaction or order ID',
};

export interface FieldProblem {
  field: string;
  message: string;
}

/** Validate an inquiry; every bad field is reported, by name. */
export function parseInquiry(input: unknown): { ok: true; inquiry: Inquiry } | { ok: false; problems: FieldProblem[] } {
  // Forms send empty strings for fields left blank: treat them (and nulls) as absent.
  const present =
    input && typeof input === 'object' && !Array.isArray(input)
      ? Object.fromEntries(Object.entries(input).filter(([, v]) => v !== '' && v !== null))
      : input;
  const result = InquirySchema.safeParse(present);
  // Checked on the input so that it is reported together with every other bad field.
  const given = (field: string) => !!present && typeof present === 'object' && (present as Record<string, unknown>)[field] !== undefined;
  const currencyMissing = given('amount') && !given('currency');
  const problems = result.success ? [] : describeIssues(result.error.issues);
  if (currencyMissing) problems.push({ field: 'currency', message: 'is required when amount is given' });
  if (result.success && problems.length === 0) return { ok: true, inquiry: result.data };
  return { ok: false, problems };
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

/** POST /inquiries as a whole: the body and its optional Idempotency-Key header, the problems of both named together. */
export function parseInquiryRequest(
  body: unknown,
  idempotencyKey: string | undefined,
): { ok: true; inquiry: Inquiry; idempotencyKey?: string } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    problems.push({ field: 'Idempotency-Key', message: 'must be 1 to 128 visible ASCII characters' });
  }
  const parsed = parseInquiry(body);
  if (!parsed.ok) problems.push(...parsed.problems);
  if (problems.length > 0 || !parsed.ok) return { ok: false, problems };
  return { ok: true, inquiry: parsed.inquiry, ...(idempotencyKey && { idempotencyKey }) };
}

/** Readable messages for zod issues (zod/mini ships no locale; these are ours). */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): FieldProblem[] {
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  for (const issue of issues) {
    const field = issue.path.map(String).join('.') || 'body';
    if (seen.has(field)) continue;
    seen.add(field);
    problems.push({ field, message: messageFor(issue) });
  }
  return problems;
}

function messageFor(issue: z.core.$ZodIssue): string {
  if (issue.message && issue.message !== 'Invalid input') return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be a ${issue.expected}`;
    case 'too_small':
      return `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    default:
      return 'is invalid';
  }
}
