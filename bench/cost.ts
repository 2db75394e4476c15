// What trustdesk costs on AWS per inquiry, at list prices: a pure model (no I/O, no clock).
//
//   costPer(usage, inquiries)  — dollars for `inquiries` inquiries of a given per-inquiry usage, line by line
//   typicalUsage(figures)      — the per-inquiry usage of this design, counted operation by operation from
//                                functions/ and workflows/, with the state transitions measured by the bench
//
// Prices: us-east-1 list prices as published on each service's pricing page, without free tiers, savings
// plans or volume tiers beyond the first. They are the prices as the author knew them in early 2025
// (PRICES_AS_OF); they were not re-read for this commit. Check every one against its page before
// budgeting with these numbers.

import { TRACE_FIXED_RATE, TRACE_RESERVOIR_PER_SECOND } from '../infra/constructs/tracing.ts';

/** When the prices below were taken (see the note above: check them before relying on them). */
export const PRICES_AS_OF = '2025-01';

/** AWS Step Functions pricing, Standard workflows: $0.025 per 1,000 state transitions. */
export const SFN_STANDARD_USD_PER_1K_TRANSITIONS = 0.025;
/** AWS Lambda pricing, Arm (arm64) duration: $0.0000133334 per GB-second (first 7.5 billion GB-s a month). */
export const LAMBDA_ARM_USD_PER_GB_SECOND = 0.0000133334;
/** AWS Lambda pricing, requests: $0.20 per 1M requests (both architectures). */
export const LAMBDA_USD_PER_1M_REQUESTS = 0.2;
/** Amazon DynamoDB pricing, on-demand: $0.625 per million write request units (halved on 2024-11-01 from $1.25). */
export const DYNAMODB_USD_PER_1M_WRU = 0.625;
/** Amazon DynamoDB pricing, on-demand: $0.125 per million read request units (halved on 2024-11-01 from $0.25). */
export const DYNAMODB_USD_PER_1M_RRU = 0.125;
/**
 * Amazon DynamoDB pricing, DynamoDB Streams: $0.02 per 100,000 read request units — but "GetRecords API
 * calls invoked by AWS Lambda as part of DynamoDB triggers are free". Every reader of our stream is a
 * Lambda trigger, so stream reads cost nothing here; the constant prices reads by anything else.
 */
export const DYNAMODB_STREAMS_USD_PER_100K_READS = 0.02;
/** Amazon SES pricing, outbound email: $0.10 per 1,000 emails sent. */
export const SES_USD_PER_1K_EMAILS_SENT = 0.1;
/** Amazon SES pricing, inbound email: $0.10 per 1,000 emails received. */
export const SES_USD_PER_1K_EMAILS_RECEIVED = 0.1;
/** Amazon SES pricing, inbound email: $0.09 per 1,000 incoming mail chunks (256 KB each). */
export const SES_USD_PER_1K_INCOMING_CHUNKS = 0.09;
/** Amazon API Gateway pricing, REST APIs: $3.50 per million requests (first 333 million a month). */
export const API_GATEWAY_REST_USD_PER_1M_REQUESTS = 3.5;
/** AWS Key Management Service pricing: $0.03 per 10,000 requests (the $1/month per key is fixed, not per inquiry). */
export const KMS_USD_PER_10K_REQUESTS = 0.03;
/** AWS X-Ray pricing: $5.00 per million traces recorded. */
export const XRAY_USD_PER_1M_TRACES_RECORDED = 5;
/** Amazon CloudWatch pricing, Logs (Standard class): $0.50 per GB ingested. */
export const CLOUDWATCH_LOGS_USD_PER_GB_INGESTED = 0.5;
/** Amazon S3 pricing, S3 Standard: $0.005 per 1,000 PUT requests. */
export const S3_USD_PER_1K_PUT = 0.005;
/** Amazon S3 pricing, S3 Standard: $0.0004 per 1,000 GET requests. */
export const S3_USD_PER_1K_GET = 0.0004;

