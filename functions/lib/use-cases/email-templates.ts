// The templates of every email the case lifecycle sends to requesters and agents (acknowledgement,
// replies, resolved/closed notices, escalations, SLA warnings), as plain data: a text part, and an HTML
// part built with domain/html.ts's `html` tag so every user-supplied string is escaped. No I/O here:
// the notify and workflow use cases pick a template and hand the result to the Mailer port.
import type { CaseRecord } from '#domain/case.ts';
import type { Consult, Team } from '#domain/consult.ts';
import { html } from '#domain/html.ts';
import type { OutboundEmail } from '../ports.ts';

/** One link of an email: its words and where it goes (the text part shows both, the HTML part an anchor). */
export interface EmailLink {
  label: string;
  url: string;
}

/**
 * Blank lines separate paragraphs, line breaks within one become <br>; the HTML part is the same text, escaped.
 * `links` (the rating links) go after the paragraph at `linksAfter`: in the text part one per line, in the
 * HTML part as anchors.
 */
function compose(to: string, subject: string, paragraphs: string[], replyTo?: string, links?: { after: number; intro: string; items: EmailLink[] }): OutboundEmail {
  const linkText = links ? [`${links.intro}\n${links.items.map((l) => `${l.label}: ${l.url}`).join('\n')}`] : [];
  const cut = links ? links.after + 1 : paragraphs.length;
  const text = [...paragraphs.slice(0, cut), ...linkText, ...paragraphs.slice(cut)].join('\n\n');
  const para = (p: string) => html`<p>${p.split('\n').map((line, i) => (i === 0 ? html`${line}` : html`<br>${line}`))}</p>`;
  const linkHtml = links
    ? [html`<p>${links.intro}<br>${links.items.map((l, i) => html`${i > 0 ? html` · ` : html``}<a href="${l.url}">${l.label}</a>`)}</p>`]
    : [];
  const body = [...paragraphs.slice(0, cut).map(para), ...linkHtml, ...paragraphs.slice(cut).map(para)];
  const page = html`<!doctype html><html><body style="font-family:Arial,sans-serif;font-size:14px;line-height:1.5">${body}</body></html>`;
  return { to, subject, text, html: page.toString(), ...(replyTo && { replyTo }) };
}

const greeting = (r: CaseRecord) => (r.requester.name ? `Hello ${r.requester.name},` : 'Hello,');
const SIGNATURE = 'Trust & Experience team';

/** An answer to the requester's own message: Auto-Submitted: auto-replied, so autoresponders keep quiet. */
export function acknowledgementEmail(record: CaseRecord, replyTo: string): OutboundEmail {
  return {
    ...compose(
    record.requester.email,
    `[${record.reference}] We received your request: ${record.subject}`,
    [
      greeting(record),
      `We received your request "${record.subject}" and opened case ${record.reference}.`,
      `Our team will get back to you. Reply to this email to add anything; keep ${record.reference} in the subject so it reaches the same case.`,
      SIGNATURE,
    ],
    replyTo,
    ),
    autoSubmitted: 'auto-replied',
  };
}

export function agentMessageEmail(record: CaseRecord, message: string, asksForInfo: boolean, replyTo: string): OutboundEmail {
  return compose(
    record.requester.email,
    `[${record.reference}] ${asksForInfo ? 'We need more information' : 'Re'}: ${record.subject}`,
    [greeting(record), message, asksForInfo ? 'Please reply to this email with the details so we can continue.' : '', SIGNATURE].filter(Boolean),
    replyTo,
  );
}

const RATING_WORDS: Record<number, string> = { 1: '1 (very dissatisfied)', 2: '2', 3: '3', 4: '4', 5: '5 (very satisfied)' };

/** `ratingLinks`: the one-click 1–5 rating links (rating-links.ts), when this resolution asks for a rating. */
export function resolvedEmail(record: CaseRecord, summary: string | undefined, replyTo: string, ratingLinks?: { score: number; url: string }[]): OutboundEmail {
  return compose(
    record.requester.email,
    `[${record.reference}] Resolved: ${record.subject}`,
    [greeting(record), summary ?? 'We have resolved your case.', `If anything is still wrong, reply to this email and case ${record.reference} will reopen.`, SIGNATURE],
    replyTo,
    ratingLinks && ratingLinks.length > 0
      ? { after: 1, intro: 'How did we do? Rate how we handled your case, from 1 to 5:', items: ratingLinks.map((l) => ({ label: RATING_WORDS[l.score] ?? String(l.score), url: l.url })) }
      : undefined,
  );
}

export function closedNoticeEmail(record: CaseRecord, reason: string, replyTo: string): OutboundEmail {
  const why =
    reason === 'no-reply-from-requester'
      ? 'We did not hear back from you, so we have closed this case.'
      : 'As we have not heard from you since we resolved it, we have closed this case.';
  return compose(
    record.requester.email,
    `[${record.reference}] Your case is closed: ${record.subject}`,
    [greeting(record), why, `If you still need help, just reply to this email and case ${record.reference} will reopen.`, SIGNATURE],
    replyTo,
  );
}

/** The one email of a merge: the request goes on under the target's reference (replies to either thread reach it). */
export function mergedNoticeEmail(record: CaseRecord, intoReference: string, replyTo: string): OutboundEmail {
  return compose(
    record.requester.email,
    `[${intoReference}] Your request continues as ${intoReference}: ${record.subject}`,
    [
      greeting(record),
      `Your request "${record.subject}" (${record.reference}) is about the same matter as case ${intoReference}, so we have joined them: everything you sent us is on ${intoReference}, and we will answer you there.`,
      `Reply to this email to add anything; keep ${intoReference} in the subject.`,
      SIGNATURE,
    ],
    replyTo,
  );
}

