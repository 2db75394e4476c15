// /config.json, written by the deployment (CDK BucketDeployment) or served by the local cloud: which
// sign-in the console uses.
export type ConsoleConfig =
  | { auth: 'local' }
  | { auth: 'cognito'; region: string; userPoolId: string; clientId: string };

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch('/config.json', { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  const raw = (await res.json()) as Record<string, unknown>;
  if (raw.auth === 'local') return { auth: 'local' };
  const text = (key: string) => {
    const value = raw[key];
    if (typeof value !== 'string' || value.length === 0) throw new Error(`config.json: ${key} is missing`);
    return value;
  };
  if (raw.auth === 'cognito') return { auth: 'cognito', region: text('region'), userPoolId: text('userPoolId'), clientId: text('clientId') };
  throw new Error('config.json: auth must be "local" or "cognito"');
}
