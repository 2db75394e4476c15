// Satisfaction ratings end to end: the resolution email in the local SES mailbox carries five signed links;
// following one opens the public confirmation page, confirming records the rating once (event + case field);
// a reused, forged or expired link gets a clear page and changes nothing; duplicates ask nothing; a reopened
// and re-resolved case asks again. Every assertion is scoped to the cases this file opens.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { actAs, asAgent, cloud, mailbox, postInquiry, request, settle, token, unique } from './support.ts';

interface Satisfaction {
  ratings: { current: number | null };
  average: { current: number | null };
  byScore: { score: number; count: number }[];
  byCategory: { id: string; ratings: number; average: number | null }[];
}
/** Today's satisfaction numbers as the dashboard reads them (GET /reports/current). */
const todays = async () =>
  (await request<{ satisfaction: Satisfaction }>('GET', '/reports/current?cadence=daily', { headers: { authorization: `Bearer ${await token('lead')}` } })).body.satisfaction;

const template = JSON.parse(readFileSync(new URL('../../cdk.out/Trustdesk.template.json', import.meta.url), 'utf8')) as {
  Resources: Record<string, { Type: string; Properties?: { Rules?: { Name: string; Statement: { RateBasedStatement?: { Limit: number } } }[] } }>;
};

interface View {
  case: { caseId: string; reference: string; version: number; status: string; resolutions?: number; satisfaction?: { rating: number; comment?: string; ratedAt: string; resolution: number } };
  timeline: { type: string; version: number; data: Record<string, unknown> }[];
}

const read = async (caseId: string) => (await asAgent<View>(`/cases/${caseId}`)).body;

async function openCase(): Promise<{ email: string; caseId: string }> {
  const email = `${unique('rater')}@example.com`;
  const res = await postInquiry({ email, name: 'Rita Rater', subject: 'Coins missing after top-up', message: 'I bought 500 coins and got none.' });
  expect(res.status).toBe(201);
  await settle();
  return { email, caseId: String(res.body.caseId) };
}

async function resolve(caseId: string, outcome = 'resolved'): Promise<void> {
  const view = await read(caseId);
  const res = await actAs('agent', caseId, { type: 'resolve', outcome, summary: 'We credited the 500 coins.', expectedVersion: view.case.version });
  expect(res.status).toBe(200);
  await settle();
}

/** The resolution emails to this address, oldest first. */
async function resolutionEmails(email: string) {
  return (await mailbox()).filter((m) => m.destination.to.includes(email) && m.subject.includes('Resolved:')).sort((a, b) => a.at - b.at);
}

/** The rating link for a score in an email's text part, as a path on the local API (the links name the configured base). */
function linkFor(text: string, score: number): string {
  const match = new RegExp(`https?://[^\\s]+/ratings\\?token=([^\\s&]+)&score=${score}(?=\\s|$)`, 'm').exec(text);
  if (!match) throw new Error(`no rating link for score ${score} in:\n${text}`);
  return `/ratings?token=${match[1]}&score=${score}`;
}

const tokenOf = (link: string) => new URL(link, 'http://x').searchParams.get('token')!;

