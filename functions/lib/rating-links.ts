// The one-click rating links of the resolution email: `<ratings url>?token=…&score=N`, one per score. The
// token is an HS256 JWT {caseId, resolution, exp} signed with the stack's secret (SigningKey): it cannot be
// forged or moved to another case, and it runs out after the configured lifetime. It is not single-use by
// itself: the case is (domain/satisfaction.ts refuses a second rating of the same resolution).
import { errors, jwtVerify, SignJWT } from 'jose';
import { RATING_SCORES } from '#domain/satisfaction.ts';
import type { SigningKey } from './ports.ts';

const AUDIENCE = 'trustdesk-rating';
const DAY_SECONDS = 86_400;

export interface RatingClaim {
  caseId: string;
  resolution: number;
}

/** A link that is not ours (bad signature, malformed, another audience) or has run out. */
export class RatingLinkError extends Error {
  override name = 'RatingLinkError';
  constructor(readonly reason: 'forged' | 'expired') {
    super(reason === 'expired' ? 'This rating link has expired.' : 'This rating link is not valid.');
  }
}

export async function signRatingToken(key: SigningKey, claim: RatingClaim, now: Date, lifetimeDays: number): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ caseId: claim.caseId, resolution: claim.resolution })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + Math.round(lifetimeDays * DAY_SECONDS))
    .sign(await key.key());
}

export async function verifyRatingToken(key: SigningKey, token: string, now: Date): Promise<RatingClaim> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, await key.key(), { algorithms: ['HS256'], audience: AUDIENCE, currentDate: now, requiredClaims: ['exp'] }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new RatingLinkError('expired');
    if (error instanceof errors.JOSEError || error instanceof TypeError) throw new RatingLinkError('forged');
    throw error;
  }
  const { caseId, resolution } = payload;
  if (typeof caseId !== 'string' || typeof resolution !== 'number' || !Number.isInteger(resolution) || resolution < 1) throw new RatingLinkError('forged');
  return { caseId, resolution };
}

/** The five links, one per score, each carrying the same token. */
export async function ratingLinks(key: SigningKey, baseUrl: string, claim: RatingClaim, now: Date, lifetimeDays: number): Promise<{ score: number; url: string }[]> {
  const token = await signRatingToken(key, claim, now, lifetimeDays);
  return RATING_SCORES.map((score) => {
    const url = new URL(baseUrl);
    url.searchParams.set('token', token);
    url.searchParams.set('score', String(score));
    return { score, url: url.toString() };
  });
}

/** RATING_LINK_DAYS, checked at cold start: a whole number of days from 1 to 365. */
export function ratingLinkDays(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 365) throw new Error(`RATING_LINK_DAYS: expected a whole number of days from 1 to 365, got ${value}`);
  return n;
}
