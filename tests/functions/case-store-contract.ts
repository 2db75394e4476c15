// What every CaseStore promises about its writes, as scenarios any implementation must pass: the
// in-memory fake (tests/functions/case-store-contract.test.ts) and DynamoCaseStore on DynamoDB Local
// (tests/integration/case-store.test.ts). One list for both is what keeps the fake faithful: the use
// cases' tests trust it to refuse, replay and retry exactly as the table's conditions do.
import { describe, expect, it } from 'vitest';
import { openCase } from '#domain/intake.ts';
import type { CaseEvent, CaseRecord } from '#domain/case.ts';
import { policies } from '#lib/policies.ts';
import type { CaseStore, ChangeWrite, NewCaseWrite } from '#lib/ports.ts';
import { NOW, sampleInquiry } from './fakes.ts';

const nowSeconds = Math.floor(NOW.getTime() / 1000);
const DAY = 86_400;

/** Fresh ids per scenario: the Dynamo run shares one table between them. */
const run = Date.now().toString(36);
let counter = 0;
function ids() {
  const n = `${run}-${++counter}`;
  return { caseId: `case-${n}`, reference: `TD-${n}`, email: `requester-${n}@example.com`, key: `key:${n}` };
}

function newCase(id = ids(), overrides: Partial<NewCaseWrite> = {}): NewCaseWrite {
  const { record, event } = openCase(sampleInquiry({ requester: { email: id.email, name: 'Alice' } }), {
    caseId: id.caseId,
    reference: id.reference,
    now: NOW,
    priorComplaints: [],
    policies,
  });
  return {
    record,
    event,
    idempotency: { key: id.key, fingerprint: `fp-${id.key}`, expiresAt: nowSeconds + DAY },
    requesterVersion: 0,
    recent: [{ caseId: record.caseId, reference: record.reference, category: record.category, openedAt: record.openedAt }],
    messageIds: [`${id.caseId}@mail.example`],
    ...overrides,
  };
}

/** The next version of a case, as a requester's reply makes it. */
function reply(record: CaseRecord, overrides: Partial<ChangeWrite> = {}): ChangeWrite {
  const at = new Date(Date.parse(record.updatedAt) + 60_000).toISOString();
  const next: CaseRecord = { ...record, version: record.version + 1, updatedAt: at };
  const event: CaseEvent = { caseId: record.caseId, version: next.version, type: 'requester.replied', at, actor: { kind: 'requester', email: record.requester.email }, data: {} };
  return { record: next, event, ...overrides };
}

