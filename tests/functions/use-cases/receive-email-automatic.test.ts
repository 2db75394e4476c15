// Mail from machines at the intake, and the corpus run through it: out-of-office and other automatic
// mail never opens a case; an automatic reply to a case goes on its timeline and moves nothing; a bounce
// of an email trustdesk sent marks it on the case and flags the address; one about nothing trustdesk
// sent changes no case. A person's mail from every client becomes a case with what they wrote.
import { teamsPolicy } from '#lib/teams-config.ts';
import { beforeEach, describe, expect, it } from 'vitest';
import { SesReceiptRecordSchema } from '#events/ses.ts';
import { applyAgentAction } from '#domain/lifecycle.ts';
import { policies } from '#lib/policies.ts';
import { receiveEmail, type ReceiveDeps } from '#lib/use-cases/receive-email.ts';
import { corpus } from '../../fixtures/mail/corpus.ts';
import { FakeMailer, FixedClock, InMemoryBlobStore, InMemoryCaseStore, NOW, sesRecord, submitDeps } from '../fakes.ts';
import { NO_FOUR_EYES } from '../lifecycle-fakes.ts';
import { fourEyes } from '#lib/governance-config.ts';

const PREFIX = 'inbound/';
const ACK = '0100018c5e1f2a3b-1c2d3e4f-aaaa-bbbb-cccc-0123456789ab-000000';
const NOTICE = '0100018c5e1f9999-5e6f7a8b-dddd-eeee-ffff-0123456789ab-000000';
let store: InMemoryCaseStore;
let blobs: InMemoryBlobStore;
let deps: ReceiveDeps;

beforeEach(() => {
  store = new InMemoryCaseStore();
  blobs = new InMemoryBlobStore();
  deps = { ...submitDeps(store, new FixedClock(NOW)), blobs, mailPrefix: PREFIX, teams: teamsPolicy, mailer: new FakeMailer(), fourEyes };
});

const fixture = (name: string) => {
  const found = corpus.find((m) => m.name === name);
  if (!found) throw new Error(`no fixture ${name}`);
  return found;
};

async function arrive(sesMessageId: string, raw: Buffer, source = 'bounce+x@example.com') {
  await blobs.put(`${PREFIX}${sesMessageId}`, raw, 'message/rfc822');
  const record = sesRecord(sesMessageId);
  return SesReceiptRecordSchema.parse({ ...record, ses: { ...record.ses, mail: { ...record.ses.mail, source } } });
}

/** A case the fixture's thread belongs to: its reference, and the acknowledgement/notice trustdesk sent. */
async function openCaseFor(reference: string, requester: string, status: 'new' | 'waiting_on_user' = 'new') {
  const opened = await receiveEmail(deps, await arrive(`open-${reference}`, Buffer.from(`From: ${requester}\r\nSubject: My coins are missing\r\n\r\nI bought coins and they never arrived.\r\n`)));
  if (opened.outcome !== 'opened') throw new Error(opened.outcome);
  const record = store.cases.get(opened.caseId)!;
  const rekeyed = { ...record, reference };
  store.references.set(reference, record.caseId);
  const next =
    status === 'waiting_on_user'
      ? applyAgentAction(rekeyed, { type: 'request-info', message: 'Which account?' }, { kind: 'agent', id: 'a-1', role: 'agent' }, NOW, policies.sla, NO_FOUR_EYES).record
      : rekeyed;
  store.cases.set(record.caseId, next);
  await store.markNoticeSent(record.caseId, 'case.opened-1', ACK, requester);
  await store.markNoticeSent(record.caseId, 'agent.requested-info-2', NOTICE, requester);
  return next;
}

