// Erasure and retention (issue 14 point 3). An erasure request forgets a person across every case now; the daily
// retention run forgets the requesters of cases closed longer ago than the privacy policy keeps them. Both erase
// case by case through `eraseOneCase`: the domain decides the skeleton and the redactions, the attachments go
// from the mail bucket, the redacted events and the sent-mail records go from the table, and the skeleton is
// saved last with the case's version check — a case an agent changed meanwhile is read and erased again, never
// overwritten. A held case (legal hold) is skipped and named in the receipt. Idempotent: an erased case leaves
// the person's index and is never erased twice, deleting what is gone already is no error, so a retry (or a
// second request) touches nothing new. Nothing personal is logged: ids and counts only.
import { randomUUID } from 'node:crypto';
import type { Actor } from '#domain/case.ts';
import type { PrivacyPolicy } from '#domain/privacy/policy.ts';
import { eraseCase, mayErase, retentionCutoff, type ErasureReason } from '#domain/retention.ts';
import { BusyError } from '../errors.ts';
import { logger } from '../logger.ts';
import type { BlobEraser, Clock, ErasureStore, ErasureSubject, LedgerEraser } from '../ports.ts';

const MAX_ATTEMPTS = 4;

export interface ErasureDeps {
  store: ErasureStore;
  blobs: BlobEraser;
  clock: Clock;
  /** The prefix raw inbound MIME is stored under (an attachment's message names its raw mail). */
  inboundPrefix: string;
  /** The ledger's links to the user, once the ledger table is wired (issue 12); absent, nothing to unlink. */
  ledger?: LedgerEraser;
}

/** What an erasure did, in counts and ids (never a value), for the risk team's answer to the person. */
export interface ErasureReceipt {
  erasureId: string;
  /** Cases whose personal data this run erased. */
  casesTouched: number;
  caseIds: string[];
  /** Cases of the person under legal hold: left as they are until the hold is released. */
  heldCasesSkipped: string[];
  itemsErased: {
    /** Personal fields of the case items (requester, subject, message, amount, …). */
    caseFields: number;
    /** Earlier timeline events rewritten without their texts and addresses. */
    events: number;
    /** Attachments deleted from the mail bucket (with the raw mail they came in). */
    attachments: number;
    /** Records of email sent to the person (kept to match bounces). */
    sentEmails: number;
    /** The address's own items (complaint history, loop-breaker counts, bounce flag, quarantined mail) and the account's profile. */
    requesterRecords: number;
    /** The ledger's links to the account (0 until the ledger is wired). */
    ledgerLinks: number;
  };
}

type CaseOutcome = { kind: 'erased'; caseId: string; counts: ErasureReceipt['itemsErased']; emails: string[]; userIds: string[] } | { kind: 'held'; caseId: string } | { kind: 'skipped' };

const emptyItems = (): ErasureReceipt['itemsErased'] => ({ caseFields: 0, events: 0, attachments: 0, sentEmails: 0, requesterRecords: 0, ledgerLinks: 0 });

/** Erases one case's personal data unless it is held or erased already; re-reads and retries when an agent wins the version. */
export async function eraseOneCase(deps: ErasureDeps, caseId: string, o: { actor: Actor; reason: ErasureReason; erasureId: string }): Promise<CaseOutcome> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const found = await deps.store.getCaseWithTimeline(caseId);
    if (!found) return { kind: 'skipped' };
    if (found.record.legalHold) return { kind: 'held', caseId };
    if (!mayErase(found.record)) return { kind: 'skipped' };
    const erasure = eraseCase(found.record, found.events, { now: deps.clock.now(), inboundPrefix: deps.inboundPrefix, ...o });
    // The objects first: once the skeleton is saved nothing points at them any more.
    for (const key of erasure.blobKeys) await deps.blobs.delete(key);
    const { outcome, sentEmails } = await deps.store.eraseCase({ record: erasure.record, event: erasure.event, redactedEvents: erasure.redactedEvents });
    if (outcome.kind === 'stale') continue;
    const { email, userId } = found.record.requester;
    return { kind: 'erased', caseId, emails: email ? [email] : [], userIds: userId ? [userId] : [], counts: { ...emptyItems(), ...erasure.counts, sentEmails } };
  }
  throw new BusyError();
}