export function caseStoreContract(makeStore: () => CaseStore | Promise<CaseStore>) {
  describe('createCase', () => {
    it('writes the case with its first event, reference, message ids and requester history, all at once', async () => {
      const store = await makeStore();
      const write = newCase();
      await expect(store.createCase(write)).resolves.toEqual({ kind: 'created' });
      await expect(store.getCaseWithTimeline(write.record.caseId)).resolves.toEqual({ record: write.record, events: [write.event] });
      await expect(store.findThread({ reference: write.record.reference, messageIds: [] })).resolves.toBe(write.record.caseId);
      await expect(store.findThread({ messageIds: write.messageIds })).resolves.toBe(write.record.caseId);
      await expect(store.loadIntakeContext({ email: write.record.requester.email })).resolves.toEqual({ recent: write.recent, requesterVersion: 1 });
    });

    it('replays a held idempotency claim with the first case, and writes nothing of the second', async () => {
      const store = await makeStore();
      const first = newCase();
      await store.createCase(first);
      const again = newCase({ ...ids(), key: first.idempotency.key });
      await expect(store.createCase(again)).resolves.toEqual({
        kind: 'replay',
        caseId: first.record.caseId,
        reference: first.record.reference,
        fingerprint: first.idempotency.fingerprint,
      });
      await expect(store.getCase(again.record.caseId)).resolves.toBeUndefined();
      await expect(store.findThread({ reference: again.record.reference, messageIds: [] })).resolves.toBeUndefined();
      await expect(store.loadIntakeContext({ email: again.record.requester.email })).resolves.toEqual({ recent: [], requesterVersion: 0 });
    });

    it('takes an expired idempotency claim over', async () => {
      const store = await makeStore();
      const first = newCase();
      await store.createCase({ ...first, idempotency: { ...first.idempotency, expiresAt: nowSeconds - 1 } });
      const again = newCase({ ...ids(), key: first.idempotency.key });
      await expect(store.createCase(again)).resolves.toEqual({ kind: 'created' });
      await expect(store.getCase(again.record.caseId)).resolves.toEqual(again.record);
    });

    it('asks for a retry when the case id is taken, leaving the case that has it untouched', async () => {
      const store = await makeStore();
      const first = newCase();
      await store.createCase(first);
      const clash = newCase({ ...ids(), caseId: first.record.caseId });
      await expect(store.createCase(clash)).resolves.toEqual({ kind: 'retry', reason: 'case id' });
      await expect(store.getCase(first.record.caseId)).resolves.toEqual(first.record);
    });

    it('asks for a retry when the reference is taken, and takes no claim meanwhile', async () => {
      const store = await makeStore();
      const first = newCase();
      await store.createCase(first);
      const clash = newCase({ ...ids(), reference: first.record.reference });
      await expect(store.createCase(clash)).resolves.toEqual({ kind: 'retry', reason: 'reference' });
      await expect(store.getCase(clash.record.caseId)).resolves.toBeUndefined();
      // Nothing of the cancelled write stayed: the same request with a fresh reference goes through.
      const retried = newCase({ ...ids(), key: clash.idempotency.key });
      await expect(store.createCase(retried)).resolves.toEqual({ kind: 'created' });
    });

    it("asks for a retry when the requester's history changed since triage read it", async () => {
      const store = await makeStore();
      const id = ids();
      const first = newCase(id);
      await store.createCase(first);
      // Read as new (version 0) though a first case exists now, then read at the right version.
      const stale = newCase({ ...ids(), email: id.email });
      await expect(store.createCase(stale)).resolves.toEqual({ kind: 'retry', reason: 'requester' });
      await expect(store.createCase(newCase({ ...ids(), email: id.email }, { requesterVersion: 2 }))).resolves.toEqual({ kind: 'retry', reason: 'requester' });
      const second = newCase({ ...ids(), email: id.email }, { requesterVersion: 1 });
      await expect(store.createCase(second)).resolves.toEqual({ kind: 'created' });
      await expect(store.loadIntakeContext({ email: id.email })).resolves.toMatchObject({ requesterVersion: 2 });
    });
  });

  describe('findCaseIds', () => {
    it('finds a case by each exact key and only by it, newest first for keys many cases share', async () => {
      const store = await makeStore();
      const id = ids();
      const user = `user-${id.caseId}`;
      const txn = `txn-${id.caseId}`;
      const older = newCase(id);
      older.record = { ...older.record, requester: { ...older.record.requester, userId: user }, transactionId: txn };
      const second = ids();
      const newer = newCase(second, { requesterVersion: 1 }); // the same requester: their history is at version 1
      newer.record = { ...newer.record, openedAt: new Date(NOW.getTime() + 60_000).toISOString(), requester: { email: id.email, userId: user } };
      await expect(store.createCase(older)).resolves.toEqual({ kind: 'created' });
      await expect(store.createCase(newer)).resolves.toEqual({ kind: 'created' });
      await expect(store.findCaseIds({ by: 'caseId', value: older.record.caseId }, 10)).resolves.toEqual([older.record.caseId]);
      await expect(store.findCaseIds({ by: 'reference', value: older.record.reference }, 10)).resolves.toEqual([older.record.caseId]);
      await expect(store.findCaseIds({ by: 'email', value: id.email }, 10)).resolves.toEqual([newer.record.caseId, older.record.caseId]);
      await expect(store.findCaseIds({ by: 'userId', value: user }, 10)).resolves.toEqual([newer.record.caseId, older.record.caseId]);
      await expect(store.findCaseIds({ by: 'userId', value: user }, 1)).resolves.toEqual([newer.record.caseId]);
      await expect(store.findCaseIds({ by: 'transactionId', value: txn }, 10)).resolves.toEqual([older.record.caseId]);
      // Another key's value, or a near one, finds nothing.
      await expect(store.findCaseIds({ by: 'transactionId', value: user }, 10)).resolves.toEqual([]);
      await expect(store.findCaseIds({ by: 'userId', value: `${user}x` }, 10)).resolves.toEqual([]);
      await expect(store.findCaseIds({ by: 'reference', value: second.caseId }, 10)).resolves.toEqual([]);
    });
  });

  describe('saveChange', () => {
    it('saves the next version with its event while the case is at the previous one', async () => {
      const store = await makeStore();
      const created = newCase();
      await store.createCase(created);
      const change = reply(created.record, { messageIds: ['reply@mail.example'] });
      await expect(store.saveChange(change)).resolves.toEqual({ kind: 'saved' });
      await expect(store.getCaseWithTimeline(created.record.caseId)).resolves.toEqual({ record: change.record, events: [created.event, change.event] });
      await expect(store.findThread({ messageIds: ['reply@mail.example'] })).resolves.toBe(created.record.caseId);
    });

    it('is stale when the case moved on meanwhile, and keeps the version that won', async () => {
      const store = await makeStore();
      const created = newCase();
      await store.createCase(created);
      const winner = reply(created.record);
      await store.saveChange(winner);
      const loser = { ...reply(created.record), record: { ...winner.record, subject: 'mine' } };
      await expect(store.saveChange(loser)).resolves.toEqual({ kind: 'stale' });
      await expect(store.getCase(created.record.caseId)).resolves.toEqual(winner.record);
    });

    it('is stale for a case that does not exist', async () => {
      const store = await makeStore();
      const never = newCase();
      await expect(store.saveChange(reply(never.record))).resolves.toEqual({ kind: 'stale' });
      await expect(store.getCase(never.record.caseId)).resolves.toBeUndefined();
    });

    it('replays a change whose idempotency claim is held, and saves nothing', async () => {
      const store = await makeStore();
      const created = newCase();
      await store.createCase(created);
      const claim = { key: `${created.idempotency.key}:reply`, fingerprint: 'msg-1', expiresAt: nowSeconds + DAY };
      const first = reply(created.record, { idempotency: claim });
      await expect(store.saveChange(first)).resolves.toEqual({ kind: 'saved' });
      // The same message again, decided on the case as it is now.
      const again = reply(first.record, { idempotency: claim });
      await expect(store.saveChange(again)).resolves.toEqual({ kind: 'replay', caseId: created.record.caseId, reference: created.record.reference, fingerprint: 'msg-1' });
      await expect(store.getCase(created.record.caseId)).resolves.toEqual(first.record);
    });
  });

  describe('saveChanges', () => {
    it('saves changes to two cases together (a merge), each with its event', async () => {
      const store = await makeStore();
      const a = newCase();
      const b = newCase();
      await store.createCase(a);
      await store.createCase(b);
      const [ca, cb] = [reply(a.record), reply(b.record)];
      await expect(store.saveChanges([ca, cb])).resolves.toEqual({ kind: 'saved' });
      await expect(store.getCaseWithTimeline(a.record.caseId)).resolves.toEqual({ record: ca.record, events: [a.event, ca.event] });
      await expect(store.getCaseWithTimeline(b.record.caseId)).resolves.toEqual({ record: cb.record, events: [b.event, cb.event] });
    });

    it('is stale and writes neither case when one of them moved on meanwhile', async () => {
      const store = await makeStore();
      const a = newCase();
      const b = newCase();
      await store.createCase(a);
      await store.createCase(b);
      const moved = reply(b.record);
      await store.saveChange(moved);
      await expect(store.saveChanges([reply(a.record), reply(b.record)])).resolves.toEqual({ kind: 'stale' });
      await expect(store.getCaseWithTimeline(a.record.caseId)).resolves.toEqual({ record: a.record, events: [a.event] });
      await expect(store.getCase(b.record.caseId)).resolves.toEqual(moved.record);
    });
  });

  describe('views', () => {
    it('keeps every opening as its own record, oldest first, per case, apart from the timeline', async () => {
      const store = await makeStore();
      const created = newCase();
      const other = newCase();
      await store.createCase(created);
      await store.createCase(other);
      const caseId = created.record.caseId;
      const view = (at: string, id: string) => ({ caseId, viewer: { id, roles: ['agent'] }, at, route: 'GET /cases/{caseId}' });
      // The same person twice in the same millisecond is two openings.
      await store.recordView(view('2026-11-25T10:00:01.000Z', 'agent-2'));
      await store.recordView(view('2026-11-25T10:00:00.000Z', 'agent-1'));
      await store.recordView(view('2026-11-25T10:00:00.000Z', 'agent-1'));
      await store.recordView({ ...view('2026-11-25T10:00:00.000Z', 'agent-3'), caseId: other.record.caseId });
      const views = await store.listViews(caseId);
      expect(views.map((v) => [v.at, v.viewer.id])).toEqual([
        ['2026-11-25T10:00:00.000Z', 'agent-1'],
        ['2026-11-25T10:00:00.000Z', 'agent-1'],
        ['2026-11-25T10:00:01.000Z', 'agent-2'],
      ]);
      expect(views[2]).toEqual(view('2026-11-25T10:00:01.000Z', 'agent-2'));
      await expect(store.listViews('case-never-opened')).resolves.toEqual([]);
      const timeline = await store.getCaseWithTimeline(caseId);
      expect(timeline?.events.map((e) => e.type)).toEqual(['case.opened']);
    });
  });

  describe('what email needs', () => {
    it('finds a sent email by its provider id, only when the recipient was recorded', async () => {
      const store = await makeStore();
      const id = ids();
      await store.claimNotice(id.caseId, 'case.opened-1');
      await store.markNoticeSent(id.caseId, 'case.opened-1', `ses-${id.key}`, id.email);
      await expect(store.findSentEmail(`ses-${id.key}`)).resolves.toEqual({ caseId: id.caseId, notice: 'case.opened-1', to: id.email });
      await store.claimNotice(id.caseId, 'sla.warning-2');
      await store.markNoticeSent(id.caseId, 'sla.warning-2', `ses-${id.key}-2`);
      await expect(store.findSentEmail(`ses-${id.key}-2`)).resolves.toBeUndefined();
    });

    it('never hands out a withheld notice again', async () => {
      const store = await makeStore();
      const id = ids();
      await expect(store.claimNotice(id.caseId, 'case.opened-1')).resolves.toBe(true);
      await store.markNoticeWithheld(id.caseId, 'case.opened-1', 'loop breaker');
      await expect(store.claimNotice(id.caseId, 'case.opened-1')).resolves.toBe(false);
    });

    it('counts acknowledgements per address and hour', async () => {
      const store = await makeStore();
      const id = ids();
      await expect(store.countAcknowledgement(id.email, '2026-04-15T16')).resolves.toBe(1);
      await expect(store.countAcknowledgement(id.email, '2026-04-15T16')).resolves.toBe(2);
      await expect(store.countAcknowledgement(id.email, '2026-04-15T17')).resolves.toBe(1);
    });

    it('lists quarantined mail of one kind, newest first, page by page', async () => {
      const store = await makeStore();
      const id = ids();
      const held = (n: number, kind: 'automatic' | 'verdict') => ({
        messageId: `${id.key}-${n}`.replace(/[^A-Za-z0-9-]/g, '-'),
        mailFrom: id.email,
        kind,
        reasons: [kind === 'automatic' ? 'auto-reply' : 'spam'],
        mailKey: `inbound/${id.key}-${n}`,
        receivedAt: `2099-01-0${n}T00:00:00.000Z`,
      });
      for (const m of [held(1, 'automatic'), held(2, 'verdict'), held(3, 'automatic'), held(4, 'automatic')]) await store.quarantine(m);
      const first = await store.listQuarantined({ kind: 'automatic', limit: 2 });
      expect(first.items).toEqual([held(4, 'automatic'), held(3, 'automatic')]);
      expect(first.cursor).toBeDefined();
      const second = await store.listQuarantined({ kind: 'automatic', limit: 2, cursor: first.cursor! });
      expect(second.items[0]).toEqual(held(1, 'automatic'));
      expect((await store.listQuarantined({ kind: 'verdict', limit: 10 })).items).toContainEqual(held(2, 'verdict'));
      await expect(store.listQuarantined({ kind: 'automatic', limit: 2, cursor: 'not-a-cursor' })).rejects.toThrow();
    });

    it('flags an address undeliverable until it is cleared', async () => {
      const store = await makeStore();
      const id = ids();
      await expect(store.undeliverable(id.email)).resolves.toBeUndefined();
      const flag = { email: id.email, since: NOW.toISOString(), status: '5.1.1', diagnosticCode: 'smtp; 550 user unknown', caseId: id.caseId };
      await store.flagUndeliverable(flag);
      await expect(store.undeliverable(id.email)).resolves.toEqual(flag);
      await store.clearUndeliverable(id.email);
      await expect(store.undeliverable(id.email)).resolves.toBeUndefined();
      await store.clearUndeliverable(id.email);
    });
  });
}
