// Who looked: cases of confidential categories (config/confidentiality-policy.json) keep a record of every
// time a person opens them, so the risk team can see who read a safety or fraud report and when. Pure: the
// policy's schema, the rule, and the view record's shape; the agent API stores one record per opening.
import * as z from 'zod/mini';
import { parsePolicy } from './policy-file.ts';
import { CATEGORIES, type CaseRecord } from './case.ts';
import './zod-english.ts';

export const ConfidentialityPolicySchema = z.strictObject({
  _comment: z.optional(z.string()),
  confidentialCategories: z.array(z.enum(CATEGORIES)),
});
export type ConfidentialityPolicy = z.infer<typeof ConfidentialityPolicySchema>;

export const parseConfidentialityPolicy = (json: unknown): ConfidentialityPolicy => parsePolicy(ConfidentialityPolicySchema, json, 'confidentiality');

export const isConfidential = (record: Pick<CaseRecord, 'category'>, policy: ConfidentialityPolicy): boolean => policy.confidentialCategories.includes(record.category);

/** Who may read the record of who looked. */
export const VIEW_LOG_READERS = ['risk'] as const;

/** One person opening one confidential case. */
export interface CaseView {
  caseId: string;
  /** The agent's id (the token's subject), and their email and roles when the token carries them. */
  viewer: { id: string; email?: string; roles: string[] };
  at: string;
  /** The API route they opened it through, as `METHOD /resource`. */
  route: string;
}