/**
 * The emails the lifecycle issue (#3) requires of every typical case — the acknowledgement, the agent's
 * reply, the resolution and the auto-close notice — before any escalation or warning email.
 */
export const REQUIRED_EMAILS_PER_TYPICAL_CASE = 4;

/** What those required emails alone cost at SES list price: a floor under any design that meets #3. */
export function requiredEmailFloor(inquiries: number): number {
  return ((checkCount('inquiries', inquiries) * REQUIRED_EMAILS_PER_TYPICAL_CASE) / 1000) * SES_USD_PER_1K_EMAILS_SENT;
}

export interface LambdaUsage {
  /** Invocations per inquiry. */
  invocations: number;
  /** Average billed duration per invocation, ms (cold starts' init time amortized in). */
  avgDurationMs: number;
  /** Configured memory (infra/constructs/*.ts; every function is arm64). */
  memoryMb: number;
}

/** What one inquiry uses over its case's whole life, on average. Every number is per inquiry. */
export interface Usage {
  /** Step Functions Standard state transitions, both state machines. */
  stateTransitions: number;
  /** Per function, keyed by its folder under functions/. */
  lambda: Record<string, LambdaUsage>;
  /** DynamoDB on-demand write request units, transactional doubling and GSI writes included. */
  writeRequestUnits: number;
  /** DynamoDB on-demand read request units (strongly consistent 1 per 4 KB, eventually consistent 0.5). */
  readRequestUnits: number;
  /** Stream GetRecords calls made by Lambda triggers: free, counted so the line shows they were considered. */
  streamReadRequests?: number;
  /** Stream read request units by anything that is not a Lambda trigger (none in this design). */
  paidStreamReadRequests?: number;
  sesEmailsSent: number;
  sesEmailsReceived?: number;
  sesIncomingChunks?: number;
  /** API Gateway REST requests (public intake and the agent API). */
  apiRequests: number;
  kmsRequests?: number;
  xrayTracesRecorded?: number;
  cloudWatchLogsGb?: number;
  s3Puts?: number;
  s3Gets?: number;
}

export interface CostLine {
  item: string;
  usd: number;
}

