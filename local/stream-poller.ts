// A Lambda event source mapping for one DynamoDB stream, read with the DynamoDB Streams API.
//
// Semantics follow AWS's documentation for DynamoDB stream event source mappings:
// - one batch in flight per shard, records in order per shard; a parent shard is finished before
//   its children start; a closed shard ends when GetRecords returns no NextShardIterator;
// - a batch succeeds when the handler returns without batch item failures; then the mapping
//   checkpoints its last sequence number;
// - ReportBatchItemFailures: the lowest reported sequence number wins; records before it are
//   checkpointed and the rest of the batch is retried. An empty/missing itemIdentifier or one not
//   in the batch fails the whole batch. Without ReportBatchItemFailures a returned
//   `batchItemFailures` is ignored (as Lambda does) and only a thrown error fails a batch;
// - MaximumRetryAttempts counts invocations of a batch after the first (a partially retried batch
//   keeps its count); once exceeded, the batch goes to onFailure and the mapping moves past it;
// - BisectBatchOnFunctionError: a thrown error splits a batch of 2+ records in halves, retried in
//   order, each with a fresh retry budget (splitting does not count as a retry);
// - StartingPosition applies to the shards present when the mapping starts: LATEST skips shards
//   already closed and starts open ones at their tip; shards found later start at TRIM_HORIZON.
//   A stored checkpoint always wins.
// Streams API errors are logged and retried with backoff; an expired iterator is replaced by one
// AFTER_SEQUENCE_NUMBER of the last record read, so nothing is lost or read twice.
// A parked batch carries what AWS's on-failure destination gets (DDBStreamBatchInfo: stream, shard,
// sequence range), so it can be read again from the stream and replayed (readParkedBatch).
// - FilterCriteria: records no pattern matches are dropped when read and count as handled.
// - MaximumBatchingWindowInSeconds: a batch smaller than BatchSize waits, reading on, until the window since its
//   first record was read has passed (real time, as on AWS; the 6 MB payload cap is not modelled). whenIdle()
//   closes open windows at once: the local cloud's settle() means "deliver everything now".
// `faultAfterSuccess` lets the local cloud re-deliver batches the function already handled (local/faults.ts).

import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type AttributeValue,
  type GetRecordsCommandOutput,
  type DynamoDBStreamsClient,
  type Shard,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { matchesAny, type FilterPattern } from './event-filter.ts';
import type { AttributeValue as LambdaAttributeValue, DynamoDBRecord, DynamoDBStreamEvent, StreamRecord } from 'aws-lambda';

export interface StreamMappingOptions {
  streams: DynamoDBStreamsClient;
  streamArn: string;
  /** For logs. */
  functionName: string;
  /** Default 100, as Lambda. */
  batchSize: number;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** FunctionResponseTypes includes ReportBatchItemFailures. */
  reportBatchItemFailures: boolean;
  /** -1 = infinite (Lambda default); after that the batch goes to onFailure. */
  maximumRetryAttempts: number;
  bisectBatchOnFunctionError: boolean;
  /** Default 100. Also the base of the retry backoff. */
  pollIntervalMs?: number;
  /** Where the last processed sequence number per shard is kept. Default: in memory. */
  checkpoints?: CheckpointStore;
  invoke: (event: DynamoDBStreamEvent) => Promise<unknown>;
  onFailure?: (failed: ParkedBatch) => Promise<void>;
  /** Asked after a batch's first successful invocation: re-deliver it (an injected fault)? */
  faultAfterSuccess?: () => 'fail-after-success' | 'duplicate' | undefined;
  log?: (line: string) => void;
  /** The events' awsRegion. Default: the streams client's region. */
  region?: string;
  /**
   * FilterCriteria's patterns (local/event-filter.ts): a record none matches never reaches the function and
   * counts as handled. Default: none, every record is delivered.
   */
  filters?: readonly FilterPattern[];
  /** MaximumBatchingWindowInSeconds in ms. Default 0: a batch goes as soon as records are read. */
  maximumBatchingWindowMs?: number;
}

