// POST /requesters/erasure: whose personal data to erase, by email address or account id (exactly one). The
// same field rules as the inquiry form, so an address the form accepted is one erasure can name.
import * as z from 'zod/mini';
import { describeIssues, InquirySchema, type FieldProblem } from './inquiry.ts';

export const ErasureRequestSchema = z.strictObject({
  email: z.optional(InquirySchema.shape.email),
  userId: z.optional(InquirySchema.shape.userId),
});

export type ErasureSubject = { email: string } | { userId: string };

export function parseErasureRequest(input: unknown): { ok: true; subject: ErasureSubject } | { ok: false; problems: FieldProblem[] } {
  const result = ErasureRequestSchema.safeParse(input);
  if (!result.success) return { ok: false, problems: describeIssues(result.error.issues) };
  const { email, userId } = result.data;
  if (email && userId) return { ok: false, problems: [{ field: 'userId', message: 'give email or userId, not both' }] };
  if (email) return { ok: true, subject: { email } };
  if (userId) return { ok: true, subject: { userId } };
  return { ok: false, problems: [{ field: 'email', message: 'is required (or give userId)' }] };
}
