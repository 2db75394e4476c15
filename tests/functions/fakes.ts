// In-memory stand-ins for the ports, faithful to the DynamoDB adapter's semantics:
// atomic writes, idempotency claims with expiry, requester versions, reference uniqueness,
// optimistic case versions (saveChange), re-takeable pending notices, erasure (an erased case leaves the
// requester's index; the skeleton is saved last, with the version check).
import type { CaseEvent, CaseRecord, PriorComplaint, UserProfile } from '#domain/case.ts';
import type { CaseView } from '#domain/confidentiality.ts';
import { summarizeCase } from '#lib/case-summary.ts';
import { openCase, type NewInquiry } from '#domain/intake.ts';
import type { Macro } from '#domain/macro.ts';
import { ConflictError, ValidationError } from '#lib/errors.ts';
import { policies } from '#lib/policies.ts';
import type {
  ArchiveDrop,
  BlobEraser,
  BlobStore,
  CaseErasureWrite,
  CaseKey,
  CasePage,
  CaseStore,
  ChangeOutcome,
  ChangeWrite,
  Clock,
  CreateOutcome,
  ErasureStore,
  ErasureSubject,
  IntakeContext,
  MacroStore,
  Mailer,
  Metrics,
  NewCaseWrite,
  OutboundEmail,
  Quarantined,
  Replay,
  SentEmail,
  UndeliverableAddress,
  WorkflowWait,
} from '#lib/ports.ts';
import type { MetricName } from '#lib/metrics.ts';
import type { SubmitDeps } from '#lib/use-cases/submit-inquiry.ts';

interface StoredClaim {
  caseId: string;
  reference: string;
  fingerprint: string;
  expiresAt: number;
}

type WriteHook = (write: { kind: 'create'; write: NewCaseWrite } | { kind: 'change'; write: ChangeWrite }) => void | Promise<void>;

