// An inbound email: quarantined, threaded into its case, a new case — or, when a machine sent it, an
// automatic reply on its case's timeline, a bounce of an email trustdesk sent, or a quarantine record of
// kind "automatic". Automatic mail never opens a case, so it is never acknowledged (RFC 3834), and it
// never moves a case: no status change, no paused clock resumed, no reopen. A bounce that names no
// email trustdesk sent, or a report that cannot be read, changes no case either. Mail threaded to a case
// that was merged lands on the case it was merged into (the pointers followed, at most a few hops).
import type { FourEyes } from '#domain/approval-policy.ts';
import type { AttachmentRef, CaseRecord } from '#domain/case.ts';
import { consultTokenIn, type TeamsPolicy } from '#domain/consult.ts';
import { isPermanentFailure } from '#domain/email/delivery-status.ts';
import { applyAutomaticReply, applyBounce, applyRequesterReply, type Change } from '#domain/lifecycle.ts';
import { attachmentMayContainCardData } from '#domain/privacy/mask-card-data.ts';
import { verdictProblems, type SesReceiptRecord } from '#events/ses.ts';
import { parseMail, type ParsedMail } from '../mail.ts';
import type { BlobStore, CaseStore, IdempotencyClaim, Mailer, Quarantined } from '../ports.ts';
import { answerConsultByEmail, type EmailAnswerOutcome } from './answer-consult.ts';
import { saveCaseChange } from './change-case.ts';
import { caseThatCarriesOn } from './merge-case.ts';
import { submitInquiry, type SubmitDeps } from './submit-inquiry.ts';

export interface ReceiveDeps extends SubmitDeps {
  store: CaseStore;
  blobs: BlobStore;
  mailPrefix: string;
  /** Answers to consults (a token in the subject) are added to their case; one that fits none is answered by email. */
  teams: TeamsPolicy;
  mailer: Mailer;
  /** A reply reopening a confirmed risk is a proposal, as an agent's reopening is. */
  fourEyes: FourEyes;
}

export type Received =
  | { outcome: 'quarantined'; reasons: string[] }
  | { outcome: 'opened' | 'replayed'; caseId: string; reference: string }
  | { outcome: 'threaded' | 'automatic-reply' | 'bounced'; caseId: string; reference: string; version: number }
  | EmailAnswerOutcome;

/** Raised when the raw message is not (yet) in the bucket: the invocation fails and is retried. */
export class MailNotFoundError extends Error {
  override name = 'MailNotFoundError';
}

const IDEMPOTENCY_TTL_SECONDS = 7 * 86_400;

