import { teamsPolicy } from '#lib/teams-config.ts';
import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { SesReceiptRecordSchema } from '#events/ses.ts';
import { BusyError } from '#lib/errors.ts';
import { MailNotFoundError, receiveEmail, type ReceiveDeps } from '#lib/use-cases/receive-email.ts';
import { FakeMailer, FixedClock, InMemoryBlobStore, InMemoryCaseStore, NOW, sesRecord, submitDeps } from '../fakes.ts';
import { fourEyes } from '#lib/governance-config.ts';

type MailOptions = ConstructorParameters<typeof MailComposer>[0];

const PREFIX = 'inbound/';
let store: InMemoryCaseStore;
let blobs: InMemoryBlobStore;
let clock: FixedClock;
let deps: ReceiveDeps;

beforeEach(() => {
  store = new InMemoryCaseStore();
  blobs = new InMemoryBlobStore();
  clock = new FixedClock(NOW);
  deps = { ...submitDeps(store, clock), blobs, mailPrefix: PREFIX, teams: teamsPolicy, mailer: new FakeMailer(), fourEyes };
});

/** Put real MIME where the receipt rule's S3 action would, and return the Lambda's record for it. */
async function arrive(sesMessageId: string, options: MailOptions, verdicts: Parameters<typeof sesRecord>[1] = {}) {
  const raw = await new MailComposer({ to: 'support@trustdesk.local', date: NOW, ...options }).compile().build();
  await blobs.put(`${PREFIX}${sesMessageId}`, raw, 'message/rfc822');
  return SesReceiptRecordSchema.parse(sesRecord(sesMessageId, verdicts));
}

const firstMail: MailOptions = {
  from: 'Alice Smith <Alice@Example.com>',
  subject: 'Coins never arrived',
  text: 'I bought 500 coins yesterday and my balance was not updated.',
  messageId: '<first-1@mail.example.com>',
  attachments: [{ filename: 'receipt.pdf', content: Buffer.from('%PDF receipt 42'), contentType: 'application/pdf' }],
};

describe('receiveEmail: quarantine', () => {
  it.each([
    ['spam', { spam: 'FAIL' }, ['spam']],
    ['virus', { virus: 'FAIL' }, ['virus']],
    ['dmarc', { dmarc: 'FAIL' }, ['dmarc']],
    ['spf + dkim', { spf: 'FAIL', dkim: 'FAIL' }, ['unauthenticated sender (spf and dkim failed)']],
  ] as const)('quarantines on a failed %s verdict without reading or opening anything', async (_, verdicts, reasons) => {
    const record = await arrive('ses-q1', firstMail, verdicts);
    const get = vi.spyOn(blobs, 'get');
    await expect(receiveEmail(deps, record)).resolves.toEqual({ outcome: 'quarantined', reasons });
    expect(get).not.toHaveBeenCalled();
    expect(store.quarantined.get('ses-q1')).toMatchObject({ messageId: 'ses-q1', reasons, mailKey: 'inbound/ses-q1', receivedAt: NOW.toISOString() });
    expect(store.cases.size).toBe(0);
    expect([...blobs.objects.keys()]).toEqual(['inbound/ses-q1']);
  });

  it('quarantines before even looking for the raw mail', async () => {
    const record = SesReceiptRecordSchema.parse(sesRecord('ses-gone', { virus: 'FAIL' }));
    await expect(receiveEmail(deps, record)).resolves.toMatchObject({ outcome: 'quarantined' });
  });

  it('quarantines a message without a usable sender address', async () => {
    const record = await arrive('ses-q2', { subject: 'no sender', text: 'hello' });
    await expect(receiveEmail(deps, record)).resolves.toEqual({ outcome: 'quarantined', reasons: ['no valid sender address'] });
    expect(store.quarantined.get('ses-q2')?.reasons).toEqual(['no valid sender address']);
    expect(store.cases.size).toBe(0);
  });

  it('lets a message through when only spf failed (forwarding)', async () => {
    const record = await arrive('ses-fwd', firstMail, { spf: 'FAIL' });
    await expect(receiveEmail(deps, record)).resolves.toMatchObject({ outcome: 'opened' });
  });
});

