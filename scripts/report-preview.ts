// npm run report:preview [-- --cadence daily|weekly] [--period <YYYY-MM-DD|YYYY-Www|current>] [--local]
//
// Writes the report email's HTML, plain text and CSV under reports/preview/ (generated; not in git).
//   default   a self-contained demo: DynamoDB Local in memory, a few hundred generated cases (some with
//             hostile subjects and names, and a surge in the last hour) aggregated as the stream would.
//   --local   the running local cloud's DynamoDB (`npm start`), at 127.0.0.1:$TRUSTDESK_DYNAMODB_PORT (8000).
// The period is the one the scheduled run would send now (yesterday, or last week); `--period current`
// shows the period in progress.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { Category } from '#domain/case.ts';
import { dayKey, hourKey, hourRange, lastCompletePeriod, parseDayKey, periodRange, previousPeriod, weekDays, weekOf, type Cadence } from '#domain/reporting/buckets.ts';
import { renderCsv, renderHtml, renderSubject, renderText } from '#domain/reporting/render.ts';
import type { Report } from '#domain/reporting/report.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { DynamoReportingStore } from '#lib/adapters/reporting-store.ts';
import type { Clock, Mailer } from '#lib/ports.ts';
import { reportingPolicy } from '#lib/reporting-policy.ts';
import { reportFor, type ReportDeps } from '#lib/use-cases/report-from-aggregates.ts';
import { loadTemplate } from '#local/template.ts';
import { FAKE_CREDENTIALS, HOSTILE_NAMES, HOSTILE_SUBJECTS, aggregateDeps, aggregateInBatches, generateCases, noAgents, seededRandom, startReportingDb, tableIds, writeCases, type Opening } from '../bench/reporting.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'reports', 'preview');
const tz = reportingPolicy.timeZone;
const USAGE = 'usage: npm run report:preview [-- --cadence daily|weekly] [--period <YYYY-MM-DD|YYYY-Www|current>] [--local]';

class UsageError extends Error {}

interface Options {
  cadence: Cadence;
  period?: string;
  local: boolean;
}

function parseArgs(args: string[]): Options {
  const opts: Options = { cadence: 'weekly', local: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--cadence': {
        const v = value();
        if (v !== 'daily' && v !== 'weekly') throw new UsageError(`--cadence must be daily or weekly, got ${JSON.stringify(v)}`);
        opts.cadence = v;
        break;
      }
      case '--period':
        opts.period = value();
        break;
      case '--local':
        opts.local = true;
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  return opts;
}

/** The period to show: given, the one in progress ('current'), or the one the scheduled run sends now. */
function periodFor(cadence: Cadence, given: string | undefined, now: Date): string {
  if (given === undefined) return lastCompletePeriod(cadence, now, tz);
  if (given === 'current') return cadence === 'daily' ? dayKey(now, tz) : weekOf(now, tz);
  try {
    if (cadence === 'daily') parseDayKey(given);
    else weekDays(given);
  } catch {
    throw new UsageError(`--period for a ${cadence} report must be ${cadence === 'daily' ? 'a day YYYY-MM-DD' : 'an ISO week YYYY-Www'} or "current", got ${JSON.stringify(given)}`);
  }
  return given;
}

const noMail: Mailer = { send: () => Promise.reject(new Error('the preview sends no email')) };

// ── --local: the running local cloud ────────────────────────────────────────────────────────────────

/** The local cloud's virtual now (its clock can run fast or be moved); the real now when it does not answer. */
async function localCloudNow(): Promise<Date> {
  const url = `http://127.0.0.1:${process.env.TRUSTDESK_API_PORT ?? 3000}/local/clock`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_500) });
    const body = (await res.json()) as { now?: unknown };
    const now = typeof body.now === 'string' ? new Date(body.now) : undefined;
    if (res.ok && now && Number.isFinite(now.getTime())) return now;
  } catch {
    // the API port may differ; the real clock is a fine default
  }
  return new Date();
}

async function localReport(opts: Options): Promise<{ report: Report; source: string }> {
  const ids = tableIds(loadTemplate(path.join(root, 'cdk.out'), 'Trustdesk'));
  const endpoint = `http://127.0.0.1:${process.env.TRUSTDESK_DYNAMODB_PORT ?? 8000}`;
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: FAKE_CREDENTIALS, maxAttempts: 2, requestHandler: { connectionTimeout: 2_000, requestTimeout: 10_000 } });
  try {
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
    } catch (error) {
      throw new Error(
        `nothing answers as DynamoDB on ${endpoint} (${(error as Error).message || (error as Error).name}): is the local cloud running?\n` +
          '  Start it in another terminal with `npm start` (set TRUSTDESK_DYNAMODB_PORT if its DynamoDB is on another port),\n' +
          '  or leave out --local for a self-contained demo report.',
      );
    }
    for (const table of [ids.cases, ids.reporting]) {
      try {
        await client.send(new DescribeTableCommand({ TableName: table }));
      } catch (error) {
        if ((error as Error).name !== 'ResourceNotFoundException') throw error;
        throw new Error(`DynamoDB on ${endpoint} has no table ${table}: is that trustdesk's local cloud, started (\`npm start\`) from this template (cdk.out)?`);
      }
    }
    const now = await localCloudNow();
    const deps: ReportDeps = {
      reporting: new DynamoReportingStore(ids.reporting, client),
      cases: new DynamoCaseStore(ids.cases, undefined, client),
      agents: noAgents,
      mailer: noMail,
      clock: { now: () => now },
      policy: reportingPolicy,
    };
    return { report: await reportFor(deps, opts.cadence, periodFor(opts.cadence, opts.period, now)), source: 'local' };
  } finally {
    client.destroy();
  }
}

