import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../domain/html.ts';
import { confirmationPage, problemPage, wantsHtml } from '../../functions/intake-web/html.ts';

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
