// What the use cases need from the world. Adapters implement these; tests may fake them.
import type { Alarm } from '#domain/alarm.ts';
import type { AgentRecord } from '#domain/assignment.ts';
import type { AttachmentRef, CaseEvent, CaseRecord, PriorComplaint, UserProfile } from '#domain/case.ts';
import type { CaseView } from '#domain/confidentiality.ts';
import type { DomainEvent } from '#domain/domain-events.ts';
import type { LedgerTransaction } from '#domain/ledger/transaction.ts';
import type { Macro } from '#domain/macro.ts';
import type { AggregateKey, BacklogKey, Counters } from '#domain/reporting/aggregate.ts';
import type { AgentKey, AgentRow } from '#domain/reporting/agents.ts';
import type { AggregateRow, Incident } from '#domain/reporting/report.ts';
import type { MetricName } from './metrics.ts';

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

/** The idempotency claim was taken before: the write it guards was already made, for this case. */
export interface Replay {
  kind: 'replay';
  caseId: string;
  reference: string;
  fingerprint: string;
}

/** A new case: written, already written (a replay), or lost a race (a new case id, reference or requester read may win). */
export type CreateOutcome = { kind: 'created' } | Replay | { kind: 'retry'; reason: string };

/** A change to a case: saved, already saved (a replay), or stale (the case moved on meanwhile: read it again). */
export type ChangeOutcome = { kind: 'saved' } | Replay | { kind: 'stale' };

export interface NewCaseWrite {
  record: CaseRecord;
  event: CaseEvent;
  idempotency: IdempotencyClaim;
  requesterVersion: number;
  recent: PriorComplaint[];
  messageIds: string[];
}

/** A new version of a case and the event that made it; saved only if the case is still at the previous version. */
export interface ChangeWrite {
  record: CaseRecord;
  event: CaseEvent;
  idempotency?: IdempotencyClaim;
  messageIds?: string[];
}

/** A workflow's wait on a case: the task token that resumes it. */
export interface WorkflowWait {
  token: string;
  /** The case's lifecycleVersion when the wait began (lifecycle), or the escalation id (escalation). */
  knownVersion: number;
  waitFor: string;
}

export interface CaseSummary {
  caseId: string;
  reference: string;
  status: CaseRecord['status'];
  channel: CaseRecord['channel'];
  category: CaseRecord['category'];
  priority: CaseRecord['priority'];
  riskScore: number;
  /** The requester is a top consumer (by value tier or 90 days of spend). */
  topConsumer?: true;
  subject: string;
  requesterEmail: string;
  openedAt: string;
  updatedAt: string;
  deadlines: CaseRecord['deadlines'];
  sla: CaseRecord['sla'];
  /** Set once an agent answered: the resolution deadline is the one that counts from then on. */
  firstRespondedAt?: string;
  assignee?: string;
  escalation?: CaseRecord['escalation'];
  /** Email to the requester bounced: none is sent until they write again. */
  requesterUndeliverable?: CaseRecord['requesterUndeliverable'];
  /** Opened by another team (channel internal): who reported it. */
  internalReporter?: string;
  /** Consults still waiting for their team, and whether one of them blocks the agent. */
  openConsults?: number;
  blockedOnConsult?: boolean;
  version: number;
}

export interface CaseFilter {
  status?: CaseRecord['status'];
  priority?: CaseRecord['priority'];
  category?: CaseRecord['category'];
  /** An agent id, or 'none' for the unassigned queue. */
  assignee?: string;
  /** Cases with a breached deadline (true) or none (false). */
  breached?: boolean;
  channel?: CaseRecord['channel'];
  /** Cases of top consumers (true) or of everyone else (false). */
  topConsumer?: boolean;
  /** Cases this internal user reported or is named on. */
  follower?: string;
}

export interface CaseQuery {
  limit: number;
  cursor?: string;
  filter?: CaseFilter;
}

export interface CasePage {
  items: CaseSummary[];
  cursor?: string;
}

