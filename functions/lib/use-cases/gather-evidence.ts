// Evidence on a case, gathered by the outbox after the case is opened and after each message from the
// requester: the transactions they named (the form's field, ids and amounts in what they wrote), their
// ledger in the policy's window, the other accounts on their instruments and devices with those accounts'
// cases, and the findings the domain draws from it (domain/evidence). All of it is one audited
// `evidence.gathered` change, saved under a claim keyed by the event that asked for it, so a redelivered
// stream record records nothing twice. Intake never waits for this: a slow or failing ledger only delays the
// evidence (the outbox retries the record, then parks it with an alarm), the case is already open.
import type { CaseEvent, CaseRecord } from '#domain/case.ts';
import {
  evidencePoints,
  evidenceWindow,
  findingsFor,
  findMentions,
  priorityAfterEvidence,
  respondByDeadline,
  ringFinding,
  sortFindings,
  type EvidencePolicy,
  type LinkedAccountCases,
} from '#domain/evidence/index.ts';
import type { LedgerTransaction } from '#domain/ledger/transaction.ts';
import { applyEvidence, type GatheredEvidence } from '#domain/lifecycle.ts';
import { summarizeLedger } from '#domain/ledger/summary.ts';
import type { SlaPolicy } from '#domain/sla/policy.ts';
import { toUsd } from '#domain/triage/index.ts';
import type { TriagePolicy } from '#domain/triage/policy.ts';
import type { CaseStore, Clock, Ledger, ProfileReader } from '../ports.ts';
import { saveCaseChange } from './change-case.ts';

const CLAIM_TTL_SECONDS = 7 * 86_400;
/** Ledger rows read per account in the window, at most (a month of a heavy spender's coin purchases). */
const LEDGER_ROWS = 500;
/** Counterparties whose receipts are read to match the requester's gifts, at most. */
const COUNTERPARTIES = 10;
/** Instruments and devices of the requester's whose other accounts are looked up, at most. */
const SHARED_KEYS = 10;
/** The spend that makes a top consumer is counted over this many days, from this many ledger rows at most. */
const SPEND_DAYS = 90;
const SPEND_ROWS = 1000;

/** Succeeded coin purchases and subscriptions in the last 90 days, in USD (currencies without a rate are left out). */
async function spendUsd90d(deps: EvidenceDeps, userId: string, now: Date): Promise<number> {
  const from = new Date(now.getTime() - SPEND_DAYS * 86_400_000).toISOString();
  const rows = await deps.ledger.transactionsOf(userId, { from, to: now.toISOString(), limit: SPEND_ROWS, keep: 'newest' });
  const spend = summarizeLedger(rows, from).spend;
  const usd = Object.entries(spend).reduce((sum, [currency, amount]) => sum + (toUsd(amount ?? 0, currency, deps.triage) ?? 0), 0);
  return Math.round(usd * 100) / 100;
}

export interface EvidenceDeps {
  store: Pick<CaseStore, 'getCase' | 'saveChange' | 'findCaseIds' | 'getCases'>;
  ledger: Pick<Ledger, 'transactionsOf' | 'transactionsById' | 'transactionsOnInstrument' | 'transactionsOnDevice'>;
  profiles: Pick<ProfileReader, 'accountOfEmail'>;
  clock: Clock;
  policy: EvidencePolicy;
  sla: SlaPolicy;
  /** Its FX rates turn 90 days of spend into USD (top consumers, SLA policy). */
  triage: TriagePolicy;
}

export type EvidenceOutcome = 'not-asked' | 'no-case' | 'nothing-to-read' | 'gathered' | 'replayed';

/** The events that ask for evidence: a new case, and each message from the requester. */
export const asksForEvidence = (event: Pick<CaseEvent, 'type'>) => event.type === 'case.opened' || event.type === 'requester.replied';

function textsOf(event: CaseEvent, record: CaseRecord): { subject: string; body: string } {
  if (event.type === 'requester.replied') return { subject: String(event.data.subject ?? ''), body: String(event.data.message ?? '') };
  return { subject: record.subject, body: record.message };
}

function unique<T>(values: T[], key: (value: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const v of values) if (!seen.has(key(v))) seen.set(key(v), v);
  return [...seen.values()];
}