export async function receiveEmail(deps: ReceiveDeps, record: SesReceiptRecord): Promise<Received> {
  const { messageId, source } = record.ses.mail;
  const mailKey = `${deps.mailPrefix}${messageId}`;
  const hold = async (kind: Quarantined['kind'], reasons: string[]): Promise<Received> => {
    await deps.store.quarantine({ messageId, mailFrom: source, kind, reasons, mailKey, receivedAt: deps.clock.now().toISOString() });
    return { outcome: 'quarantined', reasons };
  };

  const problems = verdictProblems(record.ses.receipt);
  if (problems.length > 0) return hold('verdict', problems);
  const raw = await deps.blobs.get(mailKey);
  if (!raw) throw new MailNotFoundError(`raw mail ${mailKey} not found`);
  const mail = await parseMail(raw, { mailFrom: source });
  const idempotency = (): IdempotencyClaim => ({ key: `email:${messageId}`, fingerprint: messageId, expiresAt: Math.floor(deps.clock.now().getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS });

  if (mail.automatic.automatic) {
    const { kind, reasons } = mail.automatic;
    if (kind === 'bounce') return (await receiveBounce(deps, mail, idempotency)) ?? hold('automatic', ['bounce', ...reasons, 'about no email trustdesk sent, or unreadable']);
    const caseId = await threadOf(deps.store, mail);
    const sender = mail.from?.email ?? source;
    const saved = caseId
      ? await change(deps, caseId, idempotency, mail, (current) =>
          applyAutomaticReply(current, { email: sender, subject: mail.subject, message: mail.text, reasons, ...(mail.messageId && { messageId: mail.messageId }) }, deps.clock.now()),
        )
      : undefined;
    return saved ? { outcome: 'automatic-reply', ...saved } : hold('automatic', [kind, ...reasons]);
  }

  if (!mail.from) return hold('sender', ['no valid sender address']);
  const from = mail.from;
  // A team answering a consult: never a requester's reply, never a new case.
  const consultToken = consultTokenIn(mail.subject);
  if (consultToken) {
    const caseId = mail.reference ? await deps.store.findThread({ reference: mail.reference, messageIds: [] }) : undefined;
    return answerConsultByEmail({ ...deps, sla: deps.policies.sla }, { token: consultToken, caseId, from: from.email, subject: mail.subject, text: mail.text, ...(mail.messageId && { messageId: mail.messageId }) }, idempotency);
  }
  const attachments = await storeAttachments(deps.blobs, messageId, mail);
  const ownIds = mail.messageId ? [mail.messageId] : [];
  const fullMessage = mail.fullText !== mail.text ? { fullMessage: mail.fullText } : {};
  // They wrote from the address: it takes mail again.
  await deps.store.clearUndeliverable(from.email);

  const threadCaseId = await threadOf(deps.store, mail);
  if (threadCaseId) {
    const saved = await change(deps, threadCaseId, idempotency, mail, (current) =>
      applyRequesterReply(
        current,
        { email: from.email, subject: mail.subject, message: mail.text, ...fullMessage, attachments, ...(mail.messageId && { messageId: mail.messageId }) },
        deps.clock.now(),
        deps.policies.sla,
        deps.fourEyes,
      ),
    );
    if (saved) return { outcome: 'threaded', ...saved };
  }

  const submitted = await submitInquiry(deps, {
    inquiry: {
      channel: 'email',
      requester: { email: from.email, ...(from.name && { name: from.name }) },
      subject: mail.subject || '(no subject)',
      message: mail.text || '(no text)',
      ...(mail.text && fullMessage),
      ...(mail.forwardedFrom && { forwardedFrom: mail.forwardedFrom }),
      attachments,
    },
    idempotencyKey: `email:${messageId}`,
    messageIds: ownIds,
  });
  return { outcome: submitted.replayed ? 'replayed' : 'opened', caseId: submitted.caseId, reference: submitted.reference };
}

/** The case the mail's thread (reference, then Message-IDs) belongs to — the one a merged case went on as. */
async function threadOf(store: CaseStore, mail: ParsedMail): Promise<string | undefined> {
  const caseId = await store.findThread({ ...(mail.reference && { reference: mail.reference }), messageIds: mail.threadIds });
  return caseId && caseThatCarriesOn(store, caseId);
}

/** A bounce of an email trustdesk sent: on its case, and a permanent one flags the address. Undefined when it is about no such email. */
async function receiveBounce(deps: ReceiveDeps, mail: ParsedMail, idempotency: () => IdempotencyClaim): Promise<Received | undefined> {
  const report = mail.deliveryReport;
  const providerId = report?.originalMessageId?.split('@')[0];
  const sent = providerId ? await deps.store.findSentEmail(providerId) : undefined;
  const failed = report?.recipients.find((r) => r.address === sent?.to) ?? report?.recipients[0];
  if (!report || !sent || !failed) return undefined;
  const permanent = isPermanentFailure(failed);
  const saved = await change(deps, sent.caseId, idempotency, mail, (current) =>
    applyBounce(current, { notice: sent.notice, address: failed.address, action: failed.action, status: failed.status, permanent, ...(failed.diagnosticCode && { diagnosticCode: failed.diagnosticCode }) }, deps.clock.now()),
  );
  if (!saved) return undefined;
  if (permanent) {
    await deps.store.flagUndeliverable({ email: failed.address, since: deps.clock.now().toISOString(), status: failed.status, ...(failed.diagnosticCode && { diagnosticCode: failed.diagnosticCode }), caseId: sent.caseId });
  }
  return { outcome: 'bounced', ...saved };
}

/** Save a change to a case (see saveCaseChange); undefined when the case is gone. */
async function change(
  deps: ReceiveDeps,
  caseId: string,
  idempotency: () => IdempotencyClaim,
  mail: ParsedMail,
  apply: (current: CaseRecord) => Change,
): Promise<{ caseId: string; reference: string; version: number } | undefined> {
  const saved = await saveCaseChange(deps.store, caseId, idempotency, apply, mail.messageId ? [mail.messageId] : []);
  return saved && { caseId: saved.caseId, reference: saved.reference, version: saved.version };
}

async function storeAttachments(blobs: BlobStore, messageId: string, mail: ParsedMail): Promise<AttachmentRef[]> {
  return Promise.all(
    mail.attachments.map(async (a, i) => {
      const key = `attachments/${messageId}/${i + 1}-${a.filename}`;
      await blobs.put(key, a.content, a.contentType);
      const flagged = attachmentMayContainCardData(a.contentType, a.content);
      return { filename: a.filename, contentType: a.contentType, size: a.size, sha256: a.sha256, key, ...(flagged && { mayContainCardData: true as const }) };
    }),
  );
}
