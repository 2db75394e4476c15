// Reporting figures on DynamoDB Local (in memory, free port, the template's tables):
//   - aggregationThroughput: stream events → aggregates, coalesced (one update per item per chunk) against
//     one transaction per event, on the same events, each run into a fresh reporting table. Both runs
//     must leave identical counters, or the comparison is void and it throws.
//   - reportBuildTime: the weekly report (reportFor + the three renderings) over tables filled for 10×
//     more cases: the rows are the same, only the numbers in them grow, so the times should match.
// Also the case generator the report preview (scripts/report-preview.ts) uses for its demo.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteTableCommand, DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { CaseEvent, CaseRecord, Category, Channel, Outcome, PriorComplaint, ValueTier } from '#domain/case.ts';
import { openCase, rememberComplaint } from '#domain/intake.ts';
import { applyAgentAction, applyRequesterReply, pageRiskTeam, recordEscalationStep, type Change } from '#domain/lifecycle.ts';
import { dayKey, hourKey, lastCompletePeriod, periodDays, previousPeriod, sameHourPreviousDays } from '#domain/reporting/buckets.ts';
import { histogramCounter, withoutZeros, type Counters } from '#domain/reporting/counters.ts';
import { renderCsv, renderHtml, renderText } from '#domain/reporting/render.ts';
import type { FourEyes } from '#domain/approval-policy.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { fourEyes } from '#lib/governance-config.ts';
import { DynamoReportingStore } from '#lib/adapters/reporting-store.ts';
import { newCaseId, newReference } from '#lib/ids.ts';
import { policies } from '#lib/policies.ts';
import type { Clock, CountChange, Mailer } from '#lib/ports.ts';
import { reportingPolicy } from '#lib/reporting-policy.ts';
import { aggregateEvents, type AggregateDeps } from '#lib/use-cases/fold-case-events.ts';
import { reportFor, type ReportDeps } from '#lib/use-cases/report-from-aggregates.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from '#local/dynamodb-local.ts';
import { createTablesFromTemplate } from '#local/dynamodb-tables.ts';
import { freePort } from '#local/free-port.ts';
import { loadTemplate, type CfnTemplate } from '#local/template.ts';
import { aggregatePerRecord } from './aggregate-per-record.ts';
import { percentile } from './local-cloud.ts';

/** The synthetic day measures aggregation, not four-eyes: no resolution waits for a second person. */
const NO_FOUR_EYES: FourEyes = {
  triage: fourEyes.triage,
  policy: { ...fourEyes.policy, outcomes: [], categories: [], riskScoreAtLeast: Number.POSITIVE_INFINITY, amountUsdAtLeast: Number.POSITIVE_INFINITY, reopenOutcomes: [] },
};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** min / median / max of the measured repeats. */
export interface Stats {
  min: number;
  median: number;
  max: number;
}

export function statsOf(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0] ?? Number.NaN, median: percentile(sorted, 50), max: sorted.at(-1) ?? Number.NaN };
}

/** A stream delivers at most this many records to one aggregator invocation (the event source's batch size). */
export const STREAM_BATCH = 100;

// ── DynamoDB Local with the template's tables ────────────────────────────────────────────────────────

export interface ReportingDb {
  endpoint: string;
  client: DynamoDBClient;
  template: CfnTemplate;
  /** Table names (= the template's logical ids, as the local cloud names them). */
  casesTable: string;
  reportingTable: string;
  /** The reporting table's logical id, to make more tables like it. */
  reportingLogicalId: string;
  stop(): Promise<void>;
}

export const FAKE_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export function tableIds(template: CfnTemplate): { cases: string; reporting: string } {
  const ids = Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::DynamoDB::Table' || r.Type === 'AWS::DynamoDB::GlobalTable')
    .map(([id]) => id);
  const cases = ids.find((id) => id.startsWith('StorageCases'));
  const reporting = ids.find((id) => id.startsWith('ReportingAggregates'));
  if (!cases || !reporting) throw new Error(`cdk.out/Trustdesk.template.json has no StorageCases* or ReportingAggregates* table; run \`npm run synth\``);
  return { cases, reporting };
}

/** DynamoDB Local in memory on a free port, with every table of cdk.out/Trustdesk.template.json. */
export async function startReportingDb(): Promise<ReportingDb> {
  const template = loadTemplate(path.join(root, 'cdk.out'), 'Trustdesk');
  const ids = tableIds(template);
  const db: DynamoDbLocal = await startDynamoDbLocal({ port: await freePort() });
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint: db.endpoint, credentials: FAKE_CREDENTIALS });
  try {
    await createTablesFromTemplate(client, template, (id) => id);
  } catch (error) {
    client.destroy();
    await db.stop();
    throw error;
  }
  return {
    endpoint: db.endpoint,
    client,
    template,
    casesTable: ids.cases,
    reportingTable: ids.reporting,
    reportingLogicalId: ids.reporting,
    async stop() {
      client.destroy();
      await db.stop();
    },
  };
}

