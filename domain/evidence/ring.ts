// Linked accounts and the "possible ring": other users on the requester's payment instruments or devices, with their
// cases. A ring is the requester (complaining now) and the linked accounts that have a case of any kind (a complaint,
// or one resolved as confirmed_risk) when they are at least ring.minAccounts; the risk team is emailed once per ring,
// so each ring has a key that must not move when an account joins it.
//
// The key's choice. A ring is a graph of accounts joined by shared fingerprints, seen each time from one member (the
// requester); a key of its members (the smallest user id, or all of them) changes with every joiner, and a key of all
// the fingerprints changes with every joiner's new device. The key here is the ring's hub: of the instruments the
// ring's members (linked accounts with a case) share with the requester — devices only when no instrument is shared,
// as a ring is about money and phones change more often than cards — the one the most members are on, a tie to the
// smallest. An account that joins through the hub, or through any other fingerprint without making it the most
// shared one, leaves the key as it was, and every member of a ring on one card sees the same hub, so the ring is one
// key from each member's case. What moves it: a device-only ring that an account joins through a card (the card
// becomes the hub), or another fingerprint overtaking the hub. The key is a hash, so a device id (personal data)
// never becomes a table key or a log line. ringFingerprints gives every fingerprint of the ring as well: a caller that
// records all of them and pages only when none was paged before does not page again even when the hub moves.
import type { Finding } from './findings.ts';
import type { EvidencePolicy } from './policy.ts';

export interface LinkedAccountCases {
  userId: string;
  /** What the account shares with the requester. */
  via: { instrument?: string; deviceId?: string };
  cases: { caseId: string; status: string; outcome?: string }[];
}

/** The linked accounts judged: one per user (its fingerprints merged), never the requester, at most ring.maxLinkedAccounts. */
function judged(requesterUserId: string, linked: readonly LinkedAccountCases[], limit = Number.POSITIVE_INFINITY): LinkedAccountCases[] {
  const byUser = new Map<string, { userId: string; instruments: Set<string>; devices: Set<string>; cases: LinkedAccountCases['cases'] }>();
  for (const account of linked) {
    if (account.userId === requesterUserId) continue;
    let entry = byUser.get(account.userId);
    if (!entry) {
      if (byUser.size >= limit) continue;
      entry = { userId: account.userId, instruments: new Set(), devices: new Set(), cases: [] };
      byUser.set(account.userId, entry);
    }
    if (account.via.instrument) entry.instruments.add(account.via.instrument);
    if (account.via.deviceId) entry.devices.add(account.via.deviceId);
    for (const c of account.cases) if (!entry.cases.some((seen) => seen.caseId === c.caseId)) entry.cases.push(c);
  }
  return [...byUser.values()].flatMap((e) => [
    ...(e.instruments.size || e.devices.size ? [] : [{ userId: e.userId, via: {}, cases: e.cases }]),
    ...[...e.instruments].map((instrument) => ({ userId: e.userId, via: { instrument }, cases: e.cases })),
    ...[...e.devices].map((deviceId) => ({ userId: e.userId, via: { deviceId }, cases: e.cases })),
  ]);
}

const withCases = (accounts: LinkedAccountCases[]) => accounts.filter((a) => a.cases.length > 0);
const users = (accounts: LinkedAccountCases[]) => [...new Set(accounts.map((a) => a.userId))].sort();

/** FNV-1a, 64 bits: a short stable hash with no crypto import (the console bundles domain types). */
function hash(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) h = BigInt.asUintN(64, (h ^ BigInt(byte)) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

/** Every fingerprint the ring's members share with the requester (`instrument:…`, `device:…`), sorted. */
export function ringFingerprints(requesterUserId: string, linked: readonly LinkedAccountCases[]): string[] {
  const all = judged(requesterUserId, linked);
  const members = withCases(all).length ? withCases(all) : all;
  const prints = new Set<string>();
  for (const a of members) {
    if (a.via.instrument) prints.add(`instrument:${a.via.instrument}`);
    if (a.via.deviceId) prints.add(`device:${a.via.deviceId}`);
  }
  return [...prints].sort();
}

/** The ring's stable key: `ring-` and the hash of its hub fingerprint (see above); the requester's when nothing is shared. */
export function ringKey(requesterUserId: string, linked: readonly LinkedAccountCases[]): string {
  const all = judged(requesterUserId, linked);
  const members = withCases(all).length ? withCases(all) : all;
  const count = new Map<string, Set<string>>();
  for (const a of members) {
    const print = a.via.instrument ? `instrument:${a.via.instrument}` : a.via.deviceId ? `device:${a.via.deviceId}` : undefined;
    if (print) count.set(print, (count.get(print) ?? new Set()).add(a.userId));
  }
  const rank = (print: string) => (print.startsWith('instrument:') ? 0 : 1);
  const [hub] = [...count.entries()].sort(([a, ua], [b, ub]) => rank(a) - rank(b) || ub.size - ua.size || (a < b ? -1 : a > b ? 1 : 0));
  return `ring-${hash(hub ? hub[0] : `user:${requesterUserId}`)}`;
}

/** The possible-ring finding: the requester and at least ring.minAccounts − 1 linked accounts with a case. */
export function ringFinding(requesterUserId: string, linked: readonly LinkedAccountCases[], policy: EvidencePolicy): Finding | undefined {
  const bounded = judged(requesterUserId, linked, policy.ring.maxLinkedAccounts);
  const members = users(withCases(bounded));
  if (members.length + 1 < policy.ring.minAccounts) return undefined;
  const confirmed = users(withCases(bounded).filter((a) => a.cases.some((c) => c.outcome === 'confirmed_risk'))).length;
  return {
    code: 'possible_ring',
    points: policy.points.possible_ring,
    explanation: `The requester and ${members.length} linked account${members.length === 1 ? '' : 's'} with cases share a payment instrument or device (${members.length + 1} accounts, threshold ${policy.ring.minAccounts}${confirmed ? `; ${confirmed} resolved as confirmed risk` : ''}): ${members.join(', ')}`,
    transactionIds: [],
    linkedUserIds: members,
    ringKey: ringKey(requesterUserId, bounded),
  };
}
