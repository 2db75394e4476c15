// SES's word on an email trustdesk sent — a bounce or a complaint, from the configuration set's event
// destination (SNS) — applied to the case that email belongs to, found by the SES message id the notifier
// remembered when it sent it (findSentEmail, the same way back a delivery report's Message-ID takes).
// - A bounce goes on the case as `email.bounced` (applyBounce, as a delivery report that reaches the
//   intake address does) and a permanent one flags the address undeliverable.
// - A complaint (the recipient reported the email as spam) goes on the case as `email.complained`, and the
//   address is suppressed the way an undeliverable one is: flagged with status `complaint`, so no notice
//   is sent to it until a new message arrives from it.
// Feedback about mail trustdesk never sent (or no longer remembers: 30 days), or about another recipient
// than the one it was sent to, changes nothing. A redelivery (SNS retries, Lambda's async retries) is
// answered from the idempotency claim taken by SES's feedback id: the event is never recorded twice.
import { applyBounce, applyComplaint, COMPLAINT_STATUS } from '#domain/lifecycle.ts';
import type { MailFeedback } from '#events/ses-feedback.ts';
import type { CaseStore, Clock, IdempotencyClaim } from '../ports.ts';
import { saveCaseChange } from './change-case.ts';

export interface MailFeedbackDeps {
  store: Pick<CaseStore, 'findSentEmail' | 'getCase' | 'saveChange' | 'flagUndeliverable'>;
  clock: Clock;
}

export type MailFeedbackOutcome =
  | { outcome: 'bounced' | 'complained' | 'replayed'; caseId: string; version: number }
  /** Not an email trustdesk sent (or remembers), not its recipient, or its case is gone: nothing changed. */
  | { outcome: 'unknown-mail' };

const IDEMPOTENCY_TTL_SECONDS = 7 * 86_400;

export async function receiveMailFeedback(deps: MailFeedbackDeps, feedback: MailFeedback): Promise<MailFeedbackOutcome> {
  const sent = await deps.store.findSentEmail(feedback.messageId);
  const to = sent?.to.toLowerCase();
  const addressed = feedback.recipients.some((r: { address: string }) => r.address === to);
  if (!sent || !addressed) return { outcome: 'unknown-mail' };
  const now = deps.clock.now();
  const idempotency = (): IdempotencyClaim => ({ key: `ses-feedback:${feedback.feedbackId}`, fingerprint: feedback.feedbackId, expiresAt: Math.floor(now.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS });

  if (feedback.kind === 'bounce') {
    const failed = feedback.recipients.find((r) => r.address === to)!;
    const saved = await saveCaseChange(deps.store, sent.caseId, idempotency, (current) =>
      applyBounce(current, { notice: sent.notice, address: sent.to, action: failed.action, status: failed.status, permanent: feedback.permanent, ...(failed.diagnosticCode && { diagnosticCode: failed.diagnosticCode }) }, now),
    );
    if (!saved) return { outcome: 'unknown-mail' };
    if (feedback.permanent) {
      await deps.store.flagUndeliverable({ email: sent.to, since: now.toISOString(), status: failed.status, ...(failed.diagnosticCode && { diagnosticCode: failed.diagnosticCode }), caseId: sent.caseId });
    }
    return { outcome: saved.replayed ? 'replayed' : 'bounced', caseId: saved.caseId, version: saved.version };
  }

  const saved = await saveCaseChange(deps.store, sent.caseId, idempotency, (current) =>
    applyComplaint(current, { notice: sent.notice, address: sent.to, ...(feedback.feedbackType && { feedbackType: feedback.feedbackType }) }, now),
  );
  if (!saved) return { outcome: 'unknown-mail' };
  await deps.store.flagUndeliverable({ email: sent.to, since: now.toISOString(), status: COMPLAINT_STATUS, ...(feedback.feedbackType && { diagnosticCode: feedback.feedbackType }), caseId: sent.caseId });
  return { outcome: saved.replayed ? 'replayed' : 'complained', caseId: saved.caseId, version: saved.version };
}
