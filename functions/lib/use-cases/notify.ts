// Emails that follow committed events (the stream is the outbox): once per event, even when redelivered.
import type { CaseEvent, CaseRecord } from '#domain/case.ts';
import type { CaseStore, Mailer, OutboundEmail } from '../ports.ts';
import { acknowledgementEmail, agentMessageEmail, closedNoticeEmail, resolvedEmail, warningEmail } from './emails.ts';

export interface NotifyDeps {
  store: CaseStore;
  mailer: Mailer;
  /** Where requesters reply (the intake address). */
  replyTo: string;
  warningsAddress: string;
  consoleUrl: string;
}

export type NotifyOutcome = 'sent' | 'already-sent' | 'no-case' | 'nothing-to-send';

/** The email an event calls for, if any. */
export function emailFor(event: CaseEvent, record: CaseRecord, deps: Pick<NotifyDeps, 'replyTo' | 'warningsAddress' | 'consoleUrl'>): OutboundEmail | undefined {
  const data = event.data;
  switch (event.type) {
    case 'case.opened':
      return record.channel === 'system' ? undefined : acknowledgementEmail(record, deps.replyTo);
    case 'agent.replied':
    case 'agent.requested-info':
      return agentMessageEmail(record, String(data.message ?? ''), event.type === 'agent.requested-info', deps.replyTo);
    case 'case.resolved':
      return resolvedEmail(record, typeof data.summary === 'string' ? data.summary : undefined, deps.replyTo);
    case 'case.closed':
      return closedNoticeEmail(record, String(data.reason ?? ''), deps.replyTo);
    case 'sla.warning':
      return warningEmail(record, String(data.deadline), String(data.dueAt), deps.warningsAddress, deps.consoleUrl);
    default:
      return undefined;
  }
}

export async function notifyFor(deps: NotifyDeps, event: CaseEvent): Promise<NotifyOutcome> {
  const record = await deps.store.getCase(event.caseId);
  if (!record) return 'no-case';
  const email = emailFor(event, record, deps);
  if (!email) return 'nothing-to-send';
  const notice = `${event.type}-${event.version}`;
  if (!(await deps.store.claimNotice(event.caseId, notice))) return 'already-sent';
  try {
    const providerId = await deps.mailer.send(email);
    await deps.store.markNoticeSent(event.caseId, notice, providerId);
    return 'sent';
  } catch (error) {
    await deps.store.releaseNotice(event.caseId, notice);
    throw error;
  }
}
