// Merging a duplicate into the case that carries on: the duplicate closes with a pointer, the target keeps its
// clock and gains the duplicate's messages and attachments, and every refusal says why.
import { describe, expect, it } from 'vitest';
import type { CaseEvent, CaseRecord } from '#domain/case.ts';
import { applyAgentAction, nextTimer, TransitionError } from '#domain/lifecycle.ts';
import { backlogChange, countersFor } from '#domain/reporting/aggregate.ts';
import { MAX_MERGED_MESSAGE_CHARS, MAX_MERGED_MESSAGES, MAX_MERGED_TOTAL_CHARS, mergeCases, mergeRefusal, messagesOf } from '#domain/merge.ts';
import { policies } from '#lib/policies.ts';
import { HOUR, NO_FOUR_EYES, OPENED, at, caseAt, deepFreeze } from '../functions/lifecycle-fakes.ts';

const NOW = at(3 * HOUR);
const agent = { kind: 'agent' as const, id: 'agent-7', role: 'agent' };
const DUP_ID = '00000000-0000-4000-8000-0000000000d1';
const TARGET_ID = '00000000-0000-4000-8000-0000000000e1';
const attachment = { filename: 'receipt.pdf', contentType: 'application/pdf', size: 10, sha256: 'ab', key: 'attachments/m1/1-receipt.pdf' };

const duplicate = (overrides: Partial<CaseRecord> = {}) =>
  caseAt('P3', { caseId: DUP_ID, reference: 'TD-DDDDD1', subject: 'Coins again', message: 'Still no coins.', attachments: [attachment], ...overrides });
const target = (overrides: Partial<CaseRecord> = {}) => caseAt('P2', { caseId: TARGET_ID, reference: 'TD-EEEEE1', status: 'investigating', firstRespondedAt: at(HOUR).toISOString(), ...overrides });

const event = (type: string, data: Record<string, unknown>, ms: number, version: number): CaseEvent => ({
  caseId: DUP_ID,
  version,
  type,
  at: at(ms).toISOString(),
  actor: type.startsWith('agent') ? agent : { kind: 'requester', email: 'alice@example.com' },
  data,
});

