// Emails that follow committed events (the stream is the outbox): once per event, even when redelivered.
//
// The guarantee, and why: SES takes no idempotency key, so no sender can make "sent" and "recorded as
// sent" one step. Each email is claimed in the cases table before it is sent (claim → send → mark sent):
// - a claim marked sent is never sent again (stream redelivery, workflow retries, a restart);
// - a pending claim is leased to its taker (OneOffClaims): a retry that meets it while its taker may
//   still run waits, then fails to be retried later, so two live senders never send the same email;
// - a failed send gives its claim back, so the retry sends it;
// - a send that succeeded is never given back, even if recording it fails (that would send it twice);
// - a taker that crashed (or timed out) between the claim and the mark leaves the claim pending; once
//   its lease ran out the redelivery takes it again: AT LEAST ONCE. The email is never lost; it is sent
//   twice only when the crash fell between SES accepting it and the mark being written.
//
// Nothing is sent that should not be: an email to an address whose mail bounced waits until the
// requester writes again, and the loop breaker sends one address at most a few acknowledgements an
// hour (an autoresponder that does not say so answers every acknowledgement with a new message). A
// claimed notice that is held back is recorded as withheld, with why, and never sent later.
import type { CaseEvent, CaseRecord } from '#domain/case.ts';
import { acknowledgementDecision, acknowledgementHour, type EmailPolicy } from '#domain/email/loop-breaker.ts';
import { logger } from '../logger.ts';
import type { CaseStore, Clock, Mailer, OutboundEmail, SigningKey } from '../ports.ts';
import { ratingLinks } from '../rating-links.ts';
import { asksForRating } from '#domain/satisfaction.ts';
import type { Outcome } from '#domain/case.ts';
import type { TeamsPolicy } from '#domain/consult.ts';
import {
  acknowledgementEmail,
  approvalReminderEmail,
  agentMessageEmail,
  closedNoticeEmail,
  consultEscalationEmail,
  consultQuestionEmail,
  consultReminderEmail,
  mergedNoticeEmail,
  reporterUpdateEmail,
  resolvedEmail,
  ringAlertEmail,
  warningEmail,
} from './email-templates.ts';

export interface NotifyDeps {
  store: CaseStore;
  mailer: Mailer;
  /** Where requesters reply (the intake address). */
  replyTo: string;
  warningsAddress: string;
  /** Where a possible ring is reported (the risk tier of the escalation policy). */
  riskTeamAddress: string;
  /** Where a reminder about a pending four-eyes approval goes. */
  approversAddress: string;
  consoleUrl: string;
  emailPolicy: EmailPolicy;
  /** The teams consults go to (config/teams.json). */
  teams: TeamsPolicy;
  /** The resolution email's rating links: signed with the key, pointing at the ratings page, valid for so many days. */
  ratings?: { key: SigningKey; url: string; lifetimeDays: number; clock: Clock };
}

type RatingLinks = { score: number; url: string }[];

/** The rating links a resolution event calls for: none for duplicates, incidents, or an event from before ratings. */
async function ratingLinksFor(event: CaseEvent, record: CaseRecord, deps: NotifyDeps): Promise<RatingLinks | undefined> {
  const resolution = event.data.resolution;
  if (!deps.ratings || event.type !== 'case.resolved' || typeof resolution !== 'number') return undefined;
  if (!asksForRating(record, event.data.outcome as Outcome | undefined)) return undefined;
  return ratingLinks(deps.ratings.key, deps.ratings.url, { caseId: record.caseId, resolution }, deps.ratings.clock.now(), deps.ratings.lifetimeDays);
}

export type NotifyOutcome = SendOutcome | 'no-case' | 'nothing-to-send';
export type SendOutcome = 'sent' | 'already-sent' | 'withheld';

/** The email an event calls for, if any. */
export function emailFor(
  event: CaseEvent,
  record: CaseRecord,
  deps: Pick<NotifyDeps, 'replyTo' | 'warningsAddress' | 'approversAddress' | 'consoleUrl' | 'teams'>,
  links?: RatingLinks,
): OutboundEmail | undefined {
  const data = event.data;
  switch (event.type) {
    case 'consult.asked':
    case 'consult.reminded':
    case 'consult.escalated': {
      // The question to the team, its reminder before the target, and its escalation to the team's lead at it.
      const consult = record.consults?.find((c) => c.id === data.consultId);
      const team = deps.teams.teams.find((t) => t.name === consult?.team);
      if (!consult || !team) return undefined;
      if (event.type === 'consult.asked') return consultQuestionEmail(record, consult, team, deps.replyTo, deps.consoleUrl);
      // An answer that came meanwhile makes the reminder or escalation moot.
      if (consult.status !== 'open') return undefined;
      return event.type === 'consult.reminded' ? consultReminderEmail(record, consult, team, deps.replyTo) : consultEscalationEmail(record, consult, team, deps.replyTo);
    }
    case 'case.opened':
      return record.channel === 'system' ? undefined : acknowledgementEmail(record, deps.replyTo);
    case 'agent.replied':
    case 'agent.requested-info':
      return agentMessageEmail(record, String(data.message ?? ''), event.type === 'agent.requested-info', deps.replyTo);
    case 'case.resolved':
      return resolvedEmail(record, typeof data.summary === 'string' ? data.summary : undefined, deps.replyTo, links);
    case 'case.closed':
      return closedNoticeEmail(record, String(data.reason ?? ''), deps.replyTo);
    case 'case.merged':
      // The duplicate's requester hears once that it goes on under the target; `case.merged-in` sends nothing.
      return mergedNoticeEmail(record, String(data.intoReference ?? ''), deps.replyTo);
    case 'approval.reminded':
      // approval.requested sends nothing: the requester hears of a resolution once it is approved (case.resolved).
      return approvalReminderEmail(record, String(data.proposedBy ?? ''), Array.isArray(data.rules) ? data.rules.map(String) : [], deps.approversAddress, deps.consoleUrl);
    case 'sla.warning':
      return warningEmail(record, String(data.deadline), String(data.dueAt), deps.warningsAddress, deps.consoleUrl);
    default:
      return undefined;
  }
}

