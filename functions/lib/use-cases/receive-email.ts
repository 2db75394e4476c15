// An inbound email: quarantined, threaded into its case, or a new case.
import type { AttachmentRef } from '#domain/case.ts';
import { applyRequesterReply } from '#domain/lifecycle.ts';
import { attachmentMayContainCardData } from '#domain/privacy/mask-card-data.ts';
import { verdictProblems, type SesReceiptRecord } from '#events/ses.ts';
import { BusyError } from '../errors.ts';
import { parseMail, type ParsedMail } from '../mail.ts';
import type { BlobStore, CaseStore } from '../ports.ts';
import { submitInquiry, type SubmitDeps } from './submit-inquiry.ts';

export interface ReceiveDeps extends SubmitDeps {
  store: CaseStore;
  blobs: BlobStore;
  mailPrefix: string;
}

export type Received =
  | { outcome: 'quarantined'; reasons: string[] }
  | { outcome: 'opened' | 'replayed'; caseId: string; reference: string }
  | { outcome: 'threaded'; caseId: string; reference: string; version: number };

/** Raised when the raw message is not (yet) in the bucket: the invocation fails and is retried. */
export class MailNotFoundError extends Error {
  override name = 'MailNotFoundError';
}

export async function receiveEmail(deps: ReceiveDeps, record: SesReceiptRecord): Promise<Received> {
  const { messageId } = record.ses.mail;
  const mailKey = `${deps.mailPrefix}${messageId}`;
  const receivedAt = deps.clock.now().toISOString();

  const problems = verdictProblems(record.ses.receipt);
  if (problems.length > 0) {
    await deps.store.quarantine({ messageId, mailFrom: record.ses.mail.source, reasons: problems, mailKey, receivedAt });
    return { outcome: 'quarantined', reasons: problems };
  }
  const raw = await deps.blobs.get(mailKey);
  if (!raw) throw new MailNotFoundError(`raw mail ${mailKey} not found`);
  const mail = await parseMail(raw);
  if (!mail.from) {
    await deps.store.quarantine({ messageId, mailFrom: record.ses.mail.source, reasons: ['no valid sender address'], mailKey, receivedAt });
    return { outcome: 'quarantined', reasons: ['no valid sender address'] };
  }
  const from = mail.from;
  const attachments = await storeAttachments(deps.blobs, messageId, mail);
  const idempotencyKey = `email:${messageId}`;
  const ownIds = mail.messageId ? [mail.messageId] : [];

  const threadCaseId = await deps.store.findThread({
    ...(mail.reference && { reference: mail.reference }),
    messageIds: mail.threadIds,
  });
  if (threadCaseId) {
    for (let attempt = 0; attempt < 4; attempt++) {
      const current = await deps.store.getCase(threadCaseId);
      if (!current) break; // the thread points nowhere: treat as new
      const { record: next, event } = applyRequesterReply(
        current,
        { email: from.email, subject: mail.subject, message: mail.text, attachments, ...(mail.messageId && { messageId: mail.messageId }) },
        deps.clock.now(),
        deps.policies.sla,
      );
      const outcome = await deps.store.saveChange({
        record: next,
        event,
        idempotency: { key: idempotencyKey, fingerprint: messageId, expiresAt: Math.floor(deps.clock.now().getTime() / 1000) + 7 * 86_400 },
        messageIds: ownIds,
      });
      if (outcome.kind === 'saved') return { outcome: 'threaded', caseId: next.caseId, reference: next.reference, version: next.version };
      if (outcome.kind === 'replay') return { outcome: 'threaded', caseId: outcome.caseId, reference: outcome.reference, version: current.version };
    }
    if (await deps.store.getCase(threadCaseId)) throw new BusyError();
  }

  const submitted = await submitInquiry(deps, {
    inquiry: {
      channel: 'email',
      requester: { email: from.email, ...(from.name && { name: from.name }) },
      subject: mail.subject || '(no subject)',
      message: mail.text || '(no text)',
      attachments,
    },
    idempotencyKey,
    messageIds: ownIds,
  });
  return { outcome: submitted.replayed ? 'replayed' : 'opened', caseId: submitted.caseId, reference: submitted.reference };
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
