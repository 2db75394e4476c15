// Attachment downloads on the local cloud (issue 13 point 6): an attachment mailed in over SMTP downloads
// byte-identical through GET /cases/{caseId}/attachments/{n} — a 302 to a five-minute presigned link on the
// local S3, which checks the link's signature and serves it as a download with the stored type — or, with
// Accept: application/json, the link as JSON. Then the refusals: bad n, unknown n or case, another team's
// person, a tampered link; a confidential case's download is a view; an erased case's attachments are gone.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { clockNow, cloud, request, sendMail, settle, token, unique } from './support.ts';

interface Link {
  url: string;
  expiresAt: string;
  filename: string;
  contentType: string;
  size: number;
}

const bearer = async (role: 'agent' | 'lead' | 'risk' | 'internal' = 'agent') => ({ authorization: `Bearer ${await token(role)}` });
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function mailedCase(subject: string, text: string, attachments: { filename: string; content: Buffer; contentType: string }[]): Promise<{ caseId: string; email: string }> {
  const email = `${unique('attach')}@example.com`;
  await sendMail({ from: `Ada Lovelace <${email}>`, subject, text, attachments });
  await settle();
  const found = await request<{ items: { caseId: string }[] }>('GET', `/cases?q=${encodeURIComponent(email)}`, { headers: await bearer() });
  expect(found.body.items).toHaveLength(1);
  return { caseId: found.body.items[0]!.caseId, email };
}

describe('attachment downloads', () => {
  // Every byte value, a PDF header, and enough random bytes that a text/base64 mix-up would show.
  const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(64 * 1024)]);
  const page = Buffer.from('<!doctype html><script>alert(document.domain)</script>');

  it('downloads an attachment mailed in by SMTP byte-identical, through a 302 to a presigned link served as a download', async () => {
    const { caseId } = await mailedCase('Bank statement for my payout', 'My payout never arrived; statement and page attached.', [
      { filename: 'Kontoauszug ü (1).pdf', content: pdf, contentType: 'application/pdf' },
      { filename: 'page.html', content: page, contentType: 'text/html' },
    ]);

    const redirect = await fetch(`${cloud.api}/cases/${caseId}/attachments/1`, { headers: await bearer(), redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const location = redirect.headers.get('location')!;
    expect(new URL(location).searchParams.get('X-Amz-Expires')).toBe('300');
    expect(((await redirect.json()) as Link).url).toBe(location);

    // The link needs no token: its signature is its authority.
    const download = await fetch(location);
    expect(download.status).toBe(200);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.length).toBe(pdf.length);
    expect(sha256(bytes)).toBe(sha256(pdf));
    expect(bytes.equals(pdf)).toBe(true);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="Kontoauszug _ (1).pdf"; filename*=UTF-8''Kontoauszug%20%C3%BC%20%281%29.pdf`);

    // An HTML attachment is a download too, never a page of ours.
    const json = await request<Link>('GET', `/cases/${caseId}/attachments/2`, { headers: { ...(await bearer('lead')), accept: 'application/json' } });
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ filename: 'page.html', contentType: 'text/html', size: page.length });
    const now = await clockNow();
    expect(Date.parse(json.body.expiresAt)).toBeGreaterThan(now);
    expect(Date.parse(json.body.expiresAt)).toBeLessThanOrEqual(now + 300_000);
    const html = await fetch(json.body.url);
    expect(html.status).toBe(200);
    expect(Buffer.from(await html.arrayBuffer()).equals(page)).toBe(true);
    expect(html.headers.get('content-type')).toBe('text/html');
    expect(html.headers.get('content-disposition')).toBe('attachment; filename="page.html"');

    // Whoever holds the link cannot turn it into an inline page.
    const inline = new URL(json.body.url);
    inline.searchParams.set('response-content-disposition', 'inline');
    const tampered = await fetch(inline);
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('names n when it is not a whole number from 1, is a 404 past the last attachment or for an unknown case, and a 403 to another team', async () => {
    const { caseId } = await mailedCase('Receipt for the gift', 'The gift never showed up; receipt attached.', [{ filename: 'receipt.txt', content: Buffer.from('gift g-1\n'), contentType: 'text/plain' }]);
    const headers = { ...(await bearer()), accept: 'application/json' };
    for (const n of ['0', 'abc', '1.5', '-1']) {
      const bad = await request('GET', `/cases/${caseId}/attachments/${n}`, { headers });
      expect(bad.status).toBe(400);
      expect(bad.body.fields).toEqual([{ field: 'n', message: 'must be a whole number from 1 (the first attachment)' }]);
    }
    const past = await request('GET', `/cases/${caseId}/attachments/2`, { headers });
    expect(past.status).toBe(404);
    expect(past.body.message).toBe('This case has 1 attachment');
    expect((await request('GET', '/cases/00000000-0000-4000-8000-0000000000ff/attachments/1', { headers })).status).toBe(404);
    expect((await request('GET', `/cases/${caseId}/attachments/1`, { headers: { ...(await bearer('internal')), accept: 'application/json' } })).status).toBe(403);
    expect((await request('GET', `/cases/${caseId}/attachments/1`, { headers: { accept: 'application/json' } })).status).toBe(401);
    expect((await request('GET', `/cases/${caseId}/attachments/1`, { headers })).status).toBe(200);
  });

  it("records a confidential case's download as a view, and answers 410 once the case's personal data is erased", async () => {
    const { caseId, email } = await mailedCase('Threats on stream', 'A viewer keeps sending me death threats; screenshot attached.', [{ filename: 'chat.png', content: randomBytes(2048), contentType: 'image/png' }]);
    const viewsBefore = await request<{ views: { route: string }[] }>('GET', `/cases/${caseId}/views`, { headers: await bearer('risk') });
    const link = await request<Link>('GET', `/cases/${caseId}/attachments/1`, { headers: { ...(await bearer()), accept: 'application/json' } });
    expect(link.status).toBe(200);
    const viewsAfter = await request<{ views: { route: string; viewer: { id: string } }[] }>('GET', `/cases/${caseId}/views`, { headers: await bearer('risk') });
    expect(viewsAfter.body.views.slice(viewsBefore.body.views.length).map((v) => [v.viewer.id, v.route])).toEqual([['local-agent', 'GET /cases/{caseId}/attachments/{n}']]);

    const erased = await request('POST', '/requesters/erasure', { body: JSON.stringify({ email }), headers: { 'content-type': 'application/json', ...(await bearer('risk')) } });
    expect(erased.status).toBe(200);
    await settle();
    const gone = await request('GET', `/cases/${caseId}/attachments/1`, { headers: { ...(await bearer()), accept: 'application/json' } });
    expect(gone.status).toBe(410);
    expect(gone.body.error).toBe('gone');
    // A link handed out before the erasure downloads nothing now: the object is deleted (and the signer, which
    // may not list the bucket, is told 403 rather than 404, as S3 does).
    const stale = await fetch(link.body.url);
    expect(stale.status).toBe(403);
    expect(await stale.text()).toContain('<Code>AccessDenied</Code>');
  });
});
