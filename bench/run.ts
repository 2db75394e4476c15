// npm run bench: figures measured on the local cloud, printed as one table and kept in bench/results.json.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleFigures } from './bundles.ts';
import { floorOp, intakeOp, putItemOp, run, type RunFigures } from './intake.ts';
import { benchCloud, percentile } from './local-cloud.ts';
import { escalatedCaseTransitions, riskPageLatencyMs, typicalCaseTransitions } from './workflow-cost.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const SEQUENTIAL_POSTS = Number(process.env.BENCH_POSTS ?? 1000);

const { cloud, startMs } = await benchCloud();
const post = async (i: number) => {
  const res = await fetch(`${cloud.urls.api}/inquiries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `bench-${i}@example.com`,
      subject: `Coins missing after purchase #${i}`,
      message: 'I bought 500 coins with my card yesterday and they never arrived in my wallet.',
      amount: 4.99,
      currency: 'USD',
    }),
  });
  if (res.status !== 201) throw new Error(`POST /inquiries → ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
};

try {
  // Workflow figures first, on a quiet cloud (the intake run below leaves 1,000 open cases behind).
  const typical = await typicalCaseTransitions(cloud);
  const escalated = await escalatedCaseTransitions(cloud);
  const riskPages: number[] = [];
  for (let i = 0; i < 5; i++) riskPages.push(await riskPageLatencyMs(cloud));
  riskPages.sort((a, b) => a - b);

  // Intake against the storage floor and raw PutItem, same DynamoDB Local, same concurrency.
  const RUN = Number(process.env.BENCH_RUN ?? 300);
  const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
  const calls = { count: 0 };
  await run(200, 8, intakeOp(cloud, 'warm'));
  await run(200, 8, floorOp(cloud, 'warm', calls));
  await run(200, 8, putItemOp(cloud, 'warm'));
  const throughput: Record<string, Record<string, RunFigures[]>> = {};
  let floorCalls = 0;
  let floorOps = 0;
  for (const inFlight of [1, 32]) {
    for (let r = 0; r < REPEATS; r++) {
      // Alternate the order so drift (a growing table, a warming JIT) does not favour one of them.
      const order = r % 2 === 0 ? ['intake', 'floor', 'putItem'] : ['putItem', 'floor', 'intake'];
      for (const kind of order) {
        const tag = `${kind}-${inFlight}-${r}`;
        const before = calls.count;
        const figures = await run(RUN, inFlight, kind === 'intake' ? intakeOp(cloud, tag) : kind === 'floor' ? floorOp(cloud, tag, calls) : putItemOp(cloud, tag));
        if (kind === 'floor') {
          floorCalls += calls.count - before;
          floorOps += RUN;
        }
        ((throughput[`${inFlight} in flight`] ??= {})[kind] ??= []).push(figures);
      }
    }
  }
  const med = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const spread = (values: number[]) => `${Math.round(Math.min(...values))} / ${Math.round(med(values))} / ${Math.round(Math.max(...values))}`;
  const intakeTable: Record<string, Record<string, string | number>> = {};
  for (const [level, kinds] of Object.entries(throughput)) {
    for (const [kind, runs] of Object.entries(kinds)) {
      intakeTable[`${kind}, ${level}`] = {
        'ops/s min / median / max': spread(runs.map((x) => x.perSecond)),
        'p50 ms (median)': +med(runs.map((x) => x.p50)).toFixed(2),
        'p99 ms (median)': +med(runs.map((x) => x.p99)).toFixed(2),
      };
    }
    const ratio = (a: string, b: string) => +(med(kinds[a]!.map((x) => x.perSecond)) / med(kinds[b]!.map((x) => x.perSecond))).toFixed(2);
    intakeTable[`intake ÷ storage floor, ${level}`] = { 'ops/s min / median / max': String(ratio('intake', 'floor')), 'p50 ms (median)': '', 'p99 ms (median)': '' };
    intakeTable[`intake ÷ raw PutItem, ${level}`] = { 'ops/s min / median / max': String(ratio('intake', 'putItem')), 'p50 ms (median)': '', 'p99 ms (median)': '' };
  }
  intakeTable['DynamoDB round trips per new inquiry'] = { 'ops/s min / median / max': String(+(floorCalls / floorOps).toFixed(2)), 'p50 ms (median)': '', 'p99 ms (median)': '' };
  console.table(intakeTable);

  for (let i = 0; i < 100; i++) await post(-1 - i); // warm-up: JIT, connections, DynamoDB Local
  const latencies: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < SEQUENTIAL_POSTS; i++) {
    const start = performance.now();
    await post(i);
    latencies.push(performance.now() - start);
  }
  const elapsed = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  const rows = {
    'local cloud start (in memory), ms': Math.round(startMs),
    [`intake latency p50 (${SEQUENTIAL_POSTS} sequential posts), ms`]: +percentile(latencies, 50).toFixed(2),
    'intake latency p99, ms': +percentile(latencies, 99).toFixed(2),
    'intake latency max, ms': +latencies.at(-1)!.toFixed(2),
    'sequential intake throughput, posts/s': Math.round((SEQUENTIAL_POSTS / elapsed) * 1000),
    'state transitions, typical case (open → reply → resolve → auto-close)': typical,
    'state transitions, escalated case: lifecycle': escalated.lifecycle,
    'state transitions, escalated case: escalation L1 → L2 → risk': escalated.escalation,
    'P1 safety report → risk team email, median of 5, ms': Math.round(riskPages[2]!),
    'P1 safety report → risk team email, max of 5, ms': Math.round(riskPages[4]!),
  };
  console.table(rows);
  const bundles = bundleFigures(path.join(here, '..', 'cdk.out'));
  console.table(
    Object.fromEntries(bundles.map((b) => [b.handlerDir, { 'minified KB': Math.round(b.bytes / 1024), 'cold import ms (median of 5)': +b.importMs.median.toFixed(1), 'min ms': +b.importMs.min.toFixed(1), 'max ms': +b.importMs.max.toFixed(1) }])),
  );
  writeFileSync(
    path.join(here, 'results.json'),
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, results: rows, intake: intakeTable, bundles }, null, 2)}\n`,
  );
} finally {
  await cloud.stop();
}