describe('receiveEmail: automatic mail', () => {
  it.each(['ooo-exchange', 'ooo-gmail', 'mailing-list'])('keeps %s that belongs to no case as a quarantine record of kind "automatic", opening nothing', async (name) => {
    const result = await receiveEmail(deps, await arrive('auto-1', fixture(name).raw));
    expect(result).toMatchObject({ outcome: 'quarantined' });
    expect(store.quarantined.get('auto-1')).toMatchObject({ kind: 'automatic', mailKey: 'inbound/auto-1' });
    expect(store.cases.size).toBe(0);
  });

  it('takes mail with a null envelope sender for automatic', async () => {
    const raw = Buffer.from('From: sam@example.com\r\nSubject: Hello\r\n\r\nA message with a null return path.\r\n');
    await expect(receiveEmail(deps, await arrive('null-1', raw, ''))).resolves.toMatchObject({ outcome: 'quarantined', reasons: ['other', 'null return path'] });
    expect(store.cases.size).toBe(0);
  });

  it('puts an out-of-office answer to an acknowledgement on the case timeline, leaving a paused case paused', async () => {
    const before = await openCaseFor('TD-9Q2W4E', 'priya.shah@fabrikam.example', 'waiting_on_user');
    const result = await receiveEmail(deps, await arrive('ooo-2', fixture('ooo-exchange').raw));
    expect(result).toMatchObject({ outcome: 'automatic-reply', caseId: before.caseId, version: before.version + 1 });
    const after = store.cases.get(before.caseId)!;
    expect(after.status).toBe('waiting_on_user');
    expect(after.pauses).toEqual(before.pauses);
    expect(after.pauses.at(-1)?.to).toBeUndefined();
    expect(after.lastUserMessageAt).toBe(before.lastUserMessageAt);
    expect(after.lifecycleVersion).toBe(before.lifecycleVersion);
    expect(store.events.get(before.caseId)?.at(-1)).toMatchObject({ type: 'requester.auto-replied', data: { reasons: ['Auto-Submitted: auto-generated'] } });
  });

  it.each(['bounce-postfix', 'bounce-exim', 'bounce-exchange', 'bounce-gmail'])('marks a %s of a notice on its case and flags the address', async (name) => {
    const { expected } = fixture(name);
    const address = expected.deliveryReport!.address;
    const before = await openCaseFor('TD-7K3Q9X', address);
    const result = await receiveEmail(deps, await arrive('dsn-1', fixture(name).raw, ''));
    expect(result).toMatchObject({ outcome: 'bounced', caseId: before.caseId });
    expect(store.events.get(before.caseId)?.at(-1)).toMatchObject({
      type: 'email.bounced',
      data: { notice: 'agent.requested-info-2', address, status: expected.deliveryReport!.status, diagnosticCode: expected.deliveryReport!.diagnosticCode, permanent: true },
    });
    expect(store.cases.get(before.caseId)!.requesterUndeliverable).toMatchObject({ status: expected.deliveryReport!.status });
    expect(await store.undeliverable(address)).toMatchObject({ caseId: before.caseId, status: expected.deliveryReport!.status });
    expect(store.cases.get(before.caseId)!.status).toBe(before.status);
  });

  it('records a bounce of a message trustdesk never sent as automatic mail, changing no case', async () => {
    const before = await openCaseFor('TD-7K3Q9X', 'sam@example.com');
    store.sentEmails.clear();
    await expect(receiveEmail(deps, await arrive('dsn-2', fixture('bounce-postfix').raw, ''))).resolves.toMatchObject({ outcome: 'quarantined' });
    expect(store.quarantined.get('dsn-2')).toMatchObject({ kind: 'automatic', reasons: expect.arrayContaining(['bounce']) });
    expect(store.cases.get(before.caseId)).toEqual(before);
  });

  it('records a malformed report as automatic mail, changing no case', async () => {
    const before = await openCaseFor('TD-7K3Q9X', 'sam@example.com');
    const broken = Buffer.from(fixture('bounce-postfix').raw.toString('latin1').replace(/^Status: 5\.1\.1$/m, 'Status: broken').replace(/^Action: failed$/m, ''), 'latin1');
    await expect(receiveEmail(deps, await arrive('dsn-3', broken, ''))).resolves.toMatchObject({ outcome: 'quarantined' });
    expect(store.cases.get(before.caseId)).toEqual(before);
  });

  it('clears the undeliverable flag when a new message arrives from the address', async () => {
    await openCaseFor('TD-7K3Q9X', 'sam@example.com');
    await receiveEmail(deps, await arrive('dsn-4', fixture('bounce-postfix').raw, ''));
    expect(await store.undeliverable('sam@example.com')).toBeDefined();
    await receiveEmail(deps, await arrive('back-1', Buffer.from('From: sam@example.com\r\nSubject: Re: [TD-7K3Q9X] hi\r\n\r\nMy mailbox works again.\r\n'), 'sam@example.com'));
    expect(await store.undeliverable('sam@example.com')).toBeUndefined();
  });
});

describe('the mail corpus, through the email intake', () => {
  const people = corpus.filter((m) => m.expected.automatic === false);
  const machines = corpus.filter((m) => m.expected.automatic !== false && m.expected.automatic !== undefined);

  it.each(people.map((m) => [m.name, m] as const))('%s opens a case with what the person wrote', async (_, { raw, expected }) => {
    const result = await receiveEmail(deps, await arrive('c-1', raw, 'sender@example.com'));
    expect(result).toMatchObject({ outcome: 'opened' });
    const record = store.cases.get((result as { caseId: string }).caseId)!;
    if (expected.from) expect(record.requester).toEqual(expected.from);
    if (expected.subject) expect(record.subject).toBe(expected.subject);
    if (expected.text) expect(record.message).toBe(expected.text);
    if (expected.fullTextContains) expect(record.fullMessage).toContain(expected.fullTextContains);
    if (expected.forwardedFrom) expect(record.forwardedFrom).toEqual(expected.forwardedFrom);
    if (expected.attachments) expect(record.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size }))).toEqual(expected.attachments);
    expect(record.message).not.toContain('\uFFFD');
  });

  it.each(machines.map((m) => [m.name, m] as const))('%s opens no case', async (_, { raw }) => {
    await expect(receiveEmail(deps, await arrive('m-1', raw, ''))).resolves.toMatchObject({ outcome: 'quarantined' });
    expect(store.cases.size).toBe(0);
    expect(store.quarantined.get('m-1')?.kind).toBe('automatic');
  });
});