const copy = <T>(value: T): T => structuredClone(value);
const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export class InMemoryCaseStore implements CaseStore, ErasureStore {
  readonly cases = new Map<string, CaseRecord>();
  readonly events = new Map<string, CaseEvent[]>();
  readonly claims = new Map<string, StoredClaim>();
  readonly references = new Map<string, string>();
  readonly requesters = new Map<string, { recent: PriorComplaint[]; version: number }>();
  readonly messageIds = new Map<string, string>();
  readonly profiles = new Map<string, UserProfile>();
  readonly quarantined = new Map<string, Quarantined>();
  readonly notices = new Map<string, { status: 'pending' | 'sent' | 'withheld'; providerId?: string; reason?: string }>();
  readonly sentEmails = new Map<string, SentEmail>();
  readonly acknowledgements = new Map<string, number>();
  readonly undeliverableAddresses = new Map<string, UndeliverableAddress>();
  readonly waits = new Map<string, WorkflowWait>();
  readonly views: CaseView[] = [];
  /** Runs just before a createCase/saveChange is checked and applied: a test can play a concurrent writer here. */
  beforeWrite: WriteHook | undefined;

  async loadIntakeContext(q: { email: string; userId?: string }): Promise<IntakeContext> {
    const summary = this.requesters.get(q.email);
    const profile = q.userId !== undefined ? this.profiles.get(q.userId) : undefined;
    return {
      ...(profile && { profile: copy(profile) }),
      recent: copy(summary?.recent ?? []),
      requesterVersion: summary?.version ?? 0,
    };
  }

  async createCase(w: NewCaseWrite): Promise<CreateOutcome> {
    await this.beforeWrite?.({ kind: 'create', write: w });
    const r = w.record;
    const replay = this.replayOf(w.idempotency.key, epochSeconds(r.openedAt));
    if (replay) return replay;
    if (this.cases.has(r.caseId)) return { kind: 'retry', reason: 'case id' };
    if (this.references.has(r.reference)) return { kind: 'retry', reason: 'reference' };
    const requester = this.requesters.get(r.requester.email);
    if (w.requesterVersion === 0 ? requester !== undefined : requester?.version !== w.requesterVersion) {
      return { kind: 'retry', reason: 'requester' };
    }
    // All or nothing, like the transaction.
    this.cases.set(r.caseId, copy(r));
    this.events.set(r.caseId, [copy(w.event)]);
    this.claims.set(w.idempotency.key, { caseId: r.caseId, reference: r.reference, fingerprint: w.idempotency.fingerprint, expiresAt: w.idempotency.expiresAt });
    this.references.set(r.reference, r.caseId);
    this.requesters.set(r.requester.email, { recent: copy(w.recent), version: w.requesterVersion + 1 });
    for (const id of w.messageIds) this.messageIds.set(id, r.caseId);
    return { kind: 'created' };
  }

  async saveChange(w: ChangeWrite): Promise<ChangeOutcome> {
    return this.saveChanges([w]);
  }

  /** All or nothing, like the transaction: every case at its previous version, or nothing is written. */
  async saveChanges(ws: ChangeWrite[]): Promise<ChangeOutcome> {
    for (const w of ws) await this.beforeWrite?.({ kind: 'change', write: w });
    for (const w of ws) {
      const replay = w.idempotency && this.replayOf(w.idempotency.key, epochSeconds(w.record.updatedAt));
      if (replay) return replay;
    }
    for (const w of ws) {
      const current = this.cases.get(w.record.caseId);
      if (!current || current.version !== w.record.version - 1) return { kind: 'stale' };
      if ((this.events.get(w.record.caseId) ?? []).some((e) => e.version === w.event.version)) return { kind: 'stale' };
    }
    for (const w of ws) {
      const r = w.record;
      this.cases.set(r.caseId, copy(r));
      this.events.set(r.caseId, [...(this.events.get(r.caseId) ?? []), copy(w.event)]);
      if (w.idempotency) {
        this.claims.set(w.idempotency.key, { caseId: r.caseId, reference: r.reference, fingerprint: w.idempotency.fingerprint, expiresAt: w.idempotency.expiresAt });
      }
      for (const id of w.messageIds ?? []) this.messageIds.set(id, r.caseId);
    }
    return { kind: 'saved' };
  }

  async putWorkflowWait(caseId: string, workflow: string, wait: WorkflowWait): Promise<void> {
    this.waits.set(`${caseId}#${workflow}`, copy(wait));
  }

  async getWorkflowWait(caseId: string, workflow: string): Promise<WorkflowWait | undefined> {
    const wait = this.waits.get(`${caseId}#${workflow}`);
    return wait && copy(wait);
  }

  /** A live claim wins; an expired one may be taken over (`attribute_not_exists(pk) OR expiresAt < :now`). */
  private replayOf(key: string, nowSeconds: number): Replay | undefined {
    const claim = this.claims.get(key);
    if (!claim || claim.expiresAt < nowSeconds) return undefined;
    return { kind: 'replay', caseId: claim.caseId, reference: claim.reference, fingerprint: claim.fingerprint };
  }

  async findThread(q: { reference?: string; messageIds: string[] }): Promise<string | undefined> {
    if (q.reference !== undefined && this.references.has(q.reference)) return this.references.get(q.reference);
    for (const id of q.messageIds) if (this.messageIds.has(id)) return this.messageIds.get(id);
    return undefined;
  }

  async getCase(caseId: string): Promise<CaseRecord | undefined> {
    const record = this.cases.get(caseId);
    return record && copy(record);
  }

  async getCases(caseIds: string[]): Promise<Map<string, CaseRecord>> {
    const found = new Map<string, CaseRecord>();
    for (const id of caseIds) {
      const record = this.cases.get(id);
      if (record) found.set(id, copy(record));
    }
    return found;
  }

  async caseIdsOpenedBetween(q: { from: string; to: string; category?: string; limit: number }): Promise<string[]> {
    return [...this.cases.values()]
      .filter((r) => r.openedAt >= q.from && r.openedAt <= q.to && (!q.category || r.category === q.category))
      .sort((a, b) => (a.openedAt < b.openedAt ? 1 : -1))
      .slice(0, q.limit)
      .map((r) => r.caseId);
  }

  async getCaseWithTimeline(caseId: string): Promise<{ record: CaseRecord; events: CaseEvent[] } | undefined> {
    const record = this.cases.get(caseId);
    if (!record) return undefined;
    return { record: copy(record), events: copy(this.events.get(caseId) ?? []).sort((a, b) => a.version - b.version) };
  }

  async findCaseIds(key: CaseKey, limit: number): Promise<string[]> {
    const values = (r: CaseRecord): (string | undefined)[] =>
      key.by === 'creator'
        ? (r.internal?.creatorUserIds ?? [])
        : [({ reference: r.reference, caseId: r.caseId, email: r.requester.email, userId: r.requester.userId, transactionId: r.transactionId })[key.by]];
    return [...this.cases.values()]
      .filter((r) => values(r).includes(key.value))
      .sort((a, b) => (b.openedAt + b.caseId).localeCompare(a.openedAt + a.caseId))
      .slice(0, limit)
      .map((r) => r.caseId);
  }

  async listCases(q: { limit: number; cursor?: string }): Promise<CasePage> {
    const all = [...this.cases.values()].sort((a, b) => (b.openedAt + b.caseId).localeCompare(a.openedAt + a.caseId));
    let start = 0;
    if (q.cursor !== undefined) {
      const after = decodeFakeCursor(q.cursor);
      start = all.findIndex((c) => c.openedAt + c.caseId === after) + 1;
      if (start === 0) throw new ValidationError([{ field: 'cursor', message: 'is not a cursor this API returned' }]);
    }
    const page = all.slice(start, start + q.limit);
    const last = page[page.length - 1];
    const more = start + q.limit < all.length;
    return { items: page.map(summarizeCase), ...(more && last && { cursor: Buffer.from(last.openedAt + last.caseId).toString('base64url') }) };
  }

  async quarantine(q: Quarantined): Promise<void> {
    this.quarantined.set(q.messageId, copy(q));
  }

  async listQuarantined(q: { kind: Quarantined['kind']; limit: number; cursor?: string }): Promise<{ items: Quarantined[]; cursor?: string }> {
    const all = [...this.quarantined.values()].filter((m) => m.kind === q.kind).sort((a, b) => (`${b.receivedAt}#${b.messageId}` < `${a.receivedAt}#${a.messageId}` ? -1 : 1));
    const start = q.cursor ? all.findIndex((m) => `${m.receivedAt}#${m.messageId}` === decodeFakeCursor(q.cursor!)) + 1 : 0;
    if (q.cursor && start === 0) throw new ValidationError([{ field: 'cursor', message: 'is not a cursor this API returned' }]);
    const page = all.slice(start, start + q.limit);
    const last = page[page.length - 1];
    const more = start + q.limit < all.length;
    return { items: page.map(copy), ...(more && last && { cursor: Buffer.from(`${last.receivedAt}#${last.messageId}`).toString('base64url') }) };
  }

  async claimNotice(caseId: string, notice: string): Promise<boolean> {
    const key = `${caseId}#${notice}`;
    const existing = this.notices.get(key);
    if (existing && existing.status !== 'pending') return false;
    this.notices.set(key, { status: 'pending' });
    return true;
  }

  async releaseNotice(caseId: string, notice: string): Promise<void> {
    const key = `${caseId}#${notice}`;
    if (this.notices.get(key)?.status === 'pending') this.notices.delete(key);
  }

  async markNoticeSent(caseId: string, notice: string, providerId: string, to?: string): Promise<void> {
    if (to && providerId) this.sentEmails.set(providerId, { caseId, notice, to });
    this.notices.set(`${caseId}#${notice}`, { status: 'sent', providerId });
  }

  async markNoticeWithheld(caseId: string, notice: string, reason: string): Promise<void> {
    this.notices.set(`${caseId}#${notice}`, { status: 'withheld', reason });
  }

  async findSentEmail(providerId: string): Promise<SentEmail | undefined> {
    return copy(this.sentEmails.get(providerId));
  }

  async countAcknowledgement(email: string, hour: string): Promise<number> {
    const key = `${email}#${hour}`;
    const count = (this.acknowledgements.get(key) ?? 0) + 1;
    this.acknowledgements.set(key, count);
    return count;
  }

  async undeliverable(email: string): Promise<UndeliverableAddress | undefined> {
    return copy(this.undeliverableAddresses.get(email));
  }

  async flagUndeliverable(address: UndeliverableAddress): Promise<void> {
    this.undeliverableAddresses.set(address.email, copy(address));
  }

  async clearUndeliverable(email: string): Promise<void> {
    this.undeliverableAddresses.delete(email);
  }

  async recordView(view: CaseView): Promise<void> {
    this.views.push(copy(view));
  }

  async listViews(caseId: string): Promise<CaseView[]> {
    return copy(this.views.filter((v) => v.caseId === caseId)).sort((a, b) => a.at.localeCompare(b.at));
  }

  async caseIdsOf(subject: ErasureSubject): Promise<string[]> {
    const matches = (r: CaseRecord) => ('email' in subject ? r.requester.email !== '' && r.requester.email === subject.email : r.requester.userId === subject.userId);
    return [...this.cases.values()].filter(matches).map((r) => r.caseId);
  }

  async closedCaseIdsBefore(cutoff: string): Promise<string[]> {
    return [...this.cases.values()].filter((r) => r.status === 'closed' && r.closedAt && r.closedAt < cutoff && !r.erased && !r.legalHold).map((r) => r.caseId);
  }

  async eraseCase(w: CaseErasureWrite): Promise<{ outcome: ChangeOutcome; sentEmails: number }> {
    const events = this.events.get(w.record.caseId) ?? [];
    for (const e of w.redactedEvents) {
      const i = events.findIndex((x) => x.version === e.version);
      if (i >= 0) events[i] = copy(e);
    }
    let sentEmails = 0;
    for (const [key, notice] of this.notices) {
      if (key.startsWith(`${w.record.caseId}#`) && notice.providerId && this.sentEmails.delete(notice.providerId)) sentEmails++;
    }
    return { outcome: await this.saveChange({ record: w.record, event: w.event }), sentEmails };
  }

  async forgetAddress(email: string): Promise<number> {
    let deleted = 0;
    if (this.requesters.delete(email)) deleted++;
    if (this.undeliverableAddresses.delete(email)) deleted++;
    for (const key of [...this.acknowledgements.keys()]) if (key.startsWith(`${email}#`) && this.acknowledgements.delete(key)) deleted++;
    for (const [id, q] of [...this.quarantined]) if (q.mailFrom === email && this.quarantined.delete(id)) deleted++;
    return deleted;
  }

  async forgetProfile(userId: string): Promise<number> {
    return this.profiles.delete(userId) ? 1 : 0;
  }
}

