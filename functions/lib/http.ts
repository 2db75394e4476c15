// HTTP plumbing shared by the API handlers: body parsing, responses, errors, caller identity.
import type middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { AppError, ForbiddenError, PayloadTooLargeError, UnauthorizedError, UnsupportedMediaTypeError, ValidationError } from './errors.ts';
import { logger } from './logger.ts';

const SECURITY_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { ...SECURITY_HEADERS, ...headers }, body: JSON.stringify(body) };
}

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const utf8 = new TextDecoder('utf-8', { fatal: true });
const REPLACEMENT_CHARACTER = '\uFFFD';

/** The request body as an object, from JSON or a form post; refuses what it cannot read with a 4xx. */
export function readBody(event: APIGatewayProxyEvent, maxBytes: number): Record<string, unknown> {
  const mediaType = (event.headers?.['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== JSON_TYPE && mediaType !== FORM) throw new UnsupportedMediaTypeError([JSON_TYPE, FORM]);
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > maxBytes) throw new PayloadTooLargeError(maxBytes);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ValidationError([{ field: 'body', message: 'must be valid UTF-8' }]);
  }
  // API Gateway hands a text body over already decoded, invalid bytes replaced by U+FFFD: refuse those too.
  if (text.includes(REPLACEMENT_CHARACTER)) throw new ValidationError([{ field: 'body', message: 'must be valid UTF-8' }]);
  if (mediaType === FORM) return readForm(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ValidationError([{ field: 'body', message: 'must be valid JSON' }]);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ValidationError([{ field: 'body', message: 'must be a JSON object' }]);
  }
  return parsed as Record<string, unknown>;
}

function readForm(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const repeated: string[] = [];
  for (const [key, value] of new URLSearchParams(text)) {
    if (key in out) repeated.push(key);
    out[key] = value;
  }
  if (repeated.length > 0) throw new ValidationError(repeated.map((field) => ({ field, message: 'must be given once' })));
  return { ...out };
}

const THROTTLING = new Set(['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'TooManyRequestsException', 'Throttling']);

/** An AWS service refused the call for rate or capacity (after the SDK's own retries): a 503, not our fault. */
export function isThrottling(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return THROTTLING.has(error.name) || (error as { $retryable?: { throttling?: boolean } }).$retryable?.throttling === true;
}

/** Maps typed errors to their status; anything else is our fault: a 500 that says nothing internal. */
export function httpErrors(): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: (request) => {
      const error = request.error;
      if (error instanceof AppError) {
        request.response = json(error.status, { error: error.code, message: error.message, ...(error.fields && { fields: error.fields }) });
        return;
      }
      if (isThrottling(error)) {
        // Nothing was written (the call that was throttled failed as a whole): tell the client to come back.
        logger.warn('throttled', { errorName: (error as Error).name });
        request.response = json(503, { error: 'busy', message: 'Please retry in a moment' }, { 'retry-after': '1' });
        return;
      }
      logger.error('unhandled error', { error: error as Error });
      request.response = json(500, { error: 'internal', message: 'Something went wrong on our side; please retry' });
    },
  };
}

export interface Agent {
  id: string;
  email?: string;
  roles: string[];
}

/** The caller as the authorizer saw them (Cognito claims on AWS, the local issuer's locally). */
export function agentFrom(event: APIGatewayProxyEvent): Agent {
  const claims = (event.requestContext.authorizer?.claims ?? undefined) as Record<string, unknown> | undefined;
  const sub = claims?.sub;
  if (typeof sub !== 'string' || sub.length === 0) throw new UnauthorizedError();
  return {
    id: sub,
    ...(typeof claims?.email === 'string' && { email: claims.email }),
    roles: parseGroups(claims?.['cognito:groups']),
  };
}

/** API Gateway passes groups as an array, "a,b" or "[a b]" depending on the integration. */
export function parseGroups(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value !== 'string') return [];
  return value
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
}

export function requireRole(agent: Agent, allowed: readonly string[]): void {
  if (!agent.roles.some((r) => allowed.includes(r))) throw new ForbiddenError(`Requires one of the roles: ${allowed.join(', ')}`);
}
