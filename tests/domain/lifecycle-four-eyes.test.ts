// Four-eyes in the case's state machine: a resolution or reopening under the approval policy is a proposal
// that waits in pending_approval; a second lead or risk member approves or rejects it; nobody deciding
// brings a reminder, then an escalation at the L1 lead tier.
import { describe, expect, it } from 'vitest';
import type { CaseRecord } from '#domain/case.ts';
import { applyAgentAction, applyRequesterReply, FourEyesError, mayAct, nextTimer, onTimerExpired, REQUESTER_PROPOSER, TransitionError, workflowState, type AgentAction } from '#domain/lifecycle.ts';
import { fourEyes } from '#lib/governance-config.ts';
import { policies } from '#lib/policies.ts';
import { HOUR, MINUTE, NO_FOUR_EYES, at, caseAt, deepFreeze } from '../functions/lifecycle-fakes.ts';

const sla = policies.sla;
const { remindAfterMinutes, escalateAfterMinutes } = fourEyes.policy;
const agent = { kind: 'agent', id: 'agent-7', role: 'agent' } as const;
const lead = { kind: 'agent', id: 'lead-2', role: 'lead' } as const;
const risk = { kind: 'agent', id: 'risk-1', role: 'risk' } as const;
type AgentActor = typeof agent | typeof lead | typeof risk;

const act = (record: CaseRecord, action: AgentAction, now: Date, actor: AgentActor = agent) =>
  applyAgentAction(deepFreeze(structuredClone(record)), action, actor, now, sla, fourEyes);
const confirmedRisk: AgentAction = { type: 'resolve', outcome: 'confirmed_risk', summary: 'Stolen card; account banned.' };
const T1 = at(HOUR);
const T2 = at(2 * HOUR);

const investigating = () => act(caseAt('P3'), { type: 'reply', message: 'Looking.' }, at(30 * MINUTE)).record;
const proposed = () => act(investigating(), confirmedRisk, T1).record;

describe('a resolution under a four-eyes rule', () => {
  it('is a proposal: pending_approval, the proposal on the case, an approval.requested event, no resolution yet', () => {
    const { record, event } = act(investigating(), confirmedRisk, T1);
    expect(record).toMatchObject({ status: 'pending_approval', version: 3, lifecycleVersion: 3 });
    expect(record.outcome).toBeUndefined();
    expect(record.resolvedAt).toBeUndefined();
    expect(record.approval).toEqual({
      kind: 'resolve',
      outcome: 'confirmed_risk',
      summary: 'Stolen card; account banned.',
      rules: ['outcome confirmed_risk'],
      proposedBy: 'agent-7',
      proposedAt: T1.toISOString(),
      remindAt: new Date(T1.getTime() + remindAfterMinutes * MINUTE).toISOString(),
      escalateAt: new Date(T1.getTime() + escalateAfterMinutes * MINUTE).toISOString(),
      reminded: false,
      escalated: false,
    });
    expect(event).toMatchObject({ type: 'approval.requested', actor: agent, data: { kind: 'resolve', outcome: 'confirmed_risk', rules: ['outcome confirmed_risk'] } });
  });

  it('applies to any outcome on a safety case, and not at all without the policy', () => {
    const safety = act(caseAt('P2', { category: 'safety' }), { type: 'resolve', outcome: 'resolved' }, T1);
    expect(safety.record.status).toBe('pending_approval');
    expect(safety.record.approval?.rules).toEqual(['category safety']);
    const withoutPolicy = applyAgentAction(investigating(), confirmedRisk, agent, T1, sla, NO_FOUR_EYES);
    expect(withoutPolicy.record.status).toBe('resolved');
  });

  it('is resolved when another lead or risk member approves: a case.resolved event that names both people', () => {
    const { record, event } = act(proposed(), { type: 'approve' }, T2, lead);
    expect(record).toMatchObject({ status: 'resolved', outcome: 'confirmed_risk', resolvedAt: T2.toISOString() });
    expect(record.approval).toBeUndefined();
    expect(event).toMatchObject({
      type: 'case.resolved',
      actor: lead,
      data: { outcome: 'confirmed_risk', summary: 'Stolen card; account banned.', approval: { proposedBy: 'agent-7', proposedAt: T1.toISOString(), approvedBy: 'lead-2', rules: ['outcome confirmed_risk'] } },
    });
  });

  it('stands an active escalation down once approved, as a resolution does', () => {
    const escalated = act(investigating(), { type: 'escalate', reason: 'VIP' }, at(40 * MINUTE)).record;
    const pending = act(escalated, confirmedRisk, T1).record;
    expect(pending.escalation?.status).toBe('active');
    expect(act(pending, { type: 'approve' }, T2, risk).record.escalation?.status).toBe('stood_down');
  });

  it('goes back to investigating with the note when rejected', () => {
    const { record, event } = act(proposed(), { type: 'reject', note: 'The card was his own.' }, T2, risk);
    expect(record.status).toBe('investigating');
    expect(record.approval).toBeUndefined();
    expect(record.outcome).toBeUndefined();
    expect(event).toMatchObject({ type: 'approval.rejected', actor: risk, data: { kind: 'resolve', outcome: 'confirmed_risk', note: 'The card was his own.', proposedBy: 'agent-7', rules: ['outcome confirmed_risk'] } });
  });

  it('may not be approved or rejected by its proposer, even a lead: the refusal names the rule', () => {
    const byLead = act(investigating(), confirmedRisk, T1, lead).record;
    for (const decision of [{ type: 'approve' }, { type: 'reject', note: 'no' }] as AgentAction[]) {
      let error: unknown;
      try {
        act(byLead, decision, T2, lead);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FourEyesError);
      expect((error as Error).message).toContain('Four-eyes rule (outcome confirmed_risk)');
      expect((error as Error).message).toContain('you proposed this resolution');
    }
  });

  it('is decided once: a second approve or reject, or one on a case with nothing pending, is refused', () => {
    const resolved = act(proposed(), { type: 'approve' }, T2, lead).record;
    expect(() => act(resolved, { type: 'approve' }, T2, risk)).toThrow(TransitionError);
    expect(() => act(resolved, { type: 'reject', note: 'late' }, T2, risk)).toThrow(TransitionError);
    expect(() => act(investigating(), { type: 'approve' }, T2, lead)).toThrow(/nothing to approve or reject/);
  });

  it('holds replies and a second resolution until it is decided; notes and assignment go on', () => {
    const pending = proposed();
    expect(() => act(pending, { type: 'reply', message: 'x' }, T2)).toThrow(/waiting for approval/);
    expect(() => act(pending, { type: 'request-info', message: 'x' }, T2)).toThrow(/waiting for approval/);
    expect(() => act(pending, { type: 'resolve', outcome: 'resolved' }, T2)).toThrow(/waiting for approval/);
    expect(() => act(pending, { type: 'reopen' }, T2)).toThrow(TransitionError);
    expect(act(pending, { type: 'note', note: 'n' }, T2).record.status).toBe('pending_approval');
    expect(act(pending, { type: 'assign', assignee: 'lead-2' }, T2).record.status).toBe('pending_approval');
  });

  it('is decided by leads and the risk team only', () => {
    expect(mayAct(['agent'], 'approve')).toBe(false);
    expect(mayAct(['agent'], 'reject')).toBe(false);
    expect(mayAct(['lead'], 'approve')).toBe(true);
    expect(mayAct(['risk'], 'reject')).toBe(true);
  });
});

