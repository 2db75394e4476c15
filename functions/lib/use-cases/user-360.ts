// GET /users/{userId}: one account seen whole — its profile, every case it is on across channels (as the
// requester, by its userId and by the email its profile holds, or as a creator an internal case names), and
// a summary of its ledger in a window. Every lookup is by key (the search-key items and the ledger's byUser
// index); an unknown account answers like a quiet one (profile null, empty lists), so the route tells no one
// which accounts exist.
import type { Outcome } from '#domain/case.ts';
import { summarizeLedger, type LedgerSummary } from '#domain/ledger/summary.ts';
import type { CaseStore, Clock, Ledger, ProfileReader } from '../ports.ts';

/** How many cases per key, and how many ledger rows in the window, the view reads at most. */
export const USER_VIEW_LIMITS = { casesPerKey: 200, transactions: 1000 } as const;

export interface UserCaseRow {
  caseId: string;
  reference: string;
  status: string;
  category: string;
  priority: string;
  channel: string;
  openedAt: string;
  outcome: Outcome | null;
  role: 'requester' | 'creator';
}

export interface UserView {
  userId: string;
  profile: Record<string, unknown> | null;
  cases: UserCaseRow[];
  ledger: LedgerSummary;
}

export interface UserViewDeps {
  store: Pick<CaseStore, 'findCaseIds' | 'getCases'>;
  profiles: Pick<ProfileReader, 'profileOf'>;
  ledger: Pick<Ledger, 'transactionsOf'>;
  clock: Clock;
}

export async function userView(deps: UserViewDeps, request: { userId: string; days: number }): Promise<UserView> {
  const { userId, days } = request;
  const now = deps.clock.now();
  const since = new Date(now.getTime() - days * 86_400_000).toISOString();
  const limit = USER_VIEW_LIMITS.casesPerKey;
  const [profile, asUser, asCreator, transactions] = await Promise.all([
    deps.profiles.profileOf(userId),
    deps.store.findCaseIds({ by: 'userId', value: userId }, limit),
    deps.store.findCaseIds({ by: 'creator', value: userId }, limit),
    deps.ledger.transactionsOf(userId, { from: since, to: now.toISOString(), limit: USER_VIEW_LIMITS.transactions }),
  ]);
  const email = typeof profile?.email === 'string' ? profile.email.toLowerCase() : undefined;
  const byEmail = email ? await deps.store.findCaseIds({ by: 'email', value: email }, limit) : [];
  const requesterIds = new Set([...asUser, ...byEmail]);
  const records = await deps.store.getCases([...new Set([...requesterIds, ...asCreator])]);
  const cases = [...records.values()]
    .sort((a, b) => (b.openedAt + b.caseId).localeCompare(a.openedAt + a.caseId))
    .map(
      (r): UserCaseRow => ({
        caseId: r.caseId,
        reference: r.reference,
        status: r.status,
        category: r.category,
        priority: r.priority,
        channel: r.channel,
        openedAt: r.openedAt,
        outcome: r.outcome ?? null,
        role: requesterIds.has(r.caseId) ? 'requester' : 'creator',
      }),
    );
  return { userId, profile: profile ?? null, cases, ledger: summarizeLedger(transactions, since) };
}
