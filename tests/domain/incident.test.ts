// Incident rules: opening one by hand, linking a case (both sides change, refusals say why), and the
// per-case decision of resolve-linked (resolved with the message, proposed under four-eyes, a case this
// very run resolved already reported again without a change, others skipped with why).
import { describe, expect, it } from 'vitest';
import type { CaseRecord } from '#domain/case.ts';
import { INCIDENT_REQUESTER, linkToIncident, MAX_LINKED_CASES, openManualIncident, recordResolvedLinked, resolveLinkedActionId, resolveLinkedCase } from '#domain/incident.ts';
import { TransitionError } from '#domain/lifecycle.ts';
import { fourEyes } from '#lib/governance-config.ts';
import { policies } from '#lib/policies.ts';
import { CASE_ID, HOUR, NO_FOUR_EYES, at, caseAt, deepFreeze } from '../functions/lifecycle-fakes.ts';

const NOW = at(HOUR);
const INCIDENT_ID = '00000000-0000-4000-8000-00000000a001';
const lead = { kind: 'agent' as const, id: 'lead-1', role: 'lead' };

const incident = (overrides: Partial<CaseRecord> = {}): CaseRecord => {
  const { record } = openManualIncident({ title: 'Gift delivery outage', message: 'Gifts sent since 14:00 are not credited.', category: 'gifts_coins' }, { caseId: INCIDENT_ID, reference: 'TD-INC001', now: NOW, policies, openedBy: 'lead-1' });
  return { ...record, ...overrides };
};
const run = { actionId: resolveLinkedActionId(INCIDENT_ID, 3), incidentCaseId: INCIDENT_ID, message: 'The outage is fixed; your gifts were credited.', outcome: 'resolved' as const };

describe('openManualIncident', () => {
  it('opens a P1 system case with a manual key, no linked cases, and who opened it', () => {
    const { record, event } = openManualIncident({ title: 'Payout delays', message: 'Payouts are stuck.', category: 'payout' }, { caseId: INCIDENT_ID, reference: 'TD-INC001', now: NOW, policies, openedBy: 'lead-1' });
    expect(record).toMatchObject({ channel: 'system', priority: 'P1', subject: 'Payout delays', category: 'payout', requester: { email: INCIDENT_REQUESTER }, incident: { key: `manual-${INCIDENT_ID}`, linkedCaseIds: [], openedBy: 'lead-1' } });
    expect(record.incident?.lastHour).toBeUndefined();
    expect(event).toMatchObject({ type: 'incident.opened', version: 1, actor: { kind: 'agent', id: 'lead-1' }, data: { incidentKey: `manual-${INCIDENT_ID}`, manual: true, priority: 'P1' } });
  });
});

describe('linkToIncident', () => {
  it('changes both: the case names the incident, the incident lists the case, each with its own event', () => {
    const target = deepFreeze(caseAt('P3'));
    const inc = deepFreeze(incident());
    const { linked, incident: changed } = linkToIncident(target, inc, lead, NOW);
    expect(linked.record).toMatchObject({ incidentCaseId: INCIDENT_ID, version: 2 });
    expect(linked.event).toMatchObject({ caseId: CASE_ID, version: 2, type: 'incident.linked', data: { incidentCaseId: INCIDENT_ID, incidentReference: 'TD-INC001' } });
    expect(changed.record.incident?.linkedCaseIds).toEqual([CASE_ID]);
    expect(changed.event).toMatchObject({ caseId: INCIDENT_ID, version: 2, type: 'incident.case-linked', data: { caseId: CASE_ID, linked: 1 } });
  });

  it('does not list a case twice that a surge listed already', () => {
    const { incident: changed } = linkToIncident(caseAt('P3'), incident({ incident: { key: 'k', linkedCaseIds: [CASE_ID], lastHour: 9, baseline: 1 } }), lead, NOW);
    expect(changed.record.incident?.linkedCaseIds).toEqual([CASE_ID]);
  });

  it.each([
    ['a case that is no incident', () => [caseAt('P3'), caseAt('P2', { caseId: INCIDENT_ID })], 'not an incident'],
    ['a resolved incident', () => [caseAt('P3'), incident({ status: 'resolved' })], 'incident is resolved'],
    ['a closed incident', () => [caseAt('P3'), incident({ status: 'closed' })], 'incident is closed'],
    ['an incident to an incident', () => [incident({ caseId: CASE_ID }), incident()], 'cannot be linked to another incident'],
    ['the incident to itself', () => [incident(), incident()], 'to itself'],
    ['a case linked already', () => [caseAt('P3', { incidentCaseId: INCIDENT_ID }), incident()], 'already linked to this incident'],
    ['a case linked elsewhere', () => [caseAt('P3', { incidentCaseId: 'other' }), incident()], 'already linked to incident other'],
    ['a full incident', () => [caseAt('P3'), incident({ incident: { key: 'k', linkedCaseIds: Array.from({ length: MAX_LINKED_CASES }, (_, i) => `c${i}`) } })], `already links ${MAX_LINKED_CASES}`],
  ] as const)('refuses %s, saying why', (_name, make, why) => {
    const [target, inc] = make() as unknown as [CaseRecord, CaseRecord];
    expect(() => linkToIncident(target, inc, lead, NOW)).toThrow(TransitionError);
    expect(() => linkToIncident(target, inc, lead, NOW)).toThrow(why);
  });
});

