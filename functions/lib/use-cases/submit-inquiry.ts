// A new inquiry, from any channel, becomes a case — once, however often it is retried.
import type { Channel } from '#domain/case.ts';
import { maskInquiry, openCase, rememberComplaint, type NewInquiry, type Policies } from '#domain/intake.ts';
import type { Inquiry } from '#events/inquiry.ts';
import { BusyError, IdempotencyMismatchError } from '../errors.ts';
import { sha256Hex } from '../ids.ts';
import type { Clock, IntakeStore } from '../ports.ts';

export interface SubmitDeps {
  store: IntakeStore;
  clock: Clock;
  policies: Policies;
  newCaseId: () => string;
  newReference: () => string;
}

export interface SubmitRequest {
  inquiry: NewInquiry;
  /** Caller-chosen key (Idempotency-Key header, SES message id); the content fingerprint when absent. */
  idempotencyKey?: string;
  /** Message-IDs that should thread into this case later (email). */
  messageIds?: string[];
}

export interface Submitted {
  caseId: string;
  reference: string;
  replayed: boolean;
}

const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
const MAX_ATTEMPTS = 4;

/** A stable digest of what the requester said, card data masked; the same inquiry twice has the same fingerprint. */
export function fingerprintOf(unmasked: NewInquiry): string {
  const { inquiry } = maskInquiry(unmasked);
  const { channel, requester, subject, message, categoryHint, amount, currency, transactionId } = inquiry;
  return sha256Hex(
    JSON.stringify([channel, requester.email, requester.name, requester.userId, subject, message, categoryHint, amount, currency, transactionId]),
  );
}

/** A validated inquiry (the web form's fields, also those of POST /internal/cases) as the domain takes it. */
export function newInquiryFrom(channel: Channel, inquiry: Inquiry): NewInquiry {
  const { email, name, userId, subject, message, category, amount, currency, transactionId } = inquiry;
  return {
    channel,
    requester: { email, ...(name && { name }), ...(userId && { userId }) },
    subject,
    message,
    ...(category && { categoryHint: category }),
    ...(amount !== undefined && { amount }),
    ...(currency && { currency }),
    ...(transactionId && { transactionId }),
  };
}

export async function submitInquiry(deps: SubmitDeps, request: SubmitRequest): Promise<Submitted> {
  const { inquiry } = request;
  const fingerprint = fingerprintOf(inquiry);
  const key = request.idempotencyKey ? `key:${sha256Hex(request.idempotencyKey)}` : `fingerprint:${fingerprint}`;

  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const now = deps.clock.now();
    const context = await deps.store.loadIntakeContext({
      email: inquiry.requester.email,
      ...(inquiry.requester.userId !== undefined && { userId: inquiry.requester.userId }),
    });
    const { record, event } = openCase(inquiry, {
      caseId: deps.newCaseId(),
      reference: deps.newReference(),
      now,
      ...(context.profile && { profile: context.profile }),
      priorComplaints: context.recent,
      policies: deps.policies,
    });
    const recent = rememberComplaint(
      context.recent,
      { caseId: record.caseId, reference: record.reference, category: record.category, openedAt: record.openedAt },
      now,
      deps.policies.triage.repeatComplaints.windowDays,
    );
    const outcome = await deps.store.createCase({
      record,
      event,
      idempotency: { key, fingerprint, expiresAt: Math.floor(now.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS },
      requesterVersion: context.requesterVersion,
      recent,
      messageIds: request.messageIds ?? [],
    });
    switch (outcome.kind) {
      case 'created':
        return { caseId: record.caseId, reference: record.reference, replayed: false };
      case 'replay':
        if (outcome.fingerprint !== fingerprint) throw new IdempotencyMismatchError();
        return { caseId: outcome.caseId, reference: outcome.reference, replayed: true };
      case 'retry':
        continue; // another write won a race (same requester, or a reference collision): read again
    }
  }
  throw new BusyError();
}