// ── default: a self-contained demo ──────────────────────────────────────────────────────────────────

const DEMO_CASES = 360;
const SURGE: { category: Category; cases: number } = { category: 'fraud_scam', cases: 18 };

async function demoReport(opts: Options): Promise<{ report: Report; source: string }> {
  const now = new Date();
  const period = periodFor(opts.cadence, opts.period, now);
  // Cases from the start of the previous period (so changes against it show) until now.
  const from = periodRange(opts.cadence, previousPeriod(opts.cadence, period), tz).start.getTime();
  const to = Math.max(from + 3_600_000, Math.min(now.getTime(), periodRange(opts.cadence, period, tz).end.getTime()));
  const random = seededRandom(2024);
  const openings: Opening[] = Array.from({ length: DEMO_CASES }, (_, i) => ({
    at: new Date(from + random() * (to - from)),
    // One case in 24 comes from a top consumer with a hostile subject and name: the report lists those.
    ...(i % 24 === 0 && { hostile: true }),
  }));
  // A surge of one category in the last complete hour, which the trends section flags.
  const lastHour = hourRange(hourKey(new Date(now.getTime() - 3_600_000), tz), tz);
  for (let i = 0; i < SURGE.cases; i++) {
    openings.push({ at: new Date(lastHour.start.getTime() + random() * (lastHour.end.getTime() - lastHour.start.getTime())), category: SURGE.category, ...(i === 0 && { hostile: true }) });
  }
  const { histories, events } = generateCases(openings, { until: now, seed: 99 });

  console.log(`demo: DynamoDB Local in memory, ${histories.length} generated cases (${events.length} events)…`);
  const db = await startReportingDb();
  try {
    await writeCases(new DynamoCaseStore(db.casesTable, undefined, db.client), histories);
    const clock: Clock = { now: () => now };
    const aggregated = await aggregateInBatches(aggregateDeps(db, db.reportingTable, clock), events);
    if (aggregated.incidents.length > 0) console.log(`demo: surge detection opened ${aggregated.incidents.length} incident case(s)`);
    const deps: ReportDeps = {
      reporting: new DynamoReportingStore(db.reportingTable, db.client),
      cases: new DynamoCaseStore(db.casesTable, undefined, db.client),
      agents: noAgents,
      mailer: noMail,
      clock,
      policy: reportingPolicy,
    };
    const report = await reportFor(deps, opts.cadence, period);
    return { report, source: 'demo' };
  } finally {
    await db.stop();
  }
}

/** The demo's hostile strings must come out escaped: one found verbatim in the HTML is a rendering bug. */
function checkEscaped(html: string): void {
  const raw = [...HOSTILE_SUBJECTS, ...HOSTILE_NAMES].filter((s) => /[<>]/.test(s) && html.includes(s));
  if (raw.length > 0) throw new Error(`renderHtml left user-supplied markup unescaped: ${raw.map((s) => JSON.stringify(s)).join(', ')}`);
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const { report, source } = opts.local ? await localReport(opts) : await demoReport(opts);
  const html = renderHtml(report);
  if (source === 'demo') checkEscaped(html);
  mkdirSync(outDir, { recursive: true });
  const base = path.join(outDir, `trustdesk-${report.cadence}-${report.period}-${source}`);
  const files = [
    [`${base}.html`, html],
    [`${base}.txt`, renderText(report)],
    [`${base}.csv`, renderCsv(report)],
  ] as const;
  for (const [file, content] of files) writeFileSync(file, content);
  const opened = report.headline.opened.current ?? 0;
  console.log(`${renderSubject(report)} (${source === 'local' ? 'local cloud' : 'demo data'}; ${opened} case(s) opened; as of ${report.asOf})`);
  for (const [file] of files) console.log(`  ${path.relative(process.cwd(), file)}`);
  if (opened === 0 && opts.period === undefined) console.log('No cases were opened in that period; `--period current` shows the period in progress.');
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) console.error(`report:preview: ${error.message}\n${USAGE}`);
  else console.error(`report:preview: ${(error as Error).message}`);
  process.exitCode = 1;
});
