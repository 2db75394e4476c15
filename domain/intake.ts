// Turning an inquiry into a case, and a requester's later message into a timeline entry. Pure.
import { topConsumerOf } from './top-consumer.ts';
import type { AttachmentRef, CaseEvent, CaseRecord, Category, Channel, PriorComplaint, Requester, UserProfile } from './case.ts';
import { atLeast, withInternalTarget, type InternalOrigin } from './internal.ts';
import { anyMasked, maskCardData, type MaskCounts, NO_MASKS, addCounts } from './privacy/mask-card-data.ts';
import { planDeadlines } from './sla/deadlines.ts';
import type { SlaPolicy } from './sla/policy.ts';
import { triage } from './triage/index.ts';
import type { TriagePolicy } from './triage/policy.ts';

export interface NewInquiry {
  channel: Channel;
  requester: Requester;
  subject: string;
  message: string;
  categoryHint?: Category;
  amount?: number;
  currency?: string;
  transactionId?: string;
  attachments?: AttachmentRef[];
  /** Email: the whole body, when `message` is only what the person wrote. */
  fullMessage?: string;
  /** Email: the original sender a forward states. */
  forwardedFrom?: { email: string; name?: string };
  /** Opened by another team on the requester's behalf (channel internal): its reporter and targets. */
  internal?: InternalOrigin;
}

export interface Policies {
  triage: TriagePolicy;
  sla: SlaPolicy;
}

export interface OpenCaseContext {
  caseId: string;
  reference: string;
  now: Date;
  profile?: UserProfile;
  priorComplaints: PriorComplaint[];
  policies: Policies;
}

/** The inquiry with card data masked out of every field the requester typed, and how much was masked. */
export function maskInquiry(inquiry: NewInquiry): { inquiry: NewInquiry; masked: MaskCounts } {
  let masked = NO_MASKS;
  const mask = (text: string) => {
    const result = maskCardData(text);
    masked = addCounts(masked, result.counts);
    return result.text;
  };
  const { name, userId } = inquiry.requester;
  const out: NewInquiry = {
    ...inquiry,
    requester: { ...inquiry.requester, ...(name !== undefined && { name: mask(name) }), ...(userId !== undefined && { userId: mask(userId) }) },
    subject: mask(inquiry.subject),
    message: mask(inquiry.message),
    ...(inquiry.transactionId !== undefined && { transactionId: mask(inquiry.transactionId) }),
    ...(inquiry.fullMessage !== undefined && { fullMessage: maskCardData(inquiry.fullMessage).text }),
  };
  return { inquiry: out, masked };
}

/**
 * Classify, score, prioritise and plan deadlines: the case at version 1 and its opening event. Card data is
 * masked here, before triage, so no channel can store what the requester pasted.
 */
export function openCase(unmasked: NewInquiry, ctx: OpenCaseContext): { record: CaseRecord; event: CaseEvent } {
  const { inquiry, masked } = maskInquiry(unmasked);
  const result = triage(
    {
      subject: inquiry.subject,
      message: inquiry.message,
      categoryHint: inquiry.categoryHint,
      amount: inquiry.amount,
      currency: inquiry.currency,
      profile: ctx.profile,
      priorComplaints: ctx.priorComplaints,
      now: ctx.now,
    },
    ctx.policies.triage,
  );
  // An internal escalation is at least its floor, and has the internal first-response target.
  const priority = inquiry.internal ? atLeast(result.priority, inquiry.internal.priorityFloor) : result.priority;
  const topConsumer = topConsumerOf(ctx.profile?.tier, undefined, ctx.policies.sla);
  const plannedByPriority = planDeadlines({ openedAt: ctx.now, priority, topConsumer: topConsumer !== undefined }, ctx.policies.sla);
  if ('paused' in plannedByPriority) throw new Error('a new case has no pauses');
  const at = ctx.now.toISOString();
  const planned = withInternalTarget(plannedByPriority, at, inquiry.internal, ctx.policies.sla.calendar);
  const record: CaseRecord = {
    caseId: ctx.caseId,
    reference: ctx.reference,
    status: 'new',
    channel: inquiry.channel,
    requester: inquiry.requester,
    subject: inquiry.subject,
    message: inquiry.message,
    ...(inquiry.amount !== undefined && { amount: inquiry.amount }),
    ...(inquiry.currency !== undefined && { currency: inquiry.currency }),
    ...(inquiry.transactionId !== undefined && { transactionId: inquiry.transactionId }),
    attachments: inquiry.attachments ?? [],
    ...(inquiry.fullMessage !== undefined && { fullMessage: inquiry.fullMessage }),
    ...(inquiry.forwardedFrom && { forwardedFrom: inquiry.forwardedFrom }),
    ...(inquiry.internal && { internal: inquiry.internal }),
    ...(anyMasked(masked) && { masked }),
    category: result.category,
    categorySource: result.categorySource,
    priority,
    riskScore: result.riskScore,
    riskFactors: result.riskFactors,
    matchedKeywords: result.matchedKeywords,
    safetyCritical: result.safetyCritical,
    repeatCount: result.repeatCount,
    repeatOf: result.repeatOf,
    ...(ctx.profile && { valueTier: ctx.profile.tier }),
    ...(topConsumer && { topConsumer }),
    deadlines: planned,
    pauses: [],
    sla: { firstResponseWarned: false, firstResponseBreached: false, resolutionWarned: false, resolutionBreached: false },
    escalationCount: 0,
    openedAt: at,
    updatedAt: at,
    lastUserMessageAt: at,
    version: 1,
    lifecycleVersion: 1,
  };
  const event: CaseEvent = {
    caseId: ctx.caseId,
    version: 1,
    type: 'case.opened',
    at,
    actor: { kind: 'requester', email: inquiry.requester.email },
    data: {
      channel: inquiry.channel,
      reference: ctx.reference,
      category: result.category,
      priority,
      riskScore: result.riskScore,
      safetyCritical: result.safetyCritical,
      repeatCount: result.repeatCount,
      deadlines: planned,
      ...(topConsumer && { topConsumer: true }),
      attachments: record.attachments.length,
      ...(inquiry.internal && { internal: { reporter: inquiry.internal.reporter.id, onBehalfOf: inquiry.internal.onBehalfOf, ...(inquiry.internal.creatorUserIds && { creatorUserIds: inquiry.internal.creatorUserIds }) } }),
      ...(anyMasked(masked) && { masked }),
    },
  };
  return { record, event };
}

/** The requester's recent complaints kept for repeat detection: newest first, bounded, window-limited. */
export function rememberComplaint(
  recent: PriorComplaint[],
  added: PriorComplaint,
  now: Date,
  windowDays: number,
  keep = 50,
): PriorComplaint[] {
  const cutoff = now.getTime() - windowDays * 86_400_000;
  return [added, ...recent.filter((c) => Date.parse(c.openedAt) >= cutoff && c.caseId !== added.caseId)].slice(0, keep);
}
