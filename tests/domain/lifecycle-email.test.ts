// What email from machines does to a case: an auto-reply goes on the timeline and moves nothing; a
// bounce is recorded and flags the requester's address; the requester writing again clears the flag.
import { describe, expect, it } from 'vitest';
import type { CaseRecord } from '#domain/case.ts';
import { applyAgentAction, applyAutomaticReply, applyBounce, applyComplaint, applyRequesterReply, COMPLAINT_STATUS, type AutomaticReply, type Bounce } from '#domain/lifecycle.ts';
import { policies } from '#lib/policies.ts';
import { HOUR, NO_FOUR_EYES, at, caseAt, deepFreeze } from '../functions/lifecycle-fakes.ts';

const sla = policies.sla;
const lead = { kind: 'agent', id: 'lead-2', role: 'lead' } as const;
const outOfOffice: AutomaticReply = { email: 'alice@example.com', subject: 'Automatic reply: [TD-00000C]', message: 'I am out of the office.', messageId: 'ooo-1@example.com', reasons: ['Auto-Submitted: auto-replied'] };
const bounce = (overrides: Partial<Bounce> = {}): Bounce => ({ notice: 'agent.requested-info-2', address: 'alice@example.com', action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown', permanent: true, ...overrides });

const waiting = (): CaseRecord => applyAgentAction(caseAt('P3'), { type: 'request-info', message: 'Which account?' }, lead, at(HOUR), sla, NO_FOUR_EYES).record;

describe('applyAutomaticReply', () => {
  it.each([
    ['waiting on the requester', waiting()],
    ['new', caseAt('P3')],
    ['closed', { ...caseAt('P3'), status: 'closed' as const, closedAt: at(2 * HOUR).toISOString() }],
  ])('puts an auto-reply on the timeline of a %s case and changes nothing else', (_, record) => {
    const { record: next, event } = applyAutomaticReply(deepFreeze(structuredClone(record)), outOfOffice, at(3 * HOUR));
    expect(event).toMatchObject({ type: 'requester.auto-replied', version: record.version + 1, actor: { kind: 'system' }, data: { message: 'I am out of the office.', reasons: ['Auto-Submitted: auto-replied'], messageId: 'ooo-1@example.com' } });
    const { version, updatedAt, ...rest } = next;
    const { version: _v, updatedAt: _u, ...before } = record;
    expect(rest).toEqual(before); // status, pauses, deadlines, lastUserMessageAt, lifecycleVersion all as they were
    expect(version).toBe(record.version + 1);
    expect(next.lifecycleVersion).toBe(record.lifecycleVersion);
  });
});

describe('applyBounce', () => {
  it('records the bounce and flags the requester’s address on a permanent failure', () => {
    const record = waiting();
    const { record: next, event } = applyBounce(deepFreeze(structuredClone(record)), bounce(), at(2 * HOUR));
    expect(event).toMatchObject({ type: 'email.bounced', data: { notice: 'agent.requested-info-2', address: 'alice@example.com', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown', permanent: true } });
    expect(next.requesterUndeliverable).toEqual({ since: at(2 * HOUR).toISOString(), status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' });
    expect(next.status).toBe('waiting_on_user');
    expect(next.lifecycleVersion).toBe(record.lifecycleVersion);
  });

  it('records a delay or another address’s bounce without flagging the requester', () => {
    expect(applyBounce(waiting(), bounce({ action: 'delayed', status: '4.4.1', permanent: false }), at(2 * HOUR)).record.requesterUndeliverable).toBeUndefined();
    expect(applyBounce(waiting(), bounce({ address: 'someone-else@example.com' }), at(2 * HOUR)).record.requesterUndeliverable).toBeUndefined();
  });

  it('is cleared when the requester writes again from the address', () => {
    const bounced = applyBounce(waiting(), bounce(), at(2 * HOUR)).record;
    const replied = applyRequesterReply(bounced, { email: 'alice@example.com', subject: 'Re:', message: 'Main account.', attachments: [] }, at(3 * HOUR), sla, NO_FOUR_EYES).record;
    expect(replied.requesterUndeliverable).toBeUndefined();
    expect(replied.status).toBe('investigating');
  });
});

describe('applyComplaint', () => {
  it('records the complaint and suppresses the requester’s address, moving nothing else', () => {
    const record = waiting();
    const { record: next, event } = applyComplaint(deepFreeze(structuredClone(record)), { notice: 'agent.requested-info-2', address: 'alice@example.com', feedbackType: 'abuse' }, at(2 * HOUR));
    expect(event).toMatchObject({ type: 'email.complained', actor: { kind: 'system' }, data: { notice: 'agent.requested-info-2', address: 'alice@example.com', feedbackType: 'abuse' } });
    expect(next.requesterUndeliverable).toEqual({ since: at(2 * HOUR).toISOString(), status: COMPLAINT_STATUS, diagnosticCode: 'abuse' });
    expect(next.status).toBe('waiting_on_user');
    expect(next.pauses).toEqual(record.pauses);
    expect(next.lifecycleVersion).toBe(record.lifecycleVersion);
  });

  it('records another address’s complaint without flagging the requester; writing again lifts the suppression', () => {
    expect(applyComplaint(waiting(), { notice: 'sla.warning-3', address: 'lead@example.com' }, at(2 * HOUR)).record.requesterUndeliverable).toBeUndefined();
    const complained = applyComplaint(waiting(), { notice: 'agent.requested-info-2', address: 'alice@example.com' }, at(2 * HOUR)).record;
    expect(complained.requesterUndeliverable).toEqual({ since: at(2 * HOUR).toISOString(), status: COMPLAINT_STATUS });
    const replied = applyRequesterReply(complained, { email: 'alice@example.com', subject: 'Re:', message: 'Main account.', attachments: [] }, at(3 * HOUR), sla, NO_FOUR_EYES).record;
    expect(replied.requesterUndeliverable).toBeUndefined();
  });
});

describe('card data in email that is not what the person wrote', () => {
  const CARD = '4111 1111 1111 1111';
  it('masks an autoresponder’s subject and text before they reach the timeline', () => {
    const { event } = applyAutomaticReply(caseAt('P3'), { ...outOfOffice, subject: `Auto: card ${CARD}`, message: `Out of office. Card on file ${CARD}.` }, at(HOUR));
    expect(JSON.stringify(event.data)).not.toContain('1111 1111 1111');
    expect(event.data).toMatchObject({ subject: 'Auto: card •••• •••• •••• 1111', message: 'Out of office. Card on file •••• •••• •••• 1111.' });
  });

  it('masks the full text (quoted history included) of a reply, not only the new text', () => {
    const { event } = applyRequesterReply(
      waiting(),
      { email: 'alice@example.com', subject: 'Re:', message: 'See below.', fullMessage: `See below.\n\nOn Mon, Alice wrote:\n> my card is ${CARD}`, attachments: [] },
      at(2 * HOUR),
      sla,
      NO_FOUR_EYES,
    );
    expect(JSON.stringify(event)).not.toContain('1111 1111 1111');
    expect(event.data).toMatchObject({ fullMessage: expect.stringContaining('> my card is •••• •••• •••• 1111') });
  });
});
