// Emails trustdesk holds back: none to an address whose mail bounced, and at most the policy's cap of
// acknowledgements to one sender an hour (the loop breaker). Held-back notices are recorded, never sent.
import { beforeEach, describe, expect, it } from 'vitest';
import type { CaseEvent } from '#domain/case.ts';
import { parseEmailPolicy } from '#domain/email/loop-breaker.ts';
import { emailPolicy } from '#lib/email-policy.ts';
import { teamsPolicy } from '#lib/teams-config.ts';
import { notifyFor, type NotifyDeps } from '#lib/use-cases/notify.ts';
import { FakeMailer, InMemoryCaseStore } from '../fakes.ts';
import { CASE_ID, caseAt } from '../lifecycle-fakes.ts';

const record = caseAt('P3');
const event = (type: string, version: number, at: string, caseId = CASE_ID): CaseEvent => ({ caseId, version, type, at, actor: { kind: 'system' }, data: { message: 'Hello' } });

let store: InMemoryCaseStore;
let mailer: FakeMailer;
let deps: NotifyDeps;

beforeEach(() => {
  store = new InMemoryCaseStore();
  mailer = new FakeMailer();
  deps = { store, mailer, replyTo: 'support@trustdesk.local', warningsAddress: 'leads@trustdesk.local', riskTeamAddress: 'risk@trustdesk.local', approversAddress: 'approvers@trustdesk.local', consoleUrl: 'https://console.trustdesk.local', emailPolicy, teams: teamsPolicy };
  store.cases.set(CASE_ID, structuredClone(record));
});

describe('notifyFor: what is not sent', () => {
  it('marks acknowledgements auto-replied, so autoresponders do not answer them', async () => {
    await notifyFor(deps, event('case.opened', 1, '2026-04-15T16:00:00.000Z'));
    expect(mailer.sent[0]?.autoSubmitted).toBe('auto-replied');
  });

  it('sends nothing to an undeliverable requester address and records the notice as withheld', async () => {
    await store.flagUndeliverable({ email: record.requester.email, since: '2026-04-15T16:30:00.000Z', status: '5.1.1', caseId: CASE_ID });
    await expect(notifyFor(deps, event('agent.replied', 2, '2026-04-15T17:00:00.000Z'))).resolves.toBe('withheld');
    expect(mailer.sent).toEqual([]);
    expect(store.notices.get(`${CASE_ID}#agent.replied-2`)).toEqual({ status: 'withheld', reason: 'undeliverable address' });
    await expect(notifyFor(deps, event('agent.replied', 2, '2026-04-15T17:00:00.000Z'))).resolves.toBe('already-sent');
    expect(mailer.sent).toEqual([]);
  });

  it('sends again once the flag is cleared', async () => {
    await store.flagUndeliverable({ email: record.requester.email, since: '2026-04-15T16:30:00.000Z', status: '5.1.1', caseId: CASE_ID });
    await store.clearUndeliverable(record.requester.email);
    await expect(notifyFor(deps, event('agent.replied', 3, '2026-04-15T17:00:00.000Z'))).resolves.toBe('sent');
  });

  it('sends one sender at most the cap of acknowledgements an hour, and more in the next hour', async () => {
    deps.emailPolicy = parseEmailPolicy({ version: 1, acknowledgementsPerSenderPerHour: 3 });
    const outcomes: string[] = [];
    for (let i = 1; i <= 5; i++) {
      const caseId = `case-${i}`;
      store.cases.set(caseId, { ...structuredClone(record), caseId });
      outcomes.push(await notifyFor(deps, event('case.opened', 1, `2026-04-15T16:${String(10 * i).padStart(2, '0')}:00.000Z`, caseId)));
    }
    expect(outcomes).toEqual(['sent', 'sent', 'sent', 'withheld', 'withheld']);
    expect(mailer.sent).toHaveLength(3);
    expect(store.notices.get('case-4#case.opened-1')).toEqual({ status: 'withheld', reason: 'loop breaker: acknowledgements per sender per hour' });
    store.cases.set('case-6', { ...structuredClone(record), caseId: 'case-6' });
    await expect(notifyFor(deps, event('case.opened', 1, '2026-04-15T17:05:00.000Z', 'case-6'))).resolves.toBe('sent');
  });

  it('counts an acknowledgement once however often its event is redelivered', async () => {
    deps.emailPolicy = parseEmailPolicy({ version: 1, acknowledgementsPerSenderPerHour: 1 });
    const opened = event('case.opened', 1, '2026-04-15T16:00:00.000Z');
    await notifyFor(deps, opened);
    await notifyFor(deps, opened);
    expect(store.acknowledgements.get(`${record.requester.email}#2026-04-15T16`)).toBe(1);
  });

  it('remembers which case a sent email belongs to, so its bounce finds it', async () => {
    await notifyFor(deps, event('agent.replied', 2, '2026-04-15T17:00:00.000Z'));
    await expect(store.findSentEmail('ses-1')).resolves.toEqual({ caseId: CASE_ID, notice: 'agent.replied-2', to: record.requester.email });
  });
});
