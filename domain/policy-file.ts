// Every JSON policy in config/ is checked at cold start the same way: a bad file names each problem with
// its path, so a deploy with a broken policy fails on the first invocation with a message a lead can act on.
import * as z from 'zod/mini';

export function parsePolicy<S extends z.core.$ZodType>(schema: S, json: unknown, name: string): z.output<S> {
  const result = z.safeParse(schema, json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`Invalid ${name} policy:\n${problems.join('\n')}`);
}
