// The acknowledgement a new case's requester gets: the case.opened path of notifyFor.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CaseEvent } from '#domain/case.ts';
import { acknowledgementEmail } from '#lib/use-cases/email-templates.ts';
import { notifyFor, type NotifyDeps } from '#lib/use-cases/notify.ts';
import { emailPolicy } from '#lib/email-policy.ts';
import { teamsPolicy } from '#lib/teams-config.ts';
import { FakeMailer, InMemoryCaseStore, sampleCase } from '../fakes.ts';

const REPLY_TO = 'support@trustdesk.local';
const record = sampleCase();
const opened: CaseEvent = {
  caseId: record.caseId,
  version: 1,
  type: 'case.opened',
  at: record.openedAt,
  actor: { kind: 'requester', email: record.requester.email },
  data: { channel: 'web', reference: record.reference },
};

let store: InMemoryCaseStore;
let mailer: FakeMailer;
let deps: NotifyDeps;

beforeEach(() => {
  store = new InMemoryCaseStore();
  mailer = new FakeMailer();
  deps = { store, mailer, replyTo: REPLY_TO, warningsAddress: 'leads@trustdesk.local', riskTeamAddress: 'risk@trustdesk.local', approversAddress: 'approvers@trustdesk.local', consoleUrl: 'https://console.trustdesk.local', emailPolicy, teams: teamsPolicy };
  store.cases.set(record.caseId, record);
});

const notices = () => [...store.notices.entries()];

describe('acknowledging a new case', () => {
  it('sends one email to the requester and records the provider id', async () => {
    await expect(notifyFor(deps, opened)).resolves.toBe('sent');
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]).toEqual(acknowledgementEmail(record, REPLY_TO));
    expect(mailer.sent[0]).toMatchObject({ to: 'alice@example.com', replyTo: REPLY_TO });
    expect(notices()).toEqual([[`${record.caseId}#case.opened-1`, { status: 'sent', providerId: 'ses-1' }]]);
  });

  it('skips a case that was already acknowledged (stream redelivery)', async () => {
    await notifyFor(deps, opened);
    await expect(notifyFor(deps, opened)).resolves.toBe('already-sent');
    expect(mailer.sent).toHaveLength(1);
  });

  it('does nothing for an unknown case', async () => {
    const claim = vi.spyOn(store, 'claimNotice');
    await expect(notifyFor(deps, { ...opened, caseId: 'no-such-case' })).resolves.toBe('no-case');
    expect(claim).not.toHaveBeenCalled();
    expect(mailer.sent).toHaveLength(0);
  });

  it('releases the claim when the mailer fails, so a retry sends it', async () => {
    const failure = new Error('SES throttled');
    mailer.failures.push(failure);
    const release = vi.spyOn(store, 'releaseNotice');
    await expect(notifyFor(deps, opened)).rejects.toBe(failure);
    expect(release).toHaveBeenCalledWith(record.caseId, 'case.opened-1');
    expect(notices()).toEqual([]);
    expect(mailer.sent).toHaveLength(0);

    await expect(notifyFor(deps, opened)).resolves.toBe('sent');
    expect(mailer.sent).toHaveLength(1);
  });

  it('keeps a sent email sent when recording it fails: the claim is not given back, so no retry sends it twice', async () => {
    vi.spyOn(store, 'markNoticeSent').mockRejectedValueOnce(new Error('DynamoDB throttled'));
    const release = vi.spyOn(store, 'releaseNotice');
    await expect(notifyFor(deps, opened)).resolves.toBe('sent');
    expect(release).not.toHaveBeenCalled();
    expect(mailer.sent).toHaveLength(1);
    expect(notices()).toEqual([[`${record.caseId}#case.opened-1`, { status: 'pending' }]]);
  });

  it('does not send when the claim is refused', async () => {
    vi.spyOn(store, 'claimNotice').mockResolvedValue(false);
    await expect(notifyFor(deps, opened)).resolves.toBe('already-sent');
    expect(mailer.sent).toHaveLength(0);
  });
});

describe('acknowledgementEmail', () => {
  it('greets by name and names the reference in subject and body', () => {
    const email = acknowledgementEmail(record, REPLY_TO);
    expect(email.to).toBe(record.requester.email);
    expect(email.replyTo).toBe(REPLY_TO);
    expect(email.subject).toBe(`[${record.reference}] We received your request: ${record.subject}`);
    expect(email.text.split('\n')[0]).toBe('Hello Alice,');
    expect(email.text).toContain(`opened case ${record.reference}`);
    expect(email.html).toContain(record.reference);
  });

  it('greets without a name when there is none', () => {
    const email = acknowledgementEmail({ ...record, requester: { email: 'x@example.com' } }, REPLY_TO);
    expect(email.text.split('\n')[0]).toBe('Hello,');
  });

  it('escapes HTML in the subject and the name', () => {
    const hostile = sampleCase({
      subject: `<img src=x onerror="alert('s')"> & more`,
      requester: { email: 'eve@example.com', name: '<script>steal()</script>' },
    });
    const { html, text } = acknowledgementEmail(hostile, REPLY_TO);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('Hello &lt;script&gt;steal()&lt;/script&gt;,');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(&#39;s&#39;)&quot;&gt; &amp; more');
    // The plain-text part is not HTML: it keeps the words as written.
    expect(text).toContain('<script>steal()</script>');
  });
});
