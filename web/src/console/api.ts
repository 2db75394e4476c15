// The agent API, same origin, with the signed-in agent's token. Keeps the cloud's clock (from each
// response's Date header) so SLA countdowns are right even when this computer's clock is not.
import type { CaseEvent, CaseRecord } from '#domain/case.ts';
import type { LedgerSummary } from '#domain/ledger/summary.ts';
import type { Finding } from '#domain/evidence/index.ts';
import type { LedgerTransaction } from '#domain/ledger/transaction.ts';
import type { Report } from '#domain/reporting/report.ts';
import type { Session } from './auth.ts';

/** A macro as stored (GET /macros). */
export interface MacroRecord {
  macroId: string;
  name: string;
  body: string;
  fallbacks: Record<string, string>;
  changes: MacroOption['changes'];
  categories: string[];
  version: number;
}

/** One macro of the picker (GET /cases/{caseId}/macros). */
export interface MacroOption {
  macroId: string;
  name: string;
  fits: boolean;
  changes: { status?: string; outcome?: string; category?: string; priority?: string; assignee?: string };
  preview: { text: string; html: string };
}

/** One queue row (GET /cases). */
export type CaseSummary = Pick<
  CaseRecord,
  'caseId' | 'reference' | 'status' | 'channel' | 'category' | 'priority' | 'riskScore' | 'subject' | 'openedAt' | 'updatedAt' | 'deadlines' | 'sla' | 'assignee' | 'escalation' | 'version' | 'firstRespondedAt' | 'requesterUndeliverable'
> & { requesterEmail: string; internalReporter?: string; openConsults?: number; blockedOnConsult?: boolean; topConsumer?: true };

/** One case's answer in a bulk action (POST /cases/bulk). */
export interface BulkCaseResult {
  caseId: string;
  status: 'applied' | 'conflict' | 'forbidden' | 'refused' | 'not_found' | 'failed';
  httpStatus: number;
  version?: number;
  reason?: string;
}

export interface CasePage {
  items: CaseSummary[];
  cursor?: string;
}

/** One search result (GET /cases?q=): a queue row and the keys that found it. */
export type SearchHit = CaseSummary & { matchedBy: ('reference' | 'caseId' | 'email' | 'userId' | 'transactionId')[] };

/** GET /users/{userId}. */
export interface UserView {
  userId: string;
  profile: Record<string, unknown> | null;
  cases: { caseId: string; reference: string; status: CaseRecord['status']; category: CaseRecord['category']; priority: CaseRecord['priority']; channel: string; openedAt: string; outcome: string | null; role: 'requester' | 'creator' }[];
  ledger: LedgerSummary;
}

/** GET /cases/{caseId}/evidence (functions/lib/use-cases/case-evidence.ts). */
export interface EvidenceView {
  caseId: string;
  reference: string;
  gatheredAt: string | null;
  userId: string | null;
  window: { from: string; to: string };
  transactions: (LedgerTransaction & { complained: boolean })[];
  findings: Finding[];
  resolveBy: string | null;
  linkedAccounts: { userId: string; via: { instrument?: string; deviceId?: string }; cases: { caseId: string; reference: string; status: string; outcome: string | null }[] }[];
  ring: { key: string; accounts: number } | null;
}

export interface CaseView {
  case: CaseRecord;
  timeline: CaseEvent[];
}

/** GET /cases/{caseId}/attachments/{n} with Accept: application/json: a presigned link, valid five minutes. */
export interface AttachmentLink {
  url: string;
  expiresAt: string;
  filename: string;
  contentType: string;
  size: number;
}

