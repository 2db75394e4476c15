// Internal requesters' rules: the priority floor, the internal first-response target on the business
// calendar (only when it is earlier), who may follow a case, and an internal escalation.
import { describe, expect, it } from 'vitest';
import { openCase } from '#domain/intake.ts';
import { atLeast, mayFollow, parseInternalPolicy, withInternalTarget, type InternalOrigin } from '#domain/internal.ts';
import { escalateInternally, TransitionError } from '#domain/lifecycle.ts';
import { addBusinessTime } from '#domain/sla/calendar.ts';
import { internalPolicy } from '#lib/internal-config.ts';
import { policies } from '#lib/policies.ts';
import { CASE_ID, MINUTE, OPENED, at, caseAt, inquiry } from '../functions/lifecycle-fakes.ts';

const origin: InternalOrigin = { reporter: { id: 'pm-1', email: 'pm@corp.example' }, onBehalfOf: 'creator', named: ['pm-2'], ...internalPolicy };
const cal = policies.sla.calendar;

describe('internal cases', () => {
  it('open at least at the floor, with the one-business-hour first-response target', () => {
    const { record, event } = openCase(inquiry({ channel: 'internal', internal: origin }), { caseId: CASE_ID, reference: 'TD-00000C', now: OPENED, priorComplaints: [], policies });
    expect(record.priority).toBe('P2');
    expect(record.deadlines.firstResponseDue).toBe(addBusinessTime(OPENED, 60 * MINUTE, cal).toISOString());
    expect(record.deadlines.firstResponseWarnAt).toBe(addBusinessTime(OPENED, 45 * MINUTE, cal).toISOString());
    expect(event.data).toMatchObject({ channel: 'internal', priority: 'P2', internal: { reporter: 'pm-1', onBehalfOf: 'creator' } });
  });

  it('keep an earlier deadline of their priority (P1 runs 24/7)', () => {
    const p1 = caseAt('P1');
    expect(withInternalTarget(p1.deadlines, p1.openedAt, origin, cal)).toEqual(p1.deadlines);
  });

  it('raise a priority only up to the floor', () => {
    expect(atLeast('P4', 'P2')).toBe('P2');
    expect(atLeast('P1', 'P2')).toBe('P1');
  });

  it('are followed by their reporter and the people named on them only', () => {
    const record = caseAt('P2', { internal: origin });
    expect([mayFollow(record, 'pm-1'), mayFollow(record, 'pm-2'), mayFollow(record, 'pm-3'), mayFollow(caseAt('P2'), 'pm-1')]).toEqual([true, true, false, false]);
  });

  it('escalated internally: priority to the floor, deadlines re-planned, the L1 chain started', () => {
    const current = caseAt('P4', { internal: origin });
    const { record, event } = escalateInternally(current, 'Creator live tonight', { kind: 'agent', id: 'pm-1', role: 'internal' }, at(5 * MINUTE), policies.sla, internalPolicy);
    expect(record.priority).toBe('P2');
    expect(record.deadlines.firstResponseDue).toBe(addBusinessTime(OPENED, 60 * MINUTE, cal).toISOString());
    expect(record.escalation).toMatchObject({ status: 'active', startTier: 'L1' });
    expect(event).toMatchObject({ type: 'internal.escalated', data: { from: 'P4', to: 'P2', by: 'pm-1' } });
    expect(() => escalateInternally(caseAt('P4', { status: 'closed' }), 'x', { kind: 'agent', id: 'pm-1', role: 'internal' }, at(5 * MINUTE), policies.sla, internalPolicy)).toThrow(TransitionError);
  });

  it('have a policy with the documented defaults, and a warning that must come before the target', () => {
    expect(parseInternalPolicy({})).toMatchObject({ priorityFloor: 'P2', firstResponseBusinessMinutes: 60, firstResponseWarningMinutes: 15 });
    expect(() => parseInternalPolicy({ firstResponseBusinessMinutes: 10, firstResponseWarningMinutes: 10 })).toThrow(/firstResponseWarningMinutes/);
  });
});
