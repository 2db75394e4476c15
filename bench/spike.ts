// A spike replayed on the local cloud with the workflow start rate capped, the way Step Functions caps
// StartExecution on AWS (a token bucket: 1,300 tokens, 300 a second in us-east-1). A burst of web-form
// inquiries is posted as fast as the local API takes them; every StartExecution the functions make goes
// through a proxy that hands out tokens and answers ThrottlingException when the bucket is empty, as AWS
// does. We record when each case's lifecycle actually started, how many calls were throttled, and
// whether any start was lost (a stream record that exhausted its retries and was parked). Then the open
// executions (issue 15 point 5): how many of the burst's executions are open once it has started, and once
// the virtual clock has moved past the time an execution waits in person (LINGER_SECONDS), when every far
// timer is held by an alarm (a one-time schedule) instead of an open execution.
//
//   npx tsx bench/spike.ts            — the default scenarios, printed as a table (about 80 s)
//   await spikeReplay(scenarios)      — the same from another script, in a fresh process (see below)
//
// Why a fresh process: the functions' SDK clients resolve their endpoint on their first call and keep it.
// The proxy can only sit in front of Step Functions if it is in place before any function has called it,
// i.e. in a process whose local cloud has not started a workflow yet.
import { spawn } from 'node:child_process';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LINGER_SECONDS } from '#domain/lifecycle.ts';
import type { LocalCloud } from '#local/cloud.ts';
import { benchCloud, percentile } from './local-cloud.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface SpikeScenario {
  label: string;
  /** Inquiries in the burst. */
  inquiries: number;
  /** Posts in flight at a time. */
  inFlight: number;
  /** StartExecution tokens refilled per second (Infinity: no cap). */
  startRatePerSecond: number;
  /** Bucket size (tokens available at the start of the burst). */
  startBurst: number;
  /** Give up waiting for the starts after this long. Default 90 s. */
  timeoutSeconds?: number;
}

export interface SpikeFigures {
  label: string;
  inquiries: number;
  startRatePerSecond: number;
  startBurst: number;
  /** Time to post the whole burst, s, and the rate the local API took it at. */
  postSeconds: number;
  postsPerSecond: number;
  /** Lifecycle executions started (of `inquiries`). */
  started: number;
  /** From the first post to the last lifecycle start, s. */
  drainSeconds: number;
  /** What the bucket alone allows: max(postSeconds, (inquiries − burst) / rate), s. */
  bucketBoundSeconds: number;
  /** Starts per second after the bucket's initial tokens were spent. */
  drainStartsPerSecond: number;
  /** Per case, from its 201 to its lifecycle start, s (the signal consumer's lag, like a stream's iterator age). */
  lagP50Seconds: number;
  lagMaxSeconds: number;
  /** StartExecution calls answered ThrottlingException. */
  throttledCalls: number;
  /**
   * Most throttled calls for one case. The SDK makes 3 attempts per invocation, so a case throttled k times
   * failed about k / 3 invocations of its batch: compare with the mapping's 10 retries before it gives up.
   */
  maxThrottledPerCase: number;
  /** Case records the signal consumer gave up on after its retries (lost starts on AWS: no failure destination). */
  lostStarts: number;
  /** The burst's executions open (RUNNING) once every start was made: each waits in person for a while. */
  openAfterBurst: number;
  /** The same once the clock moved LINGER_SECONDS + 1 min on: the far timers are alarms now. */
  openAfterLinger: number;
  /** The burst's cases whose next timer an alarm holds at that point. */
  alarmsAfterLinger: number;
}

/** Scaled from AWS: the 100× spike brings 579 inquiries/s against a 300/s refill (1.9×) and a 1,300 bucket (4.3 s of refill). */
export const DEFAULT_SCENARIOS: SpikeScenario[] = [
  { label: 'warm-up (not a figure)', inquiries: 150, inFlight: 32, startRatePerSecond: Number.POSITIVE_INFINITY, startBurst: Number.POSITIVE_INFINITY },
  { label: 'uncapped (baseline)', inquiries: 400, inFlight: 32, startRatePerSecond: Number.POSITIVE_INFINITY, startBurst: Number.POSITIVE_INFINITY },
  { label: 'capped: arrivals ≈ 2 × refill, bucket = 4.3 s of refill', inquiries: 400, inFlight: 32, startRatePerSecond: 30, startBurst: 130 },
  { label: 'capped hard: arrivals 6–10 × refill', inquiries: 240, inFlight: 32, startRatePerSecond: 8, startBurst: 35 },
];

/** Runs the scenarios in a fresh Node process (so the Step Functions proxy is in place before any call). */
export async function spikeReplay(scenarios: SpikeScenario[] = DEFAULT_SCENARIOS): Promise<SpikeFigures[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--json', JSON.stringify(scenarios, infinityAsString)], {
    cwd: path.join(here, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = out.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !line.startsWith('[')) throw new Error(`spike replay failed (exit ${code}): ${out.slice(-2000)}`);
  return JSON.parse(line, infinityFromString) as SpikeFigures[];
}

