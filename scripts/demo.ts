// npm run demo: a living month in the running local cloud (`npm start` first), through the public ways in
// only — the profiles loader, the ledger's bulk import and event bus, the web form, SMTP, the agents' API — so
// what the console and the reports show afterwards is what real work would leave. The month comes from
// scripts/demo-month.ts (seeded, the same every run); the virtual clock walks it day by day, so deadlines,
// escalations, auto-closes and the daily reports happen as they would. The ledger goes in as the payment systems
// would send it, and always before the complaints that should find it: the backfill file first, each night's
// settlement file at the start of the next day, and the real-time events on the bus as the clock passes them
// (settled before the next inquiry). It refuses a cloud that already holds cases unless given --again.
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nodemailer, { type Transporter } from 'nodemailer';
import { LEDGER_DETAIL_TYPES, LEDGER_EVENT_SOURCE, type LedgerTransaction } from '#domain/ledger/transaction.ts';
import { demoMonth, type DemoFollowUp, type DemoInquiry, type DemoLedgerEvent, type DemoStory } from './demo-month.ts';
import { loadLedgerFile, localImportsBucket } from './ledger-load.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const api = `http://127.0.0.1:${process.env.TRUSTDESK_API_PORT ?? 3000}`;
const smtp = { host: '127.0.0.1', port: Number(process.env.TRUSTDESK_SMTP_PORT ?? 2525) };
const mailboxUrl = `http://127.0.0.1:${process.env.TRUSTDESK_SES_PORT ?? 8005}`;
const intakeAddress = process.env.TRUSTDESK_INTAKE_ADDRESS ?? 'support@trustdesk.local';
const DAY_MS = 86_400_000;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const s3 = new S3Client({ region: 'us-east-1', endpoint: `http://127.0.0.1:${process.env.TRUSTDESK_S3_PORT ?? 4569}`, forcePathStyle: true, credentials });
const bus = new EventBridgeClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${process.env.TRUSTDESK_EVENTS_PORT ?? 4010}`, credentials });
const LEDGER_BUS = 'trustdesk-ledger';

/**
 * One API call. A kept-alive socket the server closed while this process was busy (the profiles loader blocks it
 * for seconds) fails the next fetch with `other side closed`: that one is sent again on a new socket. Every call
 * here is safe to repeat (inquiries carry an Idempotency-Key, actions an expectedVersion, the rest only read or
 * set an absolute clock).
 */
async function call<T>(method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const send = () =>
    fetch(`${api}${route}`, {
      method,
      headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  const res = await send().catch((error: unknown) => {
    if ((error as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw error;
    return send();
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
}

async function token(role: 'agent' | 'lead' | 'risk'): Promise<string> {
  return (await call<{ token: string }>('GET', `/local/token?role=${role}&user=demo`)).body.token;
}

const settle = () => call('POST', '/local/settle');
const clockNow = async () => Date.parse((await call<{ now: string }>('GET', '/local/clock')).body.now);
async function clockTo(instant: number): Promise<void> {
  if (instant <= (await clockNow())) return;
  const res = await call('POST', '/local/clock', { to: new Date(instant).toISOString() });
  if (res.status !== 200) throw new Error(`the local clock refused to move: ${res.status}`);
  await settle();
}

async function ensureCloud(): Promise<void> {
  const health = await fetch(`${api}/local/health`).catch(() => undefined);
  if (health?.status !== 200) {
    console.error(`no local cloud at ${api}: start it first with \`npm start\` (in another terminal), then run \`npm run demo\``);
    process.exit(2);
  }
  const existing = await call<{ items: unknown[] }>('GET', '/cases?limit=1', undefined, { authorization: `Bearer ${await token('lead')}` });
  if (existing.body.items?.length && !process.argv.includes('--again')) {
    console.error('this local cloud already holds cases: the demo is meant for a fresh one (TRUSTDESK_IN_MEMORY=true npm start, or a new TRUSTDESK_DATA_DIR); `npm run demo -- --again` adds another month anyway');
    process.exit(2);
  }
}

