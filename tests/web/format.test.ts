import { describe, expect, it } from 'vitest';
import type { CaseRecord } from '#domain/case.ts';
import { byUrgency, describeEvent, formatDuration, slaState } from '../../web/src/console/format.ts';

const base: Pick<CaseRecord, 'status' | 'priority' | 'openedAt' | 'deadlines' | 'sla'> = {
  status: 'new',
  priority: 'P3',
  openedAt: '2026-11-20T10:00:00.000Z',
  deadlines: { firstResponseDue: '2026-11-21T10:00:00.000Z', resolutionDue: '2026-11-25T10:00:00.000Z' },
  sla: { firstResponseWarned: false, firstResponseBreached: false, resolutionWarned: false, resolutionBreached: false },
};

describe('the console SLA clock', () => {
  it('runs on the first response until it happens, then on the resolution; pauses while waiting; stops when done', () => {
    expect(slaState(base)).toEqual({ state: 'running', which: 'first response', dueAt: Date.parse('2026-11-21T10:00:00.000Z'), breached: false });
    expect(slaState({ ...base, status: 'investigating', firstRespondedAt: '2026-11-20T11:00:00.000Z' })).toMatchObject({ which: 'resolution' });
    expect(slaState({ ...base, status: 'waiting_on_user' })).toEqual({ state: 'paused' });
    expect(slaState({ ...base, status: 'resolved' })).toEqual({ state: 'done' });
    expect(slaState({ ...base, sla: { ...base.sla, firstResponseBreached: true } })).toMatchObject({ which: 'first response', breached: true });
  });

  it('sorts the queue most urgent first: earliest due (overdue first), then paused, then finished; ties by priority', () => {
    const c = (id: string, over: Partial<typeof base> & { firstRespondedAt?: string } = {}) => ({ ...base, ...over, id });
    const cases = [
      c('done', { status: 'resolved' }),
      c('paused', { status: 'waiting_on_user' }),
      c('later', { deadlines: { ...base.deadlines, firstResponseDue: '2026-11-22T10:00:00.000Z' } }),
      c('p4-same', { priority: 'P4' }),
      c('overdue', { deadlines: { ...base.deadlines, firstResponseDue: '2026-11-19T10:00:00.000Z' } }),
      c('p1-same', { priority: 'P1' }),
    ];
    expect([...cases].sort(byUrgency).map((x) => x.id)).toEqual(['overdue', 'p1-same', 'p4-same', 'later', 'paused', 'done']);
  });

  it('counts down coarser the further away', () => {
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000 + 5 * 60_000)).toBe('3d 4h');
    expect(formatDuration(2 * 3_600_000 + 5 * 60_000)).toBe('2h 05m');
    expect(formatDuration(-(12 * 60_000 + 9_000))).toBe('12m 09s');
  });
});

describe('timeline lines', () => {
  it('say what happened and carry what was written', () => {
    const at = '2026-11-20T10:00:00.000Z';
    const actor = { kind: 'agent' as const, id: 'a1', role: 'agent' };
    expect(describeEvent({ caseId: 'c', version: 2, type: 'agent.replied', at, actor, data: { message: 'Hi <b>there</b>', firstResponse: true } })).toEqual({
      title: 'Replied to the requester (first response)',
      detail: 'Hi <b>there</b>',
    });
    expect(describeEvent({ caseId: 'c', version: 3, type: 'case.resolved', at, actor, data: { outcome: 'confirmed_risk' } }).title).toBe('Resolved: Confirmed risk');
    expect(describeEvent({ caseId: 'c', version: 4, type: 'something.new', at, actor, data: {} }).title).toBe('something.new');
  });

  it('name automatic replies and bounces for what they are', () => {
    const at = '2026-11-20T10:00:00.000Z';
    const system = { kind: 'system' as const };
    expect(describeEvent({ caseId: 'c', version: 5, type: 'requester.auto-replied', at, actor: system, data: { message: 'I am out of the office.' } })).toEqual({
      title: 'Automatic reply (out of office or similar): nothing changed',
      detail: 'I am out of the office.',
    });
    expect(describeEvent({ caseId: 'c', version: 6, type: 'email.bounced', at, actor: system, data: { address: 'sam@example.com', status: '5.1.1', permanent: true, diagnosticCode: 'smtp; 550 5.1.1 user unknown' } })).toEqual({
      title: 'Email to sam@example.com bounced (5.1.1): no more email until they write again',
      detail: 'smtp; 550 5.1.1 user unknown',
    });
  });
});
