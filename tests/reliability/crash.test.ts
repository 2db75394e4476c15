// Crash: the local cloud, run as the real process tree `npm start` runs (tsx → node → java), is killed
// with SIGKILL in the middle of intake while lifecycle and escalation workflows run, then started again
// on the same ports and data. No accepted case may be lost; every open case's timers must run again; no
// email may be lost, and none sent twice unless the crash cut in between sending it and recording that
// it was sent (the notifier's documented at-least-once window: see functions/lib/use-cases/notify.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { startDynamoDbLocal } from '#local/dynamodb-local.ts';
import { freePort } from '#local/free-port.ts';
import { readJournal, type StoredSesEmail } from '#local/ses-mailbox.ts';
import { heavy, sized } from './scale.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const INQUIRIES = sized(60, 500);
const IN_FLIGHT = 16;
/** Share of the stream accepted before the kill: the rest is cut off mid-intake. */
const KILL_AFTER = Math.round(INQUIRIES * 0.6);

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'trustdesk-crash-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) killGroup(child);
  rmSync(dataDir, { recursive: true, force: true });
});

type Ports = Record<'api' | 'smtp' | 'ses' | 'dynamodb' | 's3' | 'sfn', number>;

interface Cloud {
  child: ChildProcess;
  api: string;
  output: string[];
}

/** `tsx local/main.ts` in its own process group, on disk (TRUSTDESK_IN_MEMORY unset). */
async function spawnCloud(ports: Ports): Promise<Cloud> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TRUSTDESK_HOST: '127.0.0.1',
    TRUSTDESK_API_PORT: String(ports.api),
    TRUSTDESK_SMTP_PORT: String(ports.smtp),
    TRUSTDESK_SES_PORT: String(ports.ses),
    TRUSTDESK_DYNAMODB_PORT: String(ports.dynamodb),
    TRUSTDESK_S3_PORT: String(ports.s3),
    TRUSTDESK_SFN_PORT: String(ports.sfn),
    TRUSTDESK_DATA_DIR: dataDir,
    TRUSTDESK_LOG_LEVEL: 'WARN',
  };
  delete env.TRUSTDESK_IN_MEMORY;
  delete env.VITEST_POOL_ID;
  const child = spawn(path.join(root, 'node_modules/.bin/tsx'), ['local/main.ts'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString('utf8'));
    if (output.length > 400) output.shift();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const api = `http://127.0.0.1:${ports.api}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the local cloud exited while starting:\n${output.join('')}`);
    const health = await fetch(`${api}/local/health`).catch(() => undefined);
    if (health?.ok) return { child, api, output };
    if (Date.now() > deadline) throw new Error(`the local cloud did not answer /local/health:\n${output.join('')}`);
    await sleep(200);
  }
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Running, as opposed to gone or a zombie (dead, waiting for whoever inherited it to reap it). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Pids whose process group is `pgid` (Linux /proc). */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid pgrp …"; comm may hold spaces, so split after ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return members;
}

async function waitFor(what: string, done: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function call<T = Record<string, unknown>>(api: string, method: string, route: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${api}${route}`, {
    method,
    headers: { ...(init.body !== undefined && { 'content-type': 'application/json' }), ...init.headers },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
}

interface Sent {
  index: number;
  email: string;
  critical: boolean;
}

/** A stream of inquiries: every fourth a safety report about a minor (P1, pages the risk team at once), every fourth-but-one a P1 card fraud. */
function inquiry(run: string, index: number): { sent: Sent; body: Record<string, unknown> } {
  const email = `${run}-${index}@example.com`;
  const kind = index % 4;
  const body =
    kind === 0
      ? { subject: `Streamer grooming a minor #${index}`, message: 'A streamer keeps messaging a 14 year old in his chat and asked for photos.' }
      : kind === 1
        ? {
            subject: `Stolen card #${index}`,
            message: 'My card was stolen and someone used my card to buy coins I did not authorize. I reported it to the police.',
            amount: 2500,
            currency: 'USD',
          }
        : { subject: `Coins not credited #${index}`, message: 'I bought a coin package but my balance was not updated.' };
  return { sent: { index, email, critical: kind < 2 }, body: { email, name: `Viewer ${index}`, ...body } };
}

interface CaseItem {
  caseId: string;
  reference: string;
  status: string;
  priority: string;
  safetyCritical: boolean;
  requester: { email: string };
  deadlines: { firstResponseDue: string };
  firstRespondedAt?: string;
  sla: { firstResponseBreached: boolean };
  escalation?: { id: string; status: string; startTier: string; tier?: string };
}

async function scanTable(endpoint: string, table: string): Promise<Record<string, unknown>[]> {
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const out = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      items.push(...(out.Items ?? []).map((i) => unmarshall(i)));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  } finally {
    client.destroy();
  }
}

