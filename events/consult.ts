// POST /cases/{caseId}/consults/{consultId}/answer: an internal team's answer to a consult, and its path.
import * as z from 'zod/mini';
import { TEXT_REQUIRED } from './inquiry.ts';
import { parseWith, type Parsed } from './request.ts';

const NO_CONTROL = /^[^\p{Cc}\u2028\u2029]*$/u;

export const ConsultPathSchema = z.object({ caseId: z.string(TEXT_REQUIRED), consultId: z.string(TEXT_REQUIRED) });

export const ConsultAnswerSchema = z.strictObject({
  answer: z.string(TEXT_REQUIRED).check(
    z.refine((s) => s.trim().length > 0, 'is required'),
    z.maxLength(10_000, 'must be at most 10000 characters'),
    z.refine((s) => NO_CONTROL.test(s.replace(/[\t\r\n]/g, '')), 'must not contain control characters'),
  ),
});

export const parseConsultAnswer = (input: unknown): Parsed<z.output<typeof ConsultAnswerSchema>> => parseWith(ConsultAnswerSchema, input);
