// Assignment on the shift: who is on shift, who gets which waiting case, and the system's audited changes.
import { describe, expect, it } from 'vitest';
import { isOnShift, parseAssignmentPolicy, planAssignments, returnToPool, shiftAssignment, type WaitingCase } from '#domain/assignment.ts';
import type { CaseRecord } from '#domain/case.ts';
import { parseSlaPolicy } from '#domain/sla/policy.ts';
import slaJson from '../../config/sla-policy.json' with { type: 'json' };
import assignmentJson from '../../config/assignment-policy.json' with { type: 'json' };

const { calendar } = parseSlaPolicy(slaJson);
const waiting = (caseId: string, priority: WaitingCase['priority'], due: string): WaitingCase => ({ caseId, priority, openedAt: '2026-12-07T10:00:00Z', deadlines: { firstResponseDue: due } });

describe('assignment policy', () => {
  it('parses the shipped policy with a default capacity of 10', () => {
    expect(parseAssignmentPolicy(assignmentJson)).toEqual({ defaultCapacity: 10, returnToPoolOnAway: true });
  });
  it('refuses a negative capacity', () => {
    expect(() => parseAssignmentPolicy({ defaultCapacity: -1, returnToPoolOnAway: true })).toThrow();
  });
});

describe('isOnShift', () => {
  it('is on shift on a Wednesday morning in Los Angeles, off shift on Monday, never when away', () => {
    const wednesday = new Date('2026-12-09T17:00:00Z'); // 09:00 PST
    const monday = new Date('2026-12-07T17:00:00Z');
    expect(isOnShift({ availability: 'on-shift' }, wednesday, calendar)).toBe(true);
    expect(isOnShift({ availability: 'on-shift' }, monday, calendar)).toBe(false);
    expect(isOnShift({ availability: 'away' }, wednesday, calendar)).toBe(false);
  });
});

describe('planAssignments', () => {
  it('gives the most urgent cases first, round-robin, and never beyond capacity', () => {
    const cases = [waiting('c4', 'P4', '2026-12-20T00:00:00Z'), waiting('c1', 'P2', '2026-12-10T00:00:00Z'), waiting('c2', 'P2', '2026-12-09T00:00:00Z'), waiting('c3', 'P3', '2026-12-11T00:00:00Z')];
    const plan = planAssignments(cases, [
      { agentId: 'ann', capacity: 10, open: 9 },
      { agentId: 'bob', capacity: 2, open: 0 },
    ]);
    expect(plan).toEqual([
      { caseId: 'c2', agentId: 'ann' },
      { caseId: 'c1', agentId: 'bob' },
      { caseId: 'c3', agentId: 'bob' },
    ]);
  });
  it('starts with the agent given a case longest ago', () => {
    const plan = planAssignments([waiting('c1', 'P3', '2026-12-10T00:00:00Z')], [
      { agentId: 'ann', capacity: 10, open: 0, lastAssignedAt: '2026-12-09T10:00:00Z' },
      { agentId: 'bob', capacity: 10, open: 0, lastAssignedAt: '2026-12-09T09:00:00Z' },
    ]);
    expect(plan).toEqual([{ caseId: 'c1', agentId: 'bob' }]);
  });
});

describe('system changes', () => {
  const base = { caseId: 'case-1', version: 3, status: 'new', updatedAt: '2026-12-07T10:00:00Z', lifecycleVersion: 1 } as unknown as CaseRecord;
  const now = new Date('2026-12-09T16:00:00Z');
  it('assigns a waiting case as the system, once', () => {
    const change = shiftAssignment(base, 'ann', now)!;
    expect(change.record).toMatchObject({ assignee: 'ann', version: 4 });
    expect(change.event).toMatchObject({ type: 'case.assigned', actor: { kind: 'system' }, data: { assignee: 'ann', previous: null, reason: 'shift' } });
    expect(shiftAssignment(change.record, 'bob', now)).toBeUndefined();
    expect(shiftAssignment({ ...base, status: 'waiting_on_user' }, 'bob', now)).toBeUndefined();
  });
  it('returns a new or investigating case of the agent who went away, not a waiting one', () => {
    const change = returnToPool({ ...base, status: 'investigating', assignee: 'ann' }, 'ann', now)!;
    expect(change.record.assignee).toBeUndefined();
    expect(change.event).toMatchObject({ type: 'case.returned-to-pool', actor: { kind: 'system' }, data: { previous: 'ann' } });
    expect(returnToPool({ ...base, status: 'waiting_on_user', assignee: 'ann' }, 'ann', now)).toBeUndefined();
  });
});
