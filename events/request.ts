// The parts of an API request other than its body — query string and path parameters — validated the
// same way as bodies: a zod schema per API in events/, every bad or unknown field named in the 400.
import type * as z from 'zod/mini';
import { describeIssues, type FieldProblem } from './inquiry.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };

type Params = Record<string, string | undefined> | null | undefined;

/**
 * A query string against a strict object schema. Unknown parameters are named first, one problem each
 * (`unknownMessage` says what they are not), then the known ones that are invalid, in schema order.
 */
export function parseQuery<S extends z.ZodMiniType>(schema: S, params: Params, unknownMessage: string): Parsed<z.output<S>> {
  const result = schema.safeParse({ ...params });
  if (result.success) return { ok: true, value: result.data };
  const unknown = result.error.issues.flatMap((issue) => (issue.code === 'unrecognized_keys' ? issue.keys : []));
  const known = result.error.issues.filter((issue) => issue.code !== 'unrecognized_keys');
  return { ok: false, problems: [...unknown.map((field) => ({ field, message: unknownMessage })), ...describeIssues(known)] };
}

/** Any input (a body, path parameters) against its schema; every bad field is named. */
export function parseWith<S extends z.ZodMiniType>(schema: S, input: unknown): Parsed<z.output<S>> {
  const result = schema.safeParse(input);
  return result.success ? { ok: true, value: result.data } : { ok: false, problems: describeIssues(result.error.issues) };
}

/** Path parameters (API Gateway fills them from the resource, `/cases/{caseId}`) against their schema. */
export const parsePath = <S extends z.ZodMiniType>(schema: S, params: Params): Parsed<z.output<S>> => parseWith(schema, { ...params });
