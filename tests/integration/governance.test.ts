// Retention, erasure, legal hold and evidence export (issue 14 points 3 and 4), on the local cloud over HTTP
// and SMTP: an erasure leaves no trace of the person in the cases table, the reporting table or the mail bucket
// while the day's report is unchanged; a held case survives it and is named; a retry touches nothing; the
// scheduled retention erases a case closed 366 days ago on the virtual clock and not one closed 300 days ago;
// an export's manifest checksums match its files and its attachments are byte-identical. The heavier tests get
// two minutes: they move the clock by a year or mail megabytes, which a loaded machine takes its time over.
import { createHash } from 'node:crypto';
import { ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { unzipSync } from 'fflate';
import { DynamoLedger } from '#lib/adapters/dynamodb-ledger.ts';
import { describe, expect, it } from 'vitest';
import { actAs, advanceClockTo, allItems, asAgent, clockNow, cloud, dynamo, everyTableItem, mailbox, postInquiry, request, s3Objects, sendMail, settle, token, unique } from './support.ts';

const DAY = 86_400_000;

interface CaseBody {
  case: { caseId: string; version: number; status: string; closedAt?: string; requester: { email: string; name?: string }; subject: string; message: string; attachments: { key: string; filename: string; sha256: string }[]; erased?: { reason: string }; legalHold?: unknown };
  timeline: { type: string; data: Record<string, unknown> }[];
}
interface Receipt {
  erasureId: string;
  casesTouched: number;
  caseIds: string[];
  heldCasesSkipped: string[];
  itemsErased: Record<string, number>;
}

const getCase = async (caseId: string) => (await asAgent<CaseBody>(`/cases/${caseId}`)).body;
const act = async (role: 'agent' | 'lead' | 'risk', caseId: string, action: Record<string, unknown>) => {
  const res = await actAs(role, caseId, { ...action, expectedVersion: (await getCase(caseId)).case.version });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await settle();
};
const erase = async (body: unknown, role: 'agent' | 'lead' | 'risk' = 'risk') =>
  request<Receipt & { fields?: { field: string }[] }>('POST', '/requesters/erasure', {
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await token(role)}` },
  });
/** Today's report numbers (its `asOf` instant aside, which moves with the clock). */
const dailyReport = async () => {
  const { asOf: _asOf, ...numbers } = (await request('GET', '/reports/current?cadence=daily', { headers: { authorization: `Bearer ${await token('lead')}` } })).body;
  return numbers;
};

const mailBucketObjects = async () => (await s3Objects()).filter((o) => o.bucket === cloud.mailBucket);

async function caseIdOfMailFrom(email: string): Promise<string> {
  const list = await asAgent<{ items: { caseId: string; requesterEmail: string }[] }>('/cases?limit=100');
  const found = list.body.items.find((c) => c.requesterEmail === email)?.caseId;
  expect(found).toBeDefined();
  return found!;
}

describe('erasure on request', () => {
  it('leaves no trace of the person in the tables or the mail bucket, keeps the report, skips a held case, and a retry touches nothing', async () => {
    const email = `${unique('erase')}@example.com`;
    const name = `Erin ${unique('name')}`;
    const userId = unique('acct');
    const secret = unique('secret');
    // Ops loaded the account's profile (value tier): the account's personal data too.
    const { TableNames = [] } = await dynamo.send(new ListTablesCommand({}));
    const profilesTable = TableNames.find((t) => t.includes('Profiles'));
    expect(profilesTable).toBeDefined();
    await dynamo.send(new PutItemCommand({ TableName: profilesTable, Item: { userId: { S: userId }, tier: { S: 'silver' }, lifetimeSpend: { N: '150' } } }));
    // The payment systems' transactions of the account, in trustdesk's copy of the ledger.
    const ledger = new DynamoLedger(cloud.ledgerTable, dynamo);
    for (let i = 0; i < 3; i++) {
      await ledger.record({ transactionId: unique('ltx'), userId, kind: 'coin_purchase', amount: 9.99, currency: 'USD', status: 'succeeded', occurredAt: `2026-11-0${i + 1}T10:00:00.000Z`, instrument: unique('fp') });
    }
    const web = await postInquiry({ email, name, userId, subject: `Charge ${secret}`, message: `I never bought these coins ${secret}.`, amount: 49.99, currency: 'USD', transactionId: unique('tx') });
    expect(web.status).toBe(201);
    const webCaseId = web.body.caseId as string;
    await sendMail({ from: `${name} <${email}>`, subject: `Statement ${secret}`, text: `My statement is attached ${secret}.`, attachments: [{ filename: 'statement.csv', content: `date,amount\n2026-12-01,49.99,${secret}\n`, contentType: 'text/csv' }] });
    await settle();
    const mailCaseId = await caseIdOfMailFrom(email);
    // An agent's reply is emailed to the person (a sent-mail record names the address), then a held case.
    await act('agent', webCaseId, { type: 'reply', message: `We are looking at ${secret}.` });
    const held = await postInquiry({ email, subject: `Threat ${secret}`, message: `Someone threatens me ${secret}.`, category: 'safety' });
    await settle();
    const heldCaseId = held.body.caseId as string;
    await act('risk', heldCaseId, { type: 'legal-hold', reason: 'police request 2026-118' });
    expect((await mailbox()).some((m) => m.destination.to.includes(email))).toBe(true);
    expect((await allItems()).some((i) => JSON.stringify(i).includes(email))).toBe(true);

    const reportBefore = await dailyReport();
    const mailBefore = (await mailbox()).length;
    const receipt = await erase({ email });
    expect(receipt.status).toBe(200);
    expect(receipt.body.casesTouched).toBe(2);
    expect([...receipt.body.caseIds].sort()).toEqual([webCaseId, mailCaseId].sort());
    expect(receipt.body.heldCasesSkipped).toEqual([heldCaseId]);
    expect(receipt.body.itemsErased.attachments).toBe(1);
    expect(receipt.body.itemsErased.sentEmails).toBeGreaterThanOrEqual(2);
    expect(receipt.body.itemsErased.events).toBeGreaterThanOrEqual(3);
    expect(receipt.body.itemsErased.ledgerLinks).toBe(3);
    expect(await ledger.transactionsOf(userId, { from: '2026-01-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z', limit: 10 })).toEqual([]);
    await settle();

    // The skeleton stays; the audit says what was erased in counts.
    const erased = await getCase(webCaseId);
    expect(erased.case).toMatchObject({ caseId: webCaseId, status: 'investigating', requester: { email: '' }, subject: '[erased]', message: '[erased]', erased: { reason: 'request' } });
    expect(erased.timeline.at(-1)).toMatchObject({ type: 'personal-data.erased', data: { erased: { attachments: 0 } } });
    // No trace in any table (cases, reporting, profiles) outside the held case, whose items alone still name the person.
    const traces = (await everyTableItem()).filter((i) => !i.includes(heldCaseId));
    expect(traces.filter((i) => i.includes(email) || i.includes(secret) || i.includes(name) || i.includes(userId))).toEqual([]);
    expect(receipt.body.itemsErased.requesterRecords).toBeGreaterThanOrEqual(2); // the address's history and the profile
    const objects = await mailBucketObjects();
    expect(objects.filter((o) => o.body.includes(secret) || o.body.includes(email))).toEqual([]);
    // The report's numbers did not move, and the erasure emailed nobody.
    expect(await dailyReport()).toEqual(reportBefore);
    expect((await mailbox()).length).toBe(mailBefore);
    // The held case is whole.
    expect((await getCase(heldCaseId)).case.requester.email).toBe(email);

    // A retry touches nothing new; nor does an unknown person.
    const again = await erase({ email });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ casesTouched: 0, caseIds: [], heldCasesSkipped: [heldCaseId], itemsErased: { caseFields: 0, events: 0, attachments: 0, sentEmails: 0, requesterRecords: 0, ledgerLinks: 0 } });
    expect((await getCase(webCaseId)).case.version).toBe(erased.case.version);
    const nobody = await erase({ userId: unique('nobody') });
    expect(nobody.status).toBe(200);
    expect(nobody.body).toMatchObject({ casesTouched: 0, heldCasesSkipped: [] });

    // Released, the held case goes with the next request.
    await act('risk', heldCaseId, { type: 'release-hold' });
    const released = await erase({ email });
    expect(released.body).toMatchObject({ casesTouched: 1, caseIds: [heldCaseId], heldCasesSkipped: [] });
    expect((await allItems()).map((i) => JSON.stringify(i)).filter((i) => i.includes(email))).toEqual([]);
  }, 120_000);

  it('is for the risk team only, and names the bad field', async () => {
    for (const role of ['agent', 'lead'] as const) expect((await erase({ email: 'x@example.com' }, role)).status).toBe(403);
    expect((await request('POST', '/requesters/erasure', { body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(401);
    const cases: [unknown, string][] = [
      [{}, 'email'],
      [{ email: 'not-an-address' }, 'email'],
      [{ userId: 'bad id with spaces' }, 'userId'],
      [{ email: 'a@example.com', userId: 'u1' }, 'userId'],
    ];
    for (const [body, field] of cases) {
      const res = await erase(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.fields?.map((f) => f.field)).toContain(field);
    }
  });

  it('legal-hold and release-hold are risk actions that fit the state', async () => {
    const res = await postInquiry({ email: `${unique('hold')}@example.com`, subject: 'Payout missing', message: 'My payout did not arrive.' });
    await settle();
    const caseId = res.body.caseId as string;
    const version = (await getCase(caseId)).case.version;
    for (const role of ['agent', 'lead'] as const) expect((await actAs(role, caseId, { type: 'legal-hold', reason: 'x', expectedVersion: version })).status).toBe(403);
    expect((await actAs('risk', caseId, { type: 'release-hold', expectedVersion: version })).status).toBe(409);
    const missing = await actAs<{ fields: { field: string }[] }>('risk', caseId, { type: 'legal-hold', expectedVersion: version });
    expect(missing.status).toBe(400);
    expect(missing.body.fields.map((f) => f.field)).toEqual(['reason']);
    await act('risk', caseId, { type: 'legal-hold', reason: 'chargeback dispute' });
    expect((await getCase(caseId)).case.legalHold).toMatchObject({ by: 'local-risk', reason: 'chargeback dispute' });
  });
});

describe('scheduled retention', () => {
  async function closedCase(label: string): Promise<{ caseId: string; email: string; closedAt: number }> {
    const email = `${unique(label)}@example.com`;
    const res = await postInquiry({ email, subject: 'Coins missing', message: `My coins did not arrive (${label}).` });
    await settle();
    const caseId = res.body.caseId as string;
    await act('agent', caseId, { type: 'resolve', outcome: 'resolved' });
    await advanceClockTo((await clockNow()) + 8 * DAY); // a week of silence closes it
    const closed = await getCase(caseId);
    expect(closed.case.status).toBe('closed');
    return { caseId, email, closedAt: Date.parse(closed.case.closedAt!) };
  }

  it('erases a case closed 366 days ago and keeps one closed 300 days ago', async () => {
    const old = await closedCase('retention-old');
    await advanceClockTo(old.closedAt + 58 * DAY);
    const recent = await closedCase('retention-recent'); // closed about 66 days after the old one
    expect(recent.closedAt - old.closedAt).toBeGreaterThanOrEqual(65 * DAY);
    await advanceClockTo(old.closedAt + 366 * DAY);
    expect((await request('POST', '/local/schedules/DailyRetention/run')).status).toBe(200);
    await settle();

    const erased = await getCase(old.caseId);
    expect(erased.case).toMatchObject({ status: 'closed', requester: { email: '' }, message: '[erased]', erased: { reason: 'retention' } });
    expect(erased.timeline.at(-1)).toMatchObject({ type: 'personal-data.erased', data: { reason: 'retention' } });
    const kept = await getCase(recent.caseId);
    expect(kept.case.requester.email).toBe(recent.email);
    expect(kept.case.erased).toBeUndefined();
    expect((await allItems()).map((i) => JSON.stringify(i)).filter((i) => i.includes(old.email))).toEqual([]);
  }, 120_000);
});

describe('evidence export', () => {
  it('returns one zip whose manifest checksums match its files, attachments byte-identical, audited', async () => {
    const email = `${unique('export')}@example.com`;
    const attachment = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x10, 0x80, ...Buffer.from(unique('png'))]);
    await sendMail({ from: email, subject: 'Fraudulent <b>charge</b>', text: 'Screenshot attached.', attachments: [{ filename: 'proof.png', content: attachment, contentType: 'image/png' }] });
    await settle();
    const caseId = await caseIdOfMailFrom(email);
    const before = await getCase(caseId);

    const res = await fetch(`${cloud.api}/cases/${caseId}/export`, { headers: { authorization: `Bearer ${await token('risk')}`, accept: 'application/zip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual(['attachments/1-proof.png', 'case.html', 'case.json', 'manifest.json', 'timeline.json']);
    const manifest = JSON.parse(Buffer.from(files['manifest.json']!).toString('utf8')) as { caseId: string; exportedBy: { id: string }; files: { path: string; bytes: number; sha256: string }[] };
    expect(manifest).toMatchObject({ caseId, exportedBy: { id: 'local-risk' } });
    expect(manifest.files.map((f) => f.path).sort()).toEqual(Object.keys(files).filter((f) => f !== 'manifest.json').sort());
    for (const f of manifest.files) {
      expect(createHash('sha256').update(files[f.path]!).digest('hex'), f.path).toBe(f.sha256);
      expect(files[f.path]!.length).toBe(f.bytes);
    }
    expect(Buffer.from(files['attachments/1-proof.png']!).equals(attachment)).toBe(true);
    expect(createHash('sha256').update(attachment).digest('hex')).toBe(before.case.attachments[0]!.sha256);
    const html = Buffer.from(files['case.html']!).toString('utf8');
    expect(html).toContain('Fraudulent &lt;b&gt;charge&lt;/b&gt;');
    expect(html).not.toContain('<b>charge</b>');
    expect(JSON.parse(Buffer.from(files['case.json']!).toString('utf8'))).toMatchObject({ caseId, version: before.case.version });

    // Audited: who exported it, the archive's checksum; nothing emailed.
    await settle();
    const after = await getCase(caseId);
    expect(after.case.version).toBe(before.case.version + 1);
    expect(after.timeline.at(-1)).toMatchObject({ type: 'case.exported', actor: { kind: 'agent', id: 'local-risk' }, data: { files: 4 } });

    // Without a binary Accept type, API Gateway hands the body over as its base64 text (as on AWS).
    const text = await fetch(`${cloud.api}/cases/${caseId}/export`, { headers: { authorization: `Bearer ${await token('risk')}`, accept: 'application/json' } });
    expect(text.status).toBe(200);
    expect(Object.keys(unzipSync(new Uint8Array(Buffer.from(await text.text(), 'base64'))))).toContain('manifest.json');
  }, 120_000);

  it('is for the risk team only; unknown cases are 404; a case too big for one answer is a presigned link to its zip', async () => {
    const res = await postInquiry({ email: `${unique('export')}@example.com`, subject: 'Payout', message: 'My payout is late.' });
    await settle();
    const caseId = res.body.caseId as string;
    for (const role of ['agent', 'lead'] as const) {
      expect((await request('GET', `/cases/${caseId}/export`, { headers: { authorization: `Bearer ${await token(role)}` } })).status).toBe(403);
    }
    expect((await request('GET', '/cases/00000000-0000-4000-8000-0000000000ff/export', { headers: { authorization: `Bearer ${await token('risk')}` } })).status).toBe(404);
    expect((await getCase(caseId)).timeline.some((e) => e.type === 'case.exported')).toBe(false);

    // 5 MiB of incompressible bytes by email: over the 4 MiB an API answer can carry.
    const email = `${unique('export-big')}@example.com`;
    const seed = createHash('sha256').update(email).digest();
    const bytes = Buffer.alloc(5 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i += 32) createHash('sha256').update(seed).update(String(i)).digest().copy(bytes, i);
    await sendMail({ from: email, subject: 'Recording', text: 'The stream recording.', attachments: [{ filename: 'recording.bin', content: bytes, contentType: 'application/octet-stream' }] });
    await settle();
    const bigCaseId = await caseIdOfMailFrom(email);
    const big = await fetch(`${cloud.api}/cases/${bigCaseId}/export`, { headers: { authorization: `Bearer ${await token('risk')}`, accept: 'application/zip' }, redirect: 'manual' });
    expect(big.status).toBe(303);
    const body = (await big.json()) as { downloadUrl: string; expiresAt: string; bytes: number; sha256: string; manifest: { files: { path: string; sha256: string }[] } };
    expect(big.headers.get('location')).toBe(body.downloadUrl);
    expect(new URL(body.downloadUrl).searchParams.get('X-Amz-Expires')).toBe('900');
    expect(body.downloadUrl).toContain(`/exports/${bigCaseId}/`);
    // The link downloads the archive itself (no token: the signature is the permission).
    const download = await fetch(body.downloadUrl);
    expect(download.status).toBe(200);
    const zip = new Uint8Array(await download.arrayBuffer());
    expect(zip.length).toBe(body.bytes);
    expect(createHash('sha256').update(zip).digest('hex')).toBe(body.sha256);
    const files = unzipSync(zip);
    expect(Buffer.from(files['attachments/1-recording.bin']!).equals(bytes)).toBe(true);
    for (const f of body.manifest.files) expect(createHash('sha256').update(files[f.path]!).digest('hex'), f.path).toBe(f.sha256);
    expect((await getCase(bigCaseId)).timeline.at(-1)).toMatchObject({ type: 'case.exported', data: { delivery: 'link', sha256: body.sha256 } });
  }, 120_000);
});