const caseLines = (r: CaseRecord, consoleUrl: string) => [
  `${r.reference} · ${r.priority} · ${r.category.replace(/_/g, ' ')} · risk ${r.riskScore} · ${r.status.replace(/_/g, ' ')}`,
  `Subject: ${r.subject}`,
  `First response due ${r.deadlines.firstResponseDue}; resolution due ${r.deadlines.resolutionDue}.`,
  `Open the case: ${consoleUrl}/cases/${r.caseId}`,
];

export function escalationEmail(record: CaseRecord, tier: { label: string; address: string; ackMinutes: number }, consoleUrl: string): OutboundEmail {
  return compose(tier.address, `[ESCALATION ${tier.label}] ${record.reference} ${record.priority}: ${record.subject}`, [
    `Case ${record.reference} is escalated to you (${record.escalation?.reason ?? 'escalated'}). Please acknowledge within ${tier.ackMinutes} minutes, or it moves to the next tier.`,
    ...caseLines(record, consoleUrl),
  ]);
}

export function approvalReminderEmail(record: CaseRecord, proposedBy: string, rules: readonly string[], to: string, consoleUrl: string): OutboundEmail {
  return compose(to, `[APPROVAL PENDING] ${record.reference} waits for a second person`, [
    `Case ${record.reference} waits for approval (four-eyes: ${rules.join('; ')}), proposed by ${proposedBy}.`,
    'A lead or risk team member other than the proposer approves or rejects it in the console.',
    ...caseLines(record, consoleUrl),
  ]);
}

export function warningEmail(record: CaseRecord, deadline: string, dueAt: string, to: string, consoleUrl: string): OutboundEmail {
  const what = deadline === 'firstResponse' ? 'first response' : 'resolution';
  return compose(to, `[SLA WARNING] ${record.reference} ${what} due ${dueAt}`, [
    `The ${what} deadline of case ${record.reference} is close (${dueAt}).`,
    ...caseLines(record, consoleUrl),
  ]);
}

/** To the risk team, once per ring: the accounts that share the requester's instruments or devices and have complaints. */
export function ringAlertEmail(record: CaseRecord, ring: { key: string; accounts: number }, explanation: string, linkedUserIds: string[], to: string, consoleUrl: string): OutboundEmail {
  return compose(to, `[POSSIBLE RING] ${ring.accounts} accounts linked to ${record.reference}`, [
    `The evidence on case ${record.reference} shows a possible ring of ${ring.accounts} accounts (ring ${ring.key}).`,
    explanation,
    `Linked accounts: ${linkedUserIds.join(', ')}`,
    'You are told once per ring: an account that joins it later shows on its cases\' evidence, without a new email.',
    ...caseLines(record, consoleUrl),
  ]);
}

// ── consults: the question to a team, its reminder and escalation, and the reply to an answer that fits none ──

/** The subject every consult email carries: the case reference and the consult's token thread the answer. */
const consultSubject = (record: CaseRecord, consult: Consult, what: string) => `[${record.reference}] [consult:${consult.token}] ${what}: ${record.subject}`;

export function consultQuestionEmail(record: CaseRecord, consult: Consult, team: Team, replyTo: string, consultUrl: string): OutboundEmail {
  const how = team.internal ? ` or in the console (${consultUrl}/cases/${record.caseId})` : '';
  return compose(
    team.address,
    consultSubject(record, consult, `Question for ${team.label}`),
    [
      `The Trust & Experience team asks ${team.label} about case ${record.reference}${consult.blocking ? ' (the agent is blocked until you answer)' : ''}:`,
      consult.question,
      `Please answer by ${consult.dueAt}. Reply to this email${how}; keep the subject as it is so your answer reaches the case.`,
    ],
    replyTo,
  );
}

export function consultReminderEmail(record: CaseRecord, consult: Consult, team: Team, replyTo: string): OutboundEmail {
  return compose(team.remindAddress, consultSubject(record, consult, `Reminder: answer due ${consult.dueAt}`), [
    `${team.label} has not yet answered the question of case ${record.reference}, due ${consult.dueAt}:`,
    consult.question,
    'Reply to this email, keeping the subject as it is.',
  ], replyTo);
}

export function consultEscalationEmail(record: CaseRecord, consult: Consult, team: Team, replyTo: string): OutboundEmail {
  return compose(team.leadAddress, consultSubject(record, consult, `[CONSULT OVERDUE] ${team.label}`), [
    `The question the Trust & Experience team asked ${team.label} on case ${record.reference} at ${consult.askedAt} was due ${consult.dueAt} and is not answered:`,
    consult.question,
    'Please see that it is answered: reply to this email, keeping the subject as it is.',
  ], replyTo);
}

export function consultRefusedEmail(to: string, subject: string, reason: string, reference: string | undefined): OutboundEmail {
  return compose(to, `Not added to ${reference ?? 'a case'}: ${subject}`, [
    'Your answer was not added to any case, and nothing on the case changed.',
    reason,
    SIGNATURE,
  ]);
}

/** The internal reporter of an escalation: what the requester was told, with the way to the case. */
export function reporterUpdateEmail(record: CaseRecord, to: string, what: 'replied' | 'resolved', text: string | undefined, consoleUrl: string): OutboundEmail {
  return compose(to, `[${record.reference}] ${what === 'resolved' ? 'Resolved' : 'Update'}: your escalation ${record.subject}`, [
    what === 'resolved' ? `The case you escalated, ${record.reference}, is resolved.` : `The team answered the requester of the case you escalated, ${record.reference}:`,
    ...(text ? [text] : []),
    `Follow it in the console: ${consoleUrl}/cases/${record.caseId}`,
    SIGNATURE,
  ]);
}
