// Gathering evidence for a case event: what it reads, the one change it saves (never twice for one event), what
// it leaves alone, and that a ledger that is down fails the record (to be retried) without writing anything.
import { beforeEach, describe, expect, it } from 'vitest';
import type { CaseEvent, CaseRecord } from '#domain/case.ts';
import type { LedgerTransaction } from '#domain/ledger/transaction.ts';
import { evidencePolicy } from '#lib/evidence-policy.ts';
import { policies } from '#lib/policies.ts';
import { gatherEvidence, type EvidenceDeps } from '#lib/use-cases/gather-evidence.ts';
import { FixedClock, InMemoryCaseStore, NOW, sampleCase, sampleInquiry } from '../fakes.ts';
import { InMemoryLedger } from '../ledger-fakes.ts';

const MINUTE = 60_000;
let store: InMemoryCaseStore;
let ledger: InMemoryLedger;
let emails: Map<string, string>;
let deps: EvidenceDeps;

const purchase = (transactionId: string, userId: string, minutesAgo: number, extra: Partial<LedgerTransaction> = {}): LedgerTransaction => ({
  transactionId,
  userId,
  kind: 'coin_purchase',
  amount: 19.99,
  currency: 'USD',
  status: 'succeeded',
  occurredAt: new Date(NOW.getTime() - minutesAgo * MINUTE).toISOString(),
  instrument: 'fp_card_1',
  ...extra,
});

const opened = (record: CaseRecord): CaseEvent => ({ caseId: record.caseId, version: 1, type: 'case.opened', at: record.openedAt, actor: { kind: 'requester' }, data: {} }) as CaseEvent;

function put(record: CaseRecord): CaseRecord {
  store.cases.set(record.caseId, structuredClone(record));
  return record;
}

beforeEach(() => {
  store = new InMemoryCaseStore();
  ledger = new InMemoryLedger();
  emails = new Map();
  deps = { store, ledger, profiles: { accountOfEmail: async (e) => emails.get(e) }, clock: new FixedClock(NOW), policy: evidencePolicy, sla: policies.sla, triage: policies.triage };
});

describe('gatherEvidence', () => {
  it('saves one evidence.gathered change for the opening, and nothing more when the event comes again', async () => {
    const record = put(sampleCase({}, sampleInquiry({ requester: { email: 'alice@example.com', userId: 'u-1' } })));
    await ledger.recordAll([purchase('tx_a1', 'u-1', 30), purchase('tx_a2', 'u-1', 27)]);
    await expect(gatherEvidence(deps, opened(record))).resolves.toBe('gathered');
    await expect(gatherEvidence(deps, opened(record))).resolves.toBe('replayed');
    const gathered = (store.events.get(record.caseId) ?? []).filter((e) => e.type === 'evidence.gathered');
    expect(gathered).toHaveLength(1);
    expect(gathered[0]!.data).toMatchObject({ trigger: { type: 'case.opened', version: 1 }, userId: 'u-1', transactionsRead: 2 });
    expect(store.cases.get(record.caseId)!.evidence!.findings.map((f) => f.code)).toContain('duplicate_charge');
  });

  it('finds the account of a mail requester by the address, and the ids and amounts they wrote', async () => {
    const record = put(sampleCase({}, sampleInquiry({ channel: 'email', requester: { email: 'bob@example.com' }, subject: 'Charge tx_b77 is wrong', message: 'I was charged $120 instead of 19.99 USD.' })));
    emails.set('bob@example.com', 'u-2');
    await ledger.record(purchase('tx_b77', 'u-2', 60));
    await gatherEvidence(deps, opened(record));
    const event = (store.events.get(record.caseId) ?? []).find((e) => e.type === 'evidence.gathered')!;
    expect(event.data).toMatchObject({ userId: 'u-2', transactionIds: ['tx_b77'] });
    expect(event.data.amounts).toEqual(expect.arrayContaining([{ amount: 120, currency: 'USD' }]));
  });

  it('reads nothing for an event that does not ask, or a requester with no account and no transaction named', async () => {
    const record = put(sampleCase());
    await expect(gatherEvidence(deps, { ...opened(record), type: 'agent.replied' })).resolves.toBe('not-asked');
    await expect(gatherEvidence(deps, opened(record))).resolves.toBe('nothing-to-read');
    expect(ledger.reads).toEqual([]);
    expect((store.events.get(record.caseId) ?? []).some((e) => e.type === 'evidence.gathered')).toBe(false);
  });

  it('fails while the ledger is down, writing nothing, so the outbox retries the record', async () => {
    const record = put(sampleCase({}, sampleInquiry({ requester: { email: 'alice@example.com', userId: 'u-1' } })));
    ledger.failWith = new Error('ledger unavailable');
    await expect(gatherEvidence(deps, opened(record))).rejects.toThrow('ledger unavailable');
    expect(store.cases.get(record.caseId)!.version).toBe(record.version);
    ledger.failWith = undefined;
    await expect(gatherEvidence(deps, opened(record))).resolves.toBe('gathered');
  });
});
