// npm run bench: figures measured on the local cloud, printed as one table and kept in bench/results.json.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleFigures } from './bundles.ts';
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
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, results: rows, bundles }, null, 2)}\n`,
  );
} finally {
  await cloud.stop();
}