describe('reopening a confirmed risk', () => {
  const resolvedAsRisk = () => act(proposed(), { type: 'approve' }, T2, lead).record;

  it('is a proposal too; approved, the case is reopened', () => {
    const { record, event } = act(resolvedAsRisk(), { type: 'reopen', reason: 'Charged again' }, at(3 * HOUR));
    expect(record.status).toBe('pending_approval');
    expect(record.approval).toMatchObject({ kind: 'reopen', reason: 'Charged again', from: 'resolved', rules: ['reopening a case resolved as confirmed_risk'] });
    expect(event).toMatchObject({ type: 'approval.requested', data: { kind: 'reopen', from: 'resolved' } });
    const approved = act(record, { type: 'approve' }, at(4 * HOUR), risk);
    expect(approved.record).toMatchObject({ status: 'investigating' });
    expect(approved.record.outcome).toBeUndefined();
    expect(approved.event).toMatchObject({ type: 'case.reopened', data: { from: 'resolved', reason: 'Charged again', approval: { proposedBy: 'agent-7', approvedBy: 'risk-1' } } });
  });

  it('rejected, leaves the case as it was (resolved, or closed)', () => {
    const closed = { ...resolvedAsRisk(), status: 'closed' as const, closedAt: at(3 * HOUR).toISOString() };
    const pending = act(closed, { type: 'reopen' }, at(4 * HOUR)).record;
    const { record, event } = act(pending, { type: 'reject', note: 'Nothing new' }, at(5 * HOUR), lead);
    expect(record).toMatchObject({ status: 'closed', outcome: 'confirmed_risk', closedAt: closed.closedAt });
    expect(event).toMatchObject({ type: 'approval.rejected', data: { kind: 'reopen', note: 'Nothing new' } });
  });

  it('needs no approval for other outcomes', () => {
    const resolved = act(investigating(), { type: 'resolve', outcome: 'resolved' }, T1).record;
    expect(act(resolved, { type: 'reopen' }, T2).record.status).toBe('investigating');
  });

  it("by the requester's own email is a proposal as well: the reply is kept, the case waits for any lead or risk member", () => {
    const closed = { ...resolvedAsRisk(), status: 'closed' as const, closedAt: at(3 * HOUR).toISOString() };
    const reply = { email: closed.requester.email, subject: 'Re: your case', message: 'It happened again.', attachments: [] };
    const { record, event } = applyRequesterReply(deepFreeze(structuredClone(closed)), reply, at(4 * HOUR), sla, fourEyes);
    expect(record).toMatchObject({ status: 'pending_approval', outcome: 'confirmed_risk', lastUserMessageAt: at(4 * HOUR).toISOString() });
    expect(record.approval).toMatchObject({ kind: 'reopen', from: 'closed', proposedBy: REQUESTER_PROPOSER, rules: ['reopening a case resolved as confirmed_risk'] });
    expect(event).toMatchObject({ type: 'requester.replied', data: { message: 'It happened again.', reopenProposed: true, from: 'closed' } });
    expect(event.data.reopened).toBeUndefined(); // the backlog counts the reopening once it is approved
    const approved = act(record, { type: 'approve' }, at(5 * HOUR), lead);
    expect(approved.record.status).toBe('investigating');
    expect(approved.event).toMatchObject({ type: 'case.reopened', data: { from: 'closed', approval: { proposedBy: REQUESTER_PROPOSER, approvedBy: 'lead-2' } } });
    // Other outcomes reopen at once, as before.
    const resolved = act(investigating(), { type: 'resolve', outcome: 'resolved' }, T1).record;
    expect(applyRequesterReply(resolved, reply, T2, sla, fourEyes).record.status).toBe('investigating');
  });
});

