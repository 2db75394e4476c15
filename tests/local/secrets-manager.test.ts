// Local Secrets Manager: the template's secrets (generated per start, or kept with the data dir), served by
// GetSecretValue to the real SDK client, with the caller's role checked before anything is read.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSecret, secretArn, secretsFromTemplate, startLocalSecretsManager } from '#local/secrets-manager.ts';
import type { CfnTemplate } from '#local/template.ts';

const ARNS = { region: 'us-east-1', accountId: '000000000000' };
const template: CfnTemplate = {
  Resources: {
    LinkKey: { Type: 'AWS::SecretsManager::Secret', Properties: { GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true } } },
    Fixed: { Type: 'AWS::SecretsManager::Secret', Properties: { Name: 'fixed-one', SecretString: 'literal-value' } },
    Table: { Type: 'AWS::DynamoDB::Table' },
  },
};
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('local Secrets Manager', () => {
  it('generates a value per start in memory, keeps it with a data file, serves a literal as it is', () => {
    const a = secretsFromTemplate(template, ARNS);
    const b = secretsFromTemplate(template, ARNS);
    expect(a.map((s) => s.logicalId)).toEqual(['LinkKey', 'Fixed']);
    expect(a[0]!.value).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(a[0]!.value).not.toBe(b[0]!.value);
    expect(a[1]).toMatchObject({ name: 'fixed-one', value: 'literal-value', arn: secretArn(ARNS, 'Fixed') });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trustdesk-secrets-'));
    dirs.push(dir);
    const file = path.join(dir, 'secrets.json');
    expect(secretsFromTemplate(template, ARNS, file)[0]!.value).toBe(secretsFromTemplate(template, ARNS, file)[0]!.value);
  });

  it('honours the generation options', () => {
    expect(generateSecret({ PasswordLength: 20, ExcludeUppercase: true, ExcludeNumbers: true, ExcludePunctuation: true })).toMatch(/^[a-z]{20}$/);
    expect(JSON.parse(generateSecret({ SecretStringTemplate: '{"user":"x"}', GenerateStringKey: 'password' }))).toMatchObject({ user: 'x', password: expect.any(String) });
  });

  it('answers GetSecretValue by ARN or name, refuses unknown secrets and callers IAM denies', async () => {
    const secrets = secretsFromTemplate(template, ARNS);
    const sm = await startLocalSecretsManager({
      host: '127.0.0.1',
      secrets,
      now: () => Date.now(),
      authorize: (headers, requests) => (String(headers.authorization ?? '').includes('Credential=denied/') ? `User: denied is not authorized to perform: ${requests[0]!.action} on resource: ${requests[0]!.resource}` : undefined),
    });
    try {
      const client = (key: string) => new SecretsManagerClient({ region: 'us-east-1', endpoint: sm.endpoint, credentials: { accessKeyId: key, secretAccessKey: 'local' } });
      const byArn = await client('fn').send(new GetSecretValueCommand({ SecretId: secrets[0]!.arn }));
      expect(byArn.SecretString).toBe(secrets[0]!.value);
      expect(byArn.ARN).toBe(secretArn(ARNS, 'LinkKey'));
      expect((await client('fn').send(new GetSecretValueCommand({ SecretId: 'fixed-one' }))).SecretString).toBe('literal-value');
      await expect(client('fn').send(new GetSecretValueCommand({ SecretId: 'nope' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      await expect(client('denied').send(new GetSecretValueCommand({ SecretId: secrets[0]!.arn }))).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: expect.stringContaining('secretsmanager:GetSecretValue'),
      });
    } finally {
      await sm.stop();
    }
  });
});
