// SES's bounces and complaints applied to the case of the email they are about: found by the SES message
// id the notifier remembered, recorded once however often SNS delivers, and nothing changed for mail
// trustdesk never sent.
import { beforeEach, describe, expect, it } from 'vitest';
import { COMPLAINT_STATUS } from '#domain/lifecycle.ts';
import type { MailFeedback } from '#events/ses-feedback.ts';
import { receiveMailFeedback, type MailFeedbackDeps } from '#lib/use-cases/receive-mail-feedback.ts';
import { FixedClock, InMemoryCaseStore, NOW, sampleCase } from '../fakes.ts';

let store: InMemoryCaseStore;
let deps: MailFeedbackDeps;
const record = sampleCase();
const SES_ID = '0100018c-abc-000000';

beforeEach(async () => {
  store = new InMemoryCaseStore();
  store.cases.set(record.caseId, structuredClone(record));
  await store.markNoticeSent(record.caseId, 'agent.replied-2', SES_ID, 'alice@example.com');
  deps = { store, clock: new FixedClock(NOW) };
});

const bounce = (overrides: Partial<Extract<MailFeedback, { kind: 'bounce' }>> = {}): MailFeedback => ({
  kind: 'bounce',
  messageId: SES_ID,
  feedbackId: 'fb-1',
  permanent: true,
  recipients: [{ address: 'alice@example.com', action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
  ...overrides,
});
const complaint: MailFeedback = { kind: 'complaint', messageId: SES_ID, feedbackId: 'fb-2', recipients: [{ address: 'alice@example.com' }], feedbackType: 'abuse' };
const events = () => store.events.get(record.caseId) ?? [];

describe('receiveMailFeedback', () => {
  it('puts a permanent bounce on the case of the email and flags the address', async () => {
    await expect(receiveMailFeedback(deps, bounce())).resolves.toEqual({ outcome: 'bounced', caseId: record.caseId, version: record.version + 1 });
    expect(events().at(-1)).toMatchObject({ type: 'email.bounced', data: { notice: 'agent.replied-2', address: 'alice@example.com', action: 'failed', status: '5.1.1', permanent: true, diagnosticCode: 'smtp; 550 5.1.1 user unknown' } });
    expect(store.cases.get(record.caseId)?.requesterUndeliverable).toEqual({ since: NOW.toISOString(), status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' });
    expect(await store.undeliverable('alice@example.com')).toEqual({ email: 'alice@example.com', since: NOW.toISOString(), status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown', caseId: record.caseId });
  });

  it('records a transient bounce without flagging anything', async () => {
    await receiveMailFeedback(deps, bounce({ permanent: false, recipients: [{ address: 'alice@example.com', action: 'delayed', status: '4.4.7' }] }));
    expect(events().at(-1)).toMatchObject({ type: 'email.bounced', data: { status: '4.4.7', permanent: false } });
    expect(store.cases.get(record.caseId)?.requesterUndeliverable).toBeUndefined();
    expect(await store.undeliverable('alice@example.com')).toBeUndefined();
  });

  it('puts a complaint on the case and suppresses the address as an undeliverable one', async () => {
    await expect(receiveMailFeedback(deps, complaint)).resolves.toEqual({ outcome: 'complained', caseId: record.caseId, version: record.version + 1 });
    expect(events().at(-1)).toMatchObject({ type: 'email.complained', data: { notice: 'agent.replied-2', address: 'alice@example.com', feedbackType: 'abuse' } });
    expect(store.cases.get(record.caseId)?.requesterUndeliverable).toEqual({ since: NOW.toISOString(), status: COMPLAINT_STATUS, diagnosticCode: 'abuse' });
    expect(await store.undeliverable('alice@example.com')).toMatchObject({ status: COMPLAINT_STATUS, caseId: record.caseId });
  });

  it('records a redelivered notification once', async () => {
    await receiveMailFeedback(deps, complaint);
    await expect(receiveMailFeedback(deps, complaint)).resolves.toMatchObject({ outcome: 'replayed', caseId: record.caseId });
    await receiveMailFeedback(deps, bounce());
    await expect(receiveMailFeedback(deps, bounce())).resolves.toMatchObject({ outcome: 'replayed' });
    expect(events().map((e) => e.type)).toEqual(['email.complained', 'email.bounced']);
  });

  it.each([
    ['mail trustdesk never sent', bounce({ messageId: 'someone-elses' })],
    ['another recipient than the email went to', bounce({ recipients: [{ address: 'mallory@example.com', action: 'failed', status: '5.1.1' }] })],
    ['a complaint about mail trustdesk never sent', { ...complaint, messageId: 'someone-elses' }],
  ])('changes nothing for %s', async (_, feedback) => {
    const before = structuredClone(store.cases.get(record.caseId));
    await expect(receiveMailFeedback(deps, feedback)).resolves.toEqual({ outcome: 'unknown-mail' });
    expect(store.cases.get(record.caseId)).toEqual(before);
    expect(events()).toEqual([]);
    expect(store.undeliverableAddresses.size).toBe(0);
  });

  it('changes nothing when the case of the email is gone', async () => {
    store.cases.delete(record.caseId);
    await expect(receiveMailFeedback(deps, bounce())).resolves.toEqual({ outcome: 'unknown-mail' });
    expect(store.undeliverableAddresses.size).toBe(0);
  });
});
