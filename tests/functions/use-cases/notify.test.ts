// The emails that follow committed events: which event sends what, and once only, even when redelivered.
import { beforeEach, describe, expect, it } from 'vitest';
import type { CaseEvent } from '#domain/case.ts';
import { acknowledgementEmail, agentMessageEmail, approvalReminderEmail, closedNoticeEmail, resolvedEmail, warningEmail } from '#lib/use-cases/email-templates.ts';
import { emailFor, notifyFor, type NotifyDeps } from '#lib/use-cases/notify.ts';
import { emailPolicy } from '#lib/email-policy.ts';
import { teamsPolicy } from '#lib/teams-config.ts';
import { FakeMailer, InMemoryCaseStore } from '../fakes.ts';
import { CASE_ID, caseAt } from '../lifecycle-fakes.ts';

const REPLY_TO = 'support@trustdesk.local';
const WARNINGS = 'l1-leads@trustdesk.local';
const CONSOLE = 'https://console.trustdesk.local';
const record = caseAt('P3');

const event = (type: string, version: number, data: Record<string, unknown> = {}): CaseEvent => ({
  caseId: CASE_ID,
  version,
  type,
  at: '2026-04-15T17:00:00.000Z',
  actor: { kind: 'system' },
  data,
});

let store: InMemoryCaseStore;
let mailer: FakeMailer;
let deps: NotifyDeps;

beforeEach(() => {
  store = new InMemoryCaseStore();
  mailer = new FakeMailer();
  deps = { store, mailer, replyTo: REPLY_TO, warningsAddress: WARNINGS, riskTeamAddress: 'risk@trustdesk.local', approversAddress: 'approvers@trustdesk.local', consoleUrl: CONSOLE, emailPolicy, teams: teamsPolicy };
  store.cases.set(CASE_ID, structuredClone(record));
});

describe('emailFor', () => {
  it('acknowledges a new case to the requester', () => {
    expect(emailFor(event('case.opened', 1), record, deps)).toEqual(acknowledgementEmail(record, REPLY_TO));
  });

  it("sends an agent's reply and request for information to the requester, with the message", () => {
    expect(emailFor(event('agent.replied', 2, { message: 'Refunded.' }), record, deps)).toEqual(agentMessageEmail(record, 'Refunded.', false, REPLY_TO));
    expect(emailFor(event('agent.requested-info', 2, { message: 'Which card?' }), record, deps)).toEqual(agentMessageEmail(record, 'Which card?', true, REPLY_TO));
  });

  it('tells the requester why the case closed', () => {
    const email = emailFor(event('case.closed', 5, { reason: 'no-reply-from-requester' }), record, deps);
    expect(email).toEqual(closedNoticeEmail(record, 'no-reply-from-requester', REPLY_TO));
  });

  it('warns the team of a close deadline', () => {
    const dueAt = record.deadlines.resolutionDue;
    const email = emailFor(event('sla.warning', 3, { deadline: 'resolution', dueAt }), record, deps);
    expect(email).toEqual(warningEmail(record, 'resolution', dueAt, WARNINGS, CONSOLE));
    expect(email?.to).toBe(WARNINGS);
  });
});

describe('emailFor under four-eyes', () => {
  it('tells the requester nothing of a proposal, and sends the resolution once it is approved', () => {
    expect(emailFor(event('approval.requested', 3, { kind: 'resolve', outcome: 'confirmed_risk', rules: ['outcome confirmed_risk'] }), record, deps)).toBeUndefined();
    expect(emailFor(event('approval.rejected', 4, { note: 'no' }), record, deps)).toBeUndefined();
    const approved = event('case.resolved', 4, { outcome: 'confirmed_risk', summary: 'Banned.', approval: { proposedBy: 'lead-1', approvedBy: 'lead-2' } });
    expect(emailFor(approved, record, deps)).toEqual(resolvedEmail(record, 'Banned.', REPLY_TO));
  });

  it('reminds the approvers of a pending approval, naming the proposer and the rules', () => {
    const email = emailFor(event('approval.reminded', 4, { kind: 'resolve', proposedBy: 'lead-1', rules: ['outcome confirmed_risk'] }), record, deps);
    expect(email).toEqual(approvalReminderEmail(record, 'lead-1', ['outcome confirmed_risk'], 'approvers@trustdesk.local', CONSOLE));
    expect(email?.to).toBe('approvers@trustdesk.local');
    expect(email?.text).toContain('outcome confirmed_risk');
    expect(email?.text).toContain('lead-1');
  });
});

