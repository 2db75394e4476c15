// Erasure and retention through the ports (fakes): every case of the person, held ones skipped and named, the
// objects and sent-mail records gone, the address's own items gone, a retry touching nothing, an agent's change
// racing the erasure never overwritten, a ledger eraser called for an account, and retention by the cutoff.
import { beforeEach, describe, expect, it } from 'vitest';
import type { CaseRecord } from '#domain/case.ts';
import { applyAgentAction } from '#domain/lifecycle.ts';
import { fourEyes } from '#lib/governance-config.ts';
import { policies } from '#lib/policies.ts';
import { eraseRequester, runRetention, type ErasureDeps } from '#lib/use-cases/erase-personal-data.ts';
import { FixedClock, InMemoryBlobStore, InMemoryCaseStore } from '../fakes.ts';
import { DAY, HOUR, at, caseAt } from '../lifecycle-fakes.ts';

const risk = { agentId: 'risk-1', role: 'risk' };
const EMAIL = 'erin@example.com';
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

let store: InMemoryCaseStore;
let blobs: InMemoryBlobStore;
let deps: ErasureDeps;
let forgotten: string[];

function put(n: number, overrides: Partial<CaseRecord> = {}): CaseRecord {
  const record = { ...caseAt('P3'), caseId: id(n), reference: `TD-00000${n}`, requester: { email: EMAIL, name: 'Erin', userId: 'acct-9' }, ...overrides };
  store.cases.set(record.caseId, record);
  store.events.set(record.caseId, [{ caseId: record.caseId, version: 1, type: 'case.opened', at: record.openedAt, actor: { kind: 'requester', email: EMAIL }, data: { channel: 'web' } }]);
  return record;
}

beforeEach(() => {
  store = new InMemoryCaseStore();
  blobs = new InMemoryBlobStore();
  forgotten = [];
  deps = { store, blobs, clock: new FixedClock(at(400 * DAY)), inboundPrefix: 'inbound/', ledger: {
      forgetUser: async (userId) => {
        forgotten.push(userId);
        return 2;
      },
    },
  };
});

