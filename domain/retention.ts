// Retention and erasure (issue 14 point 3): what of a case is the requester's personal data, and the case
// skeleton that stays once it is erased — ids, reference, category, priority, status, timestamps, outcome,
// deadlines and SLA progress — so reports never change. Pure: it decides what to write (the skeleton with its
// `personal-data.erased` event, the redacted earlier events, the attachment objects to delete); the use case
// (functions/lib/use-cases/erase-personal-data.ts) writes it with the case's version check.
import type { Actor, CaseEvent, CaseRecord, ErasureMark } from './case.ts';
import type { PrivacyPolicy } from './privacy/policy.ts';

/** What stands where an erased text was: the timeline shows that something was there, never what. */
export const ERASED = '[erased]';

/**
 * Event data that is never personal: codes, counts, ids, timestamps, the agents' and policy's words about
 * the case's state. Everything else in an event's data (messages, notes, summaries, reasons, addresses,
 * subjects, Message-IDs, attachment lists) is erased. A whitelist, so a field added later is erased until
 * someone decides it is not personal.
 */
const KEPT_EVENT_FIELDS = new Set([
  'channel', 'reference', 'category', 'priority', 'riskScore', 'safetyCritical', 'repeatCount', 'deadlines',
  'firstResponse', 'outcome', 'from', 'to', 'reopened', 'deadline', 'dueAt', 'escalationId', 'startTier', 'tier',
  'kind', 'rules', 'proposedBy', 'approval', 'masked', 'previous', 'assignee', 'permanent', 'status', 'action',
  'notice', 'erasureId', 'erased', 'by', 'since', 'intoCaseId', 'intoReference', 'fromCaseId', 'fromReference', 'messagesOmitted', 'resolution', 'rating',
]);

/** Why a case's personal data was erased: the person asked, or the retention policy's time ran out. */
export type ErasureReason = ErasureMark['reason'];

export interface ErasureCounts {
  /** Personal fields of the case item (requester, subject, message, amount…) that held something. */
  caseFields: number;
  /** Earlier events of the timeline whose data or actor held personal data. */
  events: number;
  /** Attachment objects deleted from the mail bucket. */
  attachments: number;
}

export interface CaseErasure {
  /** The skeleton, one version on, and the audited event saying what was erased (counts, never values). */
  record: CaseRecord;
  event: CaseEvent;
  /** Earlier events rewritten without their personal data (only those that had any). */
  redactedEvents: CaseEvent[];
  /** Mail-bucket objects of the case: attachments, and the raw inbound MIME they came in. */
  blobKeys: string[];
  counts: ErasureCounts;
}

/** Held cases are touched by neither retention nor an erasure request; erased ones have nothing left to erase. */
export const mayErase = (record: CaseRecord): boolean => !record.legalHold && !record.erased;

/** Closed long enough ago that the retention policy erases its personal data (and not held, not erased yet). */
export function retentionDue(record: CaseRecord, now: Date, policy: Pick<PrivacyPolicy, 'closedCaseRetentionDays'>): boolean {
  if (record.status !== 'closed' || !record.closedAt || !mayErase(record)) return false;
  return Date.parse(record.closedAt) <= now.getTime() - policy.closedCaseRetentionDays * 86_400_000;
}

/** The instant before which a case must have been closed for retention to erase it. */
export const retentionCutoff = (now: Date, policy: Pick<PrivacyPolicy, 'closedCaseRetentionDays'>): string =>
  new Date(now.getTime() - policy.closedCaseRetentionDays * 86_400_000).toISOString();

/** The case item's fields that are the requester's or say what they wrote. */
const PERSONAL_CASE_FIELDS = ['amount', 'currency', 'transactionId', 'fullMessage', 'forwardedFrom', 'requesterUndeliverable', 'matchedKeywords', 'repeatOf'] as const;

function redactedData(data: Record<string, unknown>): { data: Record<string, unknown>; changed: boolean } {
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (KEPT_EVENT_FIELDS.has(key)) out[key] = value;
    else if (key === 'attachments') {
      // A count stays a count; a list of files becomes how many there were.
      const count = Array.isArray(value) ? value.length : value;
      changed ||= Array.isArray(value) && value.length > 0;
      out[key] = count;
    } else if (value !== undefined && value !== null && value !== '' && value !== ERASED) {
      out[key] = ERASED;
      changed = true;
    } else out[key] = value;
  }
  return { data: out, changed };
}

function redactedActor(actor: Actor): { actor: Actor; changed: boolean } {
  return actor.kind === 'requester' && actor.email !== '' ? { actor: { kind: 'requester', email: '' }, changed: true } : { actor, changed: false };
}