/** The exact keys a case is found by (GET /cases?q=; `creator`, a creator an internal case names, by GET /users/{userId}): each one is a key lookup, never a scan. */
export const CASE_KEYS = ['reference', 'caseId', 'email', 'userId', 'transactionId', 'creator'] as const;
export type CaseKey = { by: (typeof CASE_KEYS)[number]; value: string };

export interface Quarantined {
  messageId: string;
  mailFrom: string;
  /** Why it is held: a failed scan verdict, no usable sender, or mail a machine sent (RFC 3834). */
  kind: 'verdict' | 'sender' | 'automatic';
  reasons: string[];
  mailKey: string;
  receivedAt: string;
}

/** An email trustdesk sent for a case, found again by the provider's message id (a bounce names it). */
export interface SentEmail {
  caseId: string;
  notice: string;
  to: string;
}

/** An address whose mail bounced: nothing is sent to it until a new message arrives from it. */
export interface UndeliverableAddress {
  email: string;
  since: string;
  status: string;
  diagnosticCode?: string;
  /** The case whose email bounced. */
  caseId: string;
}

/** What the web intake needs of storage, and nothing more (its bundle carries only this). */
export interface IntakeStore {
  /** Everything triage needs about the requester, in one round trip. */
  loadIntakeContext(q: { email: string; userId?: string }): Promise<IntakeContext>;
  /** The case, its first event, its idempotency claim and the requester's history, atomically. */
  createCase(write: NewCaseWrite): Promise<CreateOutcome>;
}

/** One case's outcome in a bulk action (POST /cases/bulk), as the API answers it. */
export interface BulkCaseResult {
  caseId: string;
  status: 'applied' | 'conflict' | 'forbidden' | 'refused' | 'not_found' | 'failed';
  httpStatus: number;
  /** The case's version after the action (applied). */
  version?: number;
  reason?: string;
}

/** A bulk action done under an Idempotency-Key: what a retry with the same key and body is answered. */
export interface StoredBulk {
  fingerprint: string;
  results: BulkCaseResult[];
  expiresAt: number; // epoch seconds
}

/** Bulk actions' answers kept by their (agent-scoped) Idempotency-Key. */
export interface BulkResults {
  getBulk(key: string): Promise<StoredBulk | undefined>;
  /** Kept unless the key holds a live answer already (a concurrent twin finished first: its answer stands). */
  putBulk(key: string, stored: StoredBulk): Promise<void>;
  /** Whether a change was saved with this claim (key and fingerprint) and it has not expired. */
  claimTaken(claim: Pick<IdempotencyClaim, 'key' | 'fingerprint'>): Promise<boolean>;
}