describe('an erasure request', () => {
  it("erases every case of the address, skips and names a held one, and deletes the person's objects and records", async () => {
    const attachment = { filename: 'a.csv', contentType: 'text/csv', size: 3, sha256: 'b'.repeat(64), key: 'attachments/ses-7/1-a.csv' };
    put(1, { attachments: [attachment] });
    put(2);
    put(3, { legalHold: { since: at(0).toISOString(), by: 'risk-2', reason: 'police' } });
    put(4, { requester: { email: 'someone-else@example.com' } });
    await blobs.put(attachment.key, Buffer.from('abc'), 'text/csv');
    await blobs.put('inbound/ses-7', Buffer.from('raw'), 'message/rfc822');
    await blobs.put('inbound/other', Buffer.from('raw'), 'message/rfc822');
    store.notices.set(`${id(1)}#case.opened-1`, { status: 'sent', providerId: 'ses-out-1' });
    store.sentEmails.set('ses-out-1', { caseId: id(1), notice: 'case.opened-1', to: EMAIL });
    store.requesters.set(EMAIL, { recent: [], version: 3 });
    store.acknowledgements.set(`${EMAIL}#2026-11-25T18`, 1);

    const receipt = await eraseRequester(deps, { email: EMAIL }, risk);
    expect(receipt).toMatchObject({ casesTouched: 2, caseIds: [id(1), id(2)], heldCasesSkipped: [id(3)] });
    expect(receipt.itemsErased).toEqual({ caseFields: 10, events: 2, attachments: 1, sentEmails: 1, requesterRecords: 2, ledgerLinks: 2 });
    expect(forgotten).toEqual(['acct-9']); // the account the erased cases named
    expect([...blobs.objects.keys()]).toEqual(['inbound/other']);
    expect(store.sentEmails.size).toBe(0);
    expect(store.requesters.has(EMAIL)).toBe(false);
    expect(store.cases.get(id(1))).toMatchObject({ requester: { email: '' }, erased: { reason: 'request', erasureId: receipt.erasureId } });
    expect(store.events.get(id(1))!.at(-1)).toMatchObject({ type: 'personal-data.erased', actor: { kind: 'agent', id: 'risk-1' } });
    expect(store.cases.get(id(3))!.requester.email).toBe(EMAIL);
    expect(store.cases.get(id(4))!.requester.email).toBe('someone-else@example.com');
  });

  it('touches nothing on a retry, and answers an unknown person with zeros', async () => {
    put(1);
    await eraseRequester(deps, { email: EMAIL }, risk);
    const version = store.cases.get(id(1))!.version;
    const again = await eraseRequester(deps, { email: EMAIL }, risk);
    expect(again).toMatchObject({ casesTouched: 0, caseIds: [], heldCasesSkipped: [], itemsErased: { caseFields: 0, events: 0, attachments: 0, sentEmails: 0, requesterRecords: 0 } });
    expect(store.cases.get(id(1))!.version).toBe(version);
    expect((await eraseRequester(deps, { email: 'nobody@example.com' }, risk)).casesTouched).toBe(0);
  });

  it("by account id: the account's cases, every case of the addresses they came from, and the ledger's links", async () => {
    put(1);
    put(2, { requester: { email: EMAIL } }); // the same address, no account id on this one
    store.profiles.set('acct-9', { userId: 'acct-9', tier: 'gold', lifetimeSpend: 1200 });
    store.quarantined.set('ses-q', { messageId: 'ses-q', mailFrom: EMAIL, kind: 'automatic', reasons: ['auto-replied'], mailKey: 'inbound/ses-q', receivedAt: at(0).toISOString() });
    const receipt = await eraseRequester(deps, { userId: 'acct-9' }, risk);
    expect(receipt.caseIds).toEqual([id(1), id(2)]);
    expect(store.profiles.has('acct-9')).toBe(false);
    expect(store.quarantined.size).toBe(0);
    expect(receipt.itemsErased.requesterRecords).toBe(2); // the profile and the quarantine record
    expect(receipt.itemsErased.ledgerLinks).toBe(2);
    expect(forgotten).toEqual(['acct-9']);
  });

  it('never overwrites an agent who changed the case meanwhile: reads it again and erases the new version too', async () => {
    put(1);
    store.beforeWrite = (w) => {
      if (w.kind !== 'change' || w.write.event.type !== 'personal-data.erased') return;
      store.beforeWrite = undefined;
      const current = store.cases.get(id(1))!;
      const noted = applyAgentAction(current, { type: 'note', note: 'Erin called about 49.99' }, { kind: 'agent', id: 'agent-7', role: 'agent' }, at(HOUR), policies.sla, fourEyes);
      store.cases.set(id(1), noted.record);
      store.events.get(id(1))!.push(noted.event);
    };
    const receipt = await eraseRequester(deps, { email: EMAIL }, risk);
    expect(receipt.casesTouched).toBe(1);
    const events = store.events.get(id(1))!;
    expect(events.map((e) => e.type)).toEqual(['case.opened', 'agent.noted', 'personal-data.erased']);
    expect(events[1]!.data.note).toBe('[erased]');
    expect(store.cases.get(id(1))!.version).toBe(3);
  });
});

describe('the retention run', () => {
  it('erases closed cases past the cutoff only, and the address once no case of it is left', async () => {
    put(1, { status: 'closed', closedAt: at(30 * DAY).toISOString() }); // closed 370 days before the clock
    put(2, { status: 'closed', closedAt: at(100 * DAY).toISOString(), requester: { email: 'recent@example.com' } }); // 300 days
    put(3, { status: 'closed', closedAt: at(30 * DAY).toISOString(), legalHold: { since: at(0).toISOString(), by: 'risk-1', reason: 'court order' } });
    store.requesters.set(EMAIL, { recent: [], version: 1 });
    const run = await runRetention(deps, { closedCaseRetentionDays: 365 });
    expect(run).toMatchObject({ casesErased: 1, cutoff: at(35 * DAY).toISOString() });
    expect(store.cases.get(id(1))).toMatchObject({ requester: { email: '' }, erased: { reason: 'retention' } });
    expect(store.events.get(id(1))!.at(-1)).toMatchObject({ type: 'personal-data.erased', actor: { kind: 'system' } });
    expect(store.cases.get(id(2))!.erased).toBeUndefined();
    expect(store.cases.get(id(3))!.erased).toBeUndefined();
    // The held case still names the address: its history stays.
    expect(store.requesters.has(EMAIL)).toBe(true);
    expect((await runRetention(deps, { closedCaseRetentionDays: 365 })).casesErased).toBe(0);
  });
});
