// Risk score of an inquiry: a 0..100 sum of explainable factors. Pure: no AWS, no I/O.

import type { Category, PriorComplaint, RiskFactor, UserProfile } from '../case.ts';
import type { TextScan, TriagePolicy } from './policy.ts';

const DAY_MS = 86_400_000;

export interface RiskInput {
  category: Category;
  /** Keywords found in subject + message (scanText). */
  scan: TextScan;
  amount?: number;
  /** ISO 4217; matched case-insensitively. */
  currency?: string;
  /** undefined when the user is unknown. */
  profile?: UserProfile;
  /** Earlier complaints by the same person, any age. */
  priorComplaints: readonly PriorComplaint[];
  now: Date;
}

export interface RiskAssessment {
  /** Integer 0..100. */
  score: number;
  /** Sum of the factors' points before clamping. */
  unclampedScore: number;
  /** Ordered by points, highest first (stable for equal points). */
  factors: RiskFactor[];
  /** Prior complaints opened within the repeat window before `now`, most recent first. */
  repeatOf: PriorComplaint[];
}

/** Amount in USD using the policy's rates, or undefined when the currency has no rate. */
export function toUsd(amount: number, currency: string, policy: TriagePolicy): number | undefined {
  const rate = policy.fx.toUsd[currency.trim().toUpperCase()];
  return rate === undefined ? undefined : amount * rate;
}

function money(value: number): string {
  return value.toFixed(2);
}

function amountFactor(amount: number | undefined, currency: string | undefined, policy: TriagePolicy): RiskFactor | undefined {
  if (amount === undefined) return undefined;
  if (!Number.isFinite(amount) || amount < 0) {
    return { code: 'amount_unrated', points: 0, detail: `Amount ${String(amount)} is not a valid amount; not rated` };
  }
  const code = currency?.trim().toUpperCase();
  if (code === undefined || code === '') {
    return { code: 'amount_unrated', points: 0, detail: `Amount ${money(amount)} given without a currency; not rated` };
  }
  const usd = toUsd(amount, code, policy);
  if (usd === undefined) {
    return {
      code: 'amount_unrated',
      points: 0,
      detail: `Amount ${money(amount)} ${code} not rated: no FX rate for ${code} in the triage policy`,
    };
  }
  let band: TriagePolicy['amount']['bandsUsd'][number] | undefined;
  for (const b of policy.amount.bandsUsd) if (usd >= b.minUsd) band = b;
  const converted = code === 'USD' ? '' : ` ≈ ${money(usd)} USD (rate ${policy.fx.toUsd[code]} as of ${policy.fx.asOf})`;
  const bandText = band === undefined ? 'below the lowest band' : `band ≥ ${band.minUsd} USD`;
  return { code: 'amount', points: band?.points ?? 0, detail: `Amount ${money(amount)} ${code}${converted}, ${bandText}` };
}

function customerValueFactor(profile: UserProfile | undefined, policy: TriagePolicy): RiskFactor | undefined {
  if (profile === undefined) return undefined;
  const { tierPoints, highSpend } = policy.customerValue;
  const tier = tierPoints[profile.tier] ?? 0;
  const isHighSpender = profile.lifetimeSpend >= highSpend.lifetimeSpendUsd;
  const spend = isHighSpender ? highSpend.points : 0;
  const spendText = `lifetime spend ${money(profile.lifetimeSpend)} USD`;
  if (spend > tier) {
    return {
      code: 'lifetime_spend',
      points: spend,
      detail: `${spendText} ≥ ${highSpend.lifetimeSpendUsd} USD (tier ${profile.tier} alone would give ${tier})`,
    };
  }
  if (tier > 0) {
    return { code: 'value_tier', points: tier, detail: `Value tier ${profile.tier} (${spendText})` };
  }
  return undefined;
}

function suspiciousFactor(scan: TextScan, policy: TriagePolicy): RiskFactor | undefined {
  if (scan.suspicious.length === 0) return undefined;
  const sum = scan.suspicious.reduce((acc, hit) => acc + hit.points, 0);
  const max = policy.suspiciousKeywords.maxPoints;
  const points = Math.min(sum, max);
  const list = scan.suspicious.map((hit) => `"${hit.keyword}" (${hit.points})`).join(', ');
  const capped = sum > max ? `; capped at ${max}` : '';
  return { code: 'suspicious_keywords', points, detail: `Suspicious keywords: ${list}${capped}` };
}

/** Prior complaints whose openedAt is within [now - windowDays, now], deduplicated by caseId, most recent first. */
export function recentComplaints(
  priorComplaints: readonly PriorComplaint[],
  now: Date,
  windowDays: number,
): PriorComplaint[] {
  const end = now.getTime();
  const start = end - windowDays * DAY_MS;
  const inWindow: Array<{ at: number; complaint: PriorComplaint }> = [];
  const ids = new Set<string>();
  for (const complaint of priorComplaints) {
    const at = Date.parse(complaint.openedAt);
    if (!(at >= start && at <= end) || ids.has(complaint.caseId)) continue; // NaN fails the range check
    ids.add(complaint.caseId);
    inWindow.push({ at, complaint });
  }
  inWindow.sort((a, b) => b.at - a.at);
  return inWindow.map((x) => x.complaint);
}

function repeatFactor(recent: readonly PriorComplaint[], policy: TriagePolicy): RiskFactor | undefined {
  if (recent.length === 0) return undefined;
  const { windowDays, pointsPerComplaint, maxPoints } = policy.repeatComplaints;
  const sum = recent.length * pointsPerComplaint;
  const points = Math.min(sum, maxPoints);
  const refs = recent.map((c) => c.reference).join(', ');
  const capped = sum > maxPoints ? `; capped at ${maxPoints}` : '';
  return {
    code: 'repeat_complaints',
    points,
    detail: `${recent.length} earlier complaint${recent.length === 1 ? '' : 's'} in the last ${windowDays} days (${refs}) × ${pointsPerComplaint}${capped}`,
  };
}

/** Score an inquiry's risk: the sum of the factors' points, clamped to 0..100. */
export function scoreRisk(input: RiskInput, policy: TriagePolicy): RiskAssessment {
  const recent = recentComplaints(input.priorComplaints, input.now, policy.repeatComplaints.windowDays);
  const base = policy.categories.basePoints[input.category] ?? 0;

  const candidates: Array<RiskFactor | undefined> = [
    base > 0 ? { code: 'category', points: base, detail: `Category ${input.category}` } : undefined,
    amountFactor(input.amount, input.currency, policy),
    customerValueFactor(input.profile, policy),
    suspiciousFactor(input.scan, policy),
    repeatFactor(recent, policy),
  ];
  const factors = candidates.filter((f): f is RiskFactor => f !== undefined);
  factors.sort((a, b) => b.points - a.points); // stable: equal points keep the order above

  const unclampedScore = factors.reduce((acc, f) => acc + f.points, 0);
  const score = Math.min(100, Math.max(0, Math.round(unclampedScore)));
  return { score, unclampedScore, factors, repeatOf: recent };
}