export interface CaseStore extends IntakeStore {
  /** A case a message belongs to, by its reference or by Message-IDs of the thread. */
  findThread(q: { reference?: string; messageIds: string[] }): Promise<string | undefined>;
  getCase(caseId: string): Promise<CaseRecord | undefined>;
  /** Several cases in one round trip (missing ones are absent from the map). */
  getCases(caseIds: string[]): Promise<Map<string, CaseRecord>>;
  /** Ids of cases opened in [from, to), optionally of one category; newest first, at most `limit`. */
  caseIdsOpenedBetween(q: { from: string; to: string; category?: string; limit: number }): Promise<string[]>;
  getCaseWithTimeline(caseId: string): Promise<{ record: CaseRecord; events: CaseEvent[] } | undefined>;
  /** Save a change if the case is still at `record.version - 1` ('stale' when it is not). */
  saveChange(write: ChangeWrite): Promise<ChangeOutcome>;
  /** Save changes to several cases all or nothing (a merge: the duplicate and its target; linking a case to an incident), each only if its case is still at `record.version - 1`. */
  saveChanges(writes: ChangeWrite[]): Promise<ChangeOutcome>;
  putWorkflowWait(caseId: string, workflow: string, wait: WorkflowWait): Promise<void>;
  getWorkflowWait(caseId: string, workflow: string): Promise<WorkflowWait | undefined>;
  listCases(q: CaseQuery): Promise<CasePage>;
  /** Ids of the cases one exact key names, newest first, at most `limit`. */
  findCaseIds(key: CaseKey, limit: number): Promise<string[]>;
  quarantine(q: Quarantined): Promise<void>;
  /** Held mail of one kind, newest first, paginated. */
  listQuarantined(q: { kind: Quarantined['kind']; limit: number; cursor?: string }): Promise<{ items: Quarantined[]; cursor?: string }>;
  /** Reserve a one-off notice; false when it was already sent. */
  claimNotice(caseId: string, notice: string): Promise<boolean>;
  releaseNotice(caseId: string, notice: string): Promise<void>;
  /** Record the notice as sent; with `to`, the provider id finds the case again (findSentEmail). */
  markNoticeSent(caseId: string, notice: string, providerId: string, to?: string): Promise<void>;
  /** Record a claimed notice as not sent, for good (an undeliverable address, the loop breaker). */
  markNoticeWithheld(caseId: string, notice: string, reason: string): Promise<void>;
  findSentEmail(providerId: string): Promise<SentEmail | undefined>;
  /** Count one more acknowledgement to the address in the hour; the count including this one. */
  countAcknowledgement(email: string, hour: string): Promise<number>;
  undeliverable(email: string): Promise<UndeliverableAddress | undefined>;
  flagUndeliverable(address: UndeliverableAddress): Promise<void>;
  clearUndeliverable(email: string): Promise<void>;
  /** Keep the record of one person opening a confidential case (every opening is its own record). */
  recordView(view: CaseView): Promise<void>;
  /** Every recorded opening of the case, oldest first. */
  listViews(caseId: string): Promise<CaseView[]>;
}

export interface BlobStore {
  get(key: string): Promise<Buffer | undefined>;
  put(key: string, body: Buffer, contentType: string): Promise<void>;
}

/** Where an archive too big for one API answer is left for whoever asked: a short-lived link to it. */
export interface ArchiveDrop {
  /** Stores the archive under `key` and returns a link that downloads it (as `filename`) until `expiresAt`. */
  drop(key: string, body: Uint8Array, filename: string): Promise<{ url: string; expiresAt: string }>;
}

/** Short-lived links that download a stored attachment: as a file (never shown inline), under its name and type. */
export interface AttachmentLinks {
  /** A link to the object under `key` that works until `expiresAt`, served with these headers. */
  linkTo(key: string, as: { contentType: string; contentDisposition: string }): Promise<{ url: string; expiresAt: string }>;
}

/** Deletes objects for good (erasure); deleting an absent one is no error, so a retry is harmless. */
export interface BlobEraser {
  delete(key: string): Promise<void>;
}

// ── retention and erasure ─────────────────────────────────────────────────────────────────────────

/** Who is to be forgotten: an email address, or an account id (whose cases name it). */
export type ErasureSubject = { email: string } | { userId: string };

/** One case's erasure: the skeleton and its event (saved with the version check, last), the redacted events. */
export interface CaseErasureWrite {
  record: CaseRecord;
  event: CaseEvent;
  redactedEvents: CaseEvent[];
}

/** The cases table's side of erasure: finding the person's cases, and forgetting them case by case. */
export interface ErasureStore {
  /** Ids of the cases whose requester is this address or account (erased cases no longer are). */
  caseIdsOf(subject: ErasureSubject): Promise<string[]>;
  /** Ids of cases closed before `cutoff` that are neither erased nor held (candidates of the retention run). */
  closedCaseIdsBefore(cutoff: string): Promise<string[]>;
  /** A case and its whole timeline, read consistently. */
  getCaseWithTimeline(caseId: string): Promise<{ record: CaseRecord; events: CaseEvent[] } | undefined>;
  /**
   * Rewrites the redacted events, deletes the records of email sent for the case (they name the address),
   * then saves the skeleton if the case is still at `record.version - 1`; the count of sent-email records deleted.
   */
  eraseCase(write: CaseErasureWrite): Promise<{ outcome: ChangeOutcome; sentEmails: number }>;
  /**
   * Deletes what the table keeps about an address outside its cases — complaint history, loop-breaker counts,
   * bounce flag, quarantine records of mail from it; how many items.
   */
  forgetAddress(email: string): Promise<number>;
  /** Deletes the account's profile (value tier, lifetime spend) ops loaded; 1 when there was one. */
  forgetProfile(userId: string): Promise<number>;
}

