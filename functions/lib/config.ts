// The one way a handler reads its configuration: the variables declared for its function in
// environment.ts, read once at cold start, failing fast with every missing one named.
import { FUNCTION_ENV, type EnvName, type FunctionName } from './environment.ts';

export function loadEnv<F extends FunctionName>(fn: F, env: NodeJS.ProcessEnv = process.env): Record<EnvName<F>, string> {
  const names: readonly EnvName<F>[] = FUNCTION_ENV[fn];
  const missing = names.filter((n) => !env[n]);
  if (missing.length > 0) throw new Error(`Missing environment for ${fn}: ${missing.join(', ')}`);
  return Object.fromEntries(names.map((n) => [n, env[n] as string])) as Record<EnvName<F>, string>;
}