describe('resolveLinkedCase', () => {
  it('resolves an open case with the message as its summary, marking the event and the case with the run', () => {
    const outcome = resolveLinkedCase(deepFreeze(caseAt('P3', { status: 'investigating' })), run, lead, NOW, policies.sla, NO_FOUR_EYES);
    expect(outcome.kind).toBe('resolved');
    if (outcome.kind !== 'resolved') return;
    expect(outcome.change?.event).toMatchObject({ type: 'case.resolved', data: { outcome: 'resolved', summary: run.message, incidentCaseId: INCIDENT_ID, incidentActionId: run.actionId } });
    expect(outcome.change?.record).toMatchObject({ status: 'resolved', outcome: 'resolved', incidentResolution: { incidentCaseId: INCIDENT_ID, actionId: run.actionId } });
  });

  it('reports a case this run resolved already without changing it again (a retry)', () => {
    const done = caseAt('P3', { status: 'resolved', incidentResolution: { incidentCaseId: INCIDENT_ID, actionId: run.actionId } });
    expect(resolveLinkedCase(done, run, lead, NOW, policies.sla, NO_FOUR_EYES)).toEqual({ kind: 'resolved' });
  });

  it('makes a proposal where a four-eyes rule applies', () => {
    const outcome = resolveLinkedCase(caseAt('P3', { status: 'investigating' }), { ...run, outcome: 'confirmed_risk' }, lead, NOW, policies.sla, fourEyes);
    expect(outcome.kind).toBe('proposed');
    if (outcome.kind === 'proposed') expect(outcome.change?.event).toMatchObject({ type: 'approval.requested', data: { incidentActionId: run.actionId } });
  });

  it.each([
    ['resolved', { status: 'resolved' as const }, 'already resolved'],
    ['closed', { status: 'closed' as const }, 'already closed'],
    ['pending approval', { status: 'pending_approval' as const }, 'waiting for approval'],
  ])('skips a %s case with why', (_name, overrides, reason) => {
    expect(resolveLinkedCase(caseAt('P3', overrides), run, lead, NOW, policies.sla, NO_FOUR_EYES)).toEqual({ kind: 'skipped', reason });
  });

  it('skips a case that no longer exists', () => {
    expect(resolveLinkedCase(undefined, run, lead, NOW, policies.sla, NO_FOUR_EYES)).toEqual({ kind: 'skipped', reason: 'no such case' });
  });
});

describe('recordResolvedLinked', () => {
  it('is one event on the incident with every case and the counts, card data masked out of the message', () => {
    const summary = { resolvedCaseIds: ['a', 'b'], proposedCaseIds: [], skippedCases: [{ caseId: 'c', reason: 'already closed' }] };
    const change = recordResolvedLinked(incident(), { ...run, message: 'Refunded to card 4111 1111 1111 1111.' }, summary, lead, NOW);
    expect(change.event).toMatchObject({ type: 'incident.resolved-linked', data: { actionId: run.actionId, resolved: 2, proposed: 0, skipped: 1, ...summary } });
    expect(String(change.event.data.message)).not.toContain('4111 1111 1111 1111');
    expect(change.record.incident?.resolvedLinked).toEqual({ actionId: run.actionId, at: NOW.toISOString(), by: 'lead-1', outcome: 'resolved', resolved: 2, proposed: 0, skipped: 1 });
  });
});
