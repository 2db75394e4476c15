// npm run bench: every figure measured in one run on the local cloud, printed as one table and kept in
// bench/results.json and bench/RESULTS.md (machine, Node, date; min / median / max over repeats).
// BENCH_ONLY=<part,…> runs only those parts (workflows, intake, bulk, evidence, ledger, search, in-process,
// partitions) and merges their figures into the kept results, replacing the figures of the same name: a part can be re-measured
// without the whole ~20 minutes, and the files say which parts came from which run.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assignmentThroughput } from './assignment.ts';
import { bulkResolveSeconds } from './bulk.ts';
import { bundleFigures } from './bundles.ts';
import { costPer, REQUIRED_EMAILS_PER_TYPICAL_CASE, requiredEmailFloor, typicalUsage } from './cost.ts';
import { evidenceLatency } from './evidence.ts';
import { intakeHandlerCpu } from './handler-cpu.ts';
import { floorOp, intakeOp, putItemOp, run } from './intake.ts';
import { ledgerIngestion } from './ledger.ts';
import type { LocalCloud } from '#local/cloud.ts';
import { benchCloud, percentile } from './local-cloud.ts';
import { dynamoDbLocalPeakBytes, sampleRss } from './memory.ts';
import { busiestPartitions, PARTITION_WCU, SPIKE_RATES } from './partitions.ts';
import { aggregationThroughput, reportBuildTime } from './reporting.ts';
import { searchLatency } from './search.ts';
import { deadlineLateness } from './timers.ts';
import { escalatedCaseTransitions, riskPageLatencyMs, typicalCaseTransitions } from './workflow-cost.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const env = process.env;
const SEQUENTIAL_POSTS = Number(env.BENCH_POSTS ?? 1000);
const RUN = Number(env.BENCH_RUN ?? 300);
const REPEATS = Number(env.BENCH_REPEATS ?? 3);
const PARTS = ['workflows', 'intake', 'bulk', 'evidence', 'ledger', 'search', 'in-process', 'partitions'] as const;
const only = env.BENCH_ONLY ? new Set(env.BENCH_ONLY.split(',').map((p) => p.trim())) : undefined;
const unknownParts = [...(only ?? [])].filter((p) => !(PARTS as readonly string[]).includes(p));
if (unknownParts.length > 0) throw new Error(`BENCH_ONLY: no part ${unknownParts.join(', ')} (parts: ${PARTS.join(', ')})`);
type Part = (typeof PARTS)[number];
const part = (name: Part) => !only || only.has(name);

interface Figure {
  name: string;
  unit: string;
  values: number[];
  /** e.g. "≥ 0.8", "≤ 300"; judged on the median. */
  target?: { text: string; met: (median: number) => boolean };
}
const figures: Figure[] = [];
const add = (name: string, unit: string, values: number | number[], target?: Figure['target']) =>
  figures.push({ name, unit, values: Array.isArray(values) ? values : [values], ...(target && { target }) });
const atMost = (limit: number) => ({ text: `≤ ${limit}`, met: (m: number) => m <= limit });
const atLeast = (limit: number) => ({ text: `≥ ${limit}`, met: (m: number) => m >= limit });
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (n: number) => (Math.abs(n) >= 100 ? Math.round(n) : +n.toFixed(2));

/** The busiest partition key at the spike hour of a 10× and a 100× day, from a sample of real cases (bench/partitions.ts). */
async function partitionFigures(): Promise<void> {
  const p = await busiestPartitions({ sample: Number(env.BENCH_PARTITION_CASES ?? 100) });
  const shared = p.loads.filter((l) => l.writers > 1);
  for (const [name, rate] of Object.entries(SPIKE_RATES) as [keyof typeof SPIKE_RATES, number][]) {
    const top = shared[0] && [...shared].sort((a, b) => b.atRate[name] - a.atRate[name])[0]!;
    if (!top) continue;
    add(`busiest partition at ${name} (${rate} new cases/s, scaled from ${p.sample} cases): ${top.shape}`, 'WCU/s', top.atRate[name], atMost(PARTITION_WCU));
  }
  for (const l of shared.slice(0, 4)) add(`partition WCU per new case: ${l.shape}`, 'WCU', l.wcuPerCase);
}