const postRating = (fields: Record<string, string>) =>
  request<string>('POST', '/ratings', { body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' } });

describe('satisfaction ratings', () => {
  it('records a rating once from the resolution email link; reuse gets a clear page and changes nothing', async () => {
    const { email, caseId } = await openCase();
    await resolve(caseId);
    const [mail] = await resolutionEmails(email);
    expect(mail).toBeDefined();
    const text = mail!.body.text ?? '';
    for (const score of [1, 2, 3, 4, 5]) expect(() => linkFor(text, score)).not.toThrow();
    expect(mail!.body.html).toContain('/ratings?token=');

    const link = linkFor(text, 4);
    const page = await request<string>('GET', link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.body).toContain('Rate 4 out of 5');
    // Nothing is recorded by opening the link.
    expect((await read(caseId)).case.satisfaction).toBeUndefined();

    const reportBefore = await todays();
    const comment = '<script>alert(1)</script> Quick & kind';
    const confirmed = await postRating({ token: tokenOf(link), score: '4', comment });
    expect(confirmed.status).toBe(201);
    expect(confirmed.body).toContain('Thank you for your rating');
    await settle();

    const rated = await read(caseId);
    expect(rated.case.satisfaction).toMatchObject({ rating: 4, comment, resolution: 1 });
    const events = rated.timeline.filter((e) => e.type === 'satisfaction.rated');
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toEqual({ rating: 4, comment, resolution: 1 });

    // Reused: the same link (GET), and the form posted again with another score: clear pages, nothing changed.
    const again = await request<string>('GET', link);
    expect(again.status).toBe(409);
    expect(again.body).toContain('Already rated');
    const second = await postRating({ token: tokenOf(link), score: '1', comment: 'changed my mind' });
    expect(second.status).toBe(409);
    expect(second.body).toContain('Already rated');
    await settle();
    const after = await read(caseId);
    expect(after.case.version).toBe(rated.case.version);
    expect(after.case.satisfaction).toEqual(rated.case.satisfaction);
    expect(after.timeline.filter((e) => e.type === 'satisfaction.rated')).toHaveLength(1);

    // The reports count it exactly once: one more rating, one more 4, under the case's category.
    const category = (after.case as unknown as { category: string }).category;
    const reportAfter = await todays();
    expect(reportAfter.ratings.current).toBe((reportBefore.ratings.current ?? 0) + 1);
    const fours = (r: Satisfaction) => r.byScore.find((b) => b.score === 4)!.count;
    expect(fours(reportAfter)).toBe(fours(reportBefore) + 1);
    const inCategory = (r: Satisfaction) => r.byCategory.find((c) => c.id === category)?.ratings ?? 0;
    expect(inCategory(reportAfter)).toBe(inCategory(reportBefore) + 1);
    expect(reportAfter.average.current).not.toBeNull();
  });

  it('answers a forged or expired link with a clear page and changes nothing', async () => {
    const { email, caseId } = await openCase();
    await resolve(caseId);
    const [mail] = await resolutionEmails(email);
    const token = tokenOf(linkFor(mail!.body.text ?? '', 5));
    const before = await read(caseId);

    // Forged: the signature tampered with, and a token signed with a key that is not ours.
    const [head, body, signature] = token.split('.');
    const tampered = `${head}.${body}.${signature!.startsWith('A') ? 'B' : 'A'}${signature!.slice(1)}`;
    const foreign = await new SignJWT({ caseId, resolution: 1 })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience('trustdesk-rating')
      .setExpirationTime('1d')
      .sign(new TextEncoder().encode('not-the-stack-key-not-the-stack-key-0123'));
    for (const forged of [tampered, foreign, 'not-a-token']) {
      const page = await request<string>('GET', `/ratings?token=${encodeURIComponent(forged)}&score=5`);
      expect(page.status).toBe(400);
      expect(page.body).toContain('This rating link is not valid');
      const posted = await postRating({ token: forged, score: '5' });
      expect(posted.status).toBe(400);
    }

    // Expired: signed with the stack's own key (read as an operator from the local Secrets Manager), run out.
    const secrets = new SecretsManagerClient({ region: 'us-east-1', endpoint: cloud.secretsManager, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const logicalId = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::SecretsManager::Secret')![0];
    const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: logicalId }));
    const past = Math.floor(Date.now() / 1000) - 3600;
    const expired = await new SignJWT({ caseId, resolution: 1 })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience('trustdesk-rating')
      .setIssuedAt(past - 86_400)
      .setExpirationTime(past)
      .sign(new TextEncoder().encode(SecretString!));
    const page = await request<string>('GET', `/ratings?token=${expired}&score=5`);
    expect(page.status).toBe(410);
    expect(page.body).toContain('This rating link has expired');
    expect((await postRating({ token: expired, score: '5' })).status).toBe(410);

    // Bad input names the field.
    const bad = await request<string>('GET', `/ratings?token=${token}&score=9`);
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('score must be a whole number from 1 to 5');

    await settle();
    const after = await read(caseId);
    expect(after.case.version).toBe(before.case.version);
    expect(after.case.satisfaction).toBeUndefined();
    // The genuine link still works afterwards.
    expect((await postRating({ token, score: '5' })).status).toBe(201);
  });

  it('asks nothing for a duplicate, and asks again when a reopened case is resolved again', async () => {
    const dup = await openCase();
    await resolve(dup.caseId, 'duplicate');
    const [dupMail] = await resolutionEmails(dup.email);
    expect(dupMail).toBeDefined();
    expect(dupMail!.body.text).not.toContain('/ratings?token=');

    const { email, caseId } = await openCase();
    await resolve(caseId);
    const first = linkFor((await resolutionEmails(email))[0]!.body.text ?? '', 2);
    const reopened = await actAs('agent', caseId, { type: 'reopen', reason: 'requester wrote again', expectedVersion: (await read(caseId)).case.version });
    expect(reopened.status).toBe(200);
    await settle();
    await resolve(caseId);
    const mails = await resolutionEmails(email);
    expect(mails).toHaveLength(2);
    const second = linkFor(mails[1]!.body.text ?? '', 5);

    // The first resolution's link is out of date now; the second's rates resolution 2.
    const stale = await request<string>('GET', first);
    expect(stale.status).toBe(409);
    expect(stale.body).toContain('This link is out of date');
    expect((await postRating({ token: tokenOf(second), score: '5' })).status).toBe(201);
    expect((await read(caseId)).case.satisfaction).toMatchObject({ rating: 5, resolution: 2 });
  });

  it('rate-limits rating posts per client (the WAF rule), other clients unaffected', async () => {
    const rule = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::WAFv2::WebACL')
      .flatMap((r) => r.Properties?.Rules ?? [])
      .find((r) => r.Name === 'RatingRatePerClient');
    const limit = rule!.Statement.RateBasedStatement!.Limit;
    const client = { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '198.51.100.23' };
    const body = new URLSearchParams({ token: 'not-a-token', score: '3' }).toString();
    for (let i = 0; i < limit; i += 10) {
      const replies = await Promise.all(Array.from({ length: Math.min(10, limit - i) }, () => request('POST', '/ratings', { body, headers: client })));
      expect(replies.map((r) => r.status)).toEqual(replies.map(() => 400));
    }
    expect((await request('POST', '/ratings', { body, headers: client })).status).toBe(429);
    expect((await request('POST', '/ratings', { body, headers: { ...client, 'x-forwarded-for': '198.51.100.24' } })).status).toBe(400);
  });
});
