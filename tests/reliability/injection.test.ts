// Injection: classic XSS payloads in every field a person can fill in (web form, email, agent actions) come
// back escaped in every email trustdesk sends and in the report, as plain JSON strings from the API; CR/LF
// never reaches an email header; mail failing its SES verdicts is quarantined.
import { ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { dayKey } from '#domain/reporting/buckets.ts';
import { reportingPolicy } from '#lib/reporting-policy.ts';
import { XSS } from './xss-corpus.ts';
import { actAs, allItems, asAgent, cloud, dynamo, mailbox, postInquiry, request, sendMail, settle, token, unique, type StoredEmail } from '../integration/support.ts';


const escapeHtml = (s: string) => s.replace(/[&<>"'`]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' })[c]!);

/** What makes HTML active, found in markup (not in escaped text). */
function activeMarkup(html: string): string[] {
  const found: string[] = [];
  for (const [tag] of html.matchAll(/<[^>]*>/g)) {
    const name = /^<\/?\s*([a-zA-Z][\w-]*)/.exec(tag)?.[1]?.toLowerCase();
    if (name && ['script', 'img', 'svg', 'iframe', 'math', 'input', 'object', 'embed', 'mglyph', 'mtext', 'scr'].includes(name)) found.push(tag);
    if (/\son[a-z]+\s*=/i.test(tag) || /javascript:/i.test(tag)) found.push(tag);
  }
  return found;
}

/** Each payload with markup that appears unescaped in the html (the entity-encoded one is the escape of another). */
const rawPayloads = (html: string) => XSS.filter((p) => /[<>"']/.test(p) && html.includes(p));

function checkEmails(emails: StoredEmail[]): void {
  expect(emails.length).toBeGreaterThan(0);
  for (const email of emails) {
    const html = email.body.html ?? '';
    expect({ to: email.destination.to, subject: email.subject, active: activeMarkup(html), raw: rawPayloads(html) }).toEqual({ to: email.destination.to, subject: email.subject, active: [], raw: [] });
    expect(email.subject).not.toMatch(/[\r\n]/);
  }
}

const pick = (i: number) => XSS[i % XSS.length]!;
const JSON_HEADERS = { 'content-type': 'application/json' };

interface CaseView {
  case: { caseId: string; version: number; subject: string; message: string; requester: { email: string; name?: string } };
  timeline: { type: string; data: Record<string, unknown> }[];
}

describe('an XSS corpus in every user-supplied field', () => {
  let emailsBefore: number;
  beforeAll(async () => {
    await settle();
    emailsBefore = (await mailbox()).length;
  });

  it('web form: name, subject and message come back escaped in the acknowledgement, and verbatim in the API JSON', async () => {
    const requesters: { email: string; name: string; subject: string; message: string; caseId: string }[] = [];
    for (let i = 0; i < XSS.length; i++) {
      const inquiry = { email: `${unique('xss-web')}@example.com`, name: pick(i).slice(0, 120), subject: pick(i + 1), message: `${pick(i + 2)}\n${pick(i + 3)}` };
      const res = await postInquiry(inquiry);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      requesters.push({ ...inquiry, caseId: String(res.body.caseId) });
    }
    await settle();
    const sent = (await mailbox()).slice(emailsBefore);
    for (const r of requesters) {
      const ack = sent.filter((m) => m.destination.to.includes(r.email));
      expect(ack).toHaveLength(1);
      checkEmails(ack);
      // The text did reach the email: escaped in the html, as is in the text part.
      expect(ack[0]!.body.html).toContain(escapeHtml(r.subject));
      expect(ack[0]!.body.html).toContain(escapeHtml(r.name));
      expect(ack[0]!.body.text).toContain(r.subject);

      // The console's API: JSON (rendered with textContent), the strings exactly as typed.
      const view = await asAgent<CaseView>(`/cases/${r.caseId}`);
      expect(view.headers.get('content-type')).toMatch(/^application\/json/);
      expect(view.headers.get('x-content-type-options')).toBe('nosniff');
      expect(view.body.case).toMatchObject({ subject: r.subject, message: r.message, requester: { email: r.email, name: r.name } });
    }
  });

  it('email: from-name, subject, text and html-only bodies come back escaped, the html part reduced to text', async () => {
    const at = (await mailbox()).length;
    const senders: string[] = [];
    for (let i = 0; i < XSS.length; i++) {
      const from = `${unique('xss-mail')}@example.com`.toLowerCase();
      senders.push(from);
      const body = i % 2 === 0 ? { text: `${pick(i)}\n${pick(i + 5)}` } : { html: `<p>${pick(i)}</p><script>alert('x')</script>${pick(i + 5)}` };
      await sendMail({ from: { name: pick(i + 7).slice(0, 100), address: from }, subject: pick(i + 3), ...body });
    }
    await settle();
    const sent = (await mailbox()).slice(at);
    for (const from of senders) {
      const ack = sent.filter((m) => m.destination.to.includes(from));
      expect(ack, from).toHaveLength(1);
      checkEmails(ack);
    }
    const cases = (await allItems()).filter((i) => i.sk?.S === 'CASE' && senders.includes(i.requester?.M?.email?.S ?? ''));
    expect(cases).toHaveLength(senders.length);
  });

  it('agent notes, assignee, reasons, replies and summaries come back escaped in every email they reach', async () => {
    const requester = `${unique('xss-agent')}@example.com`;
    const opened = await postInquiry({ email: requester, name: pick(0), subject: pick(1), message: 'My payout never arrived.' });
    expect(opened.status).toBe(201);
    const caseId = String(opened.body.caseId);
    await settle();
    const at = (await mailbox()).length;
    const act = async (role: 'agent' | 'lead', action: Record<string, unknown>) => {
      // The workflows record events too (an escalation starting): act on the version as it is now.
      const version = (await asAgent<CaseView>(`/cases/${caseId}`)).body.case.version;
      const res = await actAs(role, caseId, { ...action, expectedVersion: version });
      expect(res.status, `${String(action.type)}: ${JSON.stringify(res.body)}`).toBe(200);
      await settle();
    };
    await act('agent', { type: 'note', note: XSS.join('\n') });
    await act('agent', { type: 'assign', assignee: pick(2) });
    await act('agent', { type: 'escalate', reason: pick(3) });
    await act('agent', { type: 'reply', message: XSS.join('\n') });
    await act('agent', { type: 'request-info', message: pick(4) });
    await act('lead', { type: 'change-priority', priority: 'P1', reason: pick(5) });
    await act('agent', { type: 'resolve', outcome: 'resolved', summary: XSS.join('\n') });
    await act('agent', { type: 'reopen', reason: pick(6) });
    const sent = (await mailbox()).slice(at);
    checkEmails(sent);
    const toRequester = sent.filter((m) => m.destination.to.includes(requester));
    // reply, request-info and resolve each reach the requester with the agent's words escaped.
    expect(toRequester.length).toBeGreaterThanOrEqual(3);
    for (const p of XSS) expect(toRequester.some((m) => m.body.html?.includes(escapeHtml(p)))).toBe(true);
    // The escalation went to the team with the reason, escaped.
    expect(sent.some((m) => !m.destination.to.includes(requester) && m.body.html?.includes(escapeHtml(pick(1))))).toBe(true);

    const view = await asAgent<CaseView>(`/cases/${caseId}`);
    expect(view.body.timeline.find((e) => e.type === 'note.added' || e.data.note !== undefined)?.data.note).toBe(XSS.join('\n'));
  });

  it('the daily report shows a top consumer’s subject and name escaped', async () => {
    const tables = (await dynamo.send(new ListTablesCommand({}))).TableNames ?? [];
    const profiles = tables.find((t) => /profiles/i.test(t));
    expect(profiles).toBeDefined();
    const userId = unique('top-user');
    await dynamo.send(new PutItemCommand({ TableName: profiles, Item: { userId: { S: userId }, tier: { S: 'top' }, lifetimeSpend: { N: '25000' } } }));
    const subject = pick(0);
    const name = pick(1);
    expect((await postInquiry({ email: `${unique('xss-top')}@example.com`, name, subject, message: 'My coins vanished.', userId })).status).toBe(201);
    const subscriber = `${unique('xss-report')}@example.com`;
    const lead = await token('lead');
    const sub = await request('POST', '/subscriptions', { body: JSON.stringify({ email: subscriber, cadence: 'daily' }), headers: { ...JSON_HEADERS, authorization: `Bearer ${lead}` } });
    expect(sub.status).toBe(201);
    await settle();

    const now = Date.parse((await request<{ now: string }>('GET', '/local/clock')).body.now);
    const run = await request<{ result?: unknown; functionError?: string; message?: string }>('POST', '/local/functions/ReportingReport5/invoke', {
      body: JSON.stringify({ cadence: 'daily', period: dayKey(new Date(now), reportingPolicy.timeZone) }),
      headers: JSON_HEADERS,
    });
    expect(run.body.functionError, run.body.message).toBeUndefined();
    const report = (await mailbox()).filter((m) => m.destination.to.includes(subscriber));
    expect(report).toHaveLength(1);
    checkEmails(report);
    expect(report[0]!.body.html).toContain(escapeHtml(subject));
    expect(report[0]!.body.html).toContain(escapeHtml(name));
  });
});

describe('CR/LF never reaches an email header', () => {
  it('the web form refuses CR/LF in the email, name and subject with a 400 naming each field', async () => {
    const res = await postInquiry({
      email: `${unique('crlf')}@example.com\r\nBcc: victim@example.com`,
      name: 'Mia\r\nBcc: victim@example.com',
      subject: 'Hello\nBcc: victim@example.com',
      message: 'Line one\r\nLine two is fine in a message.',
    });
    expect(res.status).toBe(400);
    const fields = (res.body.fields as { field: string }[]).map((f) => f.field).sort();
    expect(fields).toEqual(['email', 'name', 'subject']);
  });

  it('an agent cannot put CR/LF in a single-line field', async () => {
    const opened = await postInquiry({ email: `${unique('crlf-agent')}@example.com`, subject: 'Payout', message: 'Missing payout.' });
    const caseId = String(opened.body.caseId);
    for (const [type, field] of [['assign', 'assignee'], ['escalate', 'reason']] as const) {
      const res = await actAs('agent', caseId, { type, [field]: 'x\r\nBcc: victim@example.com', expectedVersion: 1 });
      expect(res.status).toBe(400);
      expect(res.body.fields).toEqual([{ field, message: expect.any(String) }]);
    }
  });

  it('an email whose encoded subject and sender name carry CR/LF becomes a case with one-line text, and no header is injected', async () => {
    const from = `${unique('crlf-mail')}@example.com`.toLowerCase();
    const victim = `${unique('victim')}@example.com`.toLowerCase();
    const encoded = (s: string) => `=?utf-8?B?${Buffer.from(s).toString('base64')}?=`;
    const raw = [
      `From: ${encoded(`Sam\r\nBcc: ${victim}`)} <${from}>`,
      `To: ${cloud.intakeAddress}`,
      `Subject: ${encoded(`Refund\r\nBcc: ${victim}\r\n\r\n<script>alert(1)</script>`)}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Please refund me.',
    ].join('\r\n');
    await sendMail({ envelope: { from, to: [cloud.intakeAddress] }, raw });
    await settle();
    const item = (await allItems()).find((i) => i.sk?.S === 'CASE' && i.requester?.M?.email?.S === from);
    expect(item).toBeDefined();
    expect(item!.subject?.S).not.toMatch(/[\r\n]/);
    expect(item!.requester?.M?.name?.S ?? '').not.toMatch(/[\r\n]/);
    const sent = await mailbox();
    expect(sent.filter((m) => [...m.destination.to, ...m.destination.cc, ...m.destination.bcc].some((a) => a.toLowerCase().includes(victim)))).toEqual([]);
    const ack = sent.filter((m) => m.destination.to.includes(from));
    expect(ack).toHaveLength(1);
    checkEmails(ack);
    expect(ack[0]!.subject).toContain(`Bcc: ${victim}`); // kept as text on one line, not as a header
  });
});

describe('inbound mail failing its SES verdicts', () => {
  it('is quarantined for virus, and for SPF and DKIM both failing; SPF alone failing (DMARC passing) is still a case', async () => {
    const virus = `${unique('virus')}@example.com`;
    const unauthenticated = `${unique('nospf')}@example.com`;
    const spfOnly = `${unique('spfonly')}@example.com`;
    await sendMail({ from: virus, subject: 'Invoice', text: 'See attachment', headers: { 'X-Trustdesk-Verdict-Virus': 'FAIL' } });
    await sendMail({ from: unauthenticated, subject: 'Reset', text: 'Please', headers: { 'X-Trustdesk-Verdict-Spf': 'FAIL', 'X-Trustdesk-Verdict-Dkim': 'FAIL' } });
    await sendMail({ from: spfOnly, subject: 'Forwarded complaint', text: 'My gift is missing.', headers: { 'X-Trustdesk-Verdict-Spf': 'FAIL' } });
    await settle();
    const items = await allItems();
    const reasonsOf = (sender: string) => items.find((q) => q.pk?.S?.startsWith('QUARANTINE#') && q.mailFrom?.S === sender)?.reasons?.L?.map((r) => r.S);
    const caseOf = (sender: string) => items.find((i) => i.sk?.S === 'CASE' && i.requester?.M?.email?.S === sender.toLowerCase());
    expect(reasonsOf(virus)).toEqual(['virus']);
    expect(reasonsOf(unauthenticated)).toEqual(['unauthenticated sender (spf and dkim failed)']);
    expect(caseOf(virus)).toBeUndefined();
    expect(caseOf(unauthenticated)).toBeUndefined();
    // DMARC passes when DKIM aligns (forwarded mail often fails SPF): the product keeps it.
    expect(reasonsOf(spfOnly)).toBeUndefined();
    expect(caseOf(spfOnly)).toBeDefined();
  });
});
