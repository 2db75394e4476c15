// Secrets Manager, locally: the template's AWS::SecretsManager::Secret resources served by GetSecretValue
// (awsJson1_1, X-Amz-Target secretsmanager.GetSecretValue) on a loopback port the functions reach through
// AWS_ENDPOINT_URL_SECRETS_MANAGER, as the other emulators are reached. A secret with GenerateSecretString
// gets a random value per cloud start (in memory), or once and for good when the cloud keeps a data dir
// (the value is kept in a file beside the other data, so links signed before a restart stay valid); a
// literal SecretString is served as it is. Each call is checked against the caller's role (local/iam*.ts)
// before anything is read. Only what trustdesk uses: no versions but AWSCURRENT, no rotation, no writes.
import { createHash, randomInt } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resourcesOfType, type CfnTemplate } from './template.ts';
import type { AuthzRequest } from './iam.ts';

export interface LocalSecret {
  logicalId: string;
  arn: string;
  name: string;
  value: string;
}

export interface LocalSecretsManager {
  endpoint: string;
  secrets(): LocalSecret[];
  stop(): Promise<void>;
}

interface GenerateSecretString {
  PasswordLength?: number;
  ExcludeCharacters?: string;
  ExcludePunctuation?: boolean;
  ExcludeUppercase?: boolean;
  ExcludeLowercase?: boolean;
  ExcludeNumbers?: boolean;
  IncludeSpace?: boolean;
  SecretStringTemplate?: string;
  GenerateStringKey?: string;
}

const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/** A random string as Secrets Manager's GetRandomPassword makes one (default 32 characters). */
export function generateSecret(spec: GenerateSecretString): string {
  let chars = '';
  if (!spec.ExcludeUppercase) chars += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  if (!spec.ExcludeLowercase) chars += 'abcdefghijklmnopqrstuvwxyz';
  if (!spec.ExcludeNumbers) chars += '0123456789';
  if (!spec.ExcludePunctuation) chars += PUNCTUATION;
  if (spec.IncludeSpace) chars += ' ';
  const excluded = new Set(spec.ExcludeCharacters ?? '');
  const pool = [...chars].filter((c) => !excluded.has(c));
  if (pool.length === 0) throw new Error('GenerateSecretString excludes every character');
  const length = spec.PasswordLength ?? 32;
  const password = Array.from({ length }, () => pool[randomInt(pool.length)]).join('');
  if (spec.SecretStringTemplate && spec.GenerateStringKey) {
    const template = JSON.parse(spec.SecretStringTemplate) as Record<string, unknown>;
    return JSON.stringify({ ...template, [spec.GenerateStringKey]: password });
  }
  return password;
}

/** The ARN Ref gives a secret: AWS appends six random characters to the name; locally they come from the id. */
export const secretArn = (c: { region: string; accountId: string }, logicalId: string): string =>
  `arn:aws:secretsmanager:${c.region}:${c.accountId}:secret:${logicalId}-${createHash('sha256').update(logicalId).digest('base64url').slice(0, 6)}`;

/** The template's secrets with their values: generated (kept in `dataFile` when given) or literal. */
export function secretsFromTemplate(template: CfnTemplate, c: { region: string; accountId: string }, dataFile?: string): LocalSecret[] {
  const kept: Record<string, string> = dataFile && existsSync(dataFile) ? (JSON.parse(readFileSync(dataFile, 'utf8')) as Record<string, string>) : {};
  let changed = false;
  const secrets = resourcesOfType(template, 'AWS::SecretsManager::Secret').map(([logicalId, resource]) => {
    const props = resource.Properties ?? {};
    const name = typeof props.Name === 'string' ? props.Name : logicalId;
    let value: string;
    if (typeof props.SecretString === 'string') value = props.SecretString;
    else if (kept[logicalId] !== undefined) value = kept[logicalId];
    else {
      value = generateSecret((props.GenerateSecretString ?? {}) as GenerateSecretString);
      kept[logicalId] = value;
      changed = true;
    }
    return { logicalId, arn: secretArn(c, logicalId), name, value };
  });
  if (dataFile && changed) writeFileSync(dataFile, JSON.stringify(kept), { mode: 0o600 });
  return secrets;
}

const error = (type: string, message: string) => ({ status: 400, type, body: JSON.stringify({ __type: type, message }) });

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startLocalSecretsManager(o: {
  host: string;
  port?: number;
  secrets: LocalSecret[];
  /** IAM: the denial message for this caller and request, if denied. */
  authorize?: (headers: IncomingMessage['headers'], requests: AuthzRequest[]) => string | undefined;
  now: () => number;
}): Promise<LocalSecretsManager> {
  const created = Math.floor(o.now() / 1000);
  const find = (id: string) => o.secrets.find((s) => s.arn === id || s.name === id);
  const answer = async (req: IncomingMessage): Promise<{ status: number; type?: string; body: string }> => {
    const target = String(req.headers['x-amz-target'] ?? '');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse((await readAll(req)) || '{}') as Record<string, unknown>;
    } catch {
      return error('InvalidRequestException', 'The request body is not JSON');
    }
    if (target !== 'secretsmanager.GetSecretValue') return error('InvalidRequestException', `${target || 'this operation'} is not emulated (only GetSecretValue)`);
    const id = typeof body.SecretId === 'string' ? body.SecretId : '';
    const secret = find(id);
    // Authorized on the secret's ARN (a name is resolved first, as AWS does), or on what was named when there is no such secret.
    const denied = o.authorize?.(req.headers, [{ action: 'secretsmanager:GetSecretValue', resource: secret?.arn ?? id }]);
    if (denied) return error('AccessDeniedException', denied);
    if (!secret) return error('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    if (body.VersionStage !== undefined && body.VersionStage !== 'AWSCURRENT') return error('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for staging label: ${String(body.VersionStage)}`);
    return {
      status: 200,
      body: JSON.stringify({ ARN: secret.arn, Name: secret.name, SecretString: secret.value, VersionId: 'local-current', VersionStages: ['AWSCURRENT'], CreatedDate: created }),
    };
  };
  const server: Server = createServer((req, res) => {
    answer(req)
      .then(({ status, type, body }) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...(type && { 'x-amzn-errortype': type }) });
        res.end(body);
      })
      .catch((e: unknown) => {
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'InternalServiceError' });
        res.end(JSON.stringify({ __type: 'InternalServiceError', message: (e as Error).message }));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${o.host}:${port}`,
    secrets: () => [...o.secrets],
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