function checkCount(name: string, value: number | undefined): number {
  const v = value ?? 0;
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be a finite number ≥ 0, got ${value}`);
  return v;
}

/** US dollars for `inquiries` inquiries at the list prices above; `total` is the sum of the lines. */
export function costPer(usage: Usage, inquiries: number): { lines: CostLine[]; total: number } {
  const n = checkCount('inquiries', inquiries);
  const per = (name: string, value: number | undefined) => checkCount(name, value) * n;
  const lines: CostLine[] = [];
  const add = (item: string, usd: number) => lines.push({ item, usd });

  add('Step Functions Standard: state transitions', (per('stateTransitions', usage.stateTransitions) / 1000) * SFN_STANDARD_USD_PER_1K_TRANSITIONS);

  let requests = 0;
  const compute: CostLine[] = [];
  for (const [name, fn] of Object.entries(usage.lambda)) {
    const invocations = per(`lambda.${name}.invocations`, fn.invocations);
    const seconds = checkCount(`lambda.${name}.avgDurationMs`, fn.avgDurationMs) / 1000;
    const gb = checkCount(`lambda.${name}.memoryMb`, fn.memoryMb) / 1024;
    requests += invocations;
    compute.push({ item: `Lambda: compute, ${name} (arm64, ${fn.memoryMb} MB)`, usd: invocations * seconds * gb * LAMBDA_ARM_USD_PER_GB_SECOND });
  }
  add('Lambda: requests', (requests / 1e6) * LAMBDA_USD_PER_1M_REQUESTS);
  lines.push(...compute);

  add('DynamoDB on-demand: write request units', (per('writeRequestUnits', usage.writeRequestUnits) / 1e6) * DYNAMODB_USD_PER_1M_WRU);
  add('DynamoDB on-demand: read request units', (per('readRequestUnits', usage.readRequestUnits) / 1e6) * DYNAMODB_USD_PER_1M_RRU);
  // Reads by Lambda triggers are free: the request count is validated and deliberately priced at $0.
  per('streamReadRequests', usage.streamReadRequests);
  add('DynamoDB Streams: GetRecords by Lambda triggers (free)', 0);
  if (usage.paidStreamReadRequests !== undefined) {
    add('DynamoDB Streams: reads by other consumers', (per('paidStreamReadRequests', usage.paidStreamReadRequests) / 100_000) * DYNAMODB_STREAMS_USD_PER_100K_READS);
  }

  add('SES: emails sent', (per('sesEmailsSent', usage.sesEmailsSent) / 1000) * SES_USD_PER_1K_EMAILS_SENT);
  if (usage.sesEmailsReceived !== undefined || usage.sesIncomingChunks !== undefined) {
    add(
      'SES: emails received (per email and per 256 KB chunk)',
      (per('sesEmailsReceived', usage.sesEmailsReceived) / 1000) * SES_USD_PER_1K_EMAILS_RECEIVED +
        (per('sesIncomingChunks', usage.sesIncomingChunks) / 1000) * SES_USD_PER_1K_INCOMING_CHUNKS,
    );
  }
  add('API Gateway REST: requests', (per('apiRequests', usage.apiRequests) / 1e6) * API_GATEWAY_REST_USD_PER_1M_REQUESTS);
  if (usage.s3Puts !== undefined || usage.s3Gets !== undefined) {
    add('S3: requests (raw inbound mail)', (per('s3Puts', usage.s3Puts) / 1000) * S3_USD_PER_1K_PUT + (per('s3Gets', usage.s3Gets) / 1000) * S3_USD_PER_1K_GET);
  }
  if (usage.kmsRequests !== undefined) add('KMS: requests (DynamoDB table keys)', (per('kmsRequests', usage.kmsRequests) / 10_000) * KMS_USD_PER_10K_REQUESTS);
  if (usage.xrayTracesRecorded !== undefined) add('X-Ray: traces recorded', (per('xrayTracesRecorded', usage.xrayTracesRecorded) / 1e6) * XRAY_USD_PER_1M_TRACES_RECORDED);
  if (usage.cloudWatchLogsGb !== undefined) add('CloudWatch Logs: ingestion', per('cloudWatchLogsGb', usage.cloudWatchLogsGb) * CLOUDWATCH_LOGS_USD_PER_GB_INGESTED);

  return { lines, total: lines.reduce((sum, line) => sum + line.usd, 0) };
}

// ── the design, counted ────────────────────────────────────────────────────────────────────────────
//
// Sizes as DynamoDB bills them: a write costs 1 WRU per started KB of the item (2 inside a transaction),
// a strongly consistent read 1 RRU per started 4 KB (0.5 eventually consistent). Sizes were measured
// with the domain code on the bench inquiry (an 80-character message): case item 1.17 KB (1.48 KB with a
// 400-character message; the test re-measures it), case.opened event 0.51 KB, agent.replied event
// 0.31 KB, idempotency 0.27 KB, requester summary 0.19 KB, notice 0.21 KB, a wait item 0.93 KB with an
// 800-character task token. Messages near the 32 KiB body limit make every case write proportionally
// dearer; this model is for typical messages.

/** Started KB of each item kind, as billed. */
export const ITEM_KB = {
  /** The case item (CASE#id/CASE): 1.2–1.5 KB with typical messages. */
  case: 2,
  event: 1,
  idempotency: 1,
  reference: 1,
  requester: 1,
  /** MSGID#… items written with an email case (one per Message-ID). */
  messageId: 1,
  /** WAIT#… items hold a task token; AWS tokens run to about 1 KB, so 2 KB is the safe count. */
  wait: 2,
  notice: 1,
  /** Day/hour aggregate items hold up to ~45 counters, ~1.2 KB (domain/reporting/shards.ts). */
  aggregate: 2,
  /** Trend, backlog and watermark items: a few attributes. */
  small: 1,
} as const;

/** Transactional writes (TransactWriteItems) cost 2 WRU per KB per item. */
const TXN = 2;
/**
 * Both GSIs (byOpened, byRequester) project ALL attributes (CDK's default), so every write of a case
 * item is also one standard write of ITEM_KB.case in each index.
 */
const GSI_WRU_PER_CASE_WRITE = 2 * ITEM_KB.case;
/** One strongly consistent read of the case item (≤ 4 KB). */
const CASE_READ_RRU = 1;

/** Agent API calls per case besides its actions (assumption, not measured). */
export const AGENT_CASE_VIEWS_PER_CASE = 2; // GET /cases/{id} before each action: a Query over the case's items, ~6 KB → 2 RRU
export const AGENT_LIST_PAGES_PER_CASE = 1; // GET /cases pages, amortized: 25 items × 2 KB on the GSI, eventually consistent → 6.5 RRU
const CASE_VIEW_RRU = 2;
const LIST_PAGE_RRU = (25 * ITEM_KB.case * 1024) / 4096 / 2;

/**
 * At normal volume the aggregator's 5-s batching window closes with few events in it: 50k cases/day ×
 * ~4.3 events = 215k events/day over 4 shards × 17,280 windows/day ≈ 3 events per invocation.
 */
export const AGGREGATOR_EVENTS_PER_INVOCATION = 3;
/** Lambda polls each stream shard 4 times a second per event source mapping; an on-demand table starts with ~4 partitions (shards). */
const STREAM_POLLS_PER_SECOND_PER_SHARD = 4;
const STREAM_SHARDS = 4;
const STREAM_CONSUMERS = 2; // outbox (emails and workflow signals), aggregator

/** Memory from infra/constructs (AppFunction default 512 MB; intake-email and report 1024 MB). */
export const MEMORY_MB: Record<string, number> = {
  'intake-web': 512,
  'intake-email': 1024,
  'cases-api': 512,
  'workflow-steps': 512,
  outbox: 512,
  aggregator: 512,
};

/**
 * Average billed durations (ms) on AWS, warm, with ~1% cold starts amortized in. Estimates from the calls
 * each handler makes (an in-region DynamoDB call takes ~5–10 ms, a transaction ~15–25 ms, an SES send
 * ~50–80 ms) — not measured on AWS.
 */
export const DURATION_MS = {
  intakeWeb: 60, // BatchGetItem + TransactWriteItems + ~1 ms of handler CPU
  intakeEmail: 200, // S3 GetObject + MIME parsing + the same two DynamoDB calls, at 1024 MB
  casesApi: 40, // GetItem (or Query) + TransactWriteItems for an action
  workflowStep: 40, // GetItem + PutItem (await) or + TransactWriteItems (timer, notify)
  notifyTierExtra: 80, // notify-tier also claims, sends (SES) and marks a notice
  signalsWork: 40, // StartExecution, or GetItem ×2 + SendTaskSuccess
  notifierSend: 120, // GetItem, PutItem claim, SES SendEmail, UpdateItem mark
  notifierRead: 15, // an event that needs no email: GetItem only
  streamIdle: 5, // a batch with nothing for this consumer (wait, notice, requester records)
  aggregator: 80, // BatchGetItem ×2, TransactWriteItems, surge check BatchGetItem
} as const;

/** JSON platform lines (platform.start + platform.report) per invocation, and one Powertools log line. */
const LOG_KB_PER_INVOCATION = 0.6;
const LOG_KB_PER_APP_LINE = 0.35;

/** Counts for one case, accumulated by the operations below. */
interface Tally {
  wru: number;
  rru: number;
  emails: number;
  /** Writes to the cases table; at normal volume each reaches every stream consumer as its own batch. */
  streamBatches: number;
  signalsWork: number;
  notifierSends: number;
  notifierReads: number;
  events: number;
  awaits: number;
  mutations: number;
  tierNotices: number;
  agentCalls: number;
}

const emptyTally = (): Tally => ({
  wru: 0,
  rru: 0,
  emails: 0,
  streamBatches: 0,
  signalsWork: 0,
  notifierSends: 0,
  notifierReads: 0,
  events: 0,
  awaits: 0,
  mutations: 0,
  tierNotices: 0,
  agentCalls: 0,
});

/** One appended event, as its stream consumers (outbox, aggregator) see it. */
function eventConsumed(t: Tally, e: { email: boolean; aggregateWru: number; lifecycle: boolean }): void {
  t.events += 1;
  // outbox (emails): notifyFor reads the case (1 RRU); an email is a claimed notice (PutItem), SES, and a mark
  // (UpdateItem): 2 WRU and two more writes to the stream.
  t.rru += CASE_READ_RRU;
  if (e.email) {
    t.emails += 1;
    t.notifierSends += 1;
    t.wru += 2 * ITEM_KB.notice;
    t.streamBatches += 2;
  } else {
    t.notifierReads += 1;
  }
  // aggregator: watermark + case in two consistent BatchGetItems (1 + 1 RRU), then counter updates and
  // the watermark move in one transaction. Counted without coalescing across cases (normal volume).
  t.rru += 2;
  t.wru += e.aggregateWru + TXN * ITEM_KB.small;
  // outbox (signals): a lifecycle change resumes the waiting execution: GetItem wait + GetItem case.
  if (e.lifecycle) {
    t.rru += 2;
    t.signalsWork += 1;
  }
}

/** Aggregate WRU of one event: day and hour items (transactional, 2 KB) plus small trend/backlog items. */
const aggregateWru = (bigItems: number, smallItems: number) => TXN * (bigItems * ITEM_KB.aggregate + smallItems * ITEM_KB.small);

/** submitInquiry → DynamoCaseStore.createCase: 1 BatchGetItem + 1 TransactWriteItems of 5 items. */
function openNewCase(t: Tally, channel: 'web' | 'email'): void {
  t.rru += 1 + 0.5; // requester summary (consistent) + profile (eventually consistent; counted as if every inquiry had a userId)
  t.wru += TXN * (ITEM_KB.case + ITEM_KB.event + ITEM_KB.idempotency + ITEM_KB.reference + ITEM_KB.requester) + GSI_WRU_PER_CASE_WRITE;
  if (channel === 'email') t.wru += TXN * ITEM_KB.messageId; // the message's Message-ID, for threading replies
  t.streamBatches += 1;
  t.signalsWork += 1; // StartExecution of the lifecycle (no reads)
  // case.opened: acknowledgement email; day + hour + backlog + trend aggregates.
  eventConsumed(t, { email: true, aggregateWru: aggregateWru(2, 2), lifecycle: false });
  // The surge check reads the category's hour on the previous 7 days + this one: 8 × 0.5 RRU
  // (once per category and hour per batch; counted once per new case, an upper bound).
  t.rru += 8 * 0.5;
}

/** DynamoCaseStore.saveChange: the case and its event in one transaction (plus GSI copies of the case). */
function commitChange(t: Tally, e: { email: boolean; aggregateWru: number; lifecycle: boolean }): void {
  t.wru += TXN * (ITEM_KB.case + ITEM_KB.event) + GSI_WRU_PER_CASE_WRITE;
  t.streamBatches += 1;
  eventConsumed(t, e);
}

/** A waitForTaskToken step (await / await-ack): PutItem of the token, then GetItem of the case. */
function awaitStep(t: Tally): void {
  t.awaits += 1;
  t.wru += ITEM_KB.wait;
  t.rru += CASE_READ_RRU;
  t.streamBatches += 1;
}

/** A step that changes the case (timer-expired, page-risk, notify-tier, escalation-exhausted): GetItem + saveChange. */
function mutateStep(t: Tally, e: { email: boolean; aggregateWru: number; lifecycle: boolean }): void {
  t.mutations += 1;
  t.rru += CASE_READ_RRU;
  commitChange(t, e);
}

/** POST /cases/{id}/actions: GetItem, then saveChange. */
function agentAction(t: Tally, e: { email: boolean; aggregateWru: number; lifecycle: boolean }): void {
  t.agentCalls += 1;
  t.rru += CASE_READ_RRU;
  commitChange(t, e);
}

/** open → agent reply → resolve → silence → auto-close: what bench/workflow-cost.ts measures as typical. */
function typicalCase(t: Tally, channel: 'web' | 'email'): void {
  openNewCase(t, channel);
  awaitStep(t); // Investigating: wait for an agent
  agentAction(t, { email: true, aggregateWru: aggregateWru(2, 0), lifecycle: true }); // reply (first response)
  awaitStep(t); // wait for an agent again (new deadline: resolution)
  agentAction(t, { email: true, aggregateWru: aggregateWru(2, 1), lifecycle: true }); // resolve: day, hour, backlog −1
  awaitStep(t); // Resolved: wait for silence
  mutateStep(t, { email: true, aggregateWru: aggregateWru(2, 0), lifecycle: true }); // silence → case.closed + notice
  t.agentCalls += AGENT_CASE_VIEWS_PER_CASE + AGENT_LIST_PAGES_PER_CASE;
  t.rru += AGENT_CASE_VIEWS_PER_CASE * CASE_VIEW_RRU + AGENT_LIST_PAGES_PER_CASE * LIST_PAGE_RRU;
}

/**
 * What an escalated case adds to the typical one (it still ends with a reply, a resolve and a close):
 * `lifecycleExtra` transitions of deadlines passing (each a Choice, an await and a timer step; half are
 * warnings, which email the warnings address, half breaches, which do not), and the escalation chain
 * (a Choice, then per tier a notify step that emails the tier and an await-ack, then exhausted).
 */
function escalationExtras(t: Tally, lifecycleExtra: number, chainTransitions: number): void {
  const deadlines = lifecycleExtra / 3;
  for (const [share, email] of [
    [0.5, true],
    [0.5, false],
  ] as const) {
    const k = deadlines * share;
    const before = { ...t };
    awaitStep(t);
    mutateStep(t, { email, aggregateWru: aggregateWru(2, 0), lifecycle: true });
    scaleDelta(t, before, k);
  }
  t.signalsWork += 1; // the first breach starts the escalation machine (signals tries too: ExecutionAlreadyExists)
  const tiers = Math.max(0, (chainTransitions - 2) / 2);
  const before = { ...t };
  mutateStep(t, { email: false, aggregateWru: aggregateWru(2, 0), lifecycle: false }); // escalation.notified
  t.tierNotices += 1; // notify-tier claims a notice, sends, marks it: 2 WRU, 1 email, 2 stream writes
  t.emails += 1;
  t.wru += 2 * ITEM_KB.notice;
  t.streamBatches += 2;
  awaitStep(t); // await-ack
  scaleDelta(t, before, tiers);
  // escalation.unacknowledged; signals sees the escalation end: GetItem of its wait + SendTaskSuccess.
  mutateStep(t, { email: false, aggregateWru: aggregateWru(2, 0), lifecycle: false });
  t.rru += 1;
  t.signalsWork += 1;
}

/** Multiply what happened since `before` by k (k = 1 leaves it as is): expected counts for fractional repeats. */
function scaleDelta(t: Tally, before: Tally, k: number): void {
  for (const key of Object.keys(t) as (keyof Tally)[]) t[key] = before[key] + (t[key] - before[key]) * k;
}

function mix(parts: [number, Tally][]): Tally {
  const out = emptyTally();
  for (const [weight, part] of parts) for (const key of Object.keys(out) as (keyof Tally)[]) out[key] += weight * part[key];
  return out;
}

/** Share of one function's invocations X-Ray records: 1 request a second, then 5% of the rest (Lambda's fixed default). */
function sampledShare(invocationsPerSecond: number): number {
  if (invocationsPerSecond <= 0) return 0;
  return (Math.min(1, invocationsPerSecond) + 0.05 * Math.max(0, invocationsPerSecond - 1)) / invocationsPerSecond;
}

/** Share of requests the stack's sampling rule traces: its reservoir a second, then its fixed rate. */
function ruleSampledShare(requestsPerSecond: number): number {
  if (requestsPerSecond <= 0) return 0;
  const reservoir = Math.min(TRACE_RESERVOIR_PER_SECOND, requestsPerSecond);
  return (reservoir + TRACE_FIXED_RATE * (requestsPerSecond - reservoir)) / requestsPerSecond;
}

export interface WorkflowFigures {
  /** State transitions of a typical case, both machines (the bench: open → reply → resolve → auto-close). */
  typicalTransitions: number;
  /**
   * State transitions of the bench's escalated run, lifecycle + escalation machine (open → warning →
   * breach → L1 → L2 → risk → unacknowledged; the case is still open when it is counted).
   */
  escalatedTransitions: number;
  /** Share of cases that escalate (0–1). */
  escalatedShare: number;
  /** Share of inquiries that arrive by email (0–1). Default 0.25 (assumption). */
  emailShare?: number;
  /** Transitions of the escalation chain within escalatedTransitions. Default 8: Choice + 3 × (notify + await) + exhausted. */
  escalationChainTransitions?: number;
  /** Volume the per-volume terms (X-Ray sampling, stream polls, KMS) are evaluated at. Default 50,000. */
  inquiriesPerDay?: number;
}

/**
 * Per-inquiry usage of this design. Transitions come from the bench; everything else is counted from the
 * code (see the operations above). An escalated case is the escalated run plus the typical ending (an
 * agent still replies, resolves and lets it close): escalatedTransitions + typicalTransitions − 2 (the
 * first Choice and await are in both runs).
 */
export function typicalUsage(figures: WorkflowFigures): Usage {
  const { typicalTransitions, escalatedTransitions, escalatedShare } = figures;
  const emailShare = figures.emailShare ?? 0.25;
  const chain = figures.escalationChainTransitions ?? 8;
  const perDay = figures.inquiriesPerDay ?? 50_000;
  for (const [name, v] of Object.entries({ typicalTransitions, escalatedTransitions, chain, perDay })) checkCount(name, v);
  for (const [name, v] of Object.entries({ escalatedShare, emailShare })) {
    if (!(v >= 0 && v <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${v}`);
  }
  if (chain > escalatedTransitions) throw new RangeError('escalationChainTransitions exceeds escalatedTransitions');
  const lifecycleExtra = Math.max(0, escalatedTransitions - chain - 2);

  const caseOf = (channel: 'web' | 'email', escalated: boolean): Tally => {
    const t = emptyTally();
    typicalCase(t, channel);
    if (escalated) escalationExtras(t, lifecycleExtra, chain);
    return t;
  };
  const t = mix([
    [(1 - emailShare) * (1 - escalatedShare), caseOf('web', false)],
    [(1 - emailShare) * escalatedShare, caseOf('web', true)],
    [emailShare * (1 - escalatedShare), caseOf('email', false)],
    [emailShare * escalatedShare, caseOf('email', true)],
  ]);
  const transitions = (1 - escalatedShare) * typicalTransitions + escalatedShare * (escalatedTransitions + typicalTransitions - 2);

  const steps = t.awaits + t.mutations;
  const idle = (work: number) => Math.max(0, t.streamBatches - work);
  const lambda: Record<string, LambdaUsage> = {
    'intake-web': { invocations: 1 - emailShare, avgDurationMs: DURATION_MS.intakeWeb, memoryMb: MEMORY_MB['intake-web']! },
    'intake-email': { invocations: emailShare, avgDurationMs: DURATION_MS.intakeEmail, memoryMb: MEMORY_MB['intake-email']! },
    'cases-api': { invocations: t.agentCalls, avgDurationMs: DURATION_MS.casesApi, memoryMb: MEMORY_MB['cases-api']! },
    'workflow-steps': {
      invocations: steps,
      avgDurationMs: (steps * DURATION_MS.workflowStep + t.tierNotices * DURATION_MS.notifyTierExtra) / steps,
      memoryMb: MEMORY_MB['workflow-steps']!,
    },
    // Every write to the cases table wakes each consumer once at normal volume (one record per poll);
    // most batches hold nothing for it (no event filter on the mappings) and end in a few ms.
    // The outbox handles both kinds of record (emails for events, signals for case changes) in one invocation.
    outbox: {
      invocations: t.streamBatches,
      avgDurationMs:
        (t.signalsWork * DURATION_MS.signalsWork +
          t.notifierSends * DURATION_MS.notifierSend +
          t.notifierReads * DURATION_MS.notifierRead +
          idle(t.signalsWork + t.notifierSends + t.notifierReads) * DURATION_MS.streamIdle) /
        t.streamBatches,
      memoryMb: MEMORY_MB.outbox!,
    },
    aggregator: { invocations: t.events / AGGREGATOR_EVENTS_PER_INVOCATION, avgDurationMs: DURATION_MS.aggregator, memoryMb: MEMORY_MB.aggregator! },
    // report: two schedule runs a week, reading aggregates only — nothing per inquiry.
  };

  // X-Ray (infra/constructs/tracing.ts): the API stage and the state machines start traces under the stack's
  // sampling rule; functions trace in pass-through mode, so they join a sampled trace and start none — the
  // stream consumers' invocations are never trace roots. The email intake, with nothing upstream, keeps
  // Lambda's own sampling (1 a second, then 5 %).
  const perSecond = perDay / 86_400;
  const executions = 1 + escalatedShare; // lifecycle, plus the escalation machine for escalated cases
  const byRule = (perInquiry: number) => perInquiry * ruleSampledShare(perInquiry * perSecond);
  const xrayTraces = byRule(1 - emailShare) + byRule(t.agentCalls) + byRule(executions) + emailShare * sampledShare(emailShare * perSecond);

  const invocations = Object.values(lambda).reduce((n, f) => n + f.invocations, 0);
  // Powertools lines at INFO: outbox per email and per start/resume, aggregator per batch, intake-email per message.
  const appLines = t.notifierSends + t.signalsWork + lambda.aggregator!.invocations + emailShare;
  const logsKb = invocations * LOG_KB_PER_INVOCATION + appLines * LOG_KB_PER_APP_LINE;

  return {
    stateTransitions: transitions,
    lambda,
    writeRequestUnits: t.wru,
    readRequestUnits: t.rru,
    streamReadRequests: (STREAM_CONSUMERS * STREAM_SHARDS * STREAM_POLLS_PER_SECOND_PER_SHARD * 86_400) / perDay,
    sesEmailsSent: t.emails,
    sesEmailsReceived: emailShare,
    sesIncomingChunks: emailShare, // a support email is well under 256 KB
    apiRequests: 1 - emailShare + t.agentCalls,
    s3Puts: emailShare, // the receipt rule stores the raw message
    s3Gets: emailShare, // intake-email reads it
    // DynamoDB fetches the customer managed key's table key about every 5 minutes per caller: ~7 roles × 2
    // tables × 288 a day ≈ 4,000 requests a day, whatever the volume.
    kmsRequests: 4_000 / perDay,
    xrayTracesRecorded: xrayTraces,
    cloudWatchLogsGb: logsKb / 1024 / 1024,
  };
}