/** Other accounts on the requester's instruments and devices, each with its cases (bounded by the policy). */
async function linkedAccounts(deps: EvidenceDeps, userId: string, own: LedgerTransaction[]): Promise<LinkedAccountCases[]> {
  const limit = deps.policy.ring.maxLinkedAccounts;
  const instruments = [...new Set(own.flatMap((t) => (t.instrument ? [t.instrument] : [])))].slice(0, SHARED_KEYS);
  const devices = [...new Set(own.flatMap((t) => (t.deviceId ? [t.deviceId] : [])))].slice(0, SHARED_KEYS);
  const [onInstruments, onDevices] = await Promise.all([
    Promise.all(instruments.map((i) => deps.ledger.transactionsOnInstrument(i, limit * 5))),
    Promise.all(devices.map((d) => deps.ledger.transactionsOnDevice(d, limit * 5))),
  ]);
  const via = new Map<string, { instrument?: string; deviceId?: string }>();
  for (const t of onInstruments.flat()) if (t.userId !== userId && t.instrument && !via.has(t.userId)) via.set(t.userId, { instrument: t.instrument });
  for (const t of onDevices.flat()) {
    if (t.userId === userId || !t.deviceId) continue;
    via.set(t.userId, { ...via.get(t.userId), deviceId: via.get(t.userId)?.deviceId ?? t.deviceId });
  }
  const accounts = [...via.entries()].sort(([a], [b]) => a.localeCompare(b)).slice(0, limit);
  const caseIds = await Promise.all(accounts.map(([id]) => deps.store.findCaseIds({ by: 'userId', value: id }, 20)));
  const cases = await deps.store.getCases([...new Set(caseIds.flat())]);
  return accounts.map(([id, shared], i) => ({
    userId: id,
    via: shared,
    cases: caseIds[i]!.flatMap((caseId) => {
      const c = cases.get(caseId);
      return c ? [{ caseId, status: c.status, ...(c.outcome && { outcome: c.outcome }) }] : [];
    }),
  }));
}

export async function gatherEvidence(deps: EvidenceDeps, event: CaseEvent): Promise<EvidenceOutcome> {
  if (!asksForEvidence(event)) return 'not-asked';
  const record = await deps.store.getCase(event.caseId);
  if (!record) return 'no-case';
  if (record.erased || record.incident || record.mergedInto) return 'not-asked';
  const now = deps.clock.now();
  const { subject, body } = textsOf(event, record);
  const mentions = findMentions(subject, body, deps.policy);
  const transactionIds = [...new Set([...(record.transactionId ? [record.transactionId] : []), ...(record.evidence?.transactionIds ?? []), ...mentions.transactionIds])];
  const userId = record.requester.userId ?? (record.requester.email ? await deps.profiles.accountOfEmail(record.requester.email) : undefined);
  if (!userId && transactionIds.length === 0) return 'nothing-to-read';

  const window = evidenceWindow(record.openedAt, now.toISOString(), deps.policy);
  const [own, named] = await Promise.all([
    userId ? deps.ledger.transactionsOf(userId, { ...window, limit: LEDGER_ROWS, keep: 'newest' }) : Promise.resolve([]),
    deps.ledger.transactionsById(transactionIds),
  ]);
  // Receipts of the people the requester sent gifts to, so a gift that never arrived shows.
  const counterparties = [...new Set(own.filter((t) => t.kind === 'gift_sent' && t.counterpartyUserId).map((t) => t.counterpartyUserId!))].slice(0, COUNTERPARTIES);
  const theirs = await Promise.all(counterparties.map((id) => deps.ledger.transactionsOf(id, { ...window, limit: LEDGER_ROWS, keep: 'newest' })));
  const transactions = unique([...own, ...named, ...theirs.flat().filter((t) => t.kind === 'gift_received' && t.counterpartyUserId === userId)], (t) => t.transactionId);

  const [linked, spend] = userId ? await Promise.all([linkedAccounts(deps, userId, own), deps.sla.topConsumer ? spendUsd90d(deps, userId, now) : undefined]) : [[], undefined];
  const complaint = {
    openedAt: record.openedAt,
    ...(record.transactionId && { transactionId: record.transactionId }),
    ...(record.amount !== undefined && { amount: record.amount }),
    ...(record.currency && { currency: record.currency }),
    mentions,
  };
  const ring = userId ? ringFinding(userId, linked, deps.policy) : undefined;
  const findings = sortFindings([...findingsFor({ complaint, transactions, now: now.toISOString(), ...(userId && { requesterUserId: userId }) }, deps.policy), ...(ring ? [ring] : [])]);
  const resolveBy = respondByDeadline(findings, deps.policy);
  const gathered: GatheredEvidence = {
    trigger: { type: event.type, version: event.version },
    ...(userId && { userId }),
    transactionIds,
    amounts: mentions.amounts.map((m) => ({ amount: m.amount, ...(m.currency && { currency: m.currency }) })),
    transactionsRead: transactions.length,
    findings,
    points: evidencePoints(findings, deps.policy),
    ...(spend !== undefined && { spendUsd90d: spend }),
    linkedAccounts: linked.map((l) => ({ userId: l.userId, via: l.via })),
    ...(ring?.ringKey && { ring: { key: ring.ringKey, accounts: (ring.linkedUserIds?.length ?? 0) + 1 } }),
    priority: priorityAfterEvidence(record.priority, findings, deps.policy),
    ...(resolveBy && { resolveBy }),
  };
  const claim = `evidence:${event.caseId}:${event.version}`;
  const saved = await saveCaseChange(
    deps.store,
    event.caseId,
    () => ({ key: claim, fingerprint: claim, expiresAt: Math.floor(now.getTime() / 1000) + CLAIM_TTL_SECONDS }),
    (current) => applyEvidence(current, gathered, now, deps.sla),
  );
  if (!saved) return 'no-case';
  return saved.replayed ? 'replayed' : 'gathered';
}
