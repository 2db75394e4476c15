// Linked accounts and the possible ring at their edges: the threshold (the requester counts), accounts without cases,
// the requester and repeats in the list, the bound, and the ring key's stability — the same key when an account
// joins (through the hub or another fingerprint), from every member's case, in any order — without a fingerprint in it.
import { describe, expect, it } from 'vitest';
import { parseEvidencePolicy, ringFingerprints, ringFinding, ringKey, type LinkedAccountCases } from '#domain/evidence/index.ts';
import evidencePolicyJson from '../../../config/evidence-policy.json' with { type: 'json' };

const policy = parseEvidencePolicy(evidencePolicyJson);
const complaint = (caseId: string, outcome?: string) => ({ caseId, status: outcome ? 'resolved' : 'new', ...(outcome && { outcome }) });
const on = (userId: string, via: LinkedAccountCases['via'], ...cases: LinkedAccountCases['cases']): LinkedAccountCases => ({ userId, via, cases });
const card = (instrument: string) => ({ instrument });
const phone = (deviceId: string) => ({ deviceId });

describe('ringFinding', () => {
  it('is a ring when the requester and K − 1 linked accounts with cases share an instrument or device', () => {
    const linked = [on('u-b', card('fp_1'), complaint('c-b')), on('u-c', phone('dev_1'), complaint('c-c', 'confirmed_risk'))];
    const finding = ringFinding('u-a', linked, policy);
    expect(finding).toEqual({
      code: 'possible_ring',
      points: 40,
      explanation: 'The requester and 2 linked accounts with cases share a payment instrument or device (3 accounts, threshold 3; 1 resolved as confirmed risk): u-b, u-c',
      transactionIds: [],
      linkedUserIds: ['u-b', 'u-c'],
      ringKey: ringKey('u-a', linked),
    });
    expect(finding!.explanation).not.toMatch(/fp_1|dev_1/);
  });

  it('is no ring below the threshold: accounts without cases, the requester itself and repeats do not count', () => {
    expect(ringFinding('u-a', [on('u-b', card('fp_1'), complaint('c-b'))], policy)).toBeUndefined();
    expect(ringFinding('u-a', [on('u-b', card('fp_1'), complaint('c-b')), on('u-c', card('fp_1'))], policy)).toBeUndefined();
    expect(ringFinding('u-a', [on('u-b', card('fp_1'), complaint('c-b')), on('u-a', card('fp_1'), complaint('c-a'))], policy)).toBeUndefined();
    expect(ringFinding('u-a', [on('u-b', card('fp_1'), complaint('c-b')), on('u-b', phone('dev_1'), complaint('c-b2'))], policy)).toBeUndefined();
    expect(ringFinding('u-a', [], policy)).toBeUndefined();
  });

  it('follows the policy’s threshold', () => {
    const linked = [on('u-b', card('fp_1'), complaint('c-b'))];
    expect(ringFinding('u-a', linked, parseEvidencePolicy({ ring: { minAccounts: 2 } }))?.linkedUserIds).toEqual(['u-b']);
    const four = parseEvidencePolicy({ ring: { minAccounts: 4 } });
    expect(ringFinding('u-a', [...linked, on('u-c', card('fp_1'), complaint('c-c'))], four)).toBeUndefined();
  });

  it('judges at most ring.maxLinkedAccounts accounts, the first ones given', () => {
    const linked = [on('u-b', card('fp_1')), on('u-c', card('fp_1')), on('u-d', card('fp_1'), complaint('c-d')), on('u-e', card('fp_1'), complaint('c-e'))];
    const bounded = parseEvidencePolicy({ ring: { minAccounts: 3, maxLinkedAccounts: 3 } });
    expect(ringFinding('u-a', linked, bounded)).toBeUndefined();
    expect(ringFinding('u-a', linked, policy)?.linkedUserIds).toEqual(['u-d', 'u-e']);
  });
});

describe('ringKey', () => {
  const ring = [on('u-b', card('fp_1'), complaint('c-b')), on('u-c', card('fp_1'), complaint('c-c'))];

  it('stays the same when an account joins through the hub, or through another fingerprint', () => {
    const key = ringKey('u-a', ring);
    expect(ringKey('u-a', [...ring, on('u-0', card('fp_1'), complaint('c-0'))])).toBe(key);
    expect(ringKey('u-a', [...ring, on('u-0', phone('dev_0'), complaint('c-0'))])).toBe(key);
    expect(ringKey('u-a', [...ring, on('u-0', card('fp_0'), complaint('c-0'))])).toBe(key); // fp_0 sorts first, fp_1 has more members
    expect(ringKey('u-a', [...ring, on('u-d', card('fp_1'))])).toBe(key); // a linked account without a case yet
  });

  it('is the same from every member’s case and in any order', () => {
    const key = ringKey('u-a', ring);
    expect(ringKey('u-b', [on('u-a', card('fp_1'), complaint('c-a')), on('u-c', card('fp_1'), complaint('c-c'))])).toBe(key);
    expect(ringKey('u-c', [on('u-b', { instrument: 'fp_1', deviceId: 'dev_9' }, complaint('c-b')), on('u-a', card('fp_1'), complaint('c-a'))])).toBe(key);
    expect(ringKey('u-a', [...ring].reverse())).toBe(key);
  });

  it('prefers an instrument to a device, and differs between rings', () => {
    const byPhone = [on('u-b', phone('dev_1'), complaint('c-b')), on('u-c', phone('dev_1'), complaint('c-c')), on('u-d', phone('dev_1'), complaint('c-d'))];
    const key = ringKey('u-a', byPhone);
    expect(ringKey('u-a', [...byPhone, on('u-e', card('fp_7'), complaint('c-e'))])).not.toBe(key);
    expect(ringKey('u-a', [on('u-b', { instrument: 'fp_7', deviceId: 'dev_1' }, complaint('c-b')), ...byPhone.slice(1), on('u-e', card('fp_7'), complaint('c-e'))])).toBe(ringKey('u-x', [on('u-y', card('fp_7'), complaint('c-y'))]));
    expect(ringKey('u-a', ring)).not.toBe(ringKey('u-a', [on('u-b', card('fp_2'), complaint('c-b')), on('u-c', card('fp_2'), complaint('c-c'))]));
  });

  it('is an opaque stable id, with no fingerprint or user id in it, and falls back to the requester when nothing is shared', () => {
    const key = ringKey('u-a', ring);
    expect(key).toMatch(/^ring-[0-9a-f]{16}$/);
    expect(key).not.toContain('fp_1');
    expect(ringKey('u-a', [])).toMatch(/^ring-[0-9a-f]{16}$/);
    expect(ringKey('u-a', [])).not.toBe(ringKey('u-b', []));
    expect(ringKey('u-a', [])).toBe(ringKey('u-a', []));
  });
});

describe('ringFingerprints', () => {
  it('lists what the ring’s members share with the requester, sorted, members with cases first of all', () => {
    const linked = [on('u-b', { instrument: 'fp_1', deviceId: 'dev_2' }, complaint('c-b')), on('u-c', phone('dev_1'), complaint('c-c')), on('u-d', card('fp_9'))];
    expect(ringFingerprints('u-a', linked)).toEqual(['device:dev_1', 'device:dev_2', 'instrument:fp_1']);
    expect(ringFingerprints('u-a', [on('u-d', card('fp_9'))])).toEqual(['instrument:fp_9']);
  });
});