/** Like the DDBStreamBatchInfo of AWS's on-failure destination record. */
export interface StreamBatchInfo {
  streamArn: string;
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  approximateArrivalOfFirstRecord?: string;
  approximateArrivalOfLastRecord?: string;
  batchSize: number;
}

export interface ParkedBatch {
  records: DynamoDBRecord[];
  error: string;
  attempts: number;
  shardId: string;
  /** RetryAttemptsExhausted, as AWS's requestContext.condition. */
  condition: 'RetryAttemptsExhausted';
  batchInfo: StreamBatchInfo;
}

export interface StreamMapping {
  stop(): Promise<void>;
  /** Resolves once every shard has been polled to its end after this call, with nothing in flight. */
  whenIdle(): Promise<void>;
  /**
   * Stops handing new batches to the function until resume() (records wait on the stream, as they would
   * for a throttled function); the batch in hand finishes. For benchmarks of the write path alone.
   */
  pause(): void;
  resume(): void;
  stats(): { delivered: number; failedBatches: number; parked: number };
}

export interface CheckpointStore {
  get(shardId: string): Promise<string | undefined>;
  set(shardId: string, sequenceNumber: string): Promise<void>;
}

export function startStreamMapping(o: StreamMappingOptions): StreamMapping {
  return new Mapping(o).start();
}

// ---------------------------------------------------------------------------------------------
// Checkpoint stores

/** Checkpoints in memory (lost on restart). */
export function memoryCheckpointStore(): CheckpointStore {
  const map = new Map<string, string>();
  return {
    get: async (shardId) => map.get(shardId),
    set: async (shardId, sequenceNumber) => {
      map.set(shardId, sequenceNumber);
    },
  };
}

const fileQueues = new Map<string, Promise<unknown>>();

/**
 * Checkpoints in a JSON file `{ "<shardId>": "<sequenceNumber>" }`, written atomically (temp file
 * + rename). Writes to one path are serialized within the process and merged with the file's
 * current content, so several mappings may share a file.
 */
