// Who is a top consumer: a value tier the SLA policy names (the profiles table's, known at intake), or 90 days
// of spend in the ledger at or above its threshold (known once evidence is gathered). Pure: no I/O. A top
// consumer's first response is due sooner (planDeadlines with `topConsumer`), and the queue can show them alone.
import type { CaseRecord, ValueTier } from './case.ts';
import type { SlaPolicy } from './sla/policy.ts';

export type TopConsumer = NonNullable<CaseRecord['topConsumer']>;

/** Why the requester is a top consumer (the tier, the spend, or both), or undefined when they are not. */
export function topConsumerOf(tier: ValueTier | undefined, spendUsd90d: number | undefined, policy: SlaPolicy): TopConsumer | undefined {
  const rule = policy.topConsumer;
  if (!rule) return undefined;
  const byTier = tier !== undefined && rule.tiers.includes(tier);
  const bySpend = spendUsd90d !== undefined && spendUsd90d >= rule.spendUsd90dAtLeast;
  if (!byTier && !bySpend) return undefined;
  return { ...(byTier && { tier }), ...(bySpend && { spendUsd90d }) } as TopConsumer;
}