/** The raw inbound MIME an attachment came in with: attachments/<messageId>/… was inbound/<messageId>. */
function inboundKeyOf(attachmentKey: string, inboundPrefix: string): string | undefined {
  const match = /^attachments\/([^/]+)\//.exec(attachmentKey);
  return match ? `${inboundPrefix}${match[1]}` : undefined;
}

/**
 * Erases the requester's personal data from a case and its timeline. The skeleton keeps what reports and
 * audits need; the requester becomes an empty address (nothing is ever emailed to it), texts become `[erased]`,
 * attachments go. Throws when the case may not be erased (held, or erased already): check `mayErase` first.
 */
export function eraseCase(
  current: CaseRecord,
  timeline: readonly CaseEvent[],
  o: { now: Date; actor: Actor; reason: ErasureReason; erasureId: string; inboundPrefix: string },
): CaseErasure {
  if (!mayErase(current)) throw new Error(`case ${current.caseId} may not be erased`);
  const at = o.now.toISOString();
  const redactedEvents: CaseEvent[] = [];
  for (const e of timeline) {
    const data = redactedData(e.data);
    const actor = redactedActor(e.actor);
    if (data.changed || actor.changed) redactedEvents.push({ ...e, data: data.data, actor: actor.actor });
  }
  const keys = new Set<string>();
  const attachments = [...current.attachments, ...timeline.flatMap((e) => (Array.isArray(e.data.attachments) ? (e.data.attachments as CaseRecord['attachments']) : []))];
  for (const a of attachments) {
    if (typeof a?.key !== 'string') continue;
    keys.add(a.key);
    const inbound = inboundKeyOf(a.key, o.inboundPrefix);
    if (inbound) keys.add(inbound);
  }
  const attachmentCount = new Set(attachments.map((a) => a?.key).filter(Boolean)).size;
  const r = current.requester;
  let caseFields = (r.email ? 1 : 0) + (r.name ? 1 : 0) + (r.userId ? 1 : 0) + (current.subject !== ERASED ? 1 : 0) + (current.message !== ERASED ? 1 : 0);
  for (const f of PERSONAL_CASE_FIELDS) {
    const v = current[f];
    if (v !== undefined && !(Array.isArray(v) && v.length === 0)) caseFields++;
  }
  const riskFactors = current.riskFactors.map((f) => ({ code: f.code, points: f.points, detail: ERASED }));
  const approval = current.approval && {
    ...current.approval,
    ...(current.approval.summary && { summary: ERASED }),
    ...(current.approval.reason && { reason: ERASED }),
  };
  // The evidence keeps what it found (codes, points, the respond-by) and loses whose account and which transactions.
  const evidence = current.evidence && {
    gatheredAt: current.evidence.gatheredAt,
    transactionIds: [],
    findings: current.evidence.findings.map((f) => ({ code: f.code, points: f.points, explanation: ERASED, transactionIds: [], ...(f.respondBy && { respondBy: f.respondBy }) })),
    ...(current.evidence.resolveBy && { resolveBy: current.evidence.resolveBy }),
    linkedAccounts: current.evidence.linkedAccounts,
    ...(current.evidence.ring && { ring: current.evidence.ring }),
  };
  if (current.evidence?.userId || current.evidence?.transactionIds.length) caseFields++;
  const erased: ErasureMark = { at, reason: o.reason, erasureId: o.erasureId };
  const counts: ErasureCounts = { caseFields, events: redactedEvents.length, attachments: attachmentCount };
  const version = current.version + 1;
  const record: CaseRecord = {
    ...current,
    requester: { email: '' },
    subject: ERASED,
    message: ERASED,
    attachments: [],
    riskFactors,
    matchedKeywords: [],
    repeatOf: [],
    ...(approval && { approval }),
    ...(evidence && { evidence }),
    // The score stays (the reports count it); what the requester wrote with it goes.
    ...(current.satisfaction?.comment && { satisfaction: { ...current.satisfaction, comment: ERASED } }),
    amount: undefined,
    currency: undefined,
    transactionId: undefined,
    fullMessage: undefined,
    forwardedFrom: undefined,
    requesterUndeliverable: undefined,
    erased,
    updatedAt: at,
    version,
  };
  const event: CaseEvent = { caseId: current.caseId, version, type: 'personal-data.erased', at, actor: o.actor, data: { erasureId: o.erasureId, reason: o.reason, erased: counts } };
  return { record, event, redactedEvents, blobKeys: [...keys].sort(), counts };
}