function decodeFakeCursor(cursor: string): string {
  return Buffer.from(cursor, 'base64url').toString('utf8');
}


export class InMemoryBlobStore implements BlobStore, BlobEraser {
  readonly objects = new Map<string, { body: Buffer; contentType: string }>();

  async get(key: string): Promise<Buffer | undefined> {
    const found = this.objects.get(key);
    return found && Buffer.from(found.body);
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    this.objects.set(key, { body: Buffer.from(body), contentType });
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
}

/** Archives left in memory; the link names the key, so a test can fetch what the link would. */
export class InMemoryArchiveDrop implements ArchiveDrop {
  readonly archives = new Map<string, { body: Uint8Array; filename: string }>();

  async drop(key: string, body: Uint8Array, filename: string): Promise<{ url: string; expiresAt: string }> {
    this.archives.set(key, { body: new Uint8Array(body), filename });
    return { url: `memory://archives/${key}`, expiresAt: '2099-01-01T00:00:00.000Z' };
  }
}

export class FakeMailer implements Mailer {
  readonly sent: OutboundEmail[] = [];
  /** Errors to throw on the next sends, in order. */
  readonly failures: Error[] = [];

  async send(email: OutboundEmail): Promise<string> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.sent.push(email);
    return `ses-${this.sent.length}`;
  }
}

