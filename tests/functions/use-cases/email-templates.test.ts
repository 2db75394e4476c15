// Every email trustdesk sends: user-supplied strings verbatim in text, escaped in HTML; the reference in
// every subject; escalations to the tier's address with a link to the case.
import { describe, expect, it } from 'vitest';
import type { CaseRecord } from '#domain/case.ts';
import { escapeHtml } from '#domain/html.ts';
import { escalationPolicy } from '#lib/escalation-policy-config.ts';
import type { OutboundEmail } from '#lib/ports.ts';
import { acknowledgementEmail, agentMessageEmail, closedNoticeEmail, escalationEmail, warningEmail } from '#lib/use-cases/email-templates.ts';
import { CASE_ID, REFERENCE, caseAt } from '../lifecycle-fakes.ts';

const REPLY_TO = 'support@trustdesk.local';
const CONSOLE = 'https://console.trustdesk.local';
const WARNINGS = 'l1-leads@trustdesk.local';

const SUBJECT = `<script>alert("coins")</script> & 'refund'`;
const NAME = `Bob <b onmouseover="x">O'Neil</b> & Co`;
const MESSAGE = `Hi <img src=x onerror=alert(1)>,\nwe refunded 500 coins & "gifts".\n</p><a href="https://evil.example">click</a>`;
const REASON = `VIP <creator> & "friends"`;

const record: CaseRecord = caseAt('P2', {
  subject: SUBJECT,
  requester: { email: 'bob@example.com', name: NAME },
  escalation: { id: `${CASE_ID}-esc-1`, startTier: 'L1', status: 'active', reason: REASON, startedAt: '2026-04-15T16:30:00.000Z' },
});

/** The HTML without the template's own markup: what is left came from the data, so it must hold no tag. */
const dataIn = (html: string) => html.replace(/<!doctype html>|<\/?(html|body|p)( style="[^"]*")?>|<br>/g, '');

const emails: [string, OutboundEmail, string[]][] = [
  ['acknowledgement', acknowledgementEmail(record, REPLY_TO), [SUBJECT, NAME]],
  ['agent reply', agentMessageEmail(record, MESSAGE, false, REPLY_TO), [NAME, MESSAGE]],
  ['request for information', agentMessageEmail(record, MESSAGE, true, REPLY_TO), [NAME, MESSAGE]],
  ['closed for silence', closedNoticeEmail(record, 'no-reply-from-requester', REPLY_TO), [NAME]],
  ['closed after resolution', closedNoticeEmail(record, 'resolved-and-silent', REPLY_TO), [NAME]],
  ['escalation', escalationEmail(record, escalationPolicy.tiers.L1, CONSOLE), [SUBJECT, REASON]],
  ['SLA warning', warningEmail(record, 'firstResponse', record.deadlines.firstResponseDue, WARNINGS, CONSOLE), [SUBJECT]],
];

describe.each(emails)('the %s email', (_name, email, userStrings) => {
  it('has every user-supplied string verbatim in the text part', () => {
    for (const s of userStrings) expect(email.text).toContain(s);
  });

  it('has every user-supplied string escaped in the HTML part, and no markup but its own', () => {
    for (const s of userStrings) {
      for (const line of s.split('\n')) expect(email.html).toContain(escapeHtml(line));
    }
    const data = dataIn(email.html);
    expect(data).not.toMatch(/[<>]/);
    expect(data).not.toMatch(/&(?!(amp|lt|gt|quot|#39);)/); // every ampersand starts an entity
    expect(email.html).not.toContain('<script');
    expect(email.html).not.toContain('<img');
    expect(email.html).not.toContain('<a ');
  });

  it('names the case reference in its subject', () => {
    expect(email.subject).toContain(REFERENCE);
  });
});

describe('emails to the requester', () => {
  it('go to the requester, with the intake address to reply to and the reference in brackets', () => {
    for (const [, email] of emails.slice(0, 5)) {
      expect(email.to).toBe('bob@example.com');
      expect(email.replyTo).toBe(REPLY_TO);
      expect(email.subject.startsWith(`[${REFERENCE}] `)).toBe(true);
    }
  });

  it('the acknowledgement repeats the subject and tells how to reply to the same case', () => {
    const email = acknowledgementEmail(record, REPLY_TO);
    expect(email.subject).toBe(`[${REFERENCE}] We received your request: ${SUBJECT}`);
    expect(email.text).toContain(`keep ${REFERENCE} in the subject`);
  });

  it('greets by name when known, plainly otherwise', () => {
    expect(acknowledgementEmail(record, REPLY_TO).text.startsWith(`Hello ${NAME},`)).toBe(true);
    const anonymous = { ...record, requester: { email: 'anon@example.com' } };
    expect(acknowledgementEmail(anonymous, REPLY_TO).text.startsWith('Hello,\n\n')).toBe(true);
  });

  it('an agent message keeps its line breaks: as they are in text, as <br> in HTML', () => {
    const email = agentMessageEmail(record, 'First line\nSecond line', false, REPLY_TO);
    expect(email.text).toContain('First line\nSecond line');
    expect(email.html).toContain('<p>First line<br>Second line</p>');
  });

  it('a request for information says so in the subject and asks for a reply; a reply does not', () => {
    const asking = agentMessageEmail(record, 'Which card?', true, REPLY_TO);
    const replying = agentMessageEmail(record, 'Refunded.', false, REPLY_TO);
    expect(asking.subject).toBe(`[${REFERENCE}] We need more information: ${SUBJECT}`);
    expect(asking.text).toContain('Please reply to this email with the details');
    expect(replying.subject).toBe(`[${REFERENCE}] Re: ${SUBJECT}`);
    expect(replying.text).not.toContain('Please reply to this email with the details');
  });

  it('the closing notice explains why it closed and how to reopen', () => {
    expect(closedNoticeEmail(record, 'no-reply-from-requester', REPLY_TO).text).toContain('We did not hear back from you');
    const afterResolution = closedNoticeEmail(record, 'resolved-and-silent', REPLY_TO);
    expect(afterResolution.text).toContain('since we resolved it');
    expect(afterResolution.text).toContain(`case ${REFERENCE} will reopen`);
  });
});

describe('emails to the team', () => {
  it.each(['L1', 'L2', 'risk'] as const)('an escalation to %s goes to that tier, with its deadline and a link to the case', (name) => {
    const tier = escalationPolicy.tiers[name];
    const email = escalationEmail(record, tier, CONSOLE);
    expect(email.to).toBe(tier.address);
    expect(email.replyTo).toBeUndefined();
    expect(email.subject).toBe(`[ESCALATION ${tier.label}] ${REFERENCE} P2: ${SUBJECT}`);
    expect(email.text).toContain(`${CONSOLE}/cases/${CASE_ID}`);
    expect(email.text).toContain(`within ${tier.ackMinutes} minutes`);
    expect(email.text).toContain(record.deadlines.resolutionDue);
  });

  it('an SLA warning goes to the warnings address and names the deadline', () => {
    const first = warningEmail(record, 'firstResponse', record.deadlines.firstResponseDue, WARNINGS, CONSOLE);
    expect(first.to).toBe(WARNINGS);
    expect(first.subject).toBe(`[SLA WARNING] ${REFERENCE} first response due ${record.deadlines.firstResponseDue}`);
    expect(first.text).toContain(`${CONSOLE}/cases/${CASE_ID}`);
    const resolution = warningEmail(record, 'resolution', record.deadlines.resolutionDue, WARNINGS, CONSOLE);
    expect(resolution.subject).toBe(`[SLA WARNING] ${REFERENCE} resolution due ${record.deadlines.resolutionDue}`);
  });
});
