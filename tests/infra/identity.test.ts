// Agents sign in as a risk team should: the user pool requires MFA with authenticator apps (TOTP) only,
// no SMS, and the console's client gets one-hour ID and access tokens, a refresh token that outlives a
// shift by half (then the agent signs in again) and that sign-out revokes.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../infra/config.ts';
import { TrustdeskStack } from '../../infra/trustdesk-stack.ts';

type Json = Record<string, unknown>;
let resources: Record<string, { Type: string; Properties?: Json }>;
const only = (type: string): Json => {
  const found = Object.values(resources).filter((r) => r.Type === type);
  expect(found).toHaveLength(1);
  return found[0]!.Properties ?? {};
};

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  resources = Template.fromStack(new TrustdeskStack(app, 'Trustdesk', { config: readConfig(app) })).toJSON().Resources;
}, 60_000);

describe('agent sign-in', () => {
  it('requires MFA, with TOTP only (no SMS second factor, no SMS role)', () => {
    const pool = only('AWS::Cognito::UserPool');
    expect(pool.MfaConfiguration).toBe('ON');
    expect(pool.EnabledMfas).toEqual(['SOFTWARE_TOKEN_MFA']);
    expect(pool.SmsConfiguration).toBeUndefined();
    expect(pool.AdminCreateUserConfig).toMatchObject({ AllowAdminCreateUserOnly: true });
  });

  it('gives the console one-hour ID and access tokens and a 12-hour refresh token that sign-out revokes', () => {
    const client = only('AWS::Cognito::UserPoolClient');
    expect(client).toMatchObject({ IdTokenValidity: 60, AccessTokenValidity: 60, RefreshTokenValidity: 720, EnableTokenRevocation: true });
    expect(client.TokenValidityUnits).toEqual({ IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'minutes' });
    expect(client.ExplicitAuthFlows).toEqual(expect.arrayContaining(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']));
    expect(client.GenerateSecret).not.toBe(true);
  });
});
