// A surge of one kind of complaint becomes an incident case that goes straight to the risk team.
import type { CaseEvent, CaseRecord, Category } from './case.ts';
import { openCase, type Policies } from './intake.ts';
import { planDeadlines } from './sla/deadlines.ts';

export interface Surge {
  incidentKey: string;
  category: Category;
  hour: string;
  lastHour: number;
  baseline: number;
  linkedCaseIds: string[];
}

export const INCIDENT_REQUESTER = 'risk-alerts@trustdesk.local';

export function openIncident(surge: Surge, ctx: { caseId: string; reference: string; now: Date; policies: Policies }): { record: CaseRecord; event: CaseEvent } {
  const label = surge.category.replace(/_/g, ' ');
  const opened = openCase(
    {
      channel: 'system',
      requester: { email: INCIDENT_REQUESTER, name: 'Surge detection' },
      subject: `Surge of ${label} complaints: ${surge.lastHour} in the hour ${surge.hour} (baseline ${surge.baseline})`,
      message: `${surge.lastHour} ${label} cases were opened in the hour starting ${surge.hour}, against a baseline of ${surge.baseline} for that hour. Linked cases: ${surge.linkedCaseIds.length}.`,
      categoryHint: surge.category,
    },
    { caseId: ctx.caseId, reference: ctx.reference, now: ctx.now, priorComplaints: [], policies: ctx.policies },
  );
  const deadlines = planDeadlines({ openedAt: ctx.now, priority: 'P1' }, ctx.policies.sla);
  const at = ctx.now.toISOString();
  const escalationId = `${ctx.caseId}-esc-1`;
  const record: CaseRecord = {
    ...opened.record,
    priority: 'P1',
    ...(!('paused' in deadlines) && { deadlines }),
    incident: { key: surge.incidentKey, linkedCaseIds: surge.linkedCaseIds, lastHour: surge.lastHour, baseline: surge.baseline },
    // Straight to the risk team: the signal consumer starts this escalation with the case.
    escalation: { id: escalationId, startTier: 'risk', status: 'active', reason: `surge of ${label}`, startedAt: at },
    escalationCount: 1,
  };
  const event: CaseEvent = {
    ...opened.event,
    type: 'incident.opened',
    data: { ...opened.event.data, priority: 'P1', incidentKey: surge.incidentKey, linkedCaseIds: surge.linkedCaseIds, lastHour: surge.lastHour, baseline: surge.baseline, escalationId },
  };
  return { record, event };
}
