import type { CaseRecord } from '#domain/case.ts';
import { openConsults } from '#domain/consult.ts';
import type { CaseSummary } from './ports.ts';

/** What a queue row shows of a case. */
export function summarizeCase(r: CaseRecord): CaseSummary {
  const open = openConsults(r);
  return {
    caseId: r.caseId,
    reference: r.reference,
    status: r.status,
    channel: r.channel,
    category: r.category,
    priority: r.priority,
    riskScore: r.riskScore,
    ...(r.topConsumer && { topConsumer: true }),
    subject: r.subject,
    requesterEmail: r.requester.email,
    openedAt: r.openedAt,
    updatedAt: r.updatedAt,
    deadlines: r.deadlines,
    sla: r.sla,
    ...(r.firstRespondedAt && { firstRespondedAt: r.firstRespondedAt }),
    ...(r.assignee && { assignee: r.assignee }),
    ...(r.escalation && { escalation: r.escalation }),
    ...(r.requesterUndeliverable && { requesterUndeliverable: r.requesterUndeliverable }),
    ...(r.internal && { internalReporter: r.internal.reporter.id }),
    ...(open.length > 0 && { openConsults: open.length, blockedOnConsult: open.some((c) => c.blocking) }),
    version: r.version,
  };
}