// ── the parts on the local cloud, in this order (search last: it holds the stream consumers) ──

/** Workflows first, on a quiet cloud; the cost per 1M inquiries follows from their transitions. */
async function workflows(cloud: LocalCloud): Promise<void> {
  const typical = await typicalCaseTransitions(cloud);
  const escalated = await escalatedCaseTransitions(cloud);
  add('state transitions: typical case (open → reply → resolve → auto-close)', 'transitions', typical, atMost(7));
  add('state transitions: escalated case (lifecycle + escalation L1 → L2 → risk)', 'transitions', escalated.lifecycle + escalated.escalation);
  const pages: number[] = [];
  for (let i = 0; i < 5; i++) pages.push(await riskPageLatencyMs(cloud));
  add('P1 safety report → risk team email', 'ms', pages, atMost(1000));
  const lateness = await deadlineLateness(cloud, 5);
  add('deadline lateness (virtual clock moved to the deadline)', 'ms', lateness.samples);

  // ── cost per 1M inquiries at list prices ──
  const cost = costPer(typicalUsage({ typicalTransitions: typical, escalatedTransitions: escalated.lifecycle + escalated.escalation, escalatedShare: 0.1 }), 1_000_000);
  add('cost per 1M inquiries (see bench/cost.ts)', 'USD', cost.total, atMost(300));
  // The lines that decide the total, and the floor the required emails put under any design.
  for (const line of cost.lines.filter((l) => l.usd >= 0.05 * cost.total)) add(`cost per 1M: ${line.item}`, 'USD', line.usd);
  add(`cost floor per 1M: the ${REQUIRED_EMAILS_PER_TYPICAL_CASE} emails a typical case must send`, 'USD', requiredEmailFloor(1_000_000));
  add('cost per 1M above the required-email floor', 'USD', cost.total - requiredEmailFloor(1_000_000), atMost(250));
}

async function intake(cloud: LocalCloud): Promise<void> {
  // ── intake against the storage floor, same DynamoDB Local, same concurrency ──
  const rss = sampleRss();
  const calls = { count: 0 };
  await run(200, 8, intakeOp(cloud, 'warm'));
  await run(200, 8, floorOp(cloud, 'warm', calls));
  await run(200, 8, putItemOp(cloud, 'warm'));
  calls.count = 0;
  let floorOps = 0;
  // First with the stream consumers held (as on AWS, where they run apart from the API: the ratio then
  // measures the intake path itself), then with them running in this same process, for comparison.
  for (const consumers of ['held', 'running'] as const) {
    const suffix = consumers === 'held' ? '' : ', stream consumers running';
    for (const inFlight of [1, 32]) {
      if (consumers === 'held') cloud.pauseStreams();
      const runs: Record<string, { perSecond: number; p50: number; p99: number }[]> = { intake: [], floor: [], putItem: [] };
      for (let r = 0; r < REPEATS; r++) {
        // Alternate the order so drift (a growing table, a warming JIT) favours none of them.
        for (const kind of r % 2 === 0 ? ['intake', 'floor', 'putItem'] : ['putItem', 'floor', 'intake']) {
          const tag = `${kind}-${consumers}-${inFlight}-${r}`;
          const op = kind === 'intake' ? intakeOp(cloud, tag) : kind === 'floor' ? floorOp(cloud, tag, calls) : putItemOp(cloud, tag);
          runs[kind]!.push(await run(RUN, inFlight, op));
          if (kind === 'floor') floorOps += RUN;
        }
      }
      if (consumers === 'held') {
        cloud.resumeStreams();
        await cloud.settle();
      }
      for (const kind of ['intake', 'floor', 'putItem']) {
        add(`${kind} throughput, ${inFlight} in flight${suffix}`, 'ops/s', runs[kind]!.map((x) => x.perSecond));
        add(`${kind} latency p50, ${inFlight} in flight${suffix}`, 'ms', runs[kind]!.map((x) => x.p50));
        add(`${kind} latency p99, ${inFlight} in flight${suffix}`, 'ms', runs[kind]!.map((x) => x.p99));
      }
      const ratio = (a: string, b: string) => runs[a]!.map((x, i) => x.perSecond / runs[b]![i]!.perSecond);
      add(`intake ÷ storage floor, ${inFlight} in flight${suffix}`, 'ratio', ratio('intake', 'floor'), consumers === 'held' ? atLeast(0.8) : undefined);
      add(`intake ÷ raw PutItem, ${inFlight} in flight${suffix}`, 'ratio', ratio('intake', 'putItem'));
    }
  }
  add('DynamoDB round trips per new inquiry', 'calls', calls.count / floorOps, atMost(2));

  // ── 1,000 sequential posts (the intake issue's figure) ──
  const latencies: number[] = [];
  const sequential = intakeOp(cloud, 'sequential');
  for (let i = 0; i < SEQUENTIAL_POSTS; i++) {
    const t0 = performance.now();
    await sequential(i);
    latencies.push(performance.now() - t0);
  }
  latencies.sort((a, b) => a - b);
  add(`intake latency p50, ${SEQUENTIAL_POSTS} sequential posts`, 'ms', percentile(latencies, 50));
  add(`intake latency p99, ${SEQUENTIAL_POSTS} sequential posts`, 'ms', percentile(latencies, 99));
  add('peak RSS, local cloud Node process', 'MB', rss.stop() / 2 ** 20);
  const javaPeak = dynamoDbLocalPeakBytes(cloud.urls.dynamodb);
  if (javaPeak) add('peak RSS, DynamoDB Local', 'MB', javaPeak / 2 ** 20);
}

