import { beforeEach, describe, expect, it, vi } from 'vitest';
import { BusyError, IdempotencyMismatchError } from '#lib/errors.ts';
import { sha256Hex } from '#lib/ids.ts';
import { fingerprintOf, submitInquiry } from '#lib/use-cases/submit-inquiry.ts';
import type { SubmitDeps } from '#lib/use-cases/submit-inquiry.ts';
import { FixedClock, InMemoryCaseStore, NOW, sampleInquiry, submitDeps } from '../fakes.ts';

const HOUR = 3_600_000;

let store: InMemoryCaseStore;
let clock: FixedClock;
let deps: SubmitDeps;

beforeEach(() => {
  store = new InMemoryCaseStore();
  clock = new FixedClock(NOW);
  deps = submitDeps(store, clock);
});

describe('submitInquiry', () => {
  it('opens a case with its first event, reference, idempotency claim and requester history', async () => {
    const result = await submitInquiry(deps, { inquiry: sampleInquiry(), idempotencyKey: 'form-123' });
    expect(result).toEqual({ caseId: '00000000-0000-4000-8000-000000000001', reference: 'TD-000001', replayed: false });

    const record = store.cases.get(result.caseId)!;
    expect(record).toMatchObject({ caseId: result.caseId, reference: 'TD-000001', status: 'new', channel: 'web', version: 1, openedAt: NOW.toISOString() });
    expect(record.requester).toEqual({ email: 'alice@example.com', name: 'Alice' });
    expect(store.events.get(result.caseId)!.map((e) => e.type)).toEqual(['case.opened']);
    expect(store.references.get('TD-000001')).toBe(result.caseId);
    expect(store.requesters.get('alice@example.com')).toEqual({
      version: 1,
      recent: [{ caseId: result.caseId, reference: 'TD-000001', category: record.category, openedAt: NOW.toISOString() }],
    });
    expect([...store.claims.keys()]).toEqual([`key:${sha256Hex('form-123')}`]);
    expect(store.claims.get(`key:${sha256Hex('form-123')}`)).toEqual({
      caseId: result.caseId,
      reference: 'TD-000001',
      fingerprint: fingerprintOf(sampleInquiry()),
      expiresAt: Math.floor(NOW.getTime() / 1000) + 24 * 3600,
    });
  });

  it('replays the same case for the same key and body, however often it is retried', async () => {
    const first = await submitInquiry(deps, { inquiry: sampleInquiry(), idempotencyKey: 'form-123' });
    clock.advance(HOUR);
    const second = await submitInquiry(deps, { inquiry: sampleInquiry(), idempotencyKey: 'form-123' });
    const third = await submitInquiry(deps, { inquiry: sampleInquiry(), idempotencyKey: 'form-123' });
    expect(second).toEqual({ caseId: first.caseId, reference: first.reference, replayed: true });
    expect(third).toEqual(second);
    expect(store.cases.size).toBe(1);
    expect(store.requesters.get('alice@example.com')!.version).toBe(1);
  });

  it('refuses the same key with a different body', async () => {
    await submitInquiry(deps, { inquiry: sampleInquiry(), idempotencyKey: 'form-123' });
    await expect(
      submitInquiry(deps, { inquiry: sampleInquiry({ message: 'Something else entirely' }), idempotencyKey: 'form-123' }),
    ).rejects.toBeInstanceOf(IdempotencyMismatchError);
    expect(store.cases.size).toBe(1);
  });

  it('opens separate cases for different keys, even with the same body', async () => {
    const a = await submitInquiry(deps, { inquiry: sampleInquiry(), idempotencyKey: 'key-a' });
    const b = await submitInquiry(deps, { inquiry: sampleInquiry(), idempotencyKey: 'key-b' });
    expect(b.caseId).not.toBe(a.caseId);
    expect(store.cases.size).toBe(2);
    expect(store.requesters.get('alice@example.com')!.version).toBe(2);
  });

  it('uses the content fingerprint when there is no key: a double submit is one case', async () => {
    const first = await submitInquiry(deps, { inquiry: sampleInquiry() });
    const again = await submitInquiry(deps, { inquiry: sampleInquiry() });
    expect(again).toEqual({ ...first, replayed: true });
    expect([...store.claims.keys()]).toEqual([`fingerprint:${fingerprintOf(sampleInquiry())}`]);
    const other = await submitInquiry(deps, { inquiry: sampleInquiry({ subject: 'A different problem' }) });
    expect(other.replayed).toBe(false);
    expect(store.cases.size).toBe(2);
  });

  it('opens a new case for the same content once the claim has expired (24 h)', async () => {
    const first = await submitInquiry(deps, { inquiry: sampleInquiry() });
    clock.advance(24 * HOUR + 1000);
    const later = await submitInquiry(deps, { inquiry: sampleInquiry() });
    expect(later.replayed).toBe(false);
    expect(later.caseId).not.toBe(first.caseId);
  });

  it('counts earlier complaints of the same requester as repeats', async () => {
    const first = await submitInquiry(deps, { inquiry: sampleInquiry() });
    clock.advance(HOUR);
    const second = await submitInquiry(deps, { inquiry: sampleInquiry({ message: 'Still no coins, second time I write.' }) });
    const record = store.cases.get(second.caseId)!;
    expect(record.repeatCount).toBe(1);
    expect(record.repeatOf).toEqual([first.caseId]);
    expect(store.requesters.get('alice@example.com')!.recent.map((c) => c.caseId)).toEqual([second.caseId, first.caseId]);
  });

  it('reads the profile of a known user id', async () => {
    const load = vi.spyOn(store, 'loadIntakeContext');
    store.profiles.set('u-1', { userId: 'u-1', tier: 'top', lifetimeSpend: 250_000 });
    const plain = await submitInquiry(deps, { inquiry: sampleInquiry({ requester: { email: 'bob@example.com' } }) });
    const vip = await submitInquiry(deps, { inquiry: sampleInquiry({ requester: { email: 'carol@example.com', userId: 'u-1' } }) });
    expect(load).toHaveBeenLastCalledWith({ email: 'carol@example.com', userId: 'u-1' });
    expect(store.cases.get(vip.caseId)!.riskScore).toBeGreaterThan(store.cases.get(plain.caseId)!.riskScore);
  });

  it('retries after losing a race for the requester, re-reading their history', async () => {
    let raced = false;
    store.beforeWrite = ({ write }) => {
      if (raced) return;
      raced = true;
      // Another submission by Alice commits between our read and our write.
      store.requesters.set('alice@example.com', {
        version: 1,
        recent: [{ caseId: 'concurrent', reference: 'TD-ZZZZZZ', category: 'gifts_coins', openedAt: write.record.openedAt }],
      });
    };
    const create = vi.spyOn(store, 'createCase');
    const result = await submitInquiry(deps, { inquiry: sampleInquiry() });
    expect(create).toHaveBeenCalledTimes(2);
    expect(await create.mock.results[0]!.value).toEqual({ kind: 'retry', reason: 'requester' });
    expect(result).toMatchObject({ caseId: '00000000-0000-4000-8000-000000000002', replayed: false });
    expect(store.requesters.get('alice@example.com')).toMatchObject({ version: 2 });
    expect(store.requesters.get('alice@example.com')!.recent.map((c) => c.caseId)).toEqual([result.caseId, 'concurrent']);
    expect(store.cases.get(result.caseId)!.repeatOf).toEqual(['concurrent']);
  });

  it('retries with a fresh reference when the reference is taken', async () => {
    store.references.set('TD-000001', 'someone-else');
    const result = await submitInquiry(deps, { inquiry: sampleInquiry() });
    expect(result.reference).toBe('TD-000002');
    expect(store.references.get('TD-000002')).toBe(result.caseId);
  });

  it('gives up with BusyError after repeated conflicts, having written nothing', async () => {
    store.beforeWrite = () => {
      const current = store.requesters.get('alice@example.com');
      store.requesters.set('alice@example.com', { recent: [], version: (current?.version ?? 0) + 1 });
    };
    const create = vi.spyOn(store, 'createCase');
    await expect(submitInquiry(deps, { inquiry: sampleInquiry() })).rejects.toBeInstanceOf(BusyError);
    expect(create).toHaveBeenCalledTimes(4);
    expect(store.cases.size).toBe(0);
    expect(store.claims.size).toBe(0);
  });
});

describe('fingerprintOf', () => {
  it('depends on what the requester said, not on attachments', () => {
    const base = sampleInquiry();
    expect(fingerprintOf(base)).toBe(fingerprintOf(sampleInquiry()));
    expect(fingerprintOf(base)).not.toBe(fingerprintOf({ ...base, amount: 5, currency: 'USD' }));
    expect(fingerprintOf(base)).not.toBe(fingerprintOf({ ...base, requester: { email: 'bob@example.com', name: 'Alice' } }));
    expect(fingerprintOf(base)).not.toBe(fingerprintOf({ ...base, channel: 'email' }));
    expect(fingerprintOf(base)).toMatch(/^[0-9a-f]{64}$/);
    const attachment = { filename: 'a.png', contentType: 'image/png', size: 1, sha256: 'x', key: 'attachments/m/1-a.png' };
    expect(fingerprintOf({ ...base, attachments: [attachment] })).toBe(fingerprintOf(base));
  });

  it('does not confuse field boundaries', () => {
    const a = sampleInquiry({ subject: 'ab', message: 'c' });
    const b = sampleInquiry({ subject: 'a', message: 'bc' });
    expect(fingerprintOf(a)).not.toBe(fingerprintOf(b));
  });
});