/** Runs the scenarios in this process, one after the other on one local cloud. See the note at the top. */
export async function spikeReplayHere(scenarios: SpikeScenario[] = DEFAULT_SCENARIOS): Promise<SpikeFigures[]> {
  const { cloud } = await benchCloud();
  const proxy = await startThrottlingProxy(cloud.urls.sfn);
  // Every SDK client in the functions resolves AWS_ENDPOINT_URL_SFN on its first call: point it here first.
  process.env.AWS_ENDPOINT_URL_SFN = proxy.url;
  try {
    const figures: SpikeFigures[] = [];
    for (const [i, scenario] of scenarios.entries()) figures.push(await replay(cloud, proxy, scenario, i));
    return figures;
  } finally {
    await proxy.stop();
    await cloud.stop();
  }
}

interface Proxy {
  url: string;
  /** Refill the bucket to `burst` tokens and set its rate. */
  reset(rate: number, burst: number): void;
  throttled: number;
  /** Throttled StartExecution calls per execution name. */
  throttledByName: Map<string, number>;
  /** Successful lifecycle starts: execution name → ms (performance.now()). */
  starts: Map<string, number>;
  stop(): Promise<void>;
}

async function startThrottlingProxy(upstream: string): Promise<Proxy> {
  const target = new URL(upstream);
  let rate = Number.POSITIVE_INFINITY;
  let burst = Number.POSITIVE_INFINITY;
  let tokens = burst;
  let last = performance.now();
  const take = (): boolean => {
    const now = performance.now();
    tokens = Math.min(burst, tokens + ((now - last) / 1000) * rate);
    last = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
  const proxy: Proxy = {
    url: '',
    throttled: 0,
    throttledByName: new Map(),
    starts: new Map(),
    reset(r, b) {
      rate = r;
      burst = b;
      tokens = b;
      last = performance.now();
    },
    stop: async () => undefined,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const isStart = String(req.headers['x-amz-target'] ?? '').endsWith('.StartExecution');
      if (isStart && !take()) {
        proxy.throttled++;
        const { name } = JSON.parse(body.toString('utf8')) as { name?: string };
        if (name) proxy.throttledByName.set(name, (proxy.throttledByName.get(name) ?? 0) + 1);
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': 'ThrottlingException' });
        res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
        return;
      }
      const headers: IncomingHttpHeaders = { ...req.headers, host: target.host };
      const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (upRes) => {
        const out: Buffer[] = [];
        upRes.on('data', (c: Buffer) => out.push(c));
        upRes.on('end', () => {
          if (isStart && upRes.statusCode === 200) {
            const { name, stateMachineArn } = JSON.parse(body.toString('utf8')) as { name?: string; stateMachineArn?: string };
            if (name && stateMachineArn?.endsWith('case-lifecycle') && !proxy.starts.has(name)) proxy.starts.set(name, performance.now());
          }
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          res.end(Buffer.concat(out));
        });
      });
      up.on('error', (error) => {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ __type: 'InternalFailure', message: error.message }));
      });
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

interface ParkedEntry {
  functionId?: string;
  records?: { eventName?: string; dynamodb?: { NewImage?: { itemType?: { S?: string }; caseId?: { S?: string } } } }[];
}

async function lostStarts(cloud: LocalCloud, caseIds: Set<string>): Promise<Set<string>> {
  const { parked } = (await (await fetch(`${cloud.urls.api}/local/parked`)).json()) as { parked: ParkedEntry[] };
  const lost = new Set<string>();
  for (const entry of parked) {
    if (!entry.functionId?.includes('OutboxConsumer')) continue;
    for (const r of entry.records ?? []) {
      const image = r.dynamodb?.NewImage;
      const caseId = image?.caseId?.S;
      if (r.eventName === 'INSERT' && image?.itemType?.S === 'case' && caseId && caseIds.has(caseId)) lost.add(caseId);
    }
  }
  return lost;
}

