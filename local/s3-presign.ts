// Presigned S3 URLs, checked the way S3 checks them: a request carrying SigV4 in its query string
// (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature) is
// served only when the signature is the one its access key's secret makes for exactly this method, path,
// query (every parameter but the signature: so a changed `response-content-type` or
// `response-content-disposition` override breaks it) and signed headers, and only inside its validity
// (X-Amz-Date + X-Amz-Expires, at most a week). Pure: the S3 server hands it the request as it arrived, the
// secret lookup and the clock (the local cloud's virtual one), and answers whatever problem it returns.
// Requests signed in the Authorization header are not verified here (the SDK's own clients sign those; the
// access key still decides IAM): only links handed to someone else carry their authority in the URL.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Why a presigned request is refused, in S3's words (the server turns it into its XML error). */
export interface PresignProblem {
  status: number;
  code: string;
  message: string;
  extra?: Record<string, string>;
}

export interface PresignCheck {
  method: string;
  /** The request target as it arrived: path and raw query string. */
  target: string;
  headers: Record<string, string | string[] | undefined>;
  /** The secret of an access key; undefined: no such key (403 InvalidAccessKeyId). */
  secretFor: (accessKeyId: string) => string | undefined;
  /** Epoch milliseconds now. */
  now: number;
}

/** The longest a SigV4 presigned URL may be valid: seven days. */
export const MAX_PRESIGN_SECONDS = 604_800;
/** How far a signing time may lie in the future before S3 calls the request not yet valid (clock skew). */
const ALLOWED_SKEW_MS = 15 * 60 * 1000;
const ALGORITHM = 'AWS4-HMAC-SHA256';

/** Whether the request carries its signature in the query string (a presigned URL). */
export function isPresigned(target: string): boolean {
  const q = target.indexOf('?');
  return q >= 0 && rawParams(target.slice(q + 1)).some(([k]) => /^x-amz-(signature|credential|algorithm)$/i.test(k));
}

/** SigV4's URI encoding: every byte but the unreserved characters A-Z a-z 0-9 - _ . ~ percent-encoded. */
export function sigv4Encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The query's parameters, percent-decoded (never `+` as a space: SigV4 clients encode a space as %20). */
function rawParams(query: string): [string, string][] {
  if (query === '') return [];
  return query.split('&').flatMap((pair): [string, string][] => {
    if (pair === '') return [];
    const eq = pair.indexOf('=');
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    };
    return [[decode(eq < 0 ? pair : pair.slice(0, eq)), decode(eq < 0 ? '' : pair.slice(eq + 1))]];
  });
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');

function headerValue(headers: PresignCheck['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

const authError = (message: string): PresignProblem => ({ status: 400, code: 'AuthorizationQueryParametersError', message });

/** The signature SigV4 makes for this request with `secret` (the canonical request and string to sign as S3 builds them). */
export function presignedSignature(o: { method: string; target: string; headers: PresignCheck['headers']; secret: string }): string {
  const q = o.target.indexOf('?');
  const rawPath = q < 0 ? o.target : o.target.slice(0, q);
  const params = rawParams(q < 0 ? '' : o.target.slice(q + 1));
  const get = (name: string) => params.find(([k]) => k === name)?.[1] ?? '';
  // S3 normalizes nothing in the path (no `.`/`..` resolution) and encodes each segment once.
  const canonicalUri = rawPath
    .split('/')
    .map((segment) => {
      try {
        return sigv4Encode(decodeURIComponent(segment));
      } catch {
        return segment;
      }
    })
    .join('/');
  const canonicalQuery = params
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [sigv4Encode(k), sigv4Encode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const signedHeaders = get('X-Amz-SignedHeaders');
  const canonicalHeaders = signedHeaders
    .split(';')
    .map((name) => `${name}:${(headerValue(o.headers, name) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const payload = params.find(([k]) => k.toLowerCase() === 'x-amz-content-sha256')?.[1] ?? 'UNSIGNED-PAYLOAD';
  const canonicalRequest = [o.method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaders, payload].join('\n');
  const [, date = '', region = '', service = ''] = get('X-Amz-Credential').split('/');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = [ALGORITHM, get('X-Amz-Date'), scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${o.secret}`, date), region), service), 'aws4_request');
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}

/** Undefined when the presigned request may be served; else what S3 answers. */
export function checkPresigned(c: PresignCheck): PresignProblem | undefined {
  const q = c.target.indexOf('?');
  const params = rawParams(q < 0 ? '' : c.target.slice(q + 1));
  const get = (name: string) => params.find(([k]) => k === name)?.[1];
  const algorithm = get('X-Amz-Algorithm');
  if (algorithm !== ALGORITHM) return authError(`X-Amz-Algorithm only supports "${ALGORITHM}"`);
  const credential = get('X-Amz-Credential') ?? '';
  const [accessKeyId = '', date = '', region = '', service = '', terminal = ''] = credential.split('/');
  if (!accessKeyId || !/^\d{8}$/.test(date) || !region || service !== 's3' || terminal !== 'aws4_request' || credential.split('/').length !== 5) {
    return authError(`Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
  }
  const amzDate = get('X-Amz-Date') ?? '';
  const signedAt = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!signedAt) return authError("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  if (amzDate.slice(0, 8) !== date) return authError('Error parsing the X-Amz-Credential parameter; incorrect date. This should be the date in the X-Amz-Date parameter.');
  const expiresText = get('X-Amz-Expires') ?? '';
  if (!/^\d+$/.test(expiresText)) return authError('X-Amz-Expires should be a number');
  const expires = Number(expiresText);
  if (expires > MAX_PRESIGN_SECONDS) return authError(`X-Amz-Expires must be less than a week (in seconds) that is; ${MAX_PRESIGN_SECONDS}`);
  const signedHeaders = get('X-Amz-SignedHeaders') ?? '';
  if (!signedHeaders.split(';').includes('host')) return authError('Query-string authentication requires the host header to be signed.');
  const signature = get('X-Amz-Signature') ?? '';
  if (!/^[0-9a-f]{64}$/.test(signature)) return authError('X-Amz-Signature must be 64 lower-case hex characters');

  const secret = c.secretFor(accessKeyId);
  if (secret === undefined) return { status: 403, code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.', extra: { AWSAccessKeyId: accessKeyId } };
  const [, y, mo, d, h, mi, s] = signedAt.map(Number) as number[];
  const signedMs = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  const serverTime = new Date(c.now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (signedMs - ALLOWED_SKEW_MS > c.now) return { status: 403, code: 'AccessDenied', message: 'Request is not valid yet', extra: { RequestTime: amzDate, ServerTime: serverTime } };
  if (c.now > signedMs + expires * 1000) {
    const expiredAt = new Date(signedMs + expires * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { status: 403, code: 'AccessDenied', message: 'Request has expired', extra: { 'X-Amz-Expires': expiresText, Expires: expiredAt, ServerTime: serverTime } };
  }
  const expected = presignedSignature({ method: c.method, target: c.target, headers: c.headers, secret });
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
    return {
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      extra: { AWSAccessKeyId: accessKeyId },
    };
  }
  return undefined;
}
