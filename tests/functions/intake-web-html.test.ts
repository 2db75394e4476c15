import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PayloadTooLargeError, ValidationError } from '#lib/errors.ts';
import { httpErrors } from '#lib/http.ts';
import { logger } from '#lib/logger.ts';
import { escapeHtml } from '../../domain/html.ts';
import { confirmationPage, pageOrJson, problemPage, wantsHtml } from '../../functions/intake-web/html.ts';

const FORM = 'application/x-www-form-urlencoded';
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

describe('wantsHtml', () => {
  it('is true for a browser posting the form itself', () => {
    expect(wantsHtml({ 'content-type': FORM, accept: BROWSER_ACCEPT })).toBe(true);
    expect(wantsHtml({ 'content-type': `${FORM}; charset=UTF-8`, accept: 'text/html' })).toBe(true);
  });

  it('is false for JSON bodies, JSON-preferring clients and clients that take anything', () => {
    expect(wantsHtml({ 'content-type': 'application/json', accept: BROWSER_ACCEPT })).toBe(false);
    expect(wantsHtml({ 'content-type': FORM })).toBe(false);
    expect(wantsHtml({ 'content-type': FORM, accept: '*/*' })).toBe(false);
    expect(wantsHtml({ 'content-type': FORM, accept: 'application/json' })).toBe(false);
    expect(wantsHtml({ 'content-type': FORM, accept: 'application/json, text/html;q=0.5' })).toBe(false);
    expect(wantsHtml({ 'content-type': FORM, accept: 'text/html;q=0, */*' })).toBe(false);
  });

  it('takes the most specific range for each type', () => {
    expect(wantsHtml({ 'content-type': FORM, accept: 'text/*;q=0.9, application/json;q=0.5' })).toBe(true);
    expect(wantsHtml({ 'content-type': FORM, accept: 'text/html;q=0.4, */*;q=0.9' })).toBe(false);
  });
});

describe('pages', () => {
  it('escapes everything it prints', () => {
    expect(escapeHtml(`<script>alert("x")</script>&'`)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
    const page = problemPage(400, 'Invalid', [{ field: '<img src=x onerror=alert(1)>', message: 'must be given once' }]);
    expect(page.body).not.toContain('<img');
    expect(page.body).toContain('&lt;img src=x onerror=alert(1)&gt; must be given once');
  });

  it('names fields by their labels and sends a strict CSP', () => {
    const page = problemPage(400, 'Invalid email', [{ field: 'email', message: 'must be a valid email address' }]);
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('<li>Email address must be a valid email address</li>');
    expect(page.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(String(page.headers?.['content-security-policy'])).toContain("default-src 'none'");
  });

  it('shows the reference on the confirmation', () => {
    const page = confirmationPage('TD-ABC123');
    expect(page.statusCode).toBe(201);
    expect(page.body).toContain('<strong id="reference">TD-ABC123</strong>');
  });
});

describe('pageOrJson: the shared error mapping, answered as a page for a browser form post', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const context = { functionName: 'test', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
  const BROWSER = { 'content-type': FORM, accept: BROWSER_ACCEPT };

  async function respond(error: unknown, headers: Record<string, string>): Promise<APIGatewayProxyResult> {
    const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
      .use(httpErrors(pageOrJson))
      .handler(async () => {
        throw error;
      });
    return handler({ headers, requestContext: {} } as unknown as APIGatewayProxyEvent, context);
  }

  it('names what to correct on a refusal, with its own status', async () => {
    const response = await respond(new ValidationError([{ field: 'email', message: 'is required' }]), BROWSER);
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('<li>Email address is required</li>');
    const tooLarge = await respond(new PayloadTooLargeError(32), BROWSER);
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.body).toContain('<li>body must be at most 32 bytes</li>');
  });

  it('asks to try again when AWS throttles us or something breaks, revealing nothing', async () => {
    vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const logged = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const busy = await respond(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }), BROWSER);
    expect(busy.statusCode).toBe(503);
    expect(busy.body).toContain('We could not take your inquiry just now');
    const broken = await respond(new Error('arn:aws:dynamodb:secret'), BROWSER);
    expect(broken.statusCode).toBe(500);
    expect(broken.body).toContain('We could not take your inquiry just now');
    expect(broken.body).not.toContain('arn:aws');
    expect(logged).toHaveBeenCalledTimes(1);
  });

  it('answers every other client in JSON, exactly as the other APIs do', async () => {
    const refused = await respond(new ValidationError([{ field: 'email', message: 'is required' }]), { 'content-type': FORM, accept: 'application/json' });
    expect(refused.headers?.['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(refused.body)).toEqual({ error: 'validation_failed', message: 'Invalid email', fields: [{ field: 'email', message: 'is required' }] });
    vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const busy = await respond(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }), { 'content-type': 'application/json' });
    expect(busy.statusCode).toBe(503);
    expect(busy.headers?.['retry-after']).toBe('1');
  });
});
