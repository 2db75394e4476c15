// GET /cases/{caseId}/evidence: what the evidence panel shows — the findings as gathered (with their
// explanation), the requester's ledger in the evidence window read now (the transactions they named marked),
// and the linked accounts the last gathering found, each with its cases as they stand now. Opening it is
// opening the case: a confidential case records the view.
import type { CaseEvent, CaseRecord } from '#domain/case.ts';
import { evidenceWindow, type EvidencePolicy, type Finding } from '#domain/evidence/index.ts';
import type { LedgerTransaction } from '#domain/ledger/transaction.ts';
import type { Clock, Ledger } from '../ports.ts';
import { openCase, type ReadDeps } from './read-cases.ts';
import type { Agent } from '../http.ts';

/** Ledger rows and linked accounts' cases the panel shows at most. */
export const EVIDENCE_LIMITS = { transactions: 500, casesPerAccount: 20 } as const;

export interface EvidenceTransaction extends LedgerTransaction {
  /** The requester named it (the form's field, or an id in what they wrote). */
  complained: boolean;
}

export interface CaseEvidenceView {
  caseId: string;
  reference: string;
  /** null until evidence was gathered (the outbox does, seconds after the case opens). */
  gatheredAt: string | null;
  userId: string | null;
  window: { from: string; to: string };
  transactions: EvidenceTransaction[];
  findings: Finding[];
  resolveBy: string | null;
  linkedAccounts: { userId: string; via: { instrument?: string; deviceId?: string }; cases: { caseId: string; reference: string; status: string; outcome: string | null }[] }[];
  ring: { key: string; accounts: number } | null;
}

export interface CaseEvidenceDeps extends ReadDeps {
  ledger: Pick<Ledger, 'transactionsOf' | 'transactionsById'>;
  clock: Clock;
  policy: EvidencePolicy;
}

function lastGathering(timeline: CaseEvent[]): CaseEvent | undefined {
  return timeline.findLast((e) => e.type === 'evidence.gathered');
}

async function ledgerRows(deps: CaseEvidenceDeps, record: CaseRecord, window: { from: string; to: string }): Promise<EvidenceTransaction[]> {
  const evidence = record.evidence;
  if (!evidence) return [];
  const named = new Set(evidence.transactionIds);
  const [own, byId] = await Promise.all([
    evidence.userId ? deps.ledger.transactionsOf(evidence.userId, { ...window, limit: EVIDENCE_LIMITS.transactions, keep: 'newest' }) : Promise.resolve([]),
    deps.ledger.transactionsById([...named]),
  ]);
  const rows = new Map<string, LedgerTransaction>();
  for (const t of [...own, ...byId]) rows.set(t.transactionId, t);
  return [...rows.values()].sort((a, b) => b.occurredAt.localeCompare(a.occurredAt)).map((t) => ({ ...t, complained: named.has(t.transactionId) }));
}

export async function caseEvidence(deps: CaseEvidenceDeps, request: { caseId: string; viewer: Agent; route: string }): Promise<CaseEvidenceView> {
  const { case: record, timeline } = await openCase(deps, request);
  const window = evidenceWindow(record.openedAt, deps.clock.now().toISOString(), deps.policy);
  // An erased case's events hold `[erased]` where the accounts were: none are shown.
  const listed = lastGathering(timeline)?.data.linkedAccounts;
  const linked = (Array.isArray(listed) ? listed : []) as CaseEvidenceView['linkedAccounts'];
  const idsPerAccount = await Promise.all(linked.map((l) => deps.store.findCaseIds({ by: 'userId', value: l.userId }, EVIDENCE_LIMITS.casesPerAccount)));
  const [transactions, cases] = await Promise.all([ledgerRows(deps, record, window), deps.store.getCases([...new Set(idsPerAccount.flat())])]);
  return {
    caseId: record.caseId,
    reference: record.reference,
    gatheredAt: record.evidence?.gatheredAt ?? null,
    userId: record.evidence?.userId ?? null,
    window,
    transactions,
    findings: record.evidence?.findings ?? [],
    resolveBy: record.evidence?.resolveBy ?? null,
    linkedAccounts: linked.map((l, i) => ({
      userId: l.userId,
      via: l.via,
      cases: idsPerAccount[i]!.flatMap((caseId) => {
        const c = cases.get(caseId);
        return c ? [{ caseId, reference: c.reference, status: c.status, outcome: c.outcome ?? null }] : [];
      }),
    })),
    ring: record.evidence?.ring ?? null,
  };
}