/** The internal reporter of an escalation hears of what the requester hears: the agents' replies and the resolution. */
function reporterEmailFor(event: CaseEvent, record: CaseRecord, deps: Pick<NotifyDeps, 'consoleUrl'>): OutboundEmail | undefined {
  const to = record.internal?.reporter.email;
  if (!to || (event.type !== 'agent.replied' && event.type !== 'case.resolved')) return undefined;
  const text = typeof event.data.message === 'string' ? event.data.message : typeof event.data.summary === 'string' ? event.data.summary : undefined;
  return reporterUpdateEmail(record, to, event.type === 'case.resolved' ? 'resolved' : 'replied', text, deps.consoleUrl);
}

/**
 * A possible ring in the evidence: the risk team hears of it once per ring, whichever case saw it first; the
 * claim is keyed by the ring (its key is stable as accounts join, domain/evidence), not by the case.
 */
async function ringAlert(deps: NotifyDeps, event: CaseEvent, record: CaseRecord): Promise<NotifyOutcome> {
  const ring = event.data.ring as { key: string; accounts: number };
  const findings = Array.isArray(event.data.findings) ? (event.data.findings as { code: string; explanation: string }[]) : [];
  const explanation = findings.find((f) => f.code === 'possible_ring')?.explanation ?? '';
  const linked = Array.isArray(event.data.linkedAccounts) ? (event.data.linkedAccounts as { userId: string }[]).map((l) => l.userId) : [];
  return sendNoticeOnce(deps, `ring-${ring.key}`, 'possible-ring', ringAlertEmail(record, ring, explanation, linked, deps.riskTeamAddress, deps.consoleUrl));
}

export async function notifyFor(deps: NotifyDeps, event: CaseEvent): Promise<NotifyOutcome> {
  const record = await deps.store.getCase(event.caseId);
  if (!record) return 'no-case';
  if (event.type === 'evidence.gathered') return event.data.ring ? ringAlert(deps, event, record) : 'nothing-to-send';
  const reporterEmail = reporterEmailFor(event, record, deps);
  // Its own notice: sent once, whatever happens to the requester's email.
  if (reporterEmail) await sendNoticeOnce(deps, event.caseId, `${event.type}-${event.version}-reporter`, reporterEmail);
  const email = emailFor(event, record, deps, await ratingLinksFor(event, record, deps));
  // An erased requester has no address left: nothing goes to them (the erasure event itself sends nothing).
  if (!email?.to) return 'nothing-to-send';
  return sendNoticeOnce(deps, event.caseId, `${event.type}-${event.version}`, email, async () => {
    if (email.to === record.requester.email && (await deps.store.undeliverable(email.to))) return 'undeliverable address';
    if (event.type !== 'case.opened') return undefined;
    const nth = await deps.store.countAcknowledgement(email.to, acknowledgementHour(new Date(event.at)));
    return acknowledgementDecision(nth, deps.emailPolicy) === 'withhold' ? 'loop breaker: acknowledgements per sender per hour' : undefined;
  });
}

/**
 * Sends the email unless this notice of the case was sent (or withheld) already. `withholdReason`, asked
 * once the notice is claimed, may hold it back for good: it is then recorded as withheld with that reason.
 */
export async function sendNoticeOnce(
  deps: Pick<NotifyDeps, 'store' | 'mailer'>,
  caseId: string,
  notice: string,
  email: OutboundEmail,
  withholdReason: () => Promise<string | undefined> = async () => undefined,
): Promise<SendOutcome> {
  if (!(await deps.store.claimNotice(caseId, notice))) return 'already-sent';
  let reason: string | undefined;
  try {
    reason = await withholdReason();
  } catch (error) {
    await deps.store.releaseNotice(caseId, notice);
    throw error;
  }
  if (reason) {
    await deps.store.markNoticeWithheld(caseId, notice, reason);
    logger.info('email withheld', { caseId, notice, reason });
    return 'withheld';
  }
  let providerId: string;
  try {
    providerId = await deps.mailer.send(email);
  } catch (error) {
    await deps.store.releaseNotice(caseId, notice);
    throw error;
  }
  try {
    await deps.store.markNoticeSent(caseId, notice, providerId, email.to);
  } catch (error) {
    // Sent: the claim stays pending rather than be given back (a retry would send it twice). Only a
    // later redelivery of this very event could take it again.
    logger.warn('email sent but not recorded as sent', { caseId, notice, providerId, error: (error as Error).name });
  }
  return 'sent';
}