export class FixedClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** Deterministic, valid ids: UUIDs for cases, TD-XXXXXX references from the readable alphabet. */
export function sequentialIds() {
  let cases = 0;
  let refs = 0;
  const READABLE = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  return {
    newCaseId: () => `00000000-0000-4000-8000-${String(++cases).padStart(12, '0')}`,
    newReference: () => {
      let n = ++refs;
      let out = '';
      for (let i = 0; i < 6; i++) {
        out = READABLE[n % 32] + out;
        n = Math.floor(n / 32);
      }
      return `TD-${out}`;
    },
  };
}

export const NOW = new Date('2026-11-25T18:00:00.000Z');

export function submitDeps(store: CaseStore = new InMemoryCaseStore(), clock: Clock = new FixedClock(NOW)): SubmitDeps & { store: CaseStore } {
  return { store, clock, policies, ...sequentialIds() };
}

/** Keeps every count, in order (a count of n is recorded n times). */
export class RecordingMetrics implements Metrics {
  readonly counted: MetricName[] = [];
  count(name: MetricName, value = 1): void {
    for (let i = 0; i < value; i++) this.counted.push(name);
  }
  times(name: MetricName): number {
    return this.counted.filter((n) => n === name).length;
  }
}

export const sampleInquiry = (overrides: Partial<NewInquiry> = {}): NewInquiry => ({
  channel: 'web',
  requester: { email: 'alice@example.com', name: 'Alice' },
  subject: 'Coins never arrived',
  message: 'I bought 500 coins yesterday and my balance was not updated.',
  ...overrides,
});