/** An empty table defined like the template's reporting table, under another name. */
async function createReportingTable(db: ReportingDb, name: string): Promise<string> {
  const only: CfnTemplate = { Resources: { [db.reportingLogicalId]: db.template.Resources[db.reportingLogicalId]! } };
  await createTablesFromTemplate(db.client, only, () => name);
  return name;
}

async function dropTable(db: ReportingDb, name: string): Promise<void> {
  await db.client.send(new DeleteTableCommand({ TableName: name }));
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function inPool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

// ── generated cases ──────────────────────────────────────────────────────────────────────────────────

/** A small seeded PRNG (mulberry32): the same seed gives the same cases. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function weighted<T>(random: () => number, choices: readonly (readonly [T, number])[]): T {
  const total = choices.reduce((s, [, w]) => s + w, 0);
  let r = random() * total;
  for (const [value, w] of choices) {
    r -= w;
    if (r < 0) return value;
  }
  return choices.at(-1)![0];
}

/** Category mix of a live-streaming platform's trust & risk inbox: coins, refunds and disputes lead. */
const CATEGORY_WEIGHTS: readonly (readonly [Category, number])[] = [
  ['gifts_coins', 24],
  ['refund', 18],
  ['payment_dispute', 14],
  ['account_access', 12],
  ['payout', 10],
  ['unauthorized_charge', 8],
  ['fraud_scam', 7],
  ['safety', 4],
  ['other', 3],
];
const CHANNEL_WEIGHTS: readonly (readonly [Channel, number])[] = [
  ['web', 7],
  ['email', 3],
];
const TIER_WEIGHTS: readonly (readonly [ValueTier | undefined, number])[] = [
  [undefined, 45],
  ['standard', 30],
  ['silver', 12],
  ['gold', 7],
  ['platinum', 3],
  ['top', 3],
];
const OUTCOME_WEIGHTS: readonly (readonly [Outcome, number])[] = [
  ['resolved', 70],
  ['false_positive', 14],
  ['confirmed_risk', 10],
  ['duplicate', 6],
];

const MESSAGES: Record<Category, readonly (readonly [subject: string, message: string])[]> = {
  gifts_coins: [
    ['Coins not credited', 'I bought 500 coins yesterday and my coin balance was not updated.'],
    ['Gift never arrived', 'I sent a gift to a streamer during the live but it was not delivered.'],
  ],
  refund: [
    ['Refund please', 'I bought coins by mistake, can I get my money back?'],
    ['Cancel my subscription', 'Please cancel my subscription and refund the last payment.'],
  ],
  payment_dispute: [
    ['Charged twice', 'My card was charged twice for the same coin package.'],
    ['Wrong amount', 'The price was different from what the app showed, I was overcharged.'],
  ],
  account_access: [
    ['Locked out', 'I cannot log in, the verification code never arrives.'],
    ['Account hacked', 'Someone changed my password and my email was changed.'],
  ],
  payout: [
    ['Payout missing', 'My creator payout for last month has not been paid to my bank.'],
    ['Withdrawal stuck', 'My withdrawal has been pending for two weeks.'],
  ],
  unauthorized_charge: [
    ['Charge I did not make', 'There is a charge on my card I do not recognize, I never bought coins.'],
    ['Stolen card', 'Someone used my card without my permission to buy gifts.'],
  ],
  fraud_scam: [
    ['Scam account', 'A fake account impersonating a streamer asked me to send coins for a giveaway.'],
    ['Phishing link', 'I got a fake link asking for my password to double your coins.'],
  ],
  safety: [
    ['Harassment in my live', 'A viewer keeps harassing me and sent threats in my live chat.'],
    ['Blackmail', 'Someone is blackmailing me in private messages.'],
  ],
  other: [['Question', 'How do I change the language of the app?']],
};

const NAMES = ['Ana Souza', 'Kenji Watanabe', 'Priya Patel', 'Lukas Schmidt', 'Fatima Zahra', 'Chloé Martin', 'Diego Ramírez', 'Sam Lee'];

/** Strings a requester controls, made to break HTML, CSV and headers that do not escape them. */
export const HOSTILE_SUBJECTS = [
  '<script>alert(1)</script> coins never arrived',
  '"><img src=x onerror=alert(document.cookie)> refund',
  '=HYPERLINK("https://evil.example/","Click for refund")',
  '+cmd|\' /C calc\'!A0 chargeback',
  'Gift missing\r\nBcc: everyone@example.com',
  "Robert'); DROP TABLE cases;-- payout",
];
export const HOSTILE_NAMES = ['<script>alert(1)</script>', '<b onmouseover="alert(1)">Eve</b>', '=cmd|\' /C calc\'!A0', '@SUM(1+1)*cmd', 'Mallory & "Sons" <mallory@evil.example>'];

export interface Opening {
  at: Date;
  category?: Category;
  /** User-controlled strings of the hostile kind (HOSTILE_SUBJECTS, HOSTILE_NAMES). */
  hostile?: boolean;
  tier?: ValueTier;
}

/** One generated case: how it was opened and the changes agents and the requester made afterwards. */
export interface CaseHistory {
  opened: { record: CaseRecord; event: CaseEvent };
  /** The requester's summary item as the case's createCase writes it. */
  requesterVersion: number;
  recent: PriorComplaint[];
  changes: Change[];
}

export interface GeneratedCases {
  histories: CaseHistory[];
  /** Every event of every case, in time order (as the stream delivers them). */
  events: CaseEvent[];
}

const AGENTS = Array.from({ length: 12 }, (_, i) => ({ kind: 'agent' as const, id: `agent-${i + 1}`, role: 'agent' }));
const LEAD = { kind: 'agent' as const, id: 'lead-1', role: 'lead' };

/** Marks a step the domain declined (nothing to do): generation stops that branch. */
class NoChange extends Error {}
const noChange = (r: CaseRecord): never => {
  throw new NoChange(`nothing to change on ${r.caseId}`);
};

/**
 * Cases opened at `openings` (in any order), each followed by what agents and requesters typically do:
 * a risk-team page for critical cases, a first response (or a request for information, sometimes
 * answered), now and then an escalation, then a resolution. Nothing happens after `until`, and no more
 * than `maxEvents` events in all. About one requester in seven wrote before (repeat complaints).
 */
export function generateCases(openings: readonly Opening[], opts: { until: Date; seed?: number; maxEvents?: number }): GeneratedCases {
  const random = seededRandom(opts.seed ?? 42);
  const sorted = [...openings].sort((a, b) => a.at.getTime() - b.at.getTime());
  const emails: string[] = [];
  const requesters = new Map<string, { version: number; recent: PriorComplaint[] }>();
  const until = opts.until.getTime();
  const maxEvents = opts.maxEvents ?? Number.POSITIVE_INFINITY;
  const histories: CaseHistory[] = [];
  let total = 0;
  for (const [i, o] of sorted.entries()) {
    if (total >= maxEvents) break;
    const category = o.category ?? weighted(random, CATEGORY_WEIGHTS);
    const channel = weighted(random, CHANNEL_WEIGHTS);
    const tier = o.hostile ? (o.tier ?? 'top') : (o.tier ?? weighted(random, TIER_WEIGHTS));
    const [subject, message] = MESSAGES[category][Math.floor(random() * MESSAGES[category].length)]!;
    // About one case in seven comes from someone who wrote before.
    const again = emails.length > 0 && random() < 0.15;
    const n = again ? Math.floor(random() * emails.length) : emails.length;
    if (!again) emails.push(`requester-${n}@example.com`);
    const email = emails[n]!;
    const known = requesters.get(email) ?? { version: 0, recent: [] };
    const now = o.at;
    const amount = ['gifts_coins', 'refund', 'payment_dispute', 'unauthorized_charge', 'payout'].includes(category) ? Math.round((1 + random() * random() * 400) * 100) / 100 : undefined;
    const opened = openCase(
      {
        channel,
        requester: { email, name: o.hostile ? HOSTILE_NAMES[i % HOSTILE_NAMES.length]! : NAMES[n % NAMES.length]!, ...(tier && { userId: `user-${n}` }) },
        subject: o.hostile ? HOSTILE_SUBJECTS[i % HOSTILE_SUBJECTS.length]! : subject,
        message,
        // Most inquiries come through the form with a category picked; email ones are classified from the text.
        ...(channel === 'web' && { categoryHint: category }),
        ...(amount !== undefined && { amount, currency: 'USD' }),
      },
      {
        caseId: newCaseId(),
        reference: newReference(),
        now,
        ...(tier && { profile: { userId: `user-${n}`, tier, lifetimeSpend: tier === 'top' ? 25_000 : 200 } }),
        priorComplaints: known.recent,
        policies,
      },
    );
    const recent = rememberComplaint(
      known.recent,
      { caseId: opened.record.caseId, reference: opened.record.reference, category: opened.record.category, openedAt: opened.record.openedAt },
      now,
      policies.triage.repeatComplaints.windowDays,
    );
    requesters.set(email, { version: known.version + 1, recent });

    const changes: Change[] = [];
    let current = opened.record;
    let at = now.getTime();
    const agent = AGENTS[Math.floor(random() * AGENTS.length)]!;
    const step = (minutes: number, make: (record: CaseRecord, when: Date) => Change): boolean => {
      at += minutes * 60_000;
      if (at > until || total + 1 + changes.length >= maxEvents) return false;
      let change: Change;
      try {
        change = make(current, new Date(at));
      } catch (error) {
        if (error instanceof NoChange) return false;
        throw error;
      }
      changes.push(change);
      current = change.record;
      return true;
    };
    // Critical cases page the risk team at once; a lead usually acknowledges within minutes.
    const paged = step(0.05, (r, when) => pageRiskTeam(r, when) ?? noChange(r));
    if (paged && current.escalation?.status === 'active') {
      const id = current.escalation.id;
      step(0.05, (r, when) => recordEscalationStep(r, id, { tier: 'risk' }, when) ?? noChange(r));
      if (random() < 0.9) step(2 + random() * 20, (r, when) => applyAgentAction(r, { type: 'acknowledge' }, LEAD, when, policies.sla, NO_FOUR_EYES));
    }
    const firstResponseMinutes = 3 + random() * random() * 720;
    const acted =
      random() < 0.88 &&
      (random() < 0.18
        ? step(firstResponseMinutes, (r, when) => applyAgentAction(r, { type: 'request-info', message: 'Could you send the receipt?' }, agent, when, policies.sla, NO_FOUR_EYES)) &&
          (random() < 0.6
            ? step(20 + random() * 900, (r, when) => applyRequesterReply(r, { email, subject: `Re: ${r.subject}`, message: 'Here it is.', attachments: [] }, when, policies.sla, NO_FOUR_EYES))
            : true)
        : step(firstResponseMinutes, (r, when) => applyAgentAction(r, { type: 'reply', message: 'We are looking into it.' }, agent, when, policies.sla, NO_FOUR_EYES)));
    if (acted && current.status === 'investigating' && current.escalation?.status !== 'active' && random() < 0.04) {
      step(10 + random() * 240, (r, when) => applyAgentAction(r, { type: 'escalate', reason: 'needs a specialist' }, agent, when, policies.sla, NO_FOUR_EYES));
      const id = current.escalation?.id;
      if (id) step(0.05, (r, when) => recordEscalationStep(r, id, { tier: 'L1' }, when) ?? noChange(r));
      if (id && random() < 0.8) step(5 + random() * 60, (r, when) => applyAgentAction(r, { type: 'acknowledge' }, LEAD, when, policies.sla, NO_FOUR_EYES));
    }
    if (acted && current.status !== 'waiting_on_user' && random() < 0.72) {
      step(30 + random() * random() * 4_000, (r, when) => applyAgentAction(r, { type: 'resolve', outcome: weighted(random, OUTCOME_WEIGHTS) }, agent, when, policies.sla, NO_FOUR_EYES));
    }
    histories.push({ opened, requesterVersion: known.version, recent, changes });
    total += 1 + changes.length;
  }
  const events = histories
    .flatMap((h) => [h.opened.event, ...h.changes.map((c) => c.event)])
    .sort((a, b) => a.at.localeCompare(b.at) || a.caseId.localeCompare(b.caseId) || a.version - b.version);
  return { histories, events };
}

/** Stores the cases as the API and workflows would: createCase, then one saveChange per change. */
export async function writeCases(store: DynamoCaseStore, histories: readonly CaseHistory[], concurrency = 12): Promise<void> {
  // A requester's summary item is versioned: that requester's cases go in order, other requesters in parallel.
  const byRequester = new Map<string, CaseHistory[]>();
  for (const h of histories) {
    const email = h.opened.record.requester.email;
    byRequester.set(email, [...(byRequester.get(email) ?? []), h]);
  }
  await inPool([...byRequester.values()], concurrency, async (list) => {
    for (const h of list) {
      const { record, event } = h.opened;
      const created = await store.createCase({
        record,
        event,
        idempotency: { key: `bench:${record.caseId}`, fingerprint: record.caseId, expiresAt: Math.floor(Date.parse(record.openedAt) / 1000) + 86_400 },
        requesterVersion: h.requesterVersion,
        recent: h.recent,
        messageIds: [],
      });
      if (created.kind !== 'created') throw new Error(`case ${record.caseId} not created: ${JSON.stringify(created)}`);
      for (const change of h.changes) {
        const saved = await store.saveChange(change);
        if (saved.kind !== 'saved') throw new Error(`case ${record.caseId} v${change.record.version} not saved: ${JSON.stringify(saved)}`);
      }
    }
  });
}

export function aggregateDeps(db: ReportingDb, reportingTable: string, clock: Clock = { now: () => new Date() }): AggregateDeps {
  return {
    cases: new DynamoCaseStore(db.casesTable, undefined, db.client),
    reporting: new DynamoReportingStore(reportingTable, db.client),
    clock,
    policy: reportingPolicy,
    policies,
    newCaseId,
    newReference,
    metrics: { count: () => undefined }, // the bench measures counting, not CloudWatch
  };
}

/** Feeds `events` through the aggregator in stream-sized batches, one batch after the other (as one shard is). */
export async function aggregateInBatches(deps: AggregateDeps, events: readonly CaseEvent[], coalesce = true): Promise<{ applied: number; skipped: number; writes: number; incidents: string[] }> {
  const total = { applied: 0, skipped: 0, writes: 0, incidents: [] as string[] };
  for (let i = 0; i < events.length; i += STREAM_BATCH) {
    const batch = events.slice(i, i + STREAM_BATCH);
    const r = await (coalesce ? aggregateEvents(deps, batch) : aggregatePerRecord(deps, batch));
    total.applied += r.applied;
    total.skipped += r.skipped;
    total.writes += r.writes;
    total.incidents.push(...r.incidents);
  }
  return total;
}

// ── aggregation: coalesced vs one transaction per event ──────────────────────────────────────────────

type Snapshot = Map<string, Record<string, unknown>>;

/** What the wall clock decides (a watermark's expiry, when an incident was detected), not the counting. */
const CLOCK_ATTRIBUTES = ['expiresAt', 'detectedAt'];

/**
 * Every item of a reporting table by its table key, whatever the layout: two aggregations of the same
 * events must leave the same items (counts, listings, watermarks, incidents) but for CLOCK_ATTRIBUTES.
 */
async function aggregateSnapshot(db: ReportingDb, table: string): Promise<Snapshot> {
  const items: Snapshot = new Map();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await db.client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    for (const raw of page.Items ?? []) {
      const { pk, sk, ...rest } = unmarshall(raw) as { pk: string; sk: string } & Record<string, unknown>;
      for (const name of CLOCK_ATTRIBUTES) delete rest[name];
      items.set(`${pk}|${sk}`, rest);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * Identical aggregates: the same items with the same attributes; counts equal exactly. Minute sums
 * (fractions) may differ by float noise below the 1e-6 the domain rounds sums to (counters.ts
 * addCounters): the coalesced path adds a chunk's fractions in plain floating point before it writes.
 */
function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number' && !(Number.isInteger(a) && Number.isInteger(b))) return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a));
  return a === b;
}

function assertSameAggregates(coalesced: Snapshot, perRecord: Snapshot, what: string): void {
  const show = (v: Record<string, unknown> | undefined) => (v ? JSON.stringify(Object.fromEntries(Object.entries(v).sort(([x], [y]) => x.localeCompare(y)))) : '(missing)');
  for (const [key, a] of coalesced) {
    const b = perRecord.get(key);
    const names = new Set([...Object.keys(a), ...Object.keys(b ?? {})]);
    if (!b || [...names].some((n) => !sameValue(a[n], b[n]))) {
      throw new Error(`${what}: coalesced and per-event aggregation disagree on ${key}:\n  coalesced  ${show(a)}\n  per event  ${show(b)}`);
    }
  }
  for (const key of perRecord.keys()) if (!coalesced.has(key)) throw new Error(`${what}: ${key} exists only after per-event aggregation`);
}

/** Cases counted as opened on the days of `events`, read through the port. */
async function openedIn(db: ReportingDb, table: string, events: readonly CaseEvent[]): Promise<number> {
  const days = [...new Set(events.map((e) => dayKey(e.at, reportingPolicy.timeZone)))];
  const rows = await new DynamoReportingStore(table, db.client).dayAggregates(days);
  return rows.reduce((n, r) => n + (r.counters.opened ?? 0), 0);
}

/**
 * How long the generated cases' openings are spread over. A stream hands the aggregator full batches of
 * 100 only when it is busy: 5,000 events opened over 6 h is ~300 cases/h (the expected peak is ~2,100/h,
 * shards.ts), so a batch spans minutes, not hours. Sparser streams coalesce less (see the report).
 */
export const DEFAULT_WINDOW_HOURS = 6;

/**
 * The surge baseline a running system has: each category's openings per hour, as in the generated
 * stream, on each of the previous days. Without it every busy hour of a fresh table looks like a surge.
 */
function trendHistory(events: readonly CaseEvent[]): CountChange[] {
  const perHour = new Map<string, { category: string; hour: string; opened: number }>();
  for (const e of events) {
    if (e.type !== 'case.opened') continue;
    const category = String(e.data.category);
    const hour = hourKey(e.at, reportingPolicy.timeZone);
    const entry = perHour.get(`${category}|${hour}`) ?? { category, hour, opened: 0 };
    entry.opened++;
    perHour.set(`${category}|${hour}`, entry);
  }
  return [...perHour.values()].flatMap(({ category, hour, opened }) =>
    sameHourPreviousDays(hour, reportingPolicy.surge.baselineDays).map((h): CountChange => ({ kind: 'opened-in-hour', category, hour: h, opened })),
  );
}

/**
 * Records/s through the aggregator, coalesced and one transaction per event, over the same `events`
 * events of generated cases (opened over the last `windowHours`, stored in the cases table first), fed
 * in stream batches of 100. Each run writes into a fresh reporting table (with the surge baseline of
 * earlier days); the order of the two modes alternates across repeats, after a warm-up of both.
 * Throws unless both leave identical aggregates.
 */
export async function aggregationThroughput(opts: { events: number; repeats: number; windowHours?: number }): Promise<{ coalesced: Stats; perRecord: Stats; ratio: number }> {
  if (!(opts.events >= STREAM_BATCH) || !(opts.repeats >= 1)) throw new RangeError('events must be ≥ 100 and repeats ≥ 1');
  const windowHours = opts.windowHours ?? DEFAULT_WINDOW_HOURS;
  const db = await startReportingDb();
  try {
    const now = new Date();
    const from = now.getTime() - windowHours * 3_600_000;
    // Just enough cases, spread over the window, for exactly `events` events (generation stops there).
    const spread = (count: number) => {
      const random = seededRandom(7);
      const openings = Array.from({ length: count }, (_, i) => ({ at: new Date(from + ((i + random()) / count) * (now.getTime() - from)) }));
      return generateCases(openings, { until: now, seed: 11, maxEvents: opts.events });
    };
    let generated = spread(opts.events);
    generated = spread(generated.histories.length);
    for (let attempt = 0; generated.events.length < opts.events; attempt++) {
      if (attempt > 20) throw new Error(`could not generate ${opts.events} events`);
      generated = spread(Math.ceil(generated.histories.length * (opts.events / generated.events.length) * 1.02) + 1);
    }
    const { histories, events } = generated;
    await writeCases(new DynamoCaseStore(db.casesTable, undefined, db.client), histories);
    const cases = histories.length;

    let tableNo = 0;
    const history = trendHistory(events);
    const run = async (coalesce: boolean, list: readonly CaseEvent[]) => {
      const table = await createReportingTable(db, `bench-aggregates-${++tableNo}`);
      const deps = aggregateDeps(db, table);
      for (let i = 0; i < history.length; i += 100) await deps.reporting.applyCounts(history.slice(i, i + 100), []);
      const t0 = performance.now();
      const result = await aggregateInBatches(deps, list, coalesce);
      const ms = performance.now() - t0;
      if (result.applied !== list.length || result.skipped !== 0) throw new Error(`aggregation applied ${result.applied} and skipped ${result.skipped} of ${list.length} events`);
      return { table, recordsPerSecond: (list.length / ms) * 1000 };
    };
    const compare = async (label: string, list: readonly CaseEvent[], order: boolean[]) => {
      const out: Record<'coalesced' | 'perRecord', number> = { coalesced: 0, perRecord: 0 };
      const tables: Partial<Record<'coalesced' | 'perRecord', string>> = {};
      for (const coalesce of order) {
        const r = await run(coalesce, list);
        const mode = coalesce ? 'coalesced' : 'perRecord';
        out[mode] = r.recordsPerSecond;
        if (process.env.BENCH_VERBOSE) console.error(`  ${label} ${mode}: ${Math.round(r.recordsPerSecond)} records/s`);
        tables[mode] = r.table;
      }
      const [a, b] = await Promise.all([aggregateSnapshot(db, tables.coalesced!), aggregateSnapshot(db, tables.perRecord!)]);
      assertSameAggregates(a, b, label);
      const opened = new Set(list.filter((e) => e.type === 'case.opened').map((e) => e.caseId)).size;
      const counted = await openedIn(db, tables.coalesced!, list);
      if (counted !== opened) throw new Error(`${label}: aggregates count ${counted} opened cases, the events ${opened}`);
      await Promise.all([dropTable(db, tables.coalesced!), dropTable(db, tables.perRecord!)]);
      return out;
    };

    // Warm-up (JIT, connections, DynamoDB Local's own warm-up) on the first fifth of the stream, both modes.
    await compare('warm-up', events.slice(0, Math.max(STREAM_BATCH, Math.floor(events.length / 5))), [true, false]);
    const coalesced: number[] = [];
    const perRecord: number[] = [];
    for (let i = 0; i < opts.repeats; i++) {
      const r = await compare(`repeat ${i + 1}`, events, i % 2 === 0 ? [true, false] : [false, true]);
      coalesced.push(r.coalesced);
      perRecord.push(r.perRecord);
    }
    const c = statsOf(coalesced);
    const p = statsOf(perRecord);
    if (process.env.BENCH_VERBOSE) console.error(`aggregationThroughput: ${events.length} events of ${cases} cases opened over ${windowHours} h`);
    return { coalesced: c, perRecord: p, ratio: c.median / p.median };
  } finally {
    await db.stop();
  }
}

// ── report build time by volume ──────────────────────────────────────────────────────────────────────

const PRIORITY_SHARE: Record<string, number> = { P1: 0.04, P2: 0.21, P3: 0.45, P4: 0.3 };
const REQUESTER_CHANNELS = CHANNEL_WEIGHTS.map(([c]) => c);
const CHANNEL_SHARE = Object.fromEntries(CHANNEL_WEIGHTS.map(([c, w]) => [c, w / 10])) as Record<string, number>;
const CATEGORY_TOTAL = CATEGORY_WEIGHTS.reduce((s, [, w]) => s + w, 0);
/** Share of a day's cases opened in each local hour: quiet at night, busiest in the evening. */
const HOUR_SHARE = (() => {
  const raw = Array.from({ length: 24 }, (_, h) => 0.4 + Math.sin(((h - 9) / 24) * 2 * Math.PI) ** 2 + (h >= 18 && h <= 23 ? 0.6 : 0));
  const sum = raw.reduce((s, x) => s + x, 0);
  return raw.map((x) => x / sum);
})();

/** The counters a row of `n` opened cases holds: every kind the aggregator writes, scaled with n. */
function rowCounters(n: number, category: string): Counters {
  const r = (share: number) => Math.round(n * share);
  const firstResponses = r(0.9);
  const frWithin = Math.round(firstResponses * 0.87);
  const resolved = r(0.78);
  const rsWithin = Math.round(resolved * 0.9);
  const c: Counters = {
    opened: n,
    opened_repeat: r(0.12),
    opened_top_consumer: r(0.03),
    opened_safety_critical: category === 'safety' ? r(0.3) : 0,
    first_responses: firstResponses,
    first_response_minutes_sum: Math.round(firstResponses * 47.25 * 100) / 100,
    first_response_within_sla: frWithin,
    first_response_breached: firstResponses - frWithin,
    resolved,
    resolved_resolved: Math.round(resolved * 0.7),
    resolved_false_positive: Math.round(resolved * 0.14),
    resolved_confirmed_risk: Math.round(resolved * 0.1),
    resolved_duplicate: resolved - Math.round(resolved * 0.7) - Math.round(resolved * 0.14) - Math.round(resolved * 0.1),
    resolution_minutes_sum: Math.round(resolved * 1_310.5 * 100) / 100,
    resolution_within_sla: rsWithin,
    resolution_breached: resolved - rsWithin,
    sla_warning_first_response: r(0.14),
    sla_warning_resolution: r(0.09),
    sla_breach_first_response: r(0.1),
    sla_breach_resolution: r(0.08),
    escalations_started: r(0.07),
    escalations_L1: r(0.06),
    escalations_L2: r(0.025),
    escalations_risk: r(0.012),
    acknowledged: r(0.055),
    unacknowledged: r(0.004),
    reopened: r(0.04),
    closed: r(0.7),
    priority_changed: r(0.03),
  };
  // Cumulative histograms ("le" buckets) of exponential-ish response and resolution times.
  for (const edge of reportingPolicy.histogramEdges) {
    c[histogramCounter('frt', edge)] = Math.round(firstResponses * (1 - Math.exp(-edge / 45)));
    c[histogramCounter('rt', edge)] = Math.round(resolved * (1 - Math.exp(-edge / 1_300)));
  }
  c[histogramCounter('frt', 'inf')] = firstResponses;
  c[histogramCounter('rt', 'inf')] = resolved;
  return withoutZeros(c);
}

/**
 * The aggregate items `cases` cases a week produce: day rows for every category × priority × channel
 * of the report's week and the week before (at least 1 case each, so every volume has the same rows),
 * hour rows of the report's week, the backlog by opening day, and the trend hours the report reads.
 */
function weekOfAggregates(cases: number, weeks: readonly string[][], trendHours: readonly string[]): CountChange[] {
  const updates: CountChange[] = [];
  for (const [w, days] of weeks.entries()) {
    for (const day of days) {
      for (const [category, weight] of CATEGORY_WEIGHTS) {
        for (const priority of Object.keys(PRIORITY_SHARE)) {
          for (const channel of REQUESTER_CHANNELS) {
            const perDay = (cases / days.length) * (weight / CATEGORY_TOTAL) * PRIORITY_SHARE[priority]! * CHANNEL_SHARE[channel]!;
            const dims = { category, priority, channel };
            updates.push({ kind: 'aggregate', key: { granularity: 'day', period: day, ...dims }, shard: 0, counters: rowCounters(Math.max(1, Math.round(perDay)), category) });
            // Hour rows of the report's week (the report reads none; they make the table as big as it gets).
            if (w > 0) continue;
            HOUR_SHARE.forEach((share, h) => {
              const hour = `${day}T${String(h).padStart(2, '0')}`;
              updates.push({ kind: 'aggregate', key: { granularity: 'hour', period: hour, ...dims }, shard: 0, counters: rowCounters(Math.max(1, Math.round(perDay * share)), category) });
            });
          }
        }
      }
    }
  }
  // Still open: a share of each day's cases, more of the recent days'.
  const allDays = weeks.flat();
  allDays.forEach((openedDay, i) => {
    for (const [category, weight] of CATEGORY_WEIGHTS) {
      for (const channel of REQUESTER_CHANNELS) {
        const open = (cases / 7) * (weight / CATEGORY_TOTAL) * CHANNEL_SHARE[channel]! * (0.02 + (0.3 * (i + 1)) / allDays.length);
        updates.push({ kind: 'backlog', key: { openedDay, category, channel }, shard: 0, counters: { open: Math.max(1, Math.round(open)) } });
      }
    }
  });
  for (const [category, weight] of CATEGORY_WEIGHTS) {
    for (const hour of trendHours) {
      updates.push({ kind: 'opened-in-hour', category, hour, opened: Math.max(1, Math.round(((cases / 7) * weight) / CATEGORY_TOTAL / 24)) });
    }
  }
  return updates;
}

/** Day rows of a week: 7 days × categories × priorities × requester channels. */
const ROWS_PER_WEEK = 7 * CATEGORY_WEIGHTS.length * Object.keys(PRIORITY_SHARE).length * REQUESTER_CHANNELS.length;

/** No agent records: the per-agent rows are named by agent id. */
export const noAgents = { listAgents: async () => [] };

const noMail: Mailer = {
  send: () => Promise.reject(new Error('the benchmark sends no email')),
};

/**
 * Milliseconds to build the weekly report (reportFor + HTML, text and CSV) from a reporting table filled
 * for each of `cases` cases per week: same rows, numbers scaled. Median of `repeats` after a warm-up.
 */
export async function reportBuildTime(opts: { cases: number[]; repeats: number }): Promise<{ cases: number; stats: Stats }[]> {
  if (!(opts.repeats >= 1) || opts.cases.some((n) => !(n >= 1))) throw new RangeError('repeats and case counts must be ≥ 1');
  const db = await startReportingDb();
  try {
    const now = new Date();
    const clock: Clock = { now: () => now };
    const tz = reportingPolicy.timeZone;
    const period = lastCompletePeriod('weekly', now, tz);
    const weeks = [periodDays('weekly', period), periodDays('weekly', previousPeriod('weekly', period))];
    const lastHour = hourKey(new Date(now.getTime() - 3_600_000), tz);
    const trendHours = [lastHour, ...sameHourPreviousDays(lastHour, reportingPolicy.surge.baselineDays)];
    const cases = new DynamoCaseStore(db.casesTable, undefined, db.client);
    const volumes: { cases: number; table: string; build: () => Promise<number>; times: number[] }[] = [];
    for (const [i, count] of opts.cases.entries()) {
      const table = await createReportingTable(db, `bench-report-${i + 1}-${count}`);
      const reporting = new DynamoReportingStore(table, db.client);
      const updates = weekOfAggregates(count, weeks, trendHours);
      const chunks = Array.from({ length: Math.ceil(updates.length / 100) }, (_, i) => updates.slice(i * 100, i * 100 + 100));
      await inPool(chunks, 4, (chunk) => reporting.applyCounts(chunk, []));
      const deps: ReportDeps = { reporting, cases, agents: noAgents, mailer: noMail, clock, policy: reportingPolicy };
      const build = async () => {
        const t0 = performance.now();
        const report = await reportFor(deps, 'weekly', period);
        const size = renderHtml(report).length + renderText(report).length + renderCsv(report).length;
        const ms = performance.now() - t0;
        if (size === 0 || report.byCategory.length !== CATEGORY_WEIGHTS.length) throw new Error(`the report of ${count} cases is missing categories`);
        // Each row holds at least one case, which adds a little at low volume; more means the fill is wrong.
        const opened = report.headline.opened.current ?? 0;
        if (Math.abs(opened - count) > count * 0.1 + ROWS_PER_WEEK) throw new Error(`the report of ${count} cases counts ${opened} opened`);
        return ms;
      };
      volumes.push({ cases: count, table, build, times: [] });
    }
    // Warm-up on every table, then the volumes take turns (in alternating order) so that neither is favoured.
    for (const v of volumes) for (let i = 0; i < 2; i++) await v.build();
    for (let r = 0; r < opts.repeats; r++) {
      for (const v of r % 2 === 0 ? volumes : [...volumes].reverse()) v.times.push(await v.build());
    }
    await Promise.all(volumes.map((v) => dropTable(db, v.table)));
    return volumes.map((v) => ({ cases: v.cases, stats: statsOf(v.times) }));
  } finally {
    await db.stop();
  }
}