describe('receiveEmail: new cases', () => {
  it('fails with MailNotFoundError (so the invocation is retried) when the raw mail is missing', async () => {
    const record = SesReceiptRecordSchema.parse(sesRecord('ses-missing'));
    await expect(receiveEmail(deps, record)).rejects.toBeInstanceOf(MailNotFoundError);
    expect(store.cases.size).toBe(0);
    expect(store.quarantined.size).toBe(0);
  });

  it('opens a case from the mail, with its attachments stored in the bucket', async () => {
    const result = await receiveEmail(deps, await arrive('ses-1', firstMail));
    expect(result).toEqual({ outcome: 'opened', caseId: '00000000-0000-4000-8000-000000000001', reference: 'TD-000001' });
    if (result.outcome !== 'opened') throw new Error('unreachable');

    const record = store.cases.get(result.caseId)!;
    expect(record).toMatchObject({
      channel: 'email',
      requester: { email: 'alice@example.com', name: 'Alice Smith' },
      subject: 'Coins never arrived',
      message: 'I bought 500 coins yesterday and my balance was not updated.',
      version: 1,
    });
    const content = Buffer.from('%PDF receipt 42');
    expect(record.attachments).toEqual([
      {
        filename: 'receipt.pdf',
        contentType: 'application/pdf',
        size: content.length,
        sha256: createHash('sha256').update(content).digest('hex'),
        key: 'attachments/ses-1/1-receipt.pdf',
      },
    ]);
    const stored = blobs.objects.get('attachments/ses-1/1-receipt.pdf');
    expect(stored?.contentType).toBe('application/pdf');
    expect(stored?.body.equals(content)).toBe(true);
    // Later replies can thread on this mail's own Message-ID.
    expect(store.messageIds.get('first-1@mail.example.com')).toBe(result.caseId);
    expect([...store.claims.keys()]).toHaveLength(1);
  });

  it('fills in an empty subject and body', async () => {
    const result = await receiveEmail(deps, await arrive('ses-empty', { from: 'bob@example.com', subject: '', text: '' }));
    if (result.outcome !== 'opened') throw new Error(`expected a new case, got ${result.outcome}`);
    expect(store.cases.get(result.caseId)).toMatchObject({ subject: '(no subject)', message: '(no text)' });
  });

  it('is idempotent per SES message id: a redelivery replays the same case', async () => {
    const record = await arrive('ses-1', firstMail);
    const first = await receiveEmail(deps, record);
    clock.advance(60_000);
    const again = await receiveEmail(deps, record);
    expect(again).toEqual({ ...first, outcome: 'replayed' });
    expect(store.cases.size).toBe(1);
  });

  it('opens a new case when the subject names a reference that does not exist', async () => {
    const result = await receiveEmail(deps, await arrive('ses-x', { ...firstMail, subject: 'Re: [TD-ZZZZZZ] hello' }));
    expect(result.outcome).toBe('opened');
  });
});

describe('receiveEmail: card data', () => {
  it('masks the subject and body of a new case and flags (but keeps) a text attachment that holds a card number', async () => {
    const csv = Buffer.from('date,card\n2026-12-01,4111 1111 1111 1111\n');
    const result = await receiveEmail(
      deps,
      await arrive('ses-card', {
        from: 'alice@example.com',
        subject: 'card 5555 5555 5555 4444',
        html: '<p>My card <b>4111-1111-1111-1111</b>, CVV 123</p>',
        attachments: [
          { filename: 'statement.csv', content: csv, contentType: 'text/csv' },
          { filename: 'receipt.pdf', content: Buffer.from('%PDF 4111111111111111'), contentType: 'application/pdf' },
        ],
      }),
    );
    if (result.outcome !== 'opened') throw new Error(`expected a new case, got ${result.outcome}`);
    const record = store.cases.get(result.caseId)!;
    expect(record.subject).toBe('card •••• •••• •••• 4444');
    expect(record.message).toContain('My card •••• •••• •••• 1111, CVV •••');
    expect(record.masked).toEqual({ cardNumbers: 2, securityCodes: 1, ssns: 0 });
    expect(record.attachments.map((a) => [a.filename, a.mayContainCardData ?? false])).toEqual([
      ['statement.csv', true],
      ['receipt.pdf', false],
    ]);
    expect(blobs.objects.get(record.attachments[0]!.key)?.body).toEqual(csv);
  });
});