/** The cases table's local name: its logical id (as the local cloud names tables). */
function casesTable(): string {
  const template = JSON.parse(readFileSync(path.join(root, 'cdk.out', 'Trustdesk.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
  const id = Object.keys(template.Resources).find((k) => k.startsWith('StorageCases') && template.Resources[k]!.Type === 'AWS::DynamoDB::Table');
  if (!id) throw new Error('no cases table in cdk.out');
  return id;
}

/** Emails per (recipient, subject): a subject names the case reference and what happened, so a repeat is a duplicate. */
function repeats(emails: StoredSesEmail[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of emails) for (const to of m.destination.to) counts.set(`${to} ${m.subject}`, (counts.get(`${to} ${m.subject}`) ?? 0) + 1);
  return new Map([...counts].filter(([, n]) => n > 1));
}

const tierByLabel = new Map(
  Object.entries((JSON.parse(readFileSync(path.join(root, 'config', 'escalation-policy.json'), 'utf8')) as { tiers: Record<string, { label: string }> }).tiers).map(
    ([tier, t]) => [t.label, tier],
  ),
);

/** The claim (`pk|sk` of its notice item) behind a "recipient subject" key of a confirmation or an escalation page. */
function noticeOf(key: string, cases: CaseItem[]): string | undefined {
  const confirmation = / \[(TD-[0-9A-Z]+)\] We received/.exec(key);
  const page = / \[ESCALATION (.+?)\] (TD-[0-9A-Z]+) /.exec(key);
  const reference = confirmation?.[1] ?? page?.[2];
  const c = cases.find((x) => x.reference === reference);
  if (!c) return undefined;
  if (confirmation) return `CASE#${c.caseId}|NOTICE#case.opened-1`;
  const tier = tierByLabel.get(page![1]!);
  return c.escalation && tier ? `CASE#${c.caseId}|NOTICE#escalation-${c.escalation.id}-${tier}` : undefined;
}

describe(`crash and restart (${heavy ? 'heavy' : 'light'}: ${INQUIRIES} inquiries, SIGKILL after ${KILL_AFTER} accepted)`, () => {
  it('loses no accepted case, re-arms every open case, and sends no email twice outside the at-least-once window', { timeout: heavy ? 600_000 : 300_000 }, async () => {
    const ports: Ports = { api: await freePort(), smtp: await freePort(), ses: await freePort(), dynamodb: await freePort(), s3: await freePort(), sfn: await freePort() };
    const table = casesTable();
    const run = `crash-${Date.now().toString(36)}`;

    // ── 1. intake under way, then SIGKILL of the whole process group ──────────────────────────────
    const first = await spawnCloud(ports);
    // DynamoDB Local: a java child in the cloud's process group, on a private port behind the cloud's own.
    const java = groupMembers(first.child.pid!)
      .map((pid) => ({ pid, args: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0') }))
      .find((p) => p.args.some((a) => a.endsWith('DynamoDBLocal.jar')));
    expect(java).toBeDefined();
    const javaPid = java!.pid;
    const javaPidFile = path.join(os.tmpdir(), `trustdesk-dynamodb-local-${java!.args[java!.args.indexOf('-port') + 1]}.pid`);
    expect(existsSync(javaPidFile)).toBe(true);

    const accepted: (Sent & { caseId: string })[] = [];
    let killed = false;
    let next = 0;
    let cutOff = 0;
    const kill = () => {
      if (killed) return;
      killed = true;
      killGroup(first.child);
    };
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (!killed && next < INQUIRIES) {
          const { sent, body } = inquiry(run, next++);
          // Each inquiry from its own client address (the WAF limits each client, as on AWS).
          const headers = { 'x-forwarded-for': `10.${(sent.index >> 16) & 255}.${(sent.index >> 8) & 255}.${sent.index & 255}` };
          const res = await call(first.api, 'POST', '/inquiries', { body, headers }).catch(() => undefined);
          if (killed) {
            cutOff++;
            continue; // an answer racing the kill is not counted as accepted
          }
          if (res?.status === 201) accepted.push({ ...sent, caseId: String(res.body.caseId) });
          else throw new Error(`inquiry ${sent.index}: ${res?.status} ${JSON.stringify(res?.body)}\n${first.output.join('')}`);
          if (accepted.length >= KILL_AFTER) kill();
        }
      }),
    );
    kill();

    // The group is gone, DynamoDB Local (java) with it; its watchdog then removes the pid file.
    await waitFor('the killed process group to exit', () => groupMembers(first.child.pid!).length === 0);
    expect(isAlive(javaPid)).toBe(false);
    await waitFor('the DynamoDB Local watchdog to clean up', () => !existsSync(javaPidFile));

    // ── 2. what the crash left on disk (DynamoDB Local alone, on the cloud's own port) ─────────────
    const offline = await startDynamoDbLocal({ port: ports.dynamodb, dbPath: path.join(dataDir, 'dynamodb') });
    const atCrash = await scanTable(offline.endpoint, table).finally(() => offline.stop());
    const pendingAtCrash = new Set(atCrash.filter((i) => i.itemType === 'notice' && i.status === 'pending').map((i) => `${i.pk}|${i.sk}`));
    const mailAtCrash = readJournal(path.join(dataDir, 'ses-mailbox.jsonl'));
    const onDiskAtCrash = new Set(atCrash.filter((i) => i.itemType === 'case').map((i) => String(i.caseId)));
    const lostAtCrash = accepted.filter((a) => !onDiskAtCrash.has(a.caseId)).length;
    const sentAtCrash = new Set(atCrash.filter((i) => i.itemType === 'notice' && i.status === 'sent').map((i) => `${i.pk}|${i.sk}`));
    const pagesOwedAtCrash = atCrash.filter((i) => {
      const esc = i.itemType === 'case' ? (i.escalation as CaseItem['escalation']) : undefined;
      return esc?.status === 'active' && !sentAtCrash.has(`CASE#${i.caseId}|NOTICE#escalation-${esc.id}-${esc.tier ?? esc.startTier}`);
    }).length;

    // ── 3. restart on the same ports and data; let recovery finish ─────────────────────────────────
    const second = await spawnCloud(ports);
    // Claims the crash left pending are leased to their dead takers for a while: recovery is done
    // when no claim is pending any more (bounded; the assertions below say what is missing).
    const recoveryDeadline = Date.now() + 180_000;
    for (;;) {
      expect((await call(second.api, 'POST', '/local/settle')).status).toBe(200);
      const pending = (await scanTable(`http://127.0.0.1:${ports.dynamodb}`, table)).filter((i) => i.itemType === 'notice' && i.status !== 'sent');
      if (pending.length === 0 || Date.now() > recoveryDeadline) break;
      await sleep(2_000);
    }
    const agent = { authorization: `Bearer ${(await call<{ token: string }>(second.api, 'GET', '/local/token?role=lead')).body.token}` };

    const items = await scanTable(`http://127.0.0.1:${ports.dynamodb}`, table);
    const cases = items.filter((i) => i.itemType === 'case') as unknown as CaseItem[];
    const caseById = new Map(cases.map((c) => [c.caseId, c]));
    const lost = accepted.filter((a) => !caseById.has(a.caseId));
    const unreadable: string[] = [];
    for (const a of accepted.filter((_, i) => i % 10 === 0)) {
      const view = await call(second.api, 'GET', `/cases/${a.caseId}`, { headers: agent });
      if (view.status !== 200) unreadable.push(`${a.caseId}: ${view.status}`);
    }

    const executions = (await call<{ executions: { name: string; stateMachine: string; status: string }[] }>(second.api, 'GET', '/local/executions')).body.executions;
    const running = (machine: string) => new Set(executions.filter((e) => e.stateMachine.endsWith(machine) && e.status === 'RUNNING').map((e) => e.name));
    const lifecycles = running('case-lifecycle');
    const escalations = running('escalation');
    const open = cases.filter((c) => c.status !== 'closed');
    const notRearmed = open.filter((c) => !lifecycles.has(c.caseId)).map((c) => c.caseId);
    const activeEscalations = cases.filter((c) => c.escalation?.status === 'active');
    const escalationNotRunning = activeEscalations.filter((c) => !escalations.has(c.escalation!.id)).map((c) => c.caseId);
    const criticalNotPaged = cases.filter((c) => (c.priority === 'P1' || c.safetyCritical) && c.escalation?.startTier !== 'risk').map((c) => c.caseId);

    // Every notice claimed is sent; a repeated email is allowed only where the crash left its claim pending.
    const notices = items.filter((i) => i.itemType === 'notice');
    const unsent = notices.filter((n) => n.status !== 'sent').map((n) => `${n.pk}|${n.sk}`);
    const mail = (await call<{ emails: StoredSesEmail[] }>(second.api.replace(String(ports.api), String(ports.ses)), 'GET', '/store')).body.emails;
    const confirmations = (c: CaseItem) => mail.filter((m) => m.destination.to.includes(c.requester.email) && m.subject.startsWith(`[${c.reference}] We received`)).length;
    const pages = (c: CaseItem) => mail.filter((m) => m.subject.startsWith('[ESCALATION ') && m.subject.includes(` ${c.reference} `)).length;
    const allowance = (c: CaseItem, notice: string) => (pendingAtCrash.has(`CASE#${c.caseId}|NOTICE#${notice}`) ? 1 : 0);
    const confirmationFaults = cases
      .filter((c) => c.requester?.email?.startsWith(`${run}-`))
      .filter((c) => { const n = confirmations(c); return n < 1 || n > 1 + allowance(c, 'case.opened-1'); })
      .map((c) => `${c.reference}: ${confirmations(c)} confirmation(s)`);
    const pageFaults = cases
      .filter((c) => c.escalation)
      .filter((c) => { const n = pages(c); return n < 1 || n > 1 + allowance(c, `escalation-${c.escalation!.id}-${c.escalation!.tier ?? c.escalation!.startTier}`); })
      .map((c) => {
        const subjects = mail.filter((m) => m.subject.startsWith('[ESCALATION ') && m.subject.includes(` ${c.reference} `)).map((m) => `${m.destination.to.join()} ${m.subject} @${m.at}`);
        const claims = (list: Record<string, unknown>[]) => list.filter((i) => i.pk === `CASE#${c.caseId}` && String(i.sk).startsWith('NOTICE#escalation')).map((i) => `${i.sk}=${i.status}`);
        const before = atCrash.find((i) => i.itemType === 'case' && i.caseId === c.caseId) as CaseItem | undefined;
        return `${c.reference}: ${pages(c)} escalation email(s) ${JSON.stringify({ subjects, claimsAtCrash: claims(atCrash), claimsNow: claims(items), escalationAtCrash: before?.escalation, escalationNow: c.escalation })}`;
      });
    const duplicates = repeats(mail);

    const figures = {
      inquiries: INQUIRIES,
      accepted: accepted.length,
      cutOffByKill: cutOff,
      casesAfterRestart: cases.length,
      lost: lost.length,
      lostAtCrash,
      openCases: open.length,
      openCasesRearmed: open.length - notRearmed.length,
      activeEscalations: activeEscalations.length,
      escalationsRunning: activeEscalations.length - escalationNotRunning.length,
      mailBeforeCrash: mailAtCrash.length,
      mailAfterRecovery: mail.length,
      escalationPagesOwedAtCrash: pagesOwedAtCrash,
      claimsPendingAtCrash: pendingAtCrash.size,
      duplicateEmails: [...duplicates.values()].reduce((n, c) => n + c - 1, 0),
    };
    console.log(`crash: ${JSON.stringify(figures)}`);

    expect(accepted.length).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(lostAtCrash).toBe(0);
    expect(lost).toEqual([]);
    expect(unreadable).toEqual([]);
    expect(notRearmed).toEqual([]);
    expect(escalationNotRunning).toEqual([]);
    expect(criticalNotPaged).toEqual([]);
    expect(unsent).toEqual([]);
    expect(confirmationFaults).toEqual([]);
    expect(pageFaults).toEqual([]);
    // Mail from before the crash is still in the mailbox after it.
    expect(mail.slice(0, mailAtCrash.length).map((m) => m.messageId)).toEqual(mailAtCrash.map((m) => m.messageId));
    // Any repeated email is one whose own claim the crash left pending (sent, not yet marked sent).
    const repeatedOutsideWindow = [...duplicates.keys()].filter((key) => {
      const notice = noticeOf(key, cases);
      return !notice || !pendingAtCrash.has(notice);
    });
    expect(repeatedOutsideWindow).toEqual([]);

    // ── 4. the re-armed timers fire: two hours on, every P1 first response is overdue ──────────────
    const moved = await call<{ now: string }>(second.api, 'POST', '/local/clock', { body: { advanceSeconds: 2 * 3600 } });
    expect(moved.status).toBe(200);
    await call(second.api, 'POST', '/local/settle');
    const now = Date.parse(moved.body.now);
    const later = (await scanTable(`http://127.0.0.1:${ports.dynamodb}`, table)).filter((i) => i.itemType === 'case') as unknown as CaseItem[];
    const overdue = later.filter((c) => c.status !== 'closed' && !c.firstRespondedAt && Date.parse(c.deadlines.firstResponseDue) <= now);
    const notFired = overdue.filter((c) => !c.sla.firstResponseBreached).map((c) => c.caseId);
    const mailLater = (await call<{ emails: StoredSesEmail[] }>(second.api.replace(String(ports.api), String(ports.ses)), 'GET', '/store')).body.emails;
    const breachPages = mailLater.filter((m) => m.subject.startsWith('[ESCALATION L1 lead]')).length;
    console.log(`crash, after the clock moved 2 h: ${JSON.stringify({ overdue: overdue.length, breachedFired: overdue.length - notFired.length, l1Pages: breachPages, duplicateEmails: [...repeats(mailLater).values()].reduce((n, c) => n + c - 1, 0) })}`);
    expect(overdue.length).toBeGreaterThan(0);
    expect(notFired).toEqual([]);
    expect([...repeats(mailLater).keys()].filter((k) => !duplicates.has(k))).toEqual([]);

    killGroup(second.child);
    await waitFor('the second cloud to exit', () => groupMembers(second.child.pid!).length === 0);
  });
});
