// HTTP plumbing shared by the API handlers: one router, body parsing, responses, the one error mapping,
// caller identity. Every API function is `httpApi({ 'METHOD /resource': route, … })`: API Gateway has
// matched the request to one of the template's resources already (event.resource, on AWS and in the
// local cloud alike), so routing is a map lookup, not path matching; a route parses its input with a
// schema from events/ (`valid` turns a bad field into a 400 naming it), calls a use case and answers.
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { FieldProblem } from '#events/inquiry.ts';
import { AppError, ForbiddenError, NotFoundError, PayloadTooLargeError, UnauthorizedError, UnsupportedMediaTypeError, ValidationError } from './errors.ts';
import { logger } from './logger.ts';

/** Answers one request API Gateway matched to its `METHOD /resource`. */
export type Route = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

export interface HttpApiOptions {
  /** Roles that may call any route of this API, checked before the route is looked up; none: public. */
  roles?: readonly string[];
  /** How a failure is answered: JSON unless the API says otherwise (the web intake answers browsers in HTML). */
  answerFailure?: FailureAnswer;
}

/** One API function: its routes keyed `METHOD /resource` as in the template, with the shared middleware. */
export function httpApi(routes: Record<string, Route>, options: HttpApiOptions = {}) {
  const { roles, answerFailure } = options;
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(httpHeaderNormalizer())
    .use(httpErrors(answerFailure))
    .handler(async (event) => {
      if (roles) requireRole(agentFrom(event), roles);
      const key = `${event.httpMethod} ${event.resource}`;
      if (!Object.hasOwn(routes, key)) throw new NotFoundError('No such route');
      return routes[key]!(event);
    });
}

/** A parse by a schema from events/ that succeeded, or a 400 naming every bad field. */
export function valid<Parsed extends { ok: true } | { ok: false; problems: FieldProblem[] }>(parsed: Parsed): Exclude<Parsed, { ok: false }> {
  if (!parsed.ok) throw new ValidationError((parsed as { problems: FieldProblem[] }).problems);
  return parsed as Exclude<Parsed, { ok: false }>;
}

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

/**
 * What the client is told about a failed request. `refused`: a typed AppError, its own status, code and
 * words; `busy`: AWS throttled us (nothing was written), come back in a second; `internal`: our fault,
 * a 500 that says nothing internal.
 */
export interface HttpFailure {
  kind: 'refused' | 'busy' | 'internal';
  status: number;
  code: string;
  message: string;
  fields?: FieldProblem[];
}

export type FailureAnswer = (failure: HttpFailure, event: APIGatewayProxyEvent) => APIGatewayProxyResult;

/** The one mapping from a thrown error to what the client may know of it (logged when it is not the client's doing). */
export function describeFailure(error: unknown): HttpFailure {
  if (error instanceof AppError) {
    return { kind: 'refused', status: error.status, code: error.code, message: error.message, ...(error.fields && { fields: error.fields }) };
  }
  if (isThrottling(error)) {
    // Nothing was written (the call that was throttled failed as a whole): tell the client to come back.
    logger.warn('throttled', { errorName: (error as Error).name });
    return { kind: 'busy', status: 503, code: 'busy', message: 'Please retry in a moment' };
  }
  logger.error('unhandled error', { error: error as Error });
  return { kind: 'internal', status: 500, code: 'internal', message: 'Something went wrong on our side; please retry' };
}

/** A failure as JSON: `{ error, message, fields? }`, with `retry-after` when we are busy. */
export const jsonFailure: FailureAnswer = (failure) =>
  json(
    failure.status,
    { error: failure.code, message: failure.message, ...(failure.fields && { fields: failure.fields }) },
    failure.kind === 'busy' ? { 'retry-after': '1' } : {},
  );

/** The one error middleware: maps whatever a route threw with `describeFailure`, answered as the API answers. */
export function httpErrors(answer: FailureAnswer = jsonFailure): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: (request) => {
      request.response = answer(describeFailure(request.error), request.event);
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
