// A consulted team answers: an internal user through the API, or anyone replying to the question's email
// with its [consult:<token>] still in the subject. The answer lands on the case as `consult.answered` with
// its turnaround (business minutes on the team's calendar) and whether it came within the team's target.
// An answer that fits no open consult — a forged token, an unknown consult, one answered already — changes
// nothing: the API says why (404/409/403), an email gets a reply saying why, once per message.
import type { CaseEvent, CaseRecord } from '#domain/case.ts';
import { answerConsult, ConsultAnswerError, type TeamsPolicy } from '#domain/consult.ts';
import type { Change } from '#domain/change.ts';
import type { SlaPolicy } from '#domain/sla/policy.ts';
import { BusyError, ConflictError, ForbiddenError, NotFoundError } from '../errors.ts';
import { requireRole, type Agent } from '../http.ts';
import type { CaseStore, Clock, IdempotencyClaim, Mailer } from '../ports.ts';
import { withoutSecrets, type ShownCase } from './act-on-case.ts';
import { saveCaseChange } from './change-case.ts';
import { consultRefusedEmail } from './email-templates.ts';
import { sendNoticeOnce } from './notify.ts';
import { isCaseId } from './read-cases.ts';

export interface AnswerDeps {
  store: CaseStore;
  clock: Clock;
  sla: SlaPolicy;
  teams: TeamsPolicy;
}

/** The roles that answer consults through the API: the internal teams' people. */
export const CONSULT_ANSWERERS = ['internal'] as const;

export async function answerConsultByApi(
  deps: AnswerDeps,
  request: { caseId: string; consultId: string; agent: Agent; answer: string },
): Promise<{ case: ShownCase; event: CaseEvent }> {
  requireRole(request.agent, CONSULT_ANSWERERS);
  for (let attempt = 0; attempt < 4; attempt++) {
    const current = isCaseId(request.caseId) ? await deps.store.getCase(request.caseId) : undefined;
    if (!current) throw new NotFoundError('No such consult');
    let change: Change;
    try {
      change = answerConsult(current, request.answer, { via: 'api', consultId: request.consultId, userId: request.agent.id, role: 'internal' }, deps.clock.now(), { teams: deps.teams, calendar: deps.sla.calendar });
    } catch (error) {
      if (!(error instanceof ConsultAnswerError)) throw error;
      // Unknown case and unknown consult read the same: nothing tells which ids exist.
      if (error.reason === 'unknown') throw new NotFoundError('No such consult');
      if (error.reason === 'answered') throw new ConflictError(error.message);
      throw new ForbiddenError(error.message);
    }
    const outcome = await deps.store.saveChange(change);
    if (outcome.kind === 'saved') return { case: withoutSecrets(change.record), event: change.event };
  }
  throw new BusyError();
}

export interface EmailAnswerDeps extends Pick<AnswerDeps, 'store' | 'clock' | 'sla' | 'teams'> {
  mailer: Mailer;
}

export type EmailAnswerOutcome = { outcome: 'consult-answered'; caseId: string; reference: string; version: number } | { outcome: 'consult-refused'; reason: string };

/**
 * An email answer to a consult: the reference in its subject names the case, the token the consult. A
 * redelivery of the same message is answered from its idempotency claim (nothing written twice).
 */
export async function answerConsultByEmail(
  deps: EmailAnswerDeps,
  mail: { token: string; caseId: string | undefined; from: string; subject: string; text: string; messageId?: string },
  idempotency: () => IdempotencyClaim,
): Promise<EmailAnswerOutcome> {
  const refuse = async (reason: string, current: CaseRecord | undefined): Promise<EmailAnswerOutcome> => {
    // One reply per message, kept with the case it named (or with the refusals of no case).
    const notice = `consult-refused-${idempotency().fingerprint.replace(/[^A-Za-z0-9._@-]/g, '_')}`;
    await sendNoticeOnce(deps, current?.caseId ?? 'CONSULT-REFUSALS', notice, consultRefusedEmail(mail.from, mail.subject, reason, current?.reference));
    return { outcome: 'consult-refused', reason };
  };
  const current = mail.caseId ? await deps.store.getCase(mail.caseId) : undefined;
  if (!current) return refuse('We could not find the case this answer is for. Keep the subject of the question as it was (its case reference and consult token) when you reply.', undefined);
  const key = idempotency().fingerprint;
  // A redelivery of the email that answered: the answer stands, nothing is written or sent again.
  if (current.consults?.some((c) => c.token === mail.token && c.answerMessageKey === key)) {
    return { outcome: 'consult-answered', caseId: current.caseId, reference: current.reference, version: current.version };
  }
  let refused: string | undefined;
  const saved = await saveCaseChange(deps.store, current.caseId, idempotency, (latest) => {
    try {
      return answerConsult(latest, mail.text, { via: 'email', token: mail.token, from: mail.from, messageKey: key }, deps.clock.now(), { teams: deps.teams, calendar: deps.sla.calendar });
    } catch (error) {
      if (!(error instanceof ConsultAnswerError)) throw error;
      refused = error.message;
      throw error;
    }
  }).catch((error: unknown) => {
    if (error instanceof ConsultAnswerError) return undefined;
    throw error;
  });
  if (refused || !saved) return refuse(refused ?? 'The case of this question is gone.', current);
  return { outcome: 'consult-answered', caseId: saved.caseId, reference: saved.reference, version: saved.version };
}