describe('the wait for a decision', () => {
  it('waits for the approval until the reminder, then until the escalation, then checks back', () => {
    const pending = proposed();
    expect(nextTimer(pending, T1, sla)).toEqual({ waitFor: 'approval', phase: 'approval-reminder', seconds: remindAfterMinutes * 60 });
    expect(workflowState(pending, T1, sla)).toMatchObject({ status: 'pending_approval', critical: false, due: false });
    const reminded = { ...pending, approval: { ...pending.approval!, reminded: true } };
    expect(nextTimer(reminded, T1, sla)).toEqual({ waitFor: 'approval', phase: 'approval-escalation', seconds: escalateAfterMinutes * 60 });
    const escalated = { ...pending, approval: { ...pending.approval!, reminded: true, escalated: true } };
    expect(nextTimer(escalated, T1, sla).phase).toBe('overdue');
  });

  it('reminds once at the reminder, then escalates once at the L1 lead tier; nothing before its time', () => {
    const pending = proposed();
    const remindAt = new Date(T1.getTime() + remindAfterMinutes * MINUTE);
    expect(onTimerExpired(pending, new Date(remindAt.getTime() - 1000), sla)).toBeUndefined();
    const reminder = onTimerExpired(deepFreeze(structuredClone(pending)), remindAt, sla)!;
    expect(reminder.event).toMatchObject({ type: 'approval.reminded', actor: { kind: 'system' }, data: { kind: 'resolve', proposedBy: 'agent-7', rules: ['outcome confirmed_risk'] } });
    expect(reminder.record).toMatchObject({ status: 'pending_approval', approval: { reminded: true, escalated: false } });
    expect(onTimerExpired(reminder.record, remindAt, sla)).toBeUndefined();

    const escalateAt = new Date(T1.getTime() + escalateAfterMinutes * MINUTE);
    const escalation = onTimerExpired(reminder.record, escalateAt, sla)!;
    expect(escalation.event).toMatchObject({ type: 'approval.escalated', data: { startTier: 'L1', reason: 'approval not decided in time' } });
    expect(escalation.record.escalation).toMatchObject({ status: 'active', startTier: 'L1' });
    expect(escalation.record.approval).toMatchObject({ escalated: true });
    expect(onTimerExpired(escalation.record, new Date(escalateAt.getTime() + HOUR), sla)).toBeUndefined();
  });

  it('stands that escalation down when the proposal is then rejected, but not an escalation started for another reason', () => {
    const late = new Date(T1.getTime() + escalateAfterMinutes * MINUTE);
    const reminded = onTimerExpired(proposed(), late, sla)!.record;
    const escalated = onTimerExpired(reminded, late, sla)!.record;
    expect(act(escalated, { type: 'reject', note: 'No.' }, late, lead).record.escalation?.status).toBe('stood_down');
    const vip = act(act(investigating(), { type: 'escalate', reason: 'VIP' }, at(40 * MINUTE)).record, confirmedRisk, T1).record;
    expect(act(vip, { type: 'reject', note: 'No.' }, T2, lead).record.escalation?.status).toBe('active');
  });

  it('starts no second escalation when one is running already', () => {
    const escalated = act(investigating(), { type: 'escalate', reason: 'VIP' }, at(40 * MINUTE)).record;
    const pending = act(escalated, confirmedRisk, T1).record;
    const late = new Date(T1.getTime() + escalateAfterMinutes * MINUTE);
    const reminded = onTimerExpired(pending, late, sla)!.record;
    const change = onTimerExpired(reminded, late, sla)!;
    expect(change.event.type).toBe('approval.escalated');
    expect(change.record.escalation?.id).toBe(pending.escalation?.id);
    expect(change.record.escalationCount).toBe(pending.escalationCount);
  });
});