/** A ledger's links to a user (the ledger table of issue 12): unlinked by an erasure; how many. */
export interface LedgerEraser {
  forgetUser(userId: string): Promise<number>;
}

export interface OutboundEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  replyTo?: string;
  attachments?: { filename: string; contentType: string; content: string }[];
  /** RFC 3834's Auto-Submitted header: auto-replied for acknowledgements, auto-generated (the default) for the rest. */
  autoSubmitted?: 'auto-replied' | 'auto-generated';
}

export interface Mailer {
  /** Returns the provider's message id. */
  send(email: OutboundEmail): Promise<string>;
}

/** An event trustdesk refused (it cannot ever be applied): what is wrong with it, by field, never its values. */
export interface RejectedEvent {
  source: string;
  eventId?: string;
  detailType?: string;
  problems: { field: string; message: string }[];
  receivedAt: string;
}

/** Where refused events are parked for someone to look at (a queue with an alarm); the sender fixes and resends. */
export interface RejectedEvents {
  park(rejected: RejectedEvent): Promise<void>;
}

/** Where the case's domain events go for other teams (the event bus); throws unless every event was accepted. */
export interface DomainEventBus {
  publish(events: readonly DomainEvent[]): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export type { AttachmentRef };

export type WorkflowName = 'lifecycle' | 'escalation' | 'consult';

export interface WorkflowEngine {
  /** Start an execution; the name makes it happen once ('exists' when it already did). */
  start(workflow: WorkflowName, name: string, input: unknown): Promise<'started' | 'exists'>;
  /** Resume a waiting task; 'gone' when the token no longer waits (timed out, finished, or resumed). */
  resume(token: string, output: unknown): Promise<'resumed' | 'gone'>;
  /** End a waiting lifecycle whose timer an alarm now holds (the wait fails with HANDED_OVER_ERROR); 'gone' as for resume. */
  handOver(token: string): Promise<'handed-over' | 'gone'>;
}

/**
 * One-time alarms for cases' far timers (EventBridge Scheduler on AWS): each rings once at `ringAt` and
 * starts the case-timer machine with the alarm; setting the same alarm twice sets it once.
 */
export interface AlarmClock {
  set(alarm: Alarm): Promise<'set' | 'exists'>;
  /** Take back the alarm set for that version of the case (nothing if it rang or never was). */
  cancel(caseId: string, lifecycleVersion: number): Promise<void>;
}

// ── ledger ────────────────────────────────────────────────────────────────────────────────────────

/** Outcome of recording one transaction event: new, the same (a redelivery), or a newer status of it. */
export type RecordOutcome = 'recorded' | 'duplicate' | 'updated';

/** The platform's transactions, as trustdesk keeps them; each read is one Query or GetItem. */
export interface Ledger {
  /**
   * Record one transaction event; idempotent by transactionId + status: the same status again is a duplicate,
   * a status further along (STATUS_RANK) updates it, an earlier one (a late redelivery) changes nothing.
   */
  record(transaction: LedgerTransaction): Promise<RecordOutcome>;
  /**
   * Every transaction of an import, already validated as a whole (nothing is written for a file with a bad
   * row), with the same rule per transaction as `record`; idempotent, so an import retried after a failure
   * finishes what it started and counts nothing twice. Returns how many were new or moved forward.
   */
  recordAll(transactions: LedgerTransaction[]): Promise<number>;
  transaction(transactionId: string): Promise<LedgerTransaction | undefined>;
  /** Several transactions by id in one round trip (up to 100), in no particular order; unknown ids are left out. */
  transactionsById(transactionIds: string[]): Promise<LedgerTransaction[]>;
  /**
   * The user's transactions with occurredAt in [from, to], oldest first, at most `limit`: the oldest ones, or with
   * `keep: 'newest'` the newest ones (evidence: a busy account's latest rows are the ones a complaint is about).
   */
  transactionsOf(userId: string, window: { from: string; to: string; limit: number; keep?: 'oldest' | 'newest' }): Promise<LedgerTransaction[]>;
  /** Transactions made with one instrument fingerprint, newest first, at most `limit` (any user). */
  transactionsOnInstrument(instrument: string, limit: number): Promise<LedgerTransaction[]>;
  /** Transactions made from one device, newest first, at most `limit` (any user). */
  transactionsOnDevice(deviceId: string, limit: number): Promise<LedgerTransaction[]>;
}

/** What the bulk import says about one file (reports/<name>.report.json): counts, and problems by line and field, never values. */
export type LedgerImportReport =
  | { file: string; status: 'imported'; rows: number; recorded: number; duplicates: number }
  | {
      file: string;
      status: 'rejected';
      rows: number;
      accepted: 0;
      /** What is wrong with the file as a whole (too big, not CSV or JSONL, a header without the required columns). */
      problems?: { field: string; message: string }[];
      /** How many rows were refused (the list below stops at the first 1,000). */
      rejectedRows: number;
      rejected: { line: number; problems: { field: string; message: string }[] }[];
    };

/** The imports bucket: files dropped under imports/, their reports written under reports/. */
export interface ImportFiles {
  /** The file's bytes; undefined when it is gone (deleted, or expired, before the import ran). */
  read(key: string): Promise<Buffer | undefined>;
  writeReport(key: string, report: LedgerImportReport): Promise<void>;
}

// ── reporting ─────────────────────────────────────────────────────────────────────────────────────

/**
 * One change to what the reporting store counts, in the domain's words; each is one stored item, so a
 * change of the same kind with the same key (and shard) is a change to the same item.
 */
export type CountChange =
  /** Flow counters of a day or hour bucket, on one shard of the key. */
  | { kind: 'aggregate'; key: AggregateKey; shard: number; counters: Counters }
  /** The open backlog (counter `open`) by opening day, on one shard of the key. */
  | { kind: 'backlog'; key: BacklogKey; shard: number; counters: Counters }
  /** Cases of a category opened in a local hour: what surges are judged on. */
  | { kind: 'opened-in-hour'; category: string; hour: string; opened: number }
  /** A top consumer's case, listed under the local day it was opened (set, not counted). */
  | { kind: 'top-consumer-case'; listing: TopConsumerListing }
  /** The per-agent counters of one local day, agent and category (domain/reporting/agents.ts). */
  | { kind: 'agent'; key: AgentKey; counters: Counters };

export interface TopConsumerListing {
  /** The local day the case was opened (the report of that day lists it). */
  day: string;
  caseId: string;
  reference: string;
  tier: string;
  category: string;
  priority: string;
  openedAt: string;
}

/** applyCounts is all or nothing for at most this many changes and watermark moves together. */
export const MAX_COUNTS_PER_APPLY = 100;

export interface WatermarkMove {
  caseId: string;
  /** The watermark read before (0 = none yet); the apply fails if it moved meanwhile. */
  from: number;
  to: number;
}

/** Open cases of one backlog key (one shard of it). */
export interface BacklogCount {
  key: BacklogKey;
  open: number;
}

export interface OpenedInHour {
  category: string;
  hour: string;
  opened: number;
}

export interface Subscription {
  subscriptionId: string;
  email: string;
  cadence: 'daily' | 'weekly';
  categories?: string[];
  createdAt: string;
  createdBy: string;
}

export interface ReportingStore {
  /** The last counted version of each case (cases never counted are absent). */
  watermarks(caseIds: string[]): Promise<Map<string, number>>;
  /**
   * Count changes and watermark moves, all or nothing (at most MAX_COUNTS_PER_APPLY, one change per
   * item). A move whose `from` is no longer the stored watermark cancels the whole apply (it throws),
   * so a repeated or concurrent apply never counts twice.
   */
  applyCounts(changes: CountChange[], moves: WatermarkMove[]): Promise<void>;
  /** The day aggregates (every shard of every key) of these local days. */
  dayAggregates(days: readonly string[]): Promise<AggregateRow[]>;
  /** The per-agent items (every agent and category) of these local days. */
  agentAggregates(days: readonly string[]): Promise<AgentRow[]>;
  /** The open backlog, every key and shard. */
  backlog(): Promise<BacklogCount[]>;
  /** Cases opened per category and local hour, for every pair of these categories and hours that has any. */
  openedPerHour(categories: readonly string[], hours: readonly string[]): Promise<OpenedInHour[]>;
  /** Record an incident once per key; false when one was already recorded. */
  claimIncident(incident: Incident): Promise<boolean>;
  /** Incidents whose window starts on these local days, day by day. */
  incidentsOn(days: readonly string[]): Promise<Incident[]>;
  /** Top consumers' cases listed on these days (day by day, then by case id), of some categories only, at most `limit`. */
  topConsumerCasesOn(days: readonly string[], q: { limit: number; categories?: readonly string[] }): Promise<TopConsumerListing[]>;
  listSubscriptions(cadence?: Subscription['cadence']): Promise<Subscription[]>;
  putSubscription(subscription: Subscription): Promise<void>;
  deleteSubscription(subscriptionId: string): Promise<boolean>;
  /** Reserve one report email; false when it was already sent for this period. */
  claimReport(cadence: string, period: string, email: string): Promise<boolean>;
  releaseReport(cadence: string, period: string, email: string): Promise<void>;
  markReportSent(cadence: string, period: string, email: string, providerId: string): Promise<void>;
}

// ── agents ──────────────────────────────────────────────────────────────────────────────────────

/** The team's agent records (assignment on the shift). */
export interface AgentDirectory {
  listAgents(): Promise<AgentRecord[]>;
  getAgent(agentId: string): Promise<AgentRecord | undefined>;
  putAgent(agent: AgentRecord): Promise<void>;
  /** Moves the agent's round-robin turn to the back of the line (no-op for an unknown agent). */
  markAssigned(agentId: string, at: string): Promise<void>;
}

/** The team's canned replies (macros): a handful of records, each saved with its version checked. */
export interface MacroStore {
  listMacros(): Promise<Macro[]>;
  getMacro(macroId: string): Promise<Macro | undefined>;
  /** Saves a new macro (version 1) or the next version of one; ConflictError when `expectedVersion` is not the stored one. */
  saveMacro(macro: Macro, expectedVersion: number | undefined): Promise<void>;
  /** Deletes a macro; false when there was none. */
  deleteMacro(macroId: string): Promise<boolean>;
}

// ── metrics ───────────────────────────────────────────────────────────────────────────────────────

/** Business events counted for dashboards and alarms (names in metrics.ts). */
export interface Metrics {
  /** Count `value` occurrences (1 by default) now; recorded even if the invocation fails later. */
  count(name: MetricName, value?: number): void;
}

/** The profiles table as the user 360 view reads it: the item ops loaded (value tier, name, email…). */
export interface ProfileReader {
  profileOf(userId: string): Promise<Record<string, unknown> | undefined>;
  /** The account whose profile holds this address (lower case), if ops loaded one; the first when several do. */
  accountOfEmail(email: string): Promise<string | undefined>;
}

/** The key the rating links are signed with (HS256): one secret, read once per cold start. */
export interface SigningKey {
  key(): Promise<Uint8Array>;
}