/** A bulk resolve of 100 cases: until every case is updated (the answer) and every email sent. */
async function bulk(cloud: LocalCloud): Promise<void> {
  const bulkCases = Number(env.BENCH_BULK_CASES ?? 100);
  const bulk = await bulkResolveSeconds(cloud, { cases: bulkCases, repeats: REPEATS });
  add(`bulk resolve of ${bulkCases} cases: until every case is updated (the answer)`, 's', bulk.answered, atMost(29));
  add(`bulk resolve of ${bulkCases} cases: until every resolution email is sent`, 's', bulk.emailed);
}

/** Evidence on a new case, with a 200k-row ledger written straight into the table (bench/evidence.ts). */
async function evidence(cloud: LocalCloud): Promise<void> {
  const users = Number(env.BENCH_EVIDENCE_USERS ?? 20_000);
  const transactions = Number(env.BENCH_EVIDENCE_TRANSACTIONS ?? 200_000);
  const ev = await evidenceLatency(cloud, { users, transactions, samples: Number(env.BENCH_EVIDENCE_SAMPLES ?? 60) });
  const ledgerSize = `${transactions.toLocaleString('en-US')} transactions over ${users.toLocaleString('en-US')} users`;
  add(`evidence: intake → evidence.gathered p50, ledger of ${ledgerSize}`, 'ms', ev.p50);
  add(`evidence: intake → evidence.gathered p99, ledger of ${ledgerSize}`, 'ms', ev.p99, atMost(1000));
  add('evidence: ledger rows read per gathering (mean)', 'rows', ev.transactionsRead);
  // Every gift in the bench's ledger has its receipt: a gift_not_received finding there is a false one.
  add(`evidence: samples with a false gift_not_received finding, of ${ev.samples}`, 'cases', ev.falseGiftFindings, atMost(0));
  add('evidence: straight load of the ledger (BatchWriteItem, set-up)', 'rows/s', ev.loadPerSecond);
}

