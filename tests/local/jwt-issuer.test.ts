import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT, createLocalJWKSet, decodeJwt, decodeProtectedHeader, exportPKCS8, generateKeyPair, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ROLES, TokenVerificationError, createLocalIssuer, type LocalIssuer, type TokenErrorCode } from '../../local/jwt-issuer.ts';

const ISSUER = 'http://127.0.0.1:3000/local/issuer';
const AUDIENCE = 'trustdesk-console';

async function codeOf(promise: Promise<unknown>): Promise<TokenErrorCode | 'resolved'> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    expect(error).toBeInstanceOf(TokenVerificationError);
    return (error as TokenVerificationError).code;
  }
}

describe('local JWT issuer', () => {
  let issuer: LocalIssuer;
  beforeAll(async () => {
    issuer = await createLocalIssuer({ issuer: ISSUER, audience: AUDIENCE });
  });

  it('issues a Cognito-shaped ID token that verifies', async () => {
    const before = Math.floor(Date.now() / 1000);
    const token = await issuer.issue({ role: 'lead', email: 'Lead.One@trustdesk.local' });
    const header = decodeProtectedHeader(token);
    expect(header.alg).toBe('RS256');
    expect(header.kid).toBe((issuer.jwks().keys[0] as { kid: string }).kid);

    const claims = await issuer.verify(token);
    expect(claims.sub).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(claims.email).toBe('Lead.One@trustdesk.local');
    expect(claims['cognito:username']).toBe(claims.sub);
    expect(claims['cognito:groups']).toEqual(['lead']);
    expect(claims.token_use).toBe('id');
    expect(claims.iss).toBe(ISSUER);
    expect(claims.aud).toBe(AUDIENCE);
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.auth_time).toBe(claims.iat);
    expect(claims.exp).toBe((claims.iat as number) + 12 * 60 * 60);
  });

  it('keeps the same default sub for the same email, and honours an explicit sub and lifetime', async () => {
    const a = decodeJwt(await issuer.issue({ role: 'agent' }));
    const b = decodeJwt(await issuer.issue({ role: 'agent' }));
    const c = decodeJwt(await issuer.issue({ role: 'risk' }));
    expect(a.sub).toBe(b.sub);
    expect(a.sub).not.toBe(c.sub);
    expect(a.email).toBe('agent@trustdesk.local');
    expect(a.jti).not.toBe(b.jti);

    const claims = await issuer.verify(await issuer.issue({ role: 'risk', sub: 'local-risk', email: 'r@x.test', expiresInSeconds: 60 }));
    expect(claims.sub).toBe('local-risk');
    expect(claims['cognito:groups']).toEqual(['risk']);
    expect((claims.exp as number) - (claims.iat as number)).toBe(60);
  });

  it('rejects an unknown role when issuing', async () => {
    await expect(issuer.issue({ role: 'admin' as (typeof ROLES)[number] })).rejects.toThrow(/unknown role/);
  });

  it('publishes a public-only JWKS that a standard verifier accepts', async () => {
    const jwks = issuer.jwks();
    expect(jwks.keys).toHaveLength(1);
    const key = jwks.keys[0] as Record<string, unknown>;
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(key.d).toBeUndefined();
    expect(key.p).toBeUndefined();
    const token = await issuer.issue({ role: 'agent' });
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks as never), { issuer: ISSUER, audience: AUDIENCE });
    expect(payload['cognito:groups']).toEqual(['agent']);
  });

  it("code 'expired': a token past its exp", async () => {
    const token = await issuer.issue({ role: 'agent', expiresInSeconds: 60 });
    expect(await codeOf(issuer.verify(token))).toBe('resolved');
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 61_000);
      expect(await codeOf(issuer.verify(token))).toBe('expired');
    } finally {
      vi.useRealTimers();
    }
    expect(await codeOf(issuer.verify(await issuer.issue({ role: 'agent', expiresInSeconds: -1 })))).toBe('expired');
  });

  it("code 'invalid_signature': signed by another key, with another kid or the same kid", async () => {
    const other = await createLocalIssuer({ issuer: ISSUER, audience: AUDIENCE });
    expect(await codeOf(issuer.verify(await other.issue({ role: 'agent' })))).toBe('invalid_signature');

    const { privateKey } = await generateKeyPair('RS256');
    const kid = (issuer.jwks().keys[0] as { kid: string }).kid;
    const forged = await new SignJWT({ token_use: 'id', 'cognito:groups': ['risk'] })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject('attacker')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    expect(await codeOf(issuer.verify(forged))).toBe('invalid_signature');

    // A valid token with its payload swapped keeps the header and signature but no longer matches.
    const [h, , s] = (await issuer.issue({ role: 'agent' })).split('.');
    const payload = Buffer.from(JSON.stringify({ ...decodeJwt(await issuer.issue({ role: 'agent' })), 'cognito:groups': ['risk'] })).toString('base64url');
    expect(await codeOf(issuer.verify(`${h}.${payload}.${s}`))).toBe('invalid_signature');

    // alg=none is never accepted.
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid })).toString('base64url')}.${payload}.`;
    expect(await codeOf(issuer.verify(none))).not.toBe('resolved');
  });

  it("code 'wrong_issuer': same key, other issuer", async () => {
    const elsewhere = await createLocalIssuer({ issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other', audience: AUDIENCE });
    expect(await codeOf(elsewhere.verify(await elsewhere.issue({ role: 'agent' })))).toBe('resolved');
    // Verified by our issuer, the other key fails first; sign with our own key to isolate the issuer check.
    const dir = await mkdtemp(path.join(tmpdir(), 'trustdesk-jwt-'));
    try {
      const keyFile = path.join(dir, 'key.json');
      const ours = await createLocalIssuer({ issuer: ISSUER, audience: AUDIENCE, keyFile });
      const theirs = await createLocalIssuer({ issuer: 'https://elsewhere.example/issuer', audience: AUDIENCE, keyFile });
      expect(await codeOf(ours.verify(await theirs.issue({ role: 'agent' })))).toBe('wrong_issuer');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("code 'wrong_audience': same key and issuer, other audience", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'trustdesk-jwt-'));
    try {
      const keyFile = path.join(dir, 'key.json');
      const ours = await createLocalIssuer({ issuer: ISSUER, audience: AUDIENCE, keyFile });
      const otherApp = await createLocalIssuer({ issuer: ISSUER, audience: 'some-other-client', keyFile });
      expect(await codeOf(ours.verify(await otherApp.issue({ role: 'lead' })))).toBe('wrong_audience');
      expect(await codeOf(ours.verify(await ours.issue({ role: 'lead' })))).toBe('resolved');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("code 'malformed': garbage, truncated tokens, and tokens that are not ID tokens", async () => {
    for (const garbage of ['', 'not-a-jwt', 'a.b.c', 'Bearer x.y.z', '...', `${'eyJ'.repeat(3)}.e30.`]) {
      expect(await codeOf(issuer.verify(garbage))).toBe('malformed');
    }
    const token = await issuer.issue({ role: 'agent' });
    expect(await codeOf(issuer.verify(token.split('.').slice(0, 2).join('.')))).toBe('malformed');
    expect(await codeOf(issuer.verify(undefined as unknown as string))).toBe('malformed');
  });
});

describe('local JWT issuer key file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'trustdesk-jwt-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the key on first run so a token from the first instance verifies in the second', async () => {
    const keyFile = path.join(dir, 'nested', 'jwt-signing-key.json');
    const first = await createLocalIssuer({ issuer: ISSUER, audience: AUDIENCE, keyFile });
    const token = await first.issue({ role: 'risk' });
    const info = await stat(keyFile);
    expect(info.mode & 0o077).toBe(0); // private key readable by its owner only
    const stored = JSON.parse(await readFile(keyFile, 'utf8')) as Record<string, unknown>;
    expect(stored).toMatchObject({ kty: 'RSA', alg: 'RS256' });
    expect(typeof stored.d).toBe('string');

    const second = await createLocalIssuer({ issuer: ISSUER, audience: AUDIENCE, keyFile });
    expect(second.jwks()).toEqual(first.jwks());
    const claims = await second.verify(token);
    expect(claims['cognito:groups']).toEqual(['risk']);

    // Without the key file a new instance has a new key and refuses the old token.
    const fresh = await createLocalIssuer({ issuer: ISSUER, audience: AUDIENCE });
    expect(await codeOf(fresh.verify(token))).toBe('invalid_signature');
  });

  it('agrees on one key when several instances start at once on a missing key file', async () => {
    const keyFile = path.join(dir, 'race.json');
    const issuers = await Promise.all(Array.from({ length: 4 }, () => createLocalIssuer({ issuer: ISSUER, audience: AUDIENCE, keyFile })));
    const kids = new Set(issuers.map((i) => (i.jwks().keys[0] as { kid: string }).kid));
    expect(kids.size).toBe(1);
    const token = await issuers[0]!.issue({ role: 'agent' });
    for (const i of issuers) expect((await i.verify(token)).sub).toBeTruthy();
  });

  it('accepts a PKCS#8 PEM key file, and refuses a corrupt one instead of replacing it', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const pemFile = path.join(dir, 'key.pem');
    await writeFile(pemFile, await exportPKCS8(privateKey));
    const a = await createLocalIssuer({ issuer: ISSUER, audience: AUDIENCE, keyFile: pemFile });
    const b = await createLocalIssuer({ issuer: ISSUER, audience: AUDIENCE, keyFile: pemFile });
    expect(await b.verify(await a.issue({ role: 'lead' }))).toMatchObject({ 'cognito:groups': ['lead'] });

    const corrupt = path.join(dir, 'corrupt.json');
    await writeFile(corrupt, '{"kty":"RSA"');
    await expect(createLocalIssuer({ issuer: ISSUER, audience: AUDIENCE, keyFile: corrupt })).rejects.toThrow(/cannot use the signing key/);
    expect(await readFile(corrupt, 'utf8')).toBe('{"kty":"RSA"');
  });
});