describe('mergeCases', () => {
  it('closes the duplicate as a duplicate with a pointer, standing its escalation down, and wakes its lifecycle to end', () => {
    const dup = duplicate({ escalation: { id: `${DUP_ID}-esc-1`, startTier: 'L1', status: 'active', reason: 'VIP', startedAt: OPENED.toISOString() }, pauses: [{ from: at(HOUR).toISOString() }], status: 'waiting_on_user' });
    const { duplicate: closed } = mergeCases(deepFreeze({ record: dup, events: [] }), deepFreeze(target()), agent, NOW);
    expect(closed.record).toMatchObject({
      status: 'closed',
      outcome: 'duplicate',
      closedAt: NOW.toISOString(),
      mergedInto: { caseId: TARGET_ID, reference: 'TD-EEEEE1', at: NOW.toISOString() },
      escalation: { status: 'stood_down' },
      pauses: [{ from: at(HOUR).toISOString(), to: NOW.toISOString() }],
      version: 2,
      lifecycleVersion: 2,
    });
    expect(closed.event).toEqual({
      caseId: DUP_ID,
      version: 2,
      type: 'case.merged',
      at: NOW.toISOString(),
      actor: agent,
      data: { intoCaseId: TARGET_ID, intoReference: 'TD-EEEEE1', from: 'waiting_on_user' },
    });
    expect(nextTimer(closed.record, NOW, policies.sla).waitFor).toBe('nothing');
  });

  it('keeps the target’s status, deadlines and SLA clock, and adds the duplicate’s messages, attachments and link', () => {
    const before = target({ sla: { firstResponseWarned: true, firstResponseBreached: false, resolutionWarned: false, resolutionBreached: false }, mergedFrom: [{ caseId: 'x', reference: 'TD-XXXXX1', at: OPENED.toISOString() }] });
    const events = [
      event('agent.replied', { message: 'Which purchase?', firstResponse: true }, HOUR, 2),
      event('agent.noted', { note: 'internal only' }, HOUR, 3),
      event('requester.replied', { subject: 'Re: coins', message: 'The 500 coin one.', attachments: [] }, 2 * HOUR, 4),
    ];
    const { target: grown } = mergeCases({ record: duplicate({ version: 4 }), events }, deepFreeze(before), agent, NOW);
    expect(grown.record).toEqual({
      ...before,
      attachments: [...before.attachments, attachment],
      mergedFrom: [...before.mergedFrom!, { caseId: DUP_ID, reference: 'TD-DDDDD1', at: NOW.toISOString() }],
      version: 2,
      lifecycleVersion: before.lifecycleVersion,
      updatedAt: NOW.toISOString(),
    });
    expect(grown.event).toMatchObject({ caseId: TARGET_ID, version: 2, type: 'case.merged-in', actor: agent });
    expect(grown.event.data).toEqual({
      fromCaseId: DUP_ID,
      fromReference: 'TD-DDDDD1',
      messages: [
        { at: OPENED.toISOString(), from: 'requester', subject: 'Coins again', message: 'Still no coins.' },
        { at: at(HOUR).toISOString(), from: 'agent', message: 'Which purchase?' },
        { at: at(2 * HOUR).toISOString(), from: 'requester', subject: 'Re: coins', message: 'The 500 coin one.' },
      ],
      attachments: [attachment],
    });
  });

  it('carries at most MAX_MERGED_MESSAGES messages and counts the rest', () => {
    const events = Array.from({ length: MAX_MERGED_MESSAGES + 4 }, (_, i) => event('requester.replied', { subject: 's', message: `m${i}` }, HOUR, i + 2));
    expect(messagesOf(duplicate(), events)).toHaveLength(MAX_MERGED_MESSAGES + 5);
    const { target: grown } = mergeCases({ record: duplicate(), events }, target(), agent, NOW);
    expect(grown.event.data.messages).toHaveLength(MAX_MERGED_MESSAGES);
    expect(grown.event.data.messagesOmitted).toBe(5);
  });

  it('cuts long messages and keeps the event within its total size, counting what stays behind', () => {
    const long = 'x'.repeat(MAX_MERGED_MESSAGE_CHARS * 2);
    const events = Array.from({ length: 10 }, (_, i) => event('requester.replied', { message: long }, HOUR, i + 2));
    const { target: grown } = mergeCases({ record: duplicate(), events }, target(), agent, NOW);
    const messages = grown.event.data.messages as { message: string }[];
    expect(messages[1]!.message).toHaveLength(MAX_MERGED_MESSAGE_CHARS);
    expect(messages.reduce((n, m) => n + m.message.length, 0)).toBeLessThanOrEqual(MAX_MERGED_TOTAL_CHARS);
    expect(messages.length + (grown.event.data.messagesOmitted as number)).toBe(11);
  });

  it.each([
    ['into itself', duplicate(), duplicate(), 'A case cannot be merged into itself'],
    ['an already merged duplicate', duplicate({ status: 'closed', mergedInto: { caseId: 'c', reference: 'TD-CCCCC1', at: OPENED.toISOString() } }), target(), 'This case was merged into TD-CCCCC1 already'],
    ['a closed duplicate', duplicate({ status: 'closed' }), target(), 'This case is closed; reopen it before merging it'],
    ['a duplicate waiting for approval', duplicate({ status: 'pending_approval' }), target(), 'This case is waiting for approval; approve or reject it first'],
    ['into a merged case', duplicate(), target({ status: 'closed', mergedInto: { caseId: 'c', reference: 'TD-CCCCC1', at: OPENED.toISOString() } }), 'TD-EEEEE1 was itself merged into TD-CCCCC1; merge into TD-CCCCC1 instead'],
    ['into a closed case', duplicate(), target({ status: 'closed' }), 'TD-EEEEE1 is closed; reopen it or merge into an open case'],
  ])('refuses merging %s, with the reason', (_what, dup, into, reason) => {
    expect(mergeRefusal(dup, into)).toBe(reason);
    expect(() => mergeCases({ record: dup, events: [] }, into, agent, NOW)).toThrow(new TransitionError(reason));
  });

  it('merges a resolved duplicate, and into a resolved or waiting target', () => {
    expect(mergeRefusal(duplicate({ status: 'resolved' }), target({ status: 'resolved' }))).toBeUndefined();
    expect(mergeRefusal(duplicate(), target({ status: 'waiting_on_user' }))).toBeUndefined();
  });

  it('a merged duplicate is not reopened: the work goes on on its target', () => {
    const { duplicate: closed } = mergeCases({ record: duplicate(), events: [] }, target(), agent, NOW);
    expect(() => applyAgentAction(closed.record, { type: 'reopen' }, agent, NOW, policies.sla, NO_FOUR_EYES)).toThrow('The case was merged into TD-EEEEE1; work on that case instead');
  });

  it('counts the merge as a close, and takes an unresolved duplicate out of the backlog once', () => {
    const { duplicate: closed } = mergeCases({ record: duplicate({ status: 'investigating' }), events: [] }, target(), agent, NOW);
    expect(countersFor({ event: closed.event, dims: { category: 'gifts_coins', priority: 'P3', channel: 'web', openedAt: OPENED.toISOString() } })).toEqual({ closed: 1 });
    expect(backlogChange({ event: closed.event })).toBe(-1);
    const { duplicate: resolvedThenMerged } = mergeCases({ record: duplicate({ status: 'resolved' }), events: [] }, target(), agent, NOW);
    expect(backlogChange({ event: resolvedThenMerged.event })).toBe(0);
  });
});