describe('receiveEmail: threading', () => {
  async function openFirst() {
    const opened = await receiveEmail(deps, await arrive('ses-1', firstMail));
    if (opened.outcome !== 'opened') throw new Error('expected a new case');
    clock.advance(3_600_000);
    return opened;
  }

  it('threads a reply by the reference in its subject', async () => {
    const opened = await openFirst();
    const reply = await arrive('ses-2', {
      from: 'alice@example.com',
      subject: `Re: [${opened.reference}] We received your request`,
      text: 'Here is another screenshot.\n\nOn Wed, 25 Nov 2026, trustdesk wrote:\n> We received your request',
      attachments: [{ filename: 'shot.png', content: Buffer.from('png-bytes'), contentType: 'image/png' }],
    });
    await expect(receiveEmail(deps, reply)).resolves.toEqual({ outcome: 'threaded', caseId: opened.caseId, reference: opened.reference, version: 2 });

    expect(store.cases.size).toBe(1);
    const record = store.cases.get(opened.caseId)!;
    expect(record.version).toBe(2);
    expect(record.lastUserMessageAt).toBe(clock.now().toISOString());
    expect(record.attachments.map((a) => a.key)).toEqual(['attachments/ses-1/1-receipt.pdf', 'attachments/ses-2/1-shot.png']);
    expect(blobs.objects.has('attachments/ses-2/1-shot.png')).toBe(true);
    const events = store.events.get(opened.caseId)!;
    expect(events.map((e) => [e.version, e.type])).toEqual([
      [1, 'case.opened'],
      [2, 'requester.replied'],
    ]);
    expect(events[1]!.data).toMatchObject({ message: 'Here is another screenshot.' });
    expect(events[1]!.actor).toEqual({ kind: 'requester', email: 'alice@example.com' });
  });

  it('threads a reply by In-Reply-To on the first mail', async () => {
    const opened = await openFirst();
    const reply = await arrive('ses-3', {
      from: 'alice@example.com',
      subject: 'Re: Coins never arrived',
      text: 'Any news?',
      messageId: '<second-2@mail.example.com>',
      inReplyTo: '<FIRST-1@mail.example.com>',
      references: ['<first-1@mail.example.com>'],
    });
    await expect(receiveEmail(deps, reply)).resolves.toMatchObject({ outcome: 'threaded', caseId: opened.caseId, version: 2 });
    // The reply's own id threads the next message too.
    expect(store.messageIds.get('second-2@mail.example.com')).toBe(opened.caseId);
    const third = await arrive('ses-4', { from: 'alice@example.com', subject: 'Re: Re: Coins', text: 'Hello?', inReplyTo: '<second-2@mail.example.com>' });
    await expect(receiveEmail(deps, third)).resolves.toMatchObject({ outcome: 'threaded', caseId: opened.caseId, version: 3 });
  });

  it('records a redelivered reply once', async () => {
    const opened = await openFirst();
    const reply = await arrive('ses-2', { from: 'alice@example.com', subject: `Re: [${opened.reference}]`, text: 'More details.' });
    await receiveEmail(deps, reply);
    const again = await receiveEmail(deps, reply);
    expect(again).toMatchObject({ outcome: 'threaded', caseId: opened.caseId });
    expect(store.cases.get(opened.caseId)!.version).toBe(2);
    expect(store.events.get(opened.caseId)!.filter((e) => e.type === 'requester.replied')).toHaveLength(1);
  });

  it('re-reads the case when an agent changed it meanwhile', async () => {
    const opened = await openFirst();
    let raced = false;
    store.beforeWrite = (w) => {
      if (w.kind !== 'change' || raced) return;
      raced = true;
      const current = store.cases.get(opened.caseId)!;
      store.cases.set(opened.caseId, { ...current, status: 'investigating', version: current.version + 1 });
    };
    const reply = await arrive('ses-2', { from: 'alice@example.com', subject: `Re: [${opened.reference}]`, text: 'More details.' });
    await expect(receiveEmail(deps, reply)).resolves.toMatchObject({ outcome: 'threaded', version: 3 });
    expect(store.cases.get(opened.caseId)).toMatchObject({ status: 'investigating', version: 3 });
  });

  it('gives up with BusyError when the case keeps changing', async () => {
    const opened = await openFirst();
    store.beforeWrite = (w) => {
      if (w.kind !== 'change') return;
      const current = store.cases.get(opened.caseId)!;
      store.cases.set(opened.caseId, { ...current, version: current.version + 1 });
    };
    const reply = await arrive('ses-2', { from: 'alice@example.com', subject: `Re: [${opened.reference}]`, text: 'More details.' });
    await expect(receiveEmail(deps, reply)).rejects.toBeInstanceOf(BusyError);
    expect(store.events.get(opened.caseId)!.filter((e) => e.type === 'requester.replied')).toHaveLength(0);
    expect(store.cases.size).toBe(1);
  });
});