/** Ledger ingestion: the bus and the import against the raw BatchWriteItem floor (bench/ledger.ts). */
async function ledger(cloud: LocalCloud): Promise<void> {
  const rows = Number(env.BENCH_LEDGER_ROWS ?? 3000);
  const ing = await ledgerIngestion(cloud, { rows, repeats: REPEATS });
  add(`ledger floor: BatchWriteItem straight, ${rows} rows`, 'rows/s', ing.floor);
  add(`ledger import (S3 file → ledger-import), ${rows} rows`, 'rows/s', ing.import);
  add(`ledger bus (PutEvents → ledger-ingest), ${rows} rows`, 'rows/s', ing.bus);
  add('ledger import ÷ BatchWriteItem floor', 'ratio', ing.import.map((x, i) => x / ing.floor[i]!), atLeast(0.7));
  add('ledger bus ÷ BatchWriteItem floor', 'ratio', ing.bus.map((x, i) => x / ing.floor[i]!), atLeast(0.7));
}

/** Search by each exact key, cases written straight into the table. */
async function search(cloud: LocalCloud): Promise<void> {
  const searchCases = Number(env.BENCH_SEARCH_CASES ?? 100_000);
  const searches = await searchLatency(cloud, { cases: searchCases, samples: Number(env.BENCH_SEARCH_SAMPLES ?? 200) });
  for (const [key, s] of Object.entries(searches)) {
    add(`search by ${key} p50, ${searchCases} cases`, 'ms', s.p50);
    add(`search by ${key} p99, ${searchCases} cases`, 'ms', s.p99, atMost(50));
  }
}

/** The figures that need no local cloud. */
async function inProcess(): Promise<void> {
  const cpu = [];
  for (let i = 0; i < REPEATS; i++) cpu.push(await intakeHandlerCpu(10_000, 2_000));
  add('intake handler CPU per call, median (I/O mocked)', 'ms', cpu.map((c) => c.medianMs), atMost(0.3));
  add('intake handler CPU per call, p99 (I/O mocked)', 'ms', cpu.map((c) => c.p99Ms));
  const bundles = bundleFigures(path.join(here, '..', 'cdk.out'));
  for (const b of bundles) {
    const isIntake = b.handlerDir === 'Intake/WebIntake';
    // Issue 15: every bundle ≤ 350 KB but the email intake's (mailparser), which may weigh 800 KB.
    const limit = isIntake ? 300 : b.handlerDir === 'Intake/EmailIntake' ? 800 : 350;
    add(`bundle size: ${b.handlerDir}`, 'KB', b.bytes / 1024, atMost(limit));
    add(`cold import: ${b.handlerDir}`, 'ms', [b.importMs.min, b.importMs.median, b.importMs.max], isIntake ? atMost(60) : undefined);
  }
  const coldOf = (dir: string) => bundles.find((b) => b.handlerDir === dir)?.importMs.median;
  const [emailCold, webCold] = [coldOf('Intake/EmailIntake'), coldOf('Intake/WebIntake')];
  if (emailCold && webCold) add('cold import: email intake ÷ web intake, same run', 'ratio', emailCold / webCold, atMost(1.5));
  const aggregation = await aggregationThroughput({ events: Number(env.BENCH_AGG_EVENTS ?? 5000), repeats: REPEATS });
  add('aggregation, coalesced', 'records/s', [aggregation.coalesced.min, aggregation.coalesced.median, aggregation.coalesced.max]);
  add('aggregation, one update per record', 'records/s', [aggregation.perRecord.min, aggregation.perRecord.median, aggregation.perRecord.max]);
  add('aggregation coalesced ÷ per record', 'ratio', aggregation.ratio, atLeast(5));
  const reports = await reportBuildTime({ cases: [10_000, 100_000], repeats: REPEATS });
  for (const r of reports) add(`weekly report build, aggregates of ${r.cases.toLocaleString('en-US')} cases`, 'ms', [r.stats.min, r.stats.median, r.stats.max]);
  if (reports.length === 2) add('report build time 100k ÷ 10k', 'ratio', reports[1]!.stats.median / reports[0]!.stats.median, atMost(1.5));
  const assignment = await assignmentThroughput({ waiting: Number(env.BENCH_ASSIGN_WAITING ?? 1000), agents: Number(env.BENCH_ASSIGN_AGENTS ?? 20), repeats: REPEATS });
  add(
    `assignment at shift start, ${assignment.waiting.toLocaleString('en-US')} waiting, ${assignment.agents} agents on shift`,
    'cases/s',
    [assignment.perSecond.min, assignment.perSecond.median, assignment.perSecond.max],
  );
}

