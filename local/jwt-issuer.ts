/**
 * A local stand-in for a Cognito user pool: issues RS256 ID tokens shaped like Cognito's and verifies
 * them the way the API's JWT authorizer does (signature against the JWKS, issuer, audience, expiry,
 * `token_use === 'id'`).
 *
 * With `keyFile`, the signing key (a private JWK, JSON) is created on first run and reused after, so
 * tokens handed out before a restart keep working. A PKCS#8 PEM private key is accepted too.
 */
import { createHash, randomUUID } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  SignJWT,
  calculateJwkThumbprint,
  createLocalJWKSet,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  importPKCS8,
  jwtVerify,
  type CryptoKey,
  type JWK,
} from 'jose';

/** `internal`: people of other teams (partner managers, payments…) who open and follow escalations and answer consults. */
export const ROLES = ['agent', 'lead', 'risk', 'internal'] as const;
export type Role = (typeof ROLES)[number];

export interface LocalIssuer {
  issuer: string;
  audience: string;
  /** The public signing key(s), as served at `<issuer>/.well-known/jwks.json`. */
  jwks(): { keys: object[] };
  issue(opts: { role: Role; sub?: string; email?: string; expiresInSeconds?: number }): Promise<string>;
  /** The verified claims; throws a TokenVerificationError otherwise. */
  verify(token: string): Promise<Record<string, unknown>>;
}

export interface CreateLocalIssuerOptions {
  issuer: string;
  audience: string;
  /** Where the signing key lives (private JWK as JSON, or a PKCS#8 PEM); created on first run. */
  keyFile?: string;
}

export type TokenErrorCode = 'expired' | 'invalid_signature' | 'wrong_issuer' | 'wrong_audience' | 'malformed';

export class TokenVerificationError extends Error {
  override name = 'TokenVerificationError';
  constructor(
    readonly code: TokenErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Cognito's default ID token lifetime is 1 h; local dev tokens last a working day. */
export const DEFAULT_EXPIRES_IN_SECONDS = 12 * 60 * 60;
const ALG = 'RS256';
/** RFC 4122 URL namespace, for name-based (v5) UUIDs. */
const URL_NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');

/** A stable UUID (version 5) for a name, so a dev user keeps the same `sub` across tokens and restarts. */
function nameBasedUuid(name: string): string {
  const hash = createHash('sha1').update(URL_NAMESPACE).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

interface SigningKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
  kid: string;
}

async function fromPrivateJwk(jwk: JWK): Promise<SigningKey> {
  if (jwk.kty !== 'RSA' || typeof jwk.d !== 'string' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string') {
    throw new Error('the signing key must be an RSA private JWK');
  }
  const kid = typeof jwk.kid === 'string' && jwk.kid !== '' ? jwk.kid : await calculateJwkThumbprint({ kty: 'RSA', n: jwk.n, e: jwk.e });
  const privateKey = (await importJWK({ ...jwk, alg: ALG }, ALG)) as CryptoKey;
  return { privateKey, kid, publicJwk: { kty: 'RSA', n: jwk.n, e: jwk.e, kid, alg: ALG, use: 'sig' } };
}

async function generateSigningKey(): Promise<{ key: SigningKey; privateJwk: JWK }> {
  const { privateKey } = await generateKeyPair(ALG, { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint({ kty: 'RSA', n: jwk.n!, e: jwk.e! });
  const privateJwk: JWK = { ...jwk, kid, alg: ALG, use: 'sig' };
  return { key: await fromPrivateJwk(privateJwk), privateJwk };
}

async function parseKeyFile(text: string, file: string): Promise<SigningKey> {
  try {
    const trimmed = text.trim();
    if (trimmed.startsWith('-----BEGIN')) {
      const imported = await importPKCS8(trimmed, ALG, { extractable: true });
      return await fromPrivateJwk(await exportJWK(imported));
    }
    return await fromPrivateJwk(JSON.parse(trimmed) as JWK);
  } catch (error) {
    throw new Error(`jwt-issuer: cannot use the signing key in ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** Reads the key file, or creates it; when two processes race, both end up with the one that won. */
async function loadOrCreateKey(file: string): Promise<SigningKey> {
  try {
    return await parseKeyFile(await readFile(file, 'utf8'), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { key, privateJwk } = await generateSigningKey();
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomUUID()}`;
  await writeFile(tmp, `${JSON.stringify(privateJwk, null, 2)}\n`, { mode: 0o600 });
  try {
    await link(tmp, file); // atomic, and fails if the file appeared meanwhile
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return await parseKeyFile(await readFile(file, 'utf8'), file);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

function toTokenError(error: unknown): TokenVerificationError {
  if (error instanceof TokenVerificationError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof errors.JWTExpired) return new TokenVerificationError('expired', 'token expired', { cause: error });
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSEAlgNotAllowed
  ) {
    return new TokenVerificationError('invalid_signature', `signature not valid for this issuer: ${message}`, { cause: error });
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return new TokenVerificationError('wrong_issuer', 'token from another issuer', { cause: error });
    if (error.claim === 'aud') return new TokenVerificationError('wrong_audience', 'token for another audience', { cause: error });
  }
  return new TokenVerificationError('malformed', `malformed token: ${message}`, { cause: error });
}

export async function createLocalIssuer(opts: CreateLocalIssuerOptions): Promise<LocalIssuer> {
  const { issuer, audience } = opts;
  const key = opts.keyFile === undefined ? (await generateSigningKey()).key : await loadOrCreateKey(opts.keyFile);
  const jwks = { keys: [key.publicJwk] };
  const keySet = createLocalJWKSet(jwks);

  return {
    issuer,
    audience,
    jwks: () => ({ keys: jwks.keys.map((k) => ({ ...k })) }),

    async issue({ role, sub, email, expiresInSeconds = DEFAULT_EXPIRES_IN_SECONDS }) {
      if (!(ROLES as readonly string[]).includes(role)) throw new TypeError(`unknown role ${JSON.stringify(role)}; expected one of ${ROLES.join(', ')}`);
      // A non-positive lifetime gives an already expired token, handy for testing 401s.
      if (!Number.isFinite(expiresInSeconds)) throw new TypeError('expiresInSeconds must be a finite number of seconds');
      const now = Math.floor(Date.now() / 1000);
      const address = email ?? `${role}@trustdesk.local`;
      const subject = sub ?? nameBasedUuid(`${issuer}#${address.toLowerCase()}`);
      return new SignJWT({
        email: address,
        email_verified: true,
        'cognito:username': subject,
        'cognito:groups': [role],
        token_use: 'id',
        auth_time: now,
        event_id: randomUUID(),
        origin_jti: randomUUID(),
      })
        .setProtectedHeader({ alg: ALG, kid: key.kid })
        .setSubject(subject)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt(now)
        .setExpirationTime(now + Math.trunc(expiresInSeconds))
        .setJti(randomUUID())
        .sign(key.privateKey);
    },

    async verify(token) {
      if (typeof token !== 'string' || token.split('.').length !== 3) throw new TokenVerificationError('malformed', 'not a compact JWS');
      try {
        const { payload } = await jwtVerify(token, keySet, {
          algorithms: [ALG],
          issuer,
          audience,
          requiredClaims: ['sub', 'exp', 'iat', 'token_use'],
        });
        if (payload.token_use !== 'id') throw new TokenVerificationError('malformed', `token_use is ${JSON.stringify(payload.token_use)}, expected "id"`);
        return payload as Record<string, unknown>;
      } catch (error) {
        throw toTokenError(error);
      }
    },
  };
}