/** Through `npm run profiles:load`, with each account's email: how a requester who writes by mail is matched. */
function loadProfiles(month: ReturnType<typeof demoMonth>): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'trustdesk-demo-'));
  const file = path.join(dir, 'profiles.csv');
  writeFileSync(file, ['userId,tier,lifetimeSpend,email', ...month.users.map((u) => `${u.userId},${u.tier},${u.lifetimeSpend},${u.email}`)].join('\n'));
  execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/load-profiles.ts'), file, '--local'], { stdio: 'inherit', cwd: root });
}

const ledgerLoaded = { files: 0, rows: 0, events: 0 };

/** One JSONL file through the bulk import (as `npm run ledger:load` does), waiting for its report. */
async function importLedger(bucket: string, name: string, rows: LedgerTransaction[]): Promise<void> {
  if (rows.length === 0) return;
  const body = new TextEncoder().encode(rows.map((t) => JSON.stringify(t)).join('\n'));
  const { report, reportKey } = await loadLedgerFile({ s3, bucket, name, body, pollMs: 50, timeoutMs: 60_000 });
  if (report.status !== 'imported') throw new Error(`the ledger import rejected ${name}: see s3://${bucket}/${reportKey}`);
  ledgerLoaded.files++;
  ledgerLoaded.rows += report.rows;
}

/** The real-time events due by `until`, published to the ledger bus (10 a call, PutEvents' limit) and settled. */
function ledgerBus(events: DemoLedgerEvent[]) {
  let next = 0;
  return async (until: number): Promise<void> => {
    const due: PutEventsRequestEntry[] = [];
    for (; next < events.length && Date.parse(events[next]!.at) <= until; next++) {
      const { transaction } = events[next]!;
      due.push({ EventBusName: LEDGER_BUS, Source: LEDGER_EVENT_SOURCE, DetailType: LEDGER_DETAIL_TYPES[transaction.status], Detail: JSON.stringify(transaction) });
    }
    if (due.length === 0) return;
    for (let i = 0; i < due.length; i += 10) {
      const out = await bus.send(new PutEventsCommand({ Entries: due.slice(i, i + 10) }));
      if (out.FailedEntryCount) throw new Error(`the ledger bus refused ${out.FailedEntryCount} event(s): ${JSON.stringify(out.Entries?.find((e) => e.ErrorCode))}`);
    }
    ledgerLoaded.events += due.length;
    await settle();
  };
}

interface Opened {
  inquiry: DemoInquiry;
  caseId?: string;
  reference?: string;
}

async function send(inquiry: DemoInquiry, index: number, transport: Transporter): Promise<Opened> {
  if (inquiry.channel === 'web') {
    const res = await call<{ caseId: string; reference: string }>(
      'POST',
      '/inquiries',
      {
        email: inquiry.user.email,
        name: inquiry.user.name,
        userId: inquiry.user.userId,
        subject: inquiry.subject,
        message: inquiry.message,
        ...(inquiry.category && { category: inquiry.category }),
        ...(inquiry.amount !== undefined && { amount: inquiry.amount, currency: inquiry.currency }),
        ...(inquiry.transactionId && { transactionId: inquiry.transactionId }),
      },
      { 'idempotency-key': `demo-${index}` },
    );
    if (res.status !== 201) throw new Error(`the form refused demo inquiry ${index}: ${res.status} ${JSON.stringify(res.body)}`);
    return { inquiry, ...res.body };
  }
  await transport.sendMail({
    from: `"${inquiry.user.name}" <${inquiry.user.email}>`,
    to: intakeAddress,
    subject: inquiry.subject,
    text: inquiry.message,
    messageId: `<demo-${index}@demo.example>`,
  });
  return { inquiry };
}

