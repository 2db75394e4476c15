import { ProvisionedThroughputExceededException, RequestLimitExceeded } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AppError,
  BusyError,
  ConflictError,
  ForbiddenError,
  IdempotencyMismatchError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '#lib/errors.ts';
import { agentFrom, httpApi, httpErrors, isThrottling, json, parseGroups, readBody, requireRole, valid } from '#lib/http.ts';
import { logger } from '#lib/logger.ts';

function httpEvent(overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    resource: '/inquiries',
    path: '/inquiries',
    httpMethod: 'POST',
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { authorizer: null } as unknown as APIGatewayProxyEvent['requestContext'],
    ...overrides,
  };
}

const post = (contentType: string | undefined, body: string | null, isBase64Encoded = false) =>
  httpEvent({ headers: contentType === undefined ? {} : { 'content-type': contentType }, body, isBase64Encoded });

/** The error a call throws (fails the test when it does not throw). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('readBody', () => {
  const MAX = 1024;

  it('reads a JSON object', () => {
    expect(readBody(post('application/json', '{"email":"a@b.co","amount":12.5,"tags":["x"]}'), MAX)).toEqual({
      email: 'a@b.co',
      amount: 12.5,
      tags: ['x'],
    });
  });

  it('reads a form post, decoding + and percent escapes', () => {
    expect(readBody(post('application/x-www-form-urlencoded', 'email=a%40b.co&subject=Hello+there&message=caf%C3%A9%0Aok&amount='), MAX)).toEqual({
      email: 'a@b.co',
      subject: 'Hello there',
      message: 'café\nok',
      amount: '',
    });
  });

  it('accepts a charset parameter and mixed case in the media type', () => {
    expect(readBody(post('application/json; charset=utf-8', '{"a":1}'), MAX)).toEqual({ a: 1 });
    expect(readBody(post('Application/JSON;charset=UTF-8', '{"a":1}'), MAX)).toEqual({ a: 1 });
    expect(readBody(post('application/x-www-form-urlencoded; charset=UTF-8', 'a=1'), MAX)).toEqual({ a: '1' });
  });

  it('decodes base64 bodies (API Gateway binary passthrough)', () => {
    const body = Buffer.from('{"message":"naïve ☕"}', 'utf8').toString('base64');
    expect(readBody(post('application/json', body, true), MAX)).toEqual({ message: 'naïve ☕' });
    const form = Buffer.from('subject=%E2%9C%93+done', 'utf8').toString('base64');
    expect(readBody(post('application/x-www-form-urlencoded', form, true), MAX)).toEqual({ subject: '✓ done' });
  });

  it('counts bytes, not characters, against the limit: exactly the limit is fine', () => {
    const fits = JSON.stringify({ m: 'é'.repeat(5) }); // 8 + 5 * 2 bytes = 18 bytes, 13 characters
    expect(fits).toHaveLength(13);
    expect(Buffer.byteLength(fits)).toBe(18);
    expect(readBody(post('application/json', fits), 18)).toEqual({ m: 'ééééé' });
    const error = thrown(() => readBody(post('application/json', fits), 17));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ status: 413, fields: [{ field: 'body' }] });
  });

  it('measures a base64 body after decoding', () => {
    const decoded = Buffer.from(`{"m":"${'x'.repeat(90)}"}`); // 98 bytes, 132 in base64
    expect(readBody(post('application/json', decoded.toString('base64'), true), 100)).toMatchObject({ m: expect.any(String) });
    expect(thrown(() => readBody(post('application/json', decoded.toString('base64'), true), 97))).toBeInstanceOf(PayloadTooLargeError);
  });

  it('refuses invalid UTF-8 with a 400 naming the body', () => {
    const bytes = Buffer.concat([Buffer.from('{"m":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
    for (const type of ['application/json', 'application/x-www-form-urlencoded']) {
      const error = thrown(() => readBody(post(type, bytes.toString('base64'), true), MAX));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ status: 400, fields: [{ field: 'body', message: 'must be valid UTF-8' }] });
    }
  });

  it('refuses a text body API Gateway decoded with replacement characters (invalid UTF-8 on the wire)', () => {
    const decodedByGateway = Buffer.concat([Buffer.from('{"note":"a'), Buffer.from([0xff]), Buffer.from('b"}')]).toString('utf8');
    for (const type of ['application/json', 'application/x-www-form-urlencoded']) {
      expect(thrown(() => readBody(post(type, decodedByGateway), MAX))).toMatchObject({ status: 400, fields: [{ field: 'body', message: 'must be valid UTF-8' }] });
    }
    // Written as a JSON escape, the character is the sender's choice, not a broken encoding.
    expect(readBody(post('application/json', '{"note":"a\\ufffdb"}'), MAX)).toEqual({ note: 'a\ufffdb' });
  });

  it('refuses malformed JSON with a 400 naming the body', () => {
    expect(thrown(() => readBody(post('application/json', '{"a":'), MAX))).toMatchObject({
      status: 400,
      fields: [{ field: 'body', message: 'must be valid JSON' }],
    });
    expect(thrown(() => readBody(post('application/json', null), MAX))).toMatchObject({ status: 400, fields: [{ field: 'body' }] });
  });

  it.each(['[]', '[{"a":1}]', '"text"', '42', 'null', 'true'])('refuses the non-object JSON %s', (body) => {
    const error = thrown(() => readBody(post('application/json', body), MAX));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ status: 400, fields: [{ field: 'body', message: 'must be a JSON object' }] });
  });

  it('refuses repeated form keys, naming each of them', () => {
    const error = thrown(() => readBody(post('application/x-www-form-urlencoded', 'email=a%40b.co&email=c%40d.co&subject=x&name=1&name=2'), MAX));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields?.map((f) => f.field).sort()).toEqual(['email', 'name']);
  });

  it('keeps a form key named like an Object.prototype member as plain data', () => {
    const body = readBody(post('application/x-www-form-urlencoded', '__proto__=x&constructor=y&toString=z'), MAX);
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect(Object.keys(body).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it.each(['text/plain', 'multipart/form-data; boundary=x', 'application/jsonp', 'application/xml', ''])(
    'refuses the media type %j with a 415',
    (type) => {
      const error = thrown(() => readBody(post(type, '{}'), MAX));
      expect(error).toBeInstanceOf(UnsupportedMediaTypeError);
      expect(error).toMatchObject({ status: 415, fields: [{ field: 'Content-Type' }] });
    },
  );

  it('refuses a request without a content type, even when API Gateway sends no headers at all', () => {
    expect(thrown(() => readBody(post(undefined, '{}'), MAX))).toBeInstanceOf(UnsupportedMediaTypeError);
    const noHeaders = httpEvent({ headers: null as unknown as APIGatewayProxyEvent['headers'], body: '{}' });
    expect(thrown(() => readBody(noHeaders, MAX))).toBeInstanceOf(UnsupportedMediaTypeError);
  });
});

describe('parseGroups', () => {
  it.each([
    [['agent', 'lead'], ['agent', 'lead']],
    [['agent', 7, null, 'risk'], ['agent', 'risk']],
    ['agent,lead', ['agent', 'lead']],
    ['agent, lead', ['agent', 'lead']],
    ['[agent lead]', ['agent', 'lead']],
    ['[risk]', ['risk']],
    ['agent', ['agent']],
    ['[]', []],
    ['', []],
    [undefined, []],
    [null, []],
    [42, []],
  ] as const)('%j → %j', (value, expected) => {
    expect(parseGroups(value)).toEqual(expected);
  });
});

describe('agentFrom', () => {
  const withClaims = (claims: Record<string, unknown> | undefined) =>
    httpEvent({ requestContext: { authorizer: claims === undefined ? null : { claims } } as unknown as APIGatewayProxyEvent['requestContext'] });

  it('reads the subject, email and groups of the authorizer claims', () => {
    expect(agentFrom(withClaims({ sub: 'u-1', email: 'agent@trustdesk.local', 'cognito:groups': '[agent lead]' }))).toEqual({
      id: 'u-1',
      email: 'agent@trustdesk.local',
      roles: ['agent', 'lead'],
    });
  });

  it('has no roles and no email when the claims carry none', () => {
    expect(agentFrom(withClaims({ sub: 'u-2' }))).toEqual({ id: 'u-2', roles: [] });
  });

  it.each([
    ['no authorizer', undefined],
    ['no subject', { email: 'x@y.z', 'cognito:groups': 'agent' }],
    ['an empty subject', { sub: '' }],
    ['a non-string subject', { sub: 42 }],
  ])('refuses %s as unauthorized', (_, claims) => {
    const error = thrown(() => agentFrom(withClaims(claims)));
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error).toMatchObject({ status: 401 });
  });
});

describe('requireRole', () => {
  it('lets a caller with one of the roles through and refuses others with a 403', () => {
    expect(() => requireRole({ id: 'a', roles: ['lead'] }, ['agent', 'lead'])).not.toThrow();
    const error = thrown(() => requireRole({ id: 'a', roles: ['viewer'] }, ['agent', 'lead']));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error).toMatchObject({ status: 403 });
  });
});

describe('json', () => {
  it('serialises the body with security headers, extra headers added', () => {
    const response = json(201, { caseId: 'c' }, { 'idempotent-replayed': 'true' });
    expect(response.statusCode).toBe(201);
    expect(JSON.parse(response.body)).toEqual({ caseId: 'c' });
    expect(response.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'idempotent-replayed': 'true',
    });
  });
});

describe('httpErrors middleware', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const context = { functionName: 'test', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

  async function respond(error: unknown): Promise<APIGatewayProxyResult> {
    const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
      .use(httpErrors())
      .handler(async () => {
        throw error;
      });
    return handler(httpEvent(), context);
  }

  it.each([
    [new ValidationError([{ field: 'email', message: 'is required' }]), 400, 'validation_failed'],
    [new UnauthorizedError(), 401, 'unauthorized'],
    [new ForbiddenError(), 403, 'forbidden'],
    [new NotFoundError('No such case'), 404, 'not_found'],
    [new ConflictError('Case changed'), 409, 'conflict'],
    [new PayloadTooLargeError(32), 413, 'payload_too_large'],
    [new UnsupportedMediaTypeError(['application/json']), 415, 'unsupported_media_type'],
    [new IdempotencyMismatchError(), 422, 'idempotency_key_reused'],
    [new BusyError(), 503, 'busy'],
  ])('maps %s to its status and code', async (error, status, code) => {
    const response = await respond(error);
    expect(response.statusCode).toBe(status);
    expect(response.headers?.['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(response.body) as { error: string; message: string; fields?: unknown };
    expect(body.error).toBe(code);
    expect(body.message).toBe(error.message);
    if (error.fields) expect(body.fields).toEqual(error.fields);
    else expect(body).not.toHaveProperty('fields');
  });

  it('returns every field problem of a validation error', async () => {
    const fields = [
      { field: 'email', message: 'must be a valid email address' },
      { field: 'subject', message: 'is required' },
    ];
    const response = await respond(new ValidationError(fields));
    expect(JSON.parse(response.body)).toEqual({ error: 'validation_failed', message: 'Invalid email, subject', fields });
  });

  it('maps any AppError subclass by its own status', async () => {
    class TeapotError extends AppError {
      constructor() {
        super(418, 'teapot', 'I am a teapot');
      }
    }
    const response = await respond(new TeapotError());
    expect(response.statusCode).toBe(418);
    expect(JSON.parse(response.body)).toEqual({ error: 'teapot', message: 'I am a teapot' });
  });

  it('turns an unknown error into a 500 that reveals nothing internal, and logs it', async () => {
    const logged = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const secret = new Error('ConditionalCheckFailed on table trustdesk-cases-prod at arn:aws:dynamodb:secret');
    const response = await respond(secret);
    expect(response.statusCode).toBe(500);
    const body = JSON.parse(response.body) as { error: string; message: string };
    expect(body.error).toBe('internal');
    expect(response.body).not.toContain('ConditionalCheckFailed');
    expect(response.body).not.toContain('arn:aws');
    expect(response.body).not.toContain('stack');
    expect(logged).toHaveBeenCalledTimes(1);
    expect(logged.mock.calls[0]?.[1]).toEqual({ error: secret });
  });

  it.each([
    new ProvisionedThroughputExceededException({ message: 'Throughput exceeds the current capacity of your table', $metadata: {} }),
    new RequestLimitExceeded({ message: 'Throughput exceeds the current throughput limit for your account', $metadata: {} }),
    Object.assign(new Error('Rate exceeded'), { name: 'SomeServiceSlowDown', $retryable: { throttling: true } }),
  ])('answers a throttled AWS call (%s) with a 503 and Retry-After, not a 500', async (error) => {
    const warned = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const response = await respond(error);
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('1');
    expect(JSON.parse(response.body)).toEqual({ error: 'busy', message: 'Please retry in a moment' });
    expect(response.body).not.toContain('capacity');
    expect(warned).toHaveBeenCalledWith('throttled', { errorName: error.name });
  });

  it('does not take an ordinary failure for throttling', () => {
    expect(isThrottling(new Error('boom'))).toBe(false);
    expect(isThrottling({ name: 'ThrottlingException' })).toBe(false);
    expect(isThrottling(Object.assign(new Error('x'), { name: 'ThrottlingException' }))).toBe(true);
  });

  it('treats a thrown non-Error as internal too', async () => {
    vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const response = await respond('just a string');
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('just a string');
  });

  it('leaves successful responses alone', async () => {
    const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
      .use(httpErrors())
      .handler(async () => json(200, { ok: true }));
    expect((await handler(httpEvent(), context)).statusCode).toBe(200);
  });
});

describe('httpApi', () => {
  const context = { functionName: 'test', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
  const asLead = { authorizer: { claims: { sub: 'lead-1', 'cognito:groups': 'lead' } } } as unknown as APIGatewayProxyEvent['requestContext'];
  const asAgent = { authorizer: { claims: { sub: 'agent-1', 'cognito:groups': 'agent' } } } as unknown as APIGatewayProxyEvent['requestContext'];

  const api = httpApi(
    {
      'GET /things': async () => json(200, { route: 'list' }),
      'DELETE /things/{thingId}': async (event) => json(200, { route: 'delete', thingId: event.pathParameters?.thingId }),
    },
    { roles: ['lead'] },
  );
  const call = (httpMethod: string, resource: string, requestContext = asLead, extra: Partial<APIGatewayProxyEvent> = {}) =>
    api(httpEvent({ httpMethod, resource, path: resource, requestContext, ...extra }), context);

  it('routes by method and resource as API Gateway matched them', async () => {
    expect(JSON.parse((await call('GET', '/things')).body)).toEqual({ route: 'list' });
    const deleted = await call('DELETE', '/things/{thingId}', asLead, { path: '/things/t-1', pathParameters: { thingId: 't-1' } });
    expect(JSON.parse(deleted.body)).toEqual({ route: 'delete', thingId: 't-1' });
  });

  it('answers an unknown method or resource with a 404', async () => {
    for (const [method, resource] of [['POST', '/things'], ['GET', '/other'], ['GET', '/things/{thingId}']] as const) {
      const response = await call(method, resource);
      expect(response.statusCode).toBe(404);
      expect(JSON.parse(response.body)).toEqual({ error: 'not_found', message: 'No such route' });
    }
  });

  it('checks the caller before the route: 401 without claims, 403 for another role, even on an unknown route', async () => {
    expect((await call('GET', '/things', { authorizer: null } as unknown as APIGatewayProxyEvent['requestContext'])).statusCode).toBe(401);
    expect((await call('GET', '/things', asAgent)).statusCode).toBe(403);
    expect((await call('GET', '/other', asAgent)).statusCode).toBe(403);
  });

  it('normalises header names before a route reads them', async () => {
    const echo = httpApi({ 'POST /echo': async (event) => json(200, { key: event.headers['idempotency-key'] }) });
    const response = await echo(httpEvent({ httpMethod: 'POST', resource: '/echo', headers: { 'Idempotency-Key': 'k-1' } }), context);
    expect(JSON.parse(response.body)).toEqual({ key: 'k-1' });
  });
});

describe('valid', () => {
  it('returns a successful parse and turns a failed one into a 400 naming each field', () => {
    expect(valid({ ok: true, value: 3 } as const)).toEqual({ ok: true, value: 3 });
    const error = thrown(() => valid({ ok: false, problems: [{ field: 'limit', message: 'must be a whole number from 1 to 100' }] }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).status).toBe(400);
    expect((error as ValidationError).fields).toEqual([{ field: 'limit', message: 'must be a whole number from 1 to 100' }]);
  });
});
