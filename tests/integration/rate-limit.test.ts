// The public form is rate limited per client: the template's WAF rate rule, enforced by the local cloud.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allItems, postInquiry, request, settle, unique } from './support.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const template = JSON.parse(readFileSync(path.join(root, 'cdk.out', 'Trustdesk.template.json'), 'utf8')) as {
  Resources: Record<string, { Type: string; Properties: { Rules: { Statement: { RateBasedStatement?: { Limit: number; EvaluationWindowSec: number } } }[] } }>;
};
const rate = Object.values(template.Resources)
  .filter((r) => r.Type === 'AWS::WAFv2::WebACL')
  .flatMap((r) => r.Properties.Rules)
  .map((r) => r.Statement.RateBasedStatement)
  .find((s) => s !== undefined)!;

const inquiry = (marker: string) => ({ email: `${unique('rate')}@example.com`, subject: 'Payout missing', message: `My payout did not arrive (${marker}).` });
const as = (ip: string) => ({ 'x-forwarded-for': ip });

describe('the public intake rate rule (WAF on AWS, the same rule locally)', () => {
  it('answers 429 to a client over the limit within the window, others unaffected, and lets it back after the window', async () => {
    expect(rate.Limit).toBeGreaterThanOrEqual(10);
    const first = '203.0.113.7';
    const run = unique('burst');
    const markers = Array.from({ length: rate.Limit }, (_, i) => `${run}-${i}`);
    // The limit's worth of inquiries (10 at a time), all accepted.
    for (let i = 0; i < markers.length; i += 10) {
      const replies = await Promise.all(markers.slice(i, i + 10).map((m) => postInquiry(inquiry(m), as(first))));
      expect(replies.map((r) => r.status)).toEqual(replies.map(() => 201));
    }

    const blockedMarker = `${run}-blocked`;
    const blocked = await postInquiry(inquiry(blockedMarker), as(first));
    expect(blocked.status).toBe(429);
    expect(blocked.body).toEqual({ message: 'Too Many Requests' });
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(rate.EvaluationWindowSec);

    await settle();
    const stored = JSON.stringify(await allItems());
    expect(stored).toContain(markers.at(-1)); // the accepted ones are there (so the check below can see)
    expect(stored).not.toContain(blockedMarker); // nothing written for the blocked one

    // Another client is still accepted; routes other than the intake are not limited for the first.
    expect((await postInquiry(inquiry(`${run}-other`), as('198.51.100.9'))).status).toBe(201);
    expect((await request('GET', '/local/health', { headers: as(first) })).status).toBe(200);
    expect((await request('GET', '/cases', { headers: as(first) })).status).toBe(401);

    // Past the window the first client is accepted again.
    const moved = await request('POST', '/local/clock', {
      body: JSON.stringify({ advanceSeconds: rate.EvaluationWindowSec + 1 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(moved.status).toBe(200);
    expect((await postInquiry(inquiry(`${run}-again`), as(first))).status).toBe(201);
  }, 120_000);
});