const onTheCloud: [Part, (cloud: LocalCloud) => Promise<void>][] = [
  ['workflows', workflows],
  ['intake', intake],
  ['bulk', bulk],
  ['evidence', evidence],
  ['ledger', ledger],
  ['search', search],
];
if (onTheCloud.some(([name]) => part(name))) {
  const { cloud, startMs } = await benchCloud();
  add('local cloud start (in memory)', 'ms', startMs);
  try {
    for (const [name, measure] of onTheCloud) if (part(name)) await measure(cloud);
  } finally {
    await cloud.stop();
  }
}
if (part('in-process')) await inProcess();
if (part('partitions')) await partitionFigures();

// ── output ──
const rows = figures.map((f) => {
  const sorted = [...f.values].sort((a, b) => a - b);
  const m = median(f.values);
  return {
    figure: f.name,
    unit: f.unit,
    min: round(sorted[0]!),
    median: round(m),
    max: round(sorted.at(-1)!),
    target: f.target?.text ?? '',
    met: f.target ? (f.target.met(m) ? 'yes' : 'NO') : '',
  };
});
console.table(rows);
// A partial run replaces its own figures in the kept results and keeps the others (and says so).
type Row = (typeof rows)[number];
const resultsFile = path.join(here, 'results.json');
const kept = only && existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as { machine: Record<string, unknown>; figures: Row[]; partial?: unknown[] }) : undefined;
const fresh = new Map(rows.map((r) => [r.figure, r]));
const merged: Row[] = kept ? [...kept.figures.map((r) => fresh.get(r.figure) ?? r), ...rows.filter((r) => !kept.figures.some((k) => k.figure === r.figure))] : rows;
const machine = {
  date: new Date().toISOString(),
  loadAverage: os.loadavg()[0]!.toFixed(1),
  node: process.version,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  commit: (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })(),
};
const partial = kept ? [...((kept.partial as unknown[] | undefined) ?? []), { parts: [...only!], ...machine }] : undefined;
const resultMachine = kept ? kept.machine : machine;
writeFileSync(resultsFile, `${JSON.stringify({ machine: resultMachine, ...(partial && { partial }), figures: merged }, null, 2)}\n`);
const partialNote = (partial ?? []).map((p) => {
  const r = p as typeof machine & { parts: string[] };
  return `Re-measured by \`BENCH_ONLY=${r.parts.join(',')} npm run bench\` on ${r.date.slice(0, 10)} (commit ${r.commit}, ${r.cores} cores, load average ${r.loadAverage}): those parts' figures replace the full run's.`;
});
writeFileSync(
  path.join(here, 'RESULTS.md'),
  [
    '# Benchmark results',
    '',
    `Measured by \`npm run bench\` on ${String(resultMachine.date).slice(0, 10)}: ${resultMachine.cores} cores (${resultMachine.cpu}), ${resultMachine.memoryGiB} GiB, Node ${resultMachine.node}, commit ${resultMachine.commit}.`,
    ...partialNote,
    `Repeated figures show min / median / max over ${REPEATS} runs; targets are judged on the median. The local cloud runs in one process on`,
    'the same machine as DynamoDB Local: compare figures with each other, not with AWS.',
    '',
    '| figure | unit | min | median | max | target | met |',
    '|---|---|---:|---:|---:|---|---|',
    ...merged.map((r) => `| ${r.figure} | ${r.unit} | ${r.min} | ${r.median} | ${r.max} | ${r.target} | ${r.met} |`),
    '',
    'See `bench/SCALE.md` for the limits that bind at 10× and 100× a normal day, and `bench/cost.ts` for the cost model.',
    '',
  ].join('\n'),
);
console.log('written: bench/results.json, bench/RESULTS.md');
