// The evidence panel's read: nothing before evidence is gathered, the ledger and the linked accounts' cases
// once it is, and nothing of an erased requester (their events hold `[erased]` where the accounts were).
import { beforeEach, describe, expect, it } from 'vitest';
import { evidencePolicy } from '#lib/evidence-policy.ts';
import { confidentiality } from '#lib/governance-config.ts';
import { policies } from '#lib/policies.ts';
import { caseEvidence, type CaseEvidenceDeps } from '#lib/use-cases/case-evidence.ts';
import { gatherEvidence } from '#lib/use-cases/gather-evidence.ts';
import { submitInquiry } from '#lib/use-cases/submit-inquiry.ts';
import { FixedClock, InMemoryCaseStore, NOW, sampleInquiry, submitDeps } from '../fakes.ts';
import { InMemoryLedger } from '../ledger-fakes.ts';

const viewer = { id: 'agent-7', roles: ['agent'] };
let store: InMemoryCaseStore;
let ledger: InMemoryLedger;
let deps: CaseEvidenceDeps;

beforeEach(() => {
  store = new InMemoryCaseStore();
  ledger = new InMemoryLedger();
  deps = { store, ledger, clock: new FixedClock(NOW), confidentiality, policy: evidencePolicy };
});

const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000).toISOString();

async function gathered(userId: string): Promise<string> {
  const { caseId } = await submitInquiry(submitDeps(store), { inquiry: sampleInquiry({ requester: { email: `${userId}@example.com`, userId } }) });
  const opened = (store.events.get(caseId) ?? [])[0]!;
  await gatherEvidence({ store, ledger, profiles: { accountOfEmail: async () => undefined }, clock: new FixedClock(NOW), policy: evidencePolicy, sla: policies.sla, triage: policies.triage }, opened);
  return caseId;
}

describe('caseEvidence', () => {
  it('answers nulls and empty lists before evidence is gathered', async () => {
    const { caseId } = await submitInquiry(submitDeps(store), { inquiry: sampleInquiry() });
    await expect(caseEvidence(deps, { caseId, viewer, route: 'GET /cases/{caseId}/evidence' })).resolves.toMatchObject({ gatheredAt: null, userId: null, transactions: [], findings: [], linkedAccounts: [], ring: null, resolveBy: null });
  });

  it('lists the ledger newest first and the linked account with its cases; an erased timeline shows no accounts', async () => {
    await ledger.recordAll([
      { transactionId: 'tx_mine_1', userId: 'u-1', kind: 'coin_purchase', amount: 5, currency: 'USD', status: 'succeeded', occurredAt: at(60), instrument: 'fp_1' },
      { transactionId: 'tx_mine_2', userId: 'u-1', kind: 'coin_purchase', amount: 9, currency: 'USD', status: 'succeeded', occurredAt: at(30), instrument: 'fp_1' },
      { transactionId: 'tx_theirs', userId: 'u-2', kind: 'coin_purchase', amount: 7, currency: 'USD', status: 'succeeded', occurredAt: at(90), instrument: 'fp_1' },
    ]);
    const theirs = await gathered('u-2');
    const mine = await gathered('u-1');
    const view = await caseEvidence(deps, { caseId: mine, viewer, route: 'GET /cases/{caseId}/evidence' });
    expect(view.userId).toBe('u-1');
    expect(view.transactions.map((t) => t.transactionId)).toEqual(['tx_mine_2', 'tx_mine_1']);
    expect(view.linkedAccounts).toEqual([{ userId: 'u-2', via: { instrument: 'fp_1' }, cases: [expect.objectContaining({ caseId: theirs })] }]);

    for (const e of store.events.get(mine) ?? []) if (e.type === 'evidence.gathered') e.data.linkedAccounts = '[erased]';
    expect((await caseEvidence(deps, { caseId: mine, viewer, route: 'GET /cases/{caseId}/evidence' })).linkedAccounts).toEqual([]);
  });
});
