// What the use cases need from the world. Adapters implement these; tests may fake them.
import type { AttachmentRef, CaseEvent, CaseRecord, PriorComplaint, UserProfile } from '#domain/case.ts';

export interface IdempotencyClaim {
  key: string;
  fingerprint: string;
  expiresAt: number; // epoch seconds
}

export interface IntakeContext {
  profile?: UserProfile;
  recent: PriorComplaint[];
  requesterVersion: number; // 0 when the requester is new
}

export type CreateOutcome =
  | { kind: 'created' }
  | { kind: 'replay'; caseId: string; reference: string; fingerprint: string }
  | { kind: 'retry'; reason: string };

export interface NewCaseWrite {
  record: CaseRecord;
  event: CaseEvent;
  idempotency: IdempotencyClaim;
  requesterVersion: number;
  recent: PriorComplaint[];
  messageIds: string[];
}

export interface ReplyWrite {
  record: CaseRecord; // the new version
  event: CaseEvent;
  idempotency: IdempotencyClaim;
  messageIds: string[];
}

export interface CaseSummary {
  caseId: string;
  reference: string;
  status: CaseRecord['status'];
  channel: CaseRecord['channel'];
  category: CaseRecord['category'];
  priority: CaseRecord['priority'];
  riskScore: number;
  subject: string;
  requesterEmail: string;
  openedAt: string;
  updatedAt: string;
  deadlines: CaseRecord['deadlines'];
  version: number;
}

export interface CasePage {
  items: CaseSummary[];
  cursor?: string;
}

export interface Quarantined {
  messageId: string;
  mailFrom: string;
  reasons: string[];
  mailKey: string;
  receivedAt: string;
}

export interface CaseStore {
  /** Everything triage needs about the requester, in one round trip. */
  loadIntakeContext(q: { email: string; userId?: string }): Promise<IntakeContext>;
  /** The case, its first event, its idempotency claim and the requester's history, atomically. */
  createCase(write: NewCaseWrite): Promise<CreateOutcome>;
  /** A case a message belongs to, by its reference or by Message-IDs of the thread. */
  findThread(q: { reference?: string; messageIds: string[] }): Promise<string | undefined>;
  getCase(caseId: string): Promise<CaseRecord | undefined>;
  getCaseWithTimeline(caseId: string): Promise<{ record: CaseRecord; events: CaseEvent[] } | undefined>;
  /** Append a requester reply if the case is still at `record.version - 1`. */
  appendReply(write: ReplyWrite): Promise<CreateOutcome>;
  listCases(q: { limit: number; cursor?: string }): Promise<CasePage>;
  quarantine(q: Quarantined): Promise<void>;
  /** Reserve a one-off notice; false when it was already sent. */
  claimNotice(caseId: string, notice: string): Promise<boolean>;
  releaseNotice(caseId: string, notice: string): Promise<void>;
  markNoticeSent(caseId: string, notice: string, providerId: string): Promise<void>;
}

export interface BlobStore {
  get(key: string): Promise<Buffer | undefined>;
  put(key: string, body: Buffer, contentType: string): Promise<void>;
}

export interface OutboundEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  replyTo?: string;
}

export interface Mailer {
  /** Returns the provider's message id. */
  send(email: OutboundEmail): Promise<string>;
}

export interface Clock {
  now(): Date;
}

export type { AttachmentRef };
