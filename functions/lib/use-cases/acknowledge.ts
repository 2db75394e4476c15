// Every new case's requester gets one email with the case reference.
import type { CaseRecord } from '#domain/case.ts';
import type { CaseStore, Mailer } from '../ports.ts';

export interface AcknowledgeDeps {
  store: CaseStore;
  mailer: Mailer;
  replyTo: string;
}

const NOTICE = 'acknowledgement';

export async function acknowledgeCase(deps: AcknowledgeDeps, caseId: string): Promise<'sent' | 'already-sent' | 'no-case'> {
  const record = await deps.store.getCase(caseId);
  if (!record) return 'no-case';
  if (!(await deps.store.claimNotice(caseId, NOTICE))) return 'already-sent';
  try {
    const providerId = await deps.mailer.send(acknowledgementEmail(record, deps.replyTo));
    await deps.store.markNoticeSent(caseId, NOTICE, providerId);
    return 'sent';
  } catch (error) {
    await deps.store.releaseNotice(caseId, NOTICE);
    throw error;
  }
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

export function acknowledgementEmail(record: CaseRecord, replyTo: string) {
  const greeting = record.requester.name ? `Hello ${record.requester.name},` : 'Hello,';
  const lines = [
    greeting,
    '',
    `We received your request "${record.subject}" and opened case ${record.reference}.`,
    'Our Trust & Experience team will get back to you. Reply to this email to add anything;',
    `keep ${record.reference} in the subject so it reaches the same case.`,
    '',
    'trustdesk',
  ];
  return {
    to: record.requester.email,
    replyTo,
    subject: `[${record.reference}] We received your request: ${record.subject}`,
    text: lines.join('\n'),
    html: `<!doctype html><html><body style="font-family:sans-serif">${lines
      .map((l) => (l === '' ? '<br>' : `<p style="margin:0">${escapeHtml(l)}</p>`))
      .join('')}</body></html>`,
  };
}
