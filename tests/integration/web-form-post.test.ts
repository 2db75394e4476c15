// A browser without JavaScript posts the form itself: it gets pages, while JSON clients are unchanged.
import { describe, expect, it } from 'vitest';
import { allItems, asAgent, request, unique } from './support.ts';

const BROWSER = {
  'content-type': 'application/x-www-form-urlencoded',
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
};

describe('POST /inquiries from a browser form (no JavaScript)', () => {
  it('answers a confirmation page with the case reference', async () => {
    const email = `${unique('nojs')}@example.com`;
    const form = new URLSearchParams({ email, name: '', subject: 'Gift never arrived', message: 'I sent a gift to a creator and it never showed up.', category: 'gifts_coins', amount: '', currency: '', transactionId: '' });
    const res = await request('POST', '/inquiries', { body: form.toString(), headers: BROWSER });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = String(res.body);
    const reference = /<strong id="reference">(TD-[0-9A-Z]{6})<\/strong>/.exec(html)?.[1];
    expect(reference).toBeDefined();

    const cases = await asAgent<{ items: { reference: string; requesterEmail: string }[] }>('/cases?limit=100');
    expect(cases.body.items.find((c) => c.reference === reference)?.requesterEmail).toBe(email);
  });

  it('answers bad fields with a page naming each of them, and creates nothing', async () => {
    const marker = unique('nothing-created');
    const form = new URLSearchParams({ email: 'not-an-email', subject: '', message: marker, amount: '12.345' });
    const res = await request('POST', '/inquiries', { body: form.toString(), headers: BROWSER });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = String(res.body);
    expect(html).toContain('<li>Email address must be a valid email address</li>');
    expect(html).toContain('<li>Subject is required</li>');
    expect(html).toContain('<li>Amount must have at most 2 decimals</li>');
    expect(html).toContain('<li>Currency is required when amount is given</li>');
    expect((await allItems()).filter((i) => i.message?.S === marker)).toEqual([]);
  });

  it('keeps JSON for clients that do not prefer HTML, whatever the body', async () => {
    const form = new URLSearchParams({ email: `${unique('curl')}@example.com`, subject: 'Payout missing', message: 'My payout is late.' });
    const curl = await request('POST', '/inquiries', { body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', accept: '*/*' } });
    expect(curl.status).toBe(201);
    expect(curl.headers.get('content-type')).toContain('application/json');
    expect(curl.body).toMatchObject({ caseId: expect.any(String), reference: expect.stringMatching(/^TD-/) });

    const json = await request('POST', '/inquiries', { body: JSON.stringify({ email: 'bad' }), headers: { 'content-type': 'application/json', accept: BROWSER.accept } });
    expect(json.status).toBe(400);
    expect(json.headers.get('content-type')).toContain('application/json');
  });
});