/** A realistic case record at version 1, built by the domain itself. */
export function sampleCase(overrides: Partial<CaseRecord> = {}, inquiry: NewInquiry = sampleInquiry()): CaseRecord {
  const { record } = openCase(inquiry, {
    caseId: '00000000-0000-4000-8000-00000000abcd',
    reference: 'TD-7K3Q9X',
    now: NOW,
    priorComplaints: [],
    policies,
  });
  return { ...record, ...overrides };
}

/** An SES receipt record as the receipt rule's Lambda action delivers it. */
export function sesRecord(messageId: string, verdicts: Partial<Record<'spam' | 'virus' | 'spf' | 'dkim' | 'dmarc', 'PASS' | 'FAIL' | 'GRAY'>> = {}) {
  const verdict = (name: keyof typeof verdicts) => ({ status: verdicts[name] ?? 'PASS' });
  return {
    eventSource: 'aws:ses' as const,
    ses: {
      mail: {
        messageId,
        timestamp: NOW.toISOString(),
        source: 'bounce+alice@example.com',
        destination: ['support@trustdesk.local'],
      },
      receipt: {
        recipients: ['support@trustdesk.local'],
        spamVerdict: verdict('spam'),
        virusVerdict: verdict('virus'),
        spfVerdict: verdict('spf'),
        dkimVerdict: verdict('dkim'),
        dmarcVerdict: verdict('dmarc'),
      },
    },
  };
}

/** The macros table: saves checked against the stored version, as DynamoMacroStore's conditions do. */
export class InMemoryMacroStore implements MacroStore {
  readonly macros = new Map<string, Macro>();
  async listMacros(): Promise<Macro[]> {
    return [...this.macros.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
  async getMacro(macroId: string): Promise<Macro | undefined> {
    return this.macros.get(macroId);
  }
  async saveMacro(macro: Macro, expectedVersion: number | undefined): Promise<void> {
    const stored = this.macros.get(macro.macroId);
    if (expectedVersion === undefined ? stored !== undefined : stored?.version !== expectedVersion) throw new ConflictError('The macro changed');
    this.macros.set(macro.macroId, macro);
  }
  async deleteMacro(macroId: string): Promise<boolean> {
    return this.macros.delete(macroId);
  }
}