/** What a resolve-linked answers besides the incident (complete: false with a 202, when it stopped at its time budget). */
export interface ResolveLinkedResult {
  complete: boolean;
  resolved: number;
  proposed: number;
  skipped: number;
  remaining: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: { field: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let clockOffsetMs = 0;
/** Now on the cloud's clock (epoch ms). */
export const cloudNow = (): number => Date.now() + clockOffsetMs;

function learnClock(res: Response, sentAt: number): void {
  const header = res.headers.get('date');
  const server = header ? Date.parse(header) : Number.NaN;
  if (Number.isNaN(server)) return;
  // The header has whole seconds: the cloud's time was within [server, server + 1 s) on the way back.
  const estimate = server + 500 - (sentAt + Date.now()) / 2;
  if (Math.abs(estimate - clockOffsetMs) > 1500) clockOffsetMs = estimate;
}

export type OnUnauthorized = () => void;

export class Api {
  constructor(
    /** Read at each call: the keeper renews the token under a running view. */
    private readonly session: Pick<Session, 'token'>,
    private readonly onUnauthorized: OnUnauthorized,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const sentAt = Date.now();
    const res = await fetch(path, {
      method,
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${this.session.token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      cache: 'no-store',
    });
    learnClock(res, sentAt);
    const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.status === 401) {
      this.onUnauthorized();
      throw new ApiError(401, 'Your session has ended; sign in again');
    }
    if (!res.ok) {
      const fields = Array.isArray(answer.fields) ? (answer.fields as { field: string; message: string }[]) : [];
      throw new ApiError(res.status, typeof answer.message === 'string' ? answer.message : `HTTP ${res.status}`, fields);
    }
    return answer as T;
  }

  listCases(filter: Record<string, string>, cursor?: string): Promise<CasePage> {
    const query = new URLSearchParams({ limit: '100', ...filter, ...(cursor && { cursor }) });
    return this.call('GET', `/cases?${query}`);
  }

  /** The cases an exact key names (reference, case id, email, user id, transaction id), newest first. */
  searchCases(q: string): Promise<{ q: string; items: SearchHit[] }> {
    return this.call('GET', `/cases?${new URLSearchParams({ q, limit: '50' })}`);
  }

  /** An account's 360 view: profile, every case it is on, its ledger summary (GET /users/{userId}). */
  getUser(userId: string): Promise<UserView> {
    return this.call('GET', `/users/${encodeURIComponent(userId)}`);
  }

  /** The evidence panel: findings as gathered, the requester's ledger now, linked accounts and their cases. */
  caseEvidence(caseId: string): Promise<EvidenceView> {
    return this.call('GET', `/cases/${encodeURIComponent(caseId)}/evidence`);
  }

  getCase(caseId: string): Promise<CaseView> {
    return this.call('GET', `/cases/${encodeURIComponent(caseId)}`);
  }

  /** A short-lived download link to the case's n-th attachment (counted from 1). */
  attachmentLink(caseId: string, n: number): Promise<AttachmentLink> {
    return this.call('GET', `/cases/${encodeURIComponent(caseId)}/attachments/${n}`);
  }

  listMacros(): Promise<{ items: MacroRecord[] }> {
    return this.call('GET', '/macros');
  }

  saveMacro(macro: Record<string, unknown>, macroId?: string): Promise<MacroRecord> {
    return macroId ? this.call('PUT', `/macros/${encodeURIComponent(macroId)}`, macro) : this.call('POST', '/macros', macro);
  }

  deleteMacro(macroId: string): Promise<unknown> {
    return this.call('DELETE', `/macros/${encodeURIComponent(macroId)}`);
  }

  /** The macro picker of a case: fitting macros first, each previewed on the case. */
  caseMacros(caseId: string): Promise<{ items: MacroOption[] }> {
    return this.call('GET', `/cases/${encodeURIComponent(caseId)}/macros`);
  }

  /** A lead's incident (POST /incidents); the key makes a repeated submit the same incident. */
  openIncident(incident: Record<string, string>, idempotencyKey: string): Promise<{ caseId: string; reference: string }> {
    return this.call('POST', '/incidents', incident, { 'idempotency-key': idempotencyKey });
  }

  act(caseId: string, action: Record<string, unknown>): Promise<{ case: CaseRecord; event?: CaseEvent; result?: ResolveLinkedResult }> {
    return this.call('POST', `/cases/${encodeURIComponent(caseId)}/actions`, action);
  }

  /** One action on many cases, each with the version shown; the key makes a retry apply nothing twice. */
  bulk(request: { action: Record<string, unknown>; cases: { caseId: string; expectedVersion: number }[] }, idempotencyKey: string): Promise<{ results: BulkCaseResult[] }> {
    return this.call('POST', '/cases/bulk', request, { 'idempotency-key': idempotencyKey });
  }

  /** The signed-in internal user's own escalations (role internal). */
  ownCases(cursor?: string): Promise<CasePage> {
    const query = new URLSearchParams({ limit: '100', ...(cursor && { cursor }) });
    return this.call('GET', `/internal/cases?${query}`);
  }

  currentReport(cadence: 'daily' | 'weekly'): Promise<Report> {
    return this.call('GET', `/reports/current?cadence=${cadence}`);
  }
}