/** Email cases carry no case id back: find them by their requester among the newest cases. */
async function findEmailCases(opened: Opened[], lead: string): Promise<void> {
  const wanted = new Map(opened.filter((o) => !o.caseId).map((o) => [o.inquiry.user.email, o]));
  let cursor: string | undefined;
  for (let page = 0; wanted.size > 0 && page < 10; page++) {
    const res = await call<{ items: { caseId: string; reference: string; requesterEmail: string }[]; cursor?: string }>('GET', `/cases?limit=100&channel=email${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, undefined, { authorization: `Bearer ${lead}` });
    for (const row of res.body.items) {
      const match = wanted.get(row.requesterEmail);
      if (match) {
        match.caseId = row.caseId;
        match.reference = row.reference;
        wanted.delete(row.requesterEmail);
      }
    }
    cursor = res.body.cursor;
    if (!cursor) break;
  }
}

async function followUp(opened: Opened, action: DemoFollowUp): Promise<void> {
  if (!opened.caseId || action.kind === 'none') return;
  const auth = { authorization: `Bearer ${await token('agent')}` };
  const current = await call<{ case: { version: number; status: string } }>('GET', `/cases/${opened.caseId}`, undefined, auth);
  if (current.status !== 200 || current.body.case.status === 'closed') return;
  const expectedVersion = current.body.case.version;
  const body: Record<string, unknown> = (() => {
    switch (action.kind) {
      case 'reply':
        return { type: 'reply', message: 'Thanks for writing to us. We are looking into this now and will come back to you shortly.' };
      case 'request-info':
        return { type: 'request-info', message: 'Could you send us the date of the purchase and the last four digits of the card you used?' };
      case 'resolve':
        return { type: 'resolve', outcome: action.outcome, summary: 'Checked the account and the transactions; answered the requester.' };
      case 'escalate':
        return { type: 'escalate', reason: 'Needs a second look by the L2 team.' };
      case 'propose-risk':
        return { type: 'resolve', outcome: 'confirmed_risk', summary: 'Pattern matches account takeover; proposing confirmed risk.' };
    }
  })();
  const res = await call<{ message?: string }>('POST', `/cases/${opened.caseId}/actions`, { ...body, expectedVersion }, auth);
  // A case that moved meanwhile (a breach escalated it, the requester wrote) is left as it is: 409 is fine here.
  if (res.status !== 200 && res.status !== 409) throw new Error(`${body.type} on ${opened.reference}: ${res.status} ${res.body.message ?? ''}`);
}

/** The surge's incident case (channel system): filtered pages may come back empty with a cursor, so follow it. */
async function firstIncident(lead: string): Promise<string | undefined> {
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const res = await call<{ items: { reference: string }[]; cursor?: string }>('GET', `/cases?limit=100&channel=system${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, undefined, { authorization: `Bearer ${lead}` });
    if (res.body.items.length > 0) return res.body.items[0]!.reference;
    cursor = res.body.cursor;
    if (!cursor) return undefined;
  }
  return undefined;
}

async function main(): Promise<void> {
  await ensureCloud();
  const startOfToday = Math.floor((await clockNow()) / DAY_MS) * DAY_MS;
  const month = demoMonth(new Date(startOfToday + DAY_MS));
  const ledgerRows = month.history.length + month.settlements.flat().length + new Set(month.live.flat().map((e) => e.transaction.transactionId)).size;
  console.log(`demo month: ${month.start.toISOString().slice(0, 10)} + ${month.days} days, ${month.users.length} users, ${ledgerRows} ledger rows, ${month.inquiries.length} inquiries`);
  loadProfiles(month);
  const bucket = localImportsBucket(path.join(root, 'cdk.out'));
  const tag = month.start.toISOString().slice(0, 10);
  const settlement = (day: number) => importLedger(bucket, `demo-${tag}-settlement-${String(day + 1).padStart(2, '0')}.jsonl`, month.settlements[day]!);
  await importLedger(bucket, `demo-${tag}-backfill.jsonl`, month.history);
  const publishDue = ledgerBus(month.live.flat());

  const transport = nodemailer.createTransport({ ...smtp, secure: false, ignoreTLS: true, pool: true });
  const opened: Opened[] = [];
  const stories = new Map<DemoStory, Opened[]>();
  try {
    for (let day = 0; day < month.days; day++) {
      const dayStart = month.start.getTime() + day * DAY_MS;
      await clockTo(dayStart);
      await publishDue(dayStart);
      if (day > 0) await settlement(day - 1); // last night's file
      const today: Opened[] = [];
      for (const inquiry of month.inquiries.filter((i) => i.day === day)) {
        const at = dayStart + inquiry.minute * 60_000;
        await clockTo(at);
        await publishDue(at);
        const o = await send(inquiry, month.inquiries.indexOf(inquiry), transport);
        today.push(o);
        opened.push(o);
        if (inquiry.story) stories.set(inquiry.story, [...(stories.get(inquiry.story) ?? []), o]);
      }
      await settle();
      await findEmailCases(today, await token('lead'));
      // The team works the day's cases a few hours later.
      await clockTo(dayStart + 22 * 3_600_000);
      for (const o of today) await followUp(o, o.inquiry.followUp);
      await settle();
      process.stdout.write(`\rday ${day + 1}/${month.days}: ${opened.length} inquiries sent, ${ledgerLoaded.rows} ledger rows imported, ${ledgerLoaded.events} events on the bus`);
    }
    const monthEnd = month.start.getTime() + month.days * DAY_MS;
    await clockTo(monthEnd);
    await publishDue(monthEnd);
    await settlement(month.days - 1);
  } finally {
    transport.close();
  }
  console.log('\n');
  const lead = await token('lead');
  const counts = new Map<string, number>();
  for (const o of opened) {
    if (!o.caseId) continue;
    const c = await call<{ case: { status: string } }>('GET', `/cases/${o.caseId}`, undefined, { authorization: `Bearer ${lead}` });
    counts.set(c.body.case.status, (counts.get(c.body.case.status) ?? 0) + 1);
  }
  const incident = await firstIncident(lead);
  console.log(`cases by status: ${[...counts].map(([s, n]) => `${s} ${n}`).join(', ')}`);
  console.log(`ledger: ${ledgerLoaded.rows} rows imported in ${ledgerLoaded.files} files (backfill + nightly settlements), ${ledgerLoaded.events} events published on the bus`);
  console.log('\nwhere to look:');
  console.log(`  console          ${api}/console   (sign in as lead: one click)`);
  console.log(`  mailbox          ${mailboxUrl}   (every email the month sent, the ring alert to the risk team among them)`);
  const describe: Record<DemoStory, { what: string; finding?: string }> = {
    'duplicate-charge': { what: 'a coin pack charged twice on one card (web form)', finding: 'duplicate_charge' },
    'failed-payout': { what: "a creator's payout that failed, written by email", finding: 'payout_failed' },
    'refund-issued': { what: 'a refund asked for again after it was issued (web form)', finding: 'refund_issued' },
    chargeback: { what: 'a charge disputed with the card network: a respond-by deadline (email)', finding: 'chargeback_open' },
    ring: { what: 'four accounts on one card, each missing coins: a possible ring', finding: 'possible_ring' },
    surge: { what: 'a surge of account takeovers within an hour (the incident case is on the queue)' },
  };
  if (incident) console.log(`  incident         ${incident} — the case trustdesk opened for the surge, its cases linked`);
  for (const [story, list] of stories) {
    const { what, finding } = describe[story];
    console.log(`  ${story.padEnd(17)}${what}${list.length > 4 ? ` (${list.length} cases, the first 4)` : ''}`);
    let found = false;
    for (const o of list.slice(0, 4)) {
      const evidence = o.caseId ? await call<{ findings?: { code: string }[] }>('GET', `/cases/${o.caseId}/evidence`, undefined, { authorization: `Bearer ${lead}` }) : undefined;
      const codes = evidence?.body.findings?.map((f) => f.code) ?? [];
      if (finding && codes.includes(finding)) found = true;
      console.log(`    ${(o.reference ?? '?').padEnd(12)} ${o.caseId ? `${api}/console#/cases/${o.caseId}` : '(not found)'}${codes.length ? `   findings: ${codes.join(', ')}` : ''}`);
    }
    if (finding && !found) console.log(`    (expected the ${finding} finding on one of these: is the outbox parking records? see ${api}/local/parked)`);
  }
}

await main();