/** `POST /requesters/erasure`: the person's personal data out of every case now (held cases skipped). */
export async function eraseRequester(deps: ErasureDeps, subject: ErasureSubject, by: { agentId: string; role: string }): Promise<ErasureReceipt> {
  const erasureId = randomUUID();
  const actor: Actor = { kind: 'agent', id: by.agentId, role: by.role };
  const receipt: ErasureReceipt = { erasureId, casesTouched: 0, caseIds: [], heldCasesSkipped: [], itemsErased: emptyItems() };
  // By account: its cases, and every case of the addresses those were written from.
  const ids = new Set(await deps.store.caseIdsOf(subject));
  const addresses = new Set<string>('email' in subject ? [subject.email] : []);
  const accounts = new Set<string>('userId' in subject ? [subject.userId] : []);
  if ('userId' in subject) {
    for (const id of ids) {
      const found = await deps.store.getCaseWithTimeline(id);
      if (found?.record.requester.email) addresses.add(found.record.requester.email);
    }
    for (const email of addresses) for (const id of await deps.store.caseIdsOf({ email })) ids.add(id);
  }
  for (const caseId of [...ids].sort()) {
    const outcome = await eraseOneCase(deps, caseId, { actor, reason: 'request', erasureId });
    if (outcome.kind === 'held') receipt.heldCasesSkipped.push(caseId);
    if (outcome.kind !== 'erased') continue;
    receipt.casesTouched++;
    receipt.caseIds.push(caseId);
    addCounts(receipt.itemsErased, outcome.counts);
    for (const userId of outcome.userIds) accounts.add(userId);
  }
  // The address's own items go too (a held case keeps its own record and timeline: that is the evidence).
  for (const email of addresses) receipt.itemsErased.requesterRecords += await deps.store.forgetAddress(email);
  // The accounts' profiles and ledger links: of the account asked about, and of every account the erased cases named.
  for (const userId of accounts) {
    receipt.itemsErased.requesterRecords += await deps.store.forgetProfile(userId);
    if (deps.ledger) receipt.itemsErased.ledgerLinks += await deps.ledger.forgetUser(userId);
  }
  logger.info('personal data erased', { erasureId, casesTouched: receipt.casesTouched, heldCasesSkipped: receipt.heldCasesSkipped.length, itemsErased: receipt.itemsErased });
  return receipt;
}

export interface RetentionRun {
  erasureId: string;
  cutoff: string;
  casesErased: number;
  itemsErased: ErasureReceipt['itemsErased'];
}

/** The scheduled run: every case closed before the policy's cutoff, neither held nor erased, loses its personal data. */
export async function runRetention(deps: ErasureDeps, policy: Pick<PrivacyPolicy, 'closedCaseRetentionDays'>): Promise<RetentionRun> {
  const erasureId = randomUUID();
  const cutoff = retentionCutoff(deps.clock.now(), policy);
  const run: RetentionRun = { erasureId, cutoff, casesErased: 0, itemsErased: emptyItems() };
  for (const caseId of await deps.store.closedCaseIdsBefore(cutoff)) {
    const outcome = await eraseOneCase(deps, caseId, { actor: { kind: 'system' }, reason: 'retention', erasureId });
    if (outcome.kind !== 'erased') continue;
    run.casesErased++;
    addCounts(run.itemsErased, outcome.counts);
    // The address's history goes once it names no case left (a newer case keeps it for repeat detection).
    for (const email of outcome.emails) {
      if ((await deps.store.caseIdsOf({ email })).length === 0) run.itemsErased.requesterRecords += await deps.store.forgetAddress(email);
    }
  }
  logger.info('retention run', { erasureId, cutoff, casesErased: run.casesErased, itemsErased: run.itemsErased });
  return run;
}

function addCounts(into: ErasureReceipt['itemsErased'], add: ErasureReceipt['itemsErased']): void {
  for (const k of Object.keys(into) as (keyof ErasureReceipt['itemsErased'])[]) into[k] += add[k];
}