describe('notifyFor', () => {
  const opened = event('case.opened', 1);

  it('sends once and records the provider id under the event type and version', async () => {
    await expect(notifyFor(deps, opened)).resolves.toBe('sent');
    expect(mailer.sent).toEqual([acknowledgementEmail(record, REPLY_TO)]);
    expect([...store.notices]).toEqual([[`${CASE_ID}#case.opened-1`, { status: 'sent', providerId: 'ses-1' }]]);
  });

  it("is 'already-sent' on redelivery and sends nothing more", async () => {
    await notifyFor(deps, opened);
    await expect(notifyFor(deps, opened)).resolves.toBe('already-sent');
    await expect(notifyFor(deps, structuredClone(opened))).resolves.toBe('already-sent');
    expect(mailer.sent).toHaveLength(1);
  });

  it('sends again for another event of the same type (another version)', async () => {
    await expect(notifyFor(deps, event('agent.replied', 2, { message: 'One' }))).resolves.toBe('sent');
    await expect(notifyFor(deps, event('agent.replied', 4, { message: 'Two' }))).resolves.toBe('sent');
    expect(mailer.sent).toHaveLength(2);
    expect(mailer.sent[0]?.text).toContain('One');
    expect(mailer.sent[1]?.text).toContain('Two');
  });

  it('releases the claim when the mailer fails, so the redelivery sends it', async () => {
    mailer.failures.push(new Error('SES throttled'));
    await expect(notifyFor(deps, opened)).rejects.toThrow('SES throttled');
    expect(mailer.sent).toHaveLength(0);
    expect(store.notices.size).toBe(0);

    await expect(notifyFor(deps, opened)).resolves.toBe('sent');
    expect(mailer.sent).toHaveLength(1);
    expect(store.notices.get(`${CASE_ID}#case.opened-1`)).toEqual({ status: 'sent', providerId: 'ses-1' });
  });

  it.each([
    'requester.replied',
    'agent.noted',
    'case.assigned',
    'case.reopened',
    'case.priority-changed',
    'sla.breached',
    'escalation.started',
    'escalation.notified',
    'escalation.acknowledged',
    'escalation.unacknowledged',
    'personal-data.erased',
    'legal-hold.placed',
    'legal-hold.released',
    'case.exported',
  ])('sends nothing for %s and claims nothing', async (type) => {
    const e = event(type, 3, { message: 'x', reason: 'y' });
    expect(emailFor(e, record, deps)).toBeUndefined();
    await expect(notifyFor(deps, e)).resolves.toBe('nothing-to-send');
    expect(mailer.sent).toHaveLength(0);
    expect(store.notices.size).toBe(0);
  });

  it('sends the requester nothing once their personal data is erased (no address is left), and claims nothing', async () => {
    store.cases.set(CASE_ID, { ...structuredClone(record), requester: { email: '' }, erased: { at: record.openedAt, reason: 'request', erasureId: 'e1' } });
    for (const e of [event('case.resolved', 3, { outcome: 'resolved' }), event('case.closed', 4, { reason: 'resolved-and-silent' })]) {
      await expect(notifyFor(deps, e)).resolves.toBe('nothing-to-send');
    }
    expect(mailer.sent).toHaveLength(0);
    expect(store.notices.size).toBe(0);
  });

  it('tells the requester their case is resolved, with the summary and how to reopen', async () => {
    const e = event('case.resolved', 3, { outcome: 'resolved', summary: 'Your coins were credited.' });
    await expect(notifyFor(deps, e)).resolves.toBe('sent');
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]!.to).toBe(record.requester.email);
    expect(mailer.sent[0]!.subject).toContain(record.reference);
    expect(mailer.sent[0]!.text).toContain('Your coins were credited.');
    expect(mailer.sent[0]!.text).toContain('reopen');
  });

  it("is 'no-case' when the case is not in the table", async () => {
    store.cases.clear();
    await expect(notifyFor(deps, opened)).resolves.toBe('no-case');
    expect(mailer.sent).toHaveLength(0);
    expect(store.notices.size).toBe(0);
  });
});