async function replay(cloud: LocalCloud, proxy: Proxy, s: SpikeScenario, index: number): Promise<SpikeFigures> {
  await cloud.settle();
  proxy.reset(s.startRatePerSecond, s.startBurst);
  proxy.throttled = 0;
  proxy.throttledByName.clear();
  const posted = new Map<string, number>();
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: s.inFlight }, async () => {
      for (let i = next++; i < s.inquiries; i = next++) {
        const res = await fetch(`${cloud.urls.api}/inquiries`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            email: `spike-${index}-${i}@example.com`,
            subject: `Coins missing after purchase #${i}`,
            message: 'I bought 500 coins with my card yesterday and they never arrived in my wallet.',
            amount: 4.99,
            currency: 'USD',
          }),
        });
        const text = await res.text();
        if (res.status !== 201) throw new Error(`POST /inquiries → ${res.status}: ${text}`);
        posted.set((JSON.parse(text) as { caseId: string }).caseId, performance.now());
      }
    }),
  );
  const postMs = performance.now() - t0;
  const ids = new Set(posted.keys());
  const deadline = t0 + (s.timeoutSeconds ?? 90) * 1000;
  let lost = new Set<string>();
  for (;;) {
    const started = [...ids].filter((id) => proxy.starts.has(id)).length;
    lost = await lostStarts(cloud, ids);
    if (started + lost.size >= ids.size) break;
    if (performance.now() > deadline) break;
    if (performance.now() - t0 > 15_000 && proxy.starts.size === 0) {
      throw new Error('no StartExecution reached the proxy: a function called Step Functions before it was in place; run the spike in a fresh process');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const startTimes = [...ids].flatMap((id) => (proxy.starts.has(id) ? [proxy.starts.get(id)!] : [])).sort((a, b) => a - b);
  const lags = [...ids].flatMap((id) => (proxy.starts.has(id) ? [(proxy.starts.get(id)! - posted.get(id)!) / 1000] : [])).sort((a, b) => a - b);
  const drainSeconds = startTimes.length > 0 ? (startTimes.at(-1)! - t0) / 1000 : Number.NaN;
  const afterBurst = Number.isFinite(s.startBurst) ? startTimes.slice(Math.min(startTimes.length - 1, Math.floor(s.startBurst))) : startTimes;
  const drainStartsPerSecond = afterBurst.length > 1 ? ((afterBurst.length - 1) / (afterBurst.at(-1)! - afterBurst[0]!)) * 1000 : Number.NaN;
  const open = await openExecutions(cloud, ids);
  proxy.reset(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY); // the hand-overs are not part of the start spike
  cloud.clock.advance((LINGER_SECONDS + 60) * 1000);
  await cloud.settle();
  const lingered = await openExecutions(cloud, ids);
  const alarms = await alarmedCases(cloud, ids);
  const bucketBound = Number.isFinite(s.startRatePerSecond) ? Math.max(postMs / 1000, Math.max(0, s.inquiries - s.startBurst) / s.startRatePerSecond) : postMs / 1000;
  return {
    label: s.label,
    inquiries: s.inquiries,
    startRatePerSecond: s.startRatePerSecond,
    startBurst: s.startBurst,
    postSeconds: round(postMs / 1000),
    postsPerSecond: Math.round((s.inquiries / postMs) * 1000),
    started: startTimes.length,
    drainSeconds: round(drainSeconds),
    bucketBoundSeconds: round(bucketBound),
    drainStartsPerSecond: round(drainStartsPerSecond),
    lagP50Seconds: round(percentile(lags, 50)),
    lagMaxSeconds: round(lags.at(-1) ?? Number.NaN),
    throttledCalls: proxy.throttled,
    maxThrottledPerCase: Math.max(0, ...[...ids].map((id) => proxy.throttledByName.get(id) ?? 0)),
    lostStarts: lost.size,
    openAfterBurst: open,
    openAfterLinger: lingered,
    alarmsAfterLinger: alarms,
  };
}

/** The cases' lifecycle executions now RUNNING (GET /local/executions). */
async function openExecutions(cloud: LocalCloud, ids: Set<string>): Promise<number> {
  const res = await fetch(`${cloud.urls.api}/local/executions`);
  const { executions } = (await res.json()) as { executions: { name: string; status: string }[] };
  return executions.filter((e) => e.status === 'RUNNING' && ids.has(e.name.slice(0, 36))).length;
}

/** The cases with an alarm set now (GET /local/schedules: the one-time schedules, named by case and version). */
async function alarmedCases(cloud: LocalCloud, ids: Set<string>): Promise<number> {
  const res = await fetch(`${cloud.urls.api}/local/schedules`);
  const { oneTime } = (await res.json()) as { oneTime: { name: string }[] };
  return new Set(oneTime.map((s) => s.name.slice(0, 36)).filter((id) => ids.has(id))).size;
}

const round = (n: number) => Math.round(n * 100) / 100;
// JSON has no Infinity: carry it as a string across the process boundary.
function infinityAsString(_key: string, value: unknown): unknown {
  return value === Number.POSITIVE_INFINITY ? 'Infinity' : value;
}
function infinityFromString(_key: string, value: unknown): unknown {
  return value === 'Infinity' ? Number.POSITIVE_INFINITY : value;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const jsonIndex = process.argv.indexOf('--json');
  const scenarios = jsonIndex > 0 ? (JSON.parse(process.argv[jsonIndex + 1] ?? '[]', infinityFromString) as SpikeScenario[]) : DEFAULT_SCENARIOS;
  const figures = await spikeReplayHere(scenarios);
  if (jsonIndex > 0) process.stdout.write(`${JSON.stringify(figures, infinityAsString)}\n`);
  else console.table(Object.fromEntries(figures.map(({ label, ...rest }) => [label, rest])));
}