export function fileCheckpointStore(path: string): CheckpointStore {
  const file = resolvePath(path);
  const read = async (): Promise<Record<string, string>> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new Error(`Checkpoint file ${file} is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`Checkpoint file ${file} does not hold an object`);
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
    return out;
  };
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const previous = fileQueues.get(file) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => {});
    fileQueues.set(file, tail);
    void tail.then(() => {
      if (fileQueues.get(file) === tail) fileQueues.delete(file);
    });
    return run;
  };
  return {
    get: (shardId) => serialized(async () => (await read())[shardId]),
    set: (shardId, sequenceNumber) =>
      serialized(async () => {
        const data = await read();
        data[shardId] = sequenceNumber;
        await mkdir(dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
        try {
          await writeFile(tmp, `${JSON.stringify(data, null, 2)}\n`);
          await rename(tmp, file);
        } catch (err) {
          await rm(tmp, { force: true });
          throw err;
        }
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// The mapping

const DISCOVERY_INTERVAL_MS = 1_000;
const MAX_BACKOFF_MS = 5_000;
const MAX_GET_RECORDS_LIMIT = 1_000;

interface Batch {
  records: _Record[];
  /** Invocations of this batch so far. */
  invocations: number;
}

interface ShardState {
  id: string;
  parentId: string | undefined;
  /** Where to start without a checkpoint; SKIP = closed before a LATEST mapping started. */
  initial: 'TRIM_HORIZON' | 'LATEST' | 'SKIP';
  phase: 'waiting' | 'running' | 'done';
  /** Last sequence number read from the stream (≥ the checkpoint). */
  readUpTo: string | undefined;
  iterator: string | undefined;
  endOfShard: boolean;
  /** Read, not yet in a batch. */
  pending: _Record[];
  /** The batch being processed (and, after a bisect, the halves after it), in order. */
  batches: Batch[];
  busy: boolean;
  /** Clock tick at which the last poll that found the shard drained started. */
  idleTick: number | undefined;
  apiFailures: number;
  /** When (real ms) the first record of the batch being gathered was read, while a batching window is open. */
  windowOpenedAt?: number;
}

type Outcome =
  | { kind: 'success' }
  | { kind: 'partial'; index: number; error: string }
  | { kind: 'invalid'; error: string }
  | { kind: 'error'; error: string };

class Mapping {
  private readonly o: StreamMappingOptions;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly store: CheckpointStore;
  private readonly log: (line: string) => void;
  private readonly abort = new AbortController();
  private readonly shards = new Map<string, ShardState>();
  private readonly tasks: Promise<void>[] = [];
  private readonly idleWaiters: { tick: number; resolve: () => void }[] = [];
  private readonly wakers = new Set<() => void>();
  private changeWaiters: (() => void)[] = [];
  private discoveryWaker: (() => void) | undefined;
  private discoveryRequested = false;
  private regionPromise: Promise<string> | undefined;
  private region = '';
  private clock = 0;
  private lastDescribeTick = -1;
  private discoveredOnce = false;
  private stopped = false;
  private paused = false;
  private stopping: Promise<void> | undefined;
  private delivered = 0;
  private failedBatches = 0;
  private parked = 0;

  constructor(o: StreamMappingOptions) {
    if (!Number.isInteger(o.batchSize) || o.batchSize < 1 || o.batchSize > 10_000) {
      throw new Error(`stream mapping ${o.functionName}: batchSize must be 1..10000, got ${o.batchSize}`);
    }
    if (!Number.isInteger(o.maximumRetryAttempts) || o.maximumRetryAttempts < -1) {
      throw new Error(`stream mapping ${o.functionName}: maximumRetryAttempts must be -1 or ≥ 0`);
    }
    this.o = o;
    this.batchSize = o.batchSize;
    this.pollIntervalMs = o.pollIntervalMs ?? 100;
    this.store = o.checkpoints ?? memoryCheckpointStore();
    const prefix = `[esm ${o.functionName}] `;
    const sink = o.log ?? ((line: string) => console.error(line));
    this.log = (line) => sink(prefix + line);
    setMaxListeners(0, this.abort.signal);
  }

  start(): StreamMapping {
    this.tasks.push(this.discoveryLoop());
    return {
      stop: () => this.stop(),
      whenIdle: () => this.whenIdle(),
      pause: () => {
        this.paused = true;
      },
      resume: () => {
        this.paused = false;
        this.wakeAll();
      },
      stats: () => ({ delivered: this.delivered, failedBatches: this.failedBatches, parked: this.parked }),
    };
  }

  private stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = true;
      this.abort.abort();
      this.wakeAll();
      this.requestDiscovery();
      this.notifyChange();
      // Workers may be added while we wait; loop until all are settled.
      let settled = 0;
      while (settled < this.tasks.length) {
        const pending = this.tasks.slice(settled);
        settled = this.tasks.length;
        await Promise.allSettled(pending);
      }
      for (const w of this.idleWaiters.splice(0)) w.resolve();
    })();
    return this.stopping;
  }

  private whenIdle(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const tick = ++this.clock;
    return new Promise<void>((resolve) => {
      this.idleWaiters.push({ tick, resolve });
      this.requestDiscovery();
      this.wakeAll();
      this.checkIdle();
    });
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0) return;
    const shards = [...this.shards.values()];
    for (let i = this.idleWaiters.length - 1; i >= 0; i--) {
      const w = this.idleWaiters[i]!;
      const idle =
        this.stopped ||
        (this.lastDescribeTick > w.tick &&
          shards.every(
            (s) =>
              s.phase === 'done' ||
              (s.phase === 'running' &&
                !s.busy &&
                s.pending.length === 0 &&
                s.batches.length === 0 &&
                s.idleTick !== undefined &&
                s.idleTick > w.tick),
          ));
      if (idle) {
        this.idleWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  // --- discovery ----------------------------------------------------------------------------

  private async discoveryLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const tick = ++this.clock;
      try {
        const shards = await this.describeAllShards();
        if (this.stopped) break;
        this.applyShards(shards);
        this.lastDescribeTick = tick;
        failures = 0;
        this.checkIdle();
      } catch (err) {
        if (this.stopped) break;
        failures++;
        const delay = backoff(this.pollIntervalMs, failures);
        this.log(`DescribeStream ${this.o.streamArn} failed (${errorText(err)}); retrying in ${delay} ms`);
        await this.sleep(delay);
        continue;
      }
      if (this.discoveryRequested) {
        this.discoveryRequested = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, DISCOVERY_INTERVAL_MS);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.discoveryWaker = done;
      });
      this.discoveryWaker = undefined;
    }
  }

  private async describeAllShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    for (;;) {
      const resp = await this.streams.send(
        new DescribeStreamCommand({ StreamArn: this.o.streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
        { abortSignal: this.abort.signal },
      );
      const d = resp.StreamDescription;
      shards.push(...(d?.Shards ?? []));
      if (!d?.LastEvaluatedShardId || d.LastEvaluatedShardId === exclusiveStartShardId) break;
      exclusiveStartShardId = d.LastEvaluatedShardId;
    }
    return shards;
  }

  private applyShards(shards: Shard[]): void {
    const first = !this.discoveredOnce;
    this.discoveredOnce = true;
    const added: ShardState[] = [];
    for (const shard of shards) {
      const id = shard.ShardId;
      if (!id || this.shards.has(id)) continue;
      const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
      const initial =
        first && this.o.startingPosition === 'LATEST' ? (closed ? 'SKIP' : 'LATEST') : 'TRIM_HORIZON';
      const state: ShardState = {
        id,
        parentId: shard.ParentShardId ?? undefined,
        initial,
        phase: 'waiting',
        readUpTo: undefined,
        iterator: undefined,
        endOfShard: false,
        pending: [],
        batches: [],
        busy: false,
        idleTick: undefined,
        apiFailures: 0,
      };
      this.shards.set(id, state);
      added.push(state);
    }
    // Start workers only once every listed shard is known, so a child listed before its parent waits.
    for (const state of added) this.tasks.push(this.runShard(state));
  }

  /** Describe the stream again now (or right after the describe in progress). */
  private requestDiscovery(): void {
    if (this.discoveryWaker) this.discoveryWaker();
    else this.discoveryRequested = true;
  }

  private get streams(): DynamoDBStreamsClient {
    return this.o.streams;
  }

  // --- one shard ------------------------------------------------------------------------------

  private parentDone(s: ShardState): boolean {
    if (!s.parentId) return true;
    const parent = this.shards.get(s.parentId);
    return parent === undefined || parent.phase === 'done'; // a parent no longer listed was trimmed
  }

  private async runShard(s: ShardState): Promise<void> {
    while (!this.stopped && !this.parentDone(s)) await this.nextChange();
    if (this.stopped) return;
    await this.resolveRegion();

    let failures = 0;
    let checkpoint: string | undefined;
    for (;;) {
      if (this.stopped) return;
      try {
        checkpoint = await this.store.get(s.id);
        break;
      } catch (err) {
        failures++;
        const delay = backoff(this.pollIntervalMs, failures);
        this.log(`reading the checkpoint of ${s.id} failed (${errorText(err)}); retrying in ${delay} ms`);
        await this.sleep(delay);
      }
    }
    s.readUpTo = checkpoint;
    s.phase = 'running';
    if (checkpoint === undefined && s.initial === 'SKIP') {
      this.finishShard(s);
      return;
    }
    this.log(
      `shard ${s.id}: starting ${checkpoint !== undefined ? `after checkpoint ${checkpoint}` : `at ${s.initial}`}`,
    );

    while (!this.stopped) {
      try {
        if (this.paused) {
          await this.sleep(this.pollIntervalMs, true);
          continue;
        }
        if (s.batches.length === 0) {
          if (s.pending.length === 0 && !s.endOfShard) {
            const ok = await this.fetch(s);
            if (!ok) continue;
          }
          if (s.pending.length === 0) {
            if (s.endOfShard) {
              this.finishShard(s);
              return;
            }
            await this.sleep(this.pollIntervalMs, true);
            continue;
          }
          const holdFor = this.batchingWindowLeft(s);
          if (holdFor > 0) {
            await this.sleep(Math.min(this.pollIntervalMs, holdFor), true);
            await this.fetch(s);
            continue;
          }
          s.windowOpenedAt = undefined;
          s.batches.push({ records: s.pending.splice(0, this.batchSize), invocations: 0 });
        }
        await this.processHead(s);
      } catch (err) {
        // Not expected (every known failure is handled above); never let it kill the mapping.
        if (this.stopped) return;
        this.log(`shard ${s.id}: unexpected error ${errorText(err)}; continuing`);
        await this.sleep(backoff(this.pollIntervalMs, 3));
      }
    }
  }

  /** Ms the batch being gathered may still wait for more records (0: send it now). */
  private batchingWindowLeft(s: ShardState): number {
    const windowMs = this.o.maximumBatchingWindowMs ?? 0;
    if (windowMs <= 0 || s.pending.length >= this.batchSize || s.endOfShard || this.idleWaiters.length > 0 || this.stopped) return 0;
    s.windowOpenedAt ??= Date.now();
    return Math.max(0, s.windowOpenedAt + windowMs - Date.now());
  }

  private finishShard(s: ShardState): void {
    s.phase = 'done';
    s.iterator = undefined;
    this.log(`shard ${s.id}: finished`);
    this.notifyChange();
    this.requestDiscovery(); // look for its children now
    this.checkIdle();
  }

  /** One GetRecords round (several for batchSize > 1000). False after an error (already backed off). */
  private async fetch(s: ShardState): Promise<boolean> {
    const tick = ++this.clock;
    try {
      let iterator = (s.iterator ??= await this.getIterator(s));
      for (;;) {
        const limit = Math.min(MAX_GET_RECORDS_LIMIT, this.batchSize - s.pending.length);
        const resp: GetRecordsCommandOutput = await this.streams.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }),
          { abortSignal: this.abort.signal },
        );
        s.iterator = resp.NextShardIterator ?? undefined;
        if (!resp.NextShardIterator) s.endOfShard = true;
        const records = resp.Records ?? [];
        let fresh = 0;
        for (const r of records) {
          const seq = r.dynamodb?.SequenceNumber;
          if (seq === undefined || (s.readUpTo !== undefined && compareSequence(seq, s.readUpTo) <= 0)) continue;
          s.readUpTo = seq;
          fresh++;
          if (this.o.filters && !matchesAny(this.o.filters, this.toLambdaRecord(r))) continue;
          s.pending.push(r);
        }
        if (records.length < limit || s.endOfShard || s.pending.length >= this.batchSize) break;
        if (fresh === 0 || s.iterator === undefined) break;
        iterator = s.iterator;
      }
      s.apiFailures = 0;
      s.idleTick = s.pending.length === 0 ? tick : undefined;
      this.checkIdle();
      return true;
    } catch (err) {
      s.iterator = undefined; // the next attempt starts AFTER_SEQUENCE_NUMBER readUpTo
      s.idleTick = undefined;
      if (this.stopped) return false;
      const name = (err as Error).name;
      if (name === 'ExpiredIteratorException') {
        this.log(`shard ${s.id}: iterator expired; resuming after ${s.readUpTo ?? s.initial}`);
        return false;
      }
      s.apiFailures++;
      const delay = backoff(this.pollIntervalMs, s.apiFailures);
      this.log(`shard ${s.id}: GetRecords failed (${errorText(err)}); retrying in ${delay} ms`);
      await this.sleep(delay);
      return false;
    }
  }

  private async getIterator(s: ShardState): Promise<string> {
    const base = { StreamArn: this.o.streamArn, ShardId: s.id };
    const opts = { abortSignal: this.abort.signal };
    if (s.readUpTo !== undefined) {
      try {
        const r = await this.streams.send(
          new GetShardIteratorCommand({ ...base, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: s.readUpTo }),
          opts,
        );
        if (r.ShardIterator) return r.ShardIterator;
      } catch (err) {
        if ((err as Error).name !== 'TrimmedDataAccessException') throw err;
        this.log(`shard ${s.id}: records after ${s.readUpTo} were trimmed from the stream; continuing at TRIM_HORIZON`);
      }
    }
    const type = s.readUpTo === undefined && s.initial === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON';
    const r = await this.streams.send(new GetShardIteratorCommand({ ...base, ShardIteratorType: type }), opts);
    if (!r.ShardIterator) throw new Error(`GetShardIterator returned no iterator for ${s.id}`);
    return r.ShardIterator;
  }

  private async processHead(s: ShardState): Promise<void> {
    const batch = s.batches[0]!;
    batch.invocations++;
    const event: DynamoDBStreamEvent = { Records: batch.records.map((r) => this.toLambdaRecord(r)) };
    s.busy = true;
    let outcome: Outcome;
    try {
      outcome = this.interpret(await this.o.invoke(event), batch);
      const fault = outcome.kind === 'success' && batch.invocations === 1 ? this.o.faultAfterSuccess?.() : undefined;
      if (fault === 'duplicate') {
        // Delivered twice (say, the first answer was lost): the mapping goes by the second answer.
        this.log(`shard ${s.id}: injected fault: delivering a handled batch of ${batch.records.length} again`);
        outcome = this.interpret(await this.o.invoke(event), batch);
      } else if (fault === 'fail-after-success') {
        outcome = { kind: 'error', error: 'injected fault: the batch failed after the function handled it' };
      }
    } catch (err) {
      outcome = { kind: 'error', error: errorText(err) };
    } finally {
      s.busy = false;
    }

    if (outcome.kind === 'success') {
      this.delivered += batch.records.length;
      await this.checkpoint(s, sequenceOf(batch.records.at(-1)!));
      s.batches.shift();
      this.checkIdle();
      return;
    }

    this.failedBatches++;
    if (outcome.kind === 'partial' && outcome.index > 0) {
      const done = batch.records.slice(0, outcome.index);
      batch.records = batch.records.slice(outcome.index);
      this.delivered += done.length;
      await this.checkpoint(s, sequenceOf(done.at(-1)!));
    }

    if (outcome.kind === 'error' && this.o.bisectBatchOnFunctionError && batch.records.length > 1) {
      const mid = Math.ceil(batch.records.length / 2);
      const left = batch.records.slice(0, mid);
      const right = batch.records.slice(mid);
      s.batches.splice(0, 1, { records: left, invocations: 0 }, { records: right, invocations: 0 });
      this.log(
        `shard ${s.id}: batch of ${batch.records.length} failed (${outcome.error}); bisecting into ${left.length} + ${right.length}`,
      );
      return;
    }

    const max = this.o.maximumRetryAttempts;
    if (max >= 0 && batch.invocations > max) {
      const parked = await this.park(s, batch, outcome.error);
      if (parked) s.batches.shift();
      this.checkIdle();
      return;
    }

    const delay = backoff(this.pollIntervalMs, batch.invocations);
    this.log(
      `shard ${s.id}: batch of ${batch.records.length} starting at ${sequenceOf(batch.records[0]!)} failed ` +
        `(${outcome.error}); retry ${batch.invocations}${max >= 0 ? `/${max}` : ''} in ${delay} ms`,
    );
    await this.sleep(delay);
  }

  private interpret(result: unknown, batch: Batch): Outcome {
    if (!this.o.reportBatchItemFailures) return { kind: 'success' };
    if (result === null || typeof result !== 'object') return { kind: 'success' };
    const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
    if (failures === null || failures === undefined) return { kind: 'success' };
    if (!Array.isArray(failures)) return { kind: 'invalid', error: 'batchItemFailures is not a list' };
    if (failures.length === 0) return { kind: 'success' };
    let lowest = -1;
    for (const f of failures) {
      const id = typeof f === 'object' && f !== null ? (f as { itemIdentifier?: unknown }).itemIdentifier : undefined;
      if (typeof id !== 'string' || id === '') {
        return { kind: 'invalid', error: 'a batch item failure has no itemIdentifier; the whole batch failed' };
      }
      const index = batch.records.findIndex((r) => r.dynamodb?.SequenceNumber === id);
      if (index < 0) {
        return { kind: 'invalid', error: `batch item failure ${id} is not in the batch; the whole batch failed` };
      }
      if (lowest < 0 || index < lowest) lowest = index;
    }
    return {
      kind: 'partial',
      index: lowest,
      error: `batch item failure at sequence number ${sequenceOf(batch.records[lowest]!)}`,
    };
  }

  /** Hands a batch to onFailure (retrying until it accepts) and checkpoints past it. */
  private async park(s: ShardState, batch: Batch, error: string): Promise<boolean> {
    const records = batch.records.map((r) => this.toLambdaRecord(r));
    const first = sequenceOf(batch.records[0]!);
    const last = sequenceOf(batch.records.at(-1)!);
    const arrival = (r: _Record) => r.dynamodb?.ApproximateCreationDateTime && new Date(r.dynamodb.ApproximateCreationDateTime).toISOString();
    const firstArrival = arrival(batch.records[0]!);
    const lastArrival = arrival(batch.records.at(-1)!);
    const batchInfo: StreamBatchInfo = {
      streamArn: this.o.streamArn,
      shardId: s.id,
      startSequenceNumber: first,
      endSequenceNumber: last,
      ...(firstArrival && { approximateArrivalOfFirstRecord: firstArrival }),
      ...(lastArrival && { approximateArrivalOfLastRecord: lastArrival }),
      batchSize: records.length,
    };
    if (this.o.onFailure) {
      let failures = 0;
      for (;;) {
        try {
          await this.o.onFailure({ records, error, attempts: batch.invocations, shardId: s.id, condition: 'RetryAttemptsExhausted', batchInfo });
          break;
        } catch (err) {
          if (this.stopped) return false;
          failures++;
          const delay = backoff(this.pollIntervalMs, failures);
          this.log(`shard ${s.id}: onFailure failed (${errorText(err)}); retrying in ${delay} ms`);
          await this.sleep(delay);
          if (this.stopped) return false;
        }
      }
      this.log(
        `shard ${s.id}: ${records.length} record(s) ${first}..${last} sent to onFailure after ${batch.invocations} attempt(s): ${error}`,
      );
    } else {
      this.log(`shard ${s.id}: discarding ${records.length} record(s) ${first}..${last} after ${batch.invocations} attempt(s): ${error}`);
    }
    this.parked += records.length;
    await this.checkpoint(s, last);
    return true;
  }

  private async checkpoint(s: ShardState, sequenceNumber: string): Promise<void> {
    try {
      await this.store.set(s.id, sequenceNumber);
    } catch (err) {
      // Progress in this run is kept in memory (readUpTo); a restart may redeliver.
      this.log(`shard ${s.id}: writing checkpoint ${sequenceNumber} failed (${errorText(err)})`);
    }
  }

  private toLambdaRecord(r: _Record): DynamoDBRecord {
    return toLambdaRecord(r, this.region, this.o.streamArn);
  }

  private resolveRegion(): Promise<string> {
    this.regionPromise ??= (async () => {
      let region = this.o.region;
      if (region === undefined) {
        try {
          const configured = (this.o.streams as { config?: { region?: unknown } }).config?.region;
          const value = typeof configured === 'function' ? await (configured as () => Promise<unknown>)() : configured;
          if (typeof value === 'string' && value !== '') region = value;
        } catch {
          // fall through
        }
      }
      region ??= this.o.streamArn.split(':')[3] || 'local';
      this.region = region;
      return region;
    })();
    return this.regionPromise;
  }

  // --- waiting --------------------------------------------------------------------------------

  /** Sleeps; ends early on stop(), and on whenIdle() when `wakeable` (idle polls only). */
  private sleep(ms: number, wakeable = false): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        this.abort.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (wakeable) this.wakers.add(done);
      this.abort.signal.addEventListener('abort', done, { once: true });
    });
  }

  private wakeAll(): void {
    for (const w of [...this.wakers]) w();
  }

  private nextChange(): Promise<void> {
    return new Promise((resolve) => this.changeWaiters.push(resolve));
  }

  private notifyChange(): void {
    const waiters = this.changeWaiters;
    this.changeWaiters = [];
    for (const w of waiters) w();
  }
}

// ---------------------------------------------------------------------------------------------
// Replaying a parked batch

/**
 * The records of a parked batch, read again from the stream by its shard and sequence range (as a
 * redrive does on AWS, where the on-failure record carries only the range): Lambda-shaped, in order.
 */
export async function readParkedBatch(streams: DynamoDBStreamsClient, info: StreamBatchInfo, region: string): Promise<DynamoDBRecord[]> {
  const start = await streams.send(
    new GetShardIteratorCommand({ StreamArn: info.streamArn, ShardId: info.shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: info.startSequenceNumber }),
  );
  const out: DynamoDBRecord[] = [];
  let iterator = start.ShardIterator;
  while (iterator) {
    const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: MAX_GET_RECORDS_LIMIT }));
    for (const r of page.Records ?? []) {
      const seq = sequenceOf(r);
      if (compareSequence(seq, info.endSequenceNumber) > 0) return out;
      out.push(toLambdaRecord(r, region, info.streamArn));
    }
    // An open shard hands out iterators forever: stop at its tip.
    if ((page.Records ?? []).length === 0) break;
    iterator = page.NextShardIterator;
  }
  if (out.length === 0) throw new Error(`no records ${info.startSequenceNumber}..${info.endSequenceNumber} left in ${info.shardId}`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// helpers

/** A Streams API record as Lambda delivers it. */
export function toLambdaRecord(r: _Record, region: string, streamArn: string): DynamoDBRecord {
  const d = r.dynamodb ?? {};
  const dynamodb: StreamRecord = {};
  if (d.ApproximateCreationDateTime !== undefined) {
    dynamodb.ApproximateCreationDateTime = Math.floor(new Date(d.ApproximateCreationDateTime).getTime() / 1000);
  }
  if (d.Keys) dynamodb.Keys = imageToLambda(d.Keys);
  if (d.NewImage) dynamodb.NewImage = imageToLambda(d.NewImage);
  if (d.OldImage) dynamodb.OldImage = imageToLambda(d.OldImage);
  if (d.SequenceNumber !== undefined) dynamodb.SequenceNumber = d.SequenceNumber;
  if (d.SizeBytes !== undefined) dynamodb.SizeBytes = d.SizeBytes;
  if (d.StreamViewType !== undefined) dynamodb.StreamViewType = d.StreamViewType;
  const out: DynamoDBRecord = {
    eventID: r.eventID,
    eventName: r.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb,
    eventSourceARN: streamArn,
  };
  if (r.userIdentity) out.userIdentity = { type: r.userIdentity.Type, principalId: r.userIdentity.PrincipalId };
  return out;
}


function backoff(baseMs: number, failures: number): number {
  return Math.min(MAX_BACKOFF_MS, Math.max(1, baseMs) * 2 ** Math.min(failures - 1, 16));
}

function sequenceOf(r: _Record): string {
  const seq = r.dynamodb?.SequenceNumber;
  if (seq === undefined) throw new Error('stream record without a SequenceNumber');
  return seq;
}

/** Sequence numbers are decimal strings of varying length. */
function compareSequence(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

function imageToLambda(image: Record<string, AttributeValue>): Record<string, LambdaAttributeValue> {
  const out: Record<string, LambdaAttributeValue> = {};
  for (const [k, v] of Object.entries(image)) out[k] = attributeToLambda(v);
  return out;
}

/** SDK attribute values carry binaries as Uint8Array; Lambda events carry base64 strings. */
function attributeToLambda(v: AttributeValue): LambdaAttributeValue {
  if (v.S !== undefined) return { S: v.S };
  if (v.N !== undefined) return { N: v.N };
  if (v.BOOL !== undefined) return { BOOL: v.BOOL };
  if (v.NULL !== undefined) return { NULL: v.NULL };
  if (v.B !== undefined) return { B: Buffer.from(v.B).toString('base64') };
  if (v.SS !== undefined) return { SS: v.SS };
  if (v.NS !== undefined) return { NS: v.NS };
  if (v.BS !== undefined) return { BS: v.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (v.L !== undefined) return { L: v.L.map(attributeToLambda) };
  if (v.M !== undefined) return { M: imageToLambda(v.M) };
  // The SDK's deserializer turns an empty map ({"M": {}}) into a value with no member at all.
  if (Object.keys(v).length === 0) return { M: {} };
  throw new Error(`unsupported attribute value ${JSON.stringify(v)}`);
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message;
  return String(err);
}
