// Lambda event source mappings, locally: each AWS::Lambda::EventSourceMapping of the template on a
// DynamoDB stream of the stack becomes a stream poller (local/stream-poller.ts) with the mapping's batch
// size, starting position, FilterCriteria (local/event-filter.ts), partial failures, retries and bisect; a batch that exhausts its retries is
// parked (kept for GET /local/parked and its replay, and on disk in parked-stream-records.jsonl).
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { parseFilterPattern, type FilterPattern } from './event-filter.ts';
import type { LocalTable } from './dynamodb-tables.ts';
import type { LocalFaults } from './faults.ts';
import type { LocalFunction } from './lambda-runtime.ts';
import { fileCheckpointStore, memoryCheckpointStore, startStreamMapping, type ParkedBatch, type StreamMapping } from './stream-poller.ts';
import { resourcesOfType, type CfnTemplate } from './template.ts';

/** A stream batch that exhausted its retries, kept for GET /local/parked and its replay. */
export type ParkedEntry = ParkedBatch & { id: string; mapping: string; functionId: string; at: string };

export function startEventSourceMappings(o: {
  template: CfnTemplate;
  tableById: Map<string, LocalTable>;
  functions: Map<string, LocalFunction>;
  streams: DynamoDBStreamsClient;
  faults: LocalFaults;
  /** Where checkpoints and parked records are kept; undefined keeps them in memory. */
  dataDir: string | undefined;
  log: (line: string) => void;
}): { mappings: StreamMapping[]; parked: ParkedEntry[] } {
  const mappings: StreamMapping[] = [];
  const parkedFile = o.dataDir === undefined ? undefined : path.join(o.dataDir, 'parked-stream-records.jsonl');
  const parked: ParkedEntry[] = [];
  for (const [id, resource] of resourcesOfType(o.template, 'AWS::Lambda::EventSourceMapping')) {
    const p = resource.Properties ?? {};
    const source = p.EventSourceArn as { 'Fn::GetAtt'?: [string, string] };
    const tableId = source['Fn::GetAtt']?.[0];
    const streamArn = tableId ? o.tableById.get(tableId)?.streamArn : undefined;
    if (!streamArn) continue; // not a DynamoDB stream of this stack
    const functionId = String((p.FunctionName as { Ref?: string }).Ref ?? p.FunctionName);
    const fn = o.functions.get(functionId);
    if (!fn) throw new Error(`${id}: unknown function ${functionId}`);
    mappings.push(
      startStreamMapping({
        streams: o.streams,
        streamArn,
        functionName: functionId,
        batchSize: Number(p.BatchSize ?? 100),
        startingPosition: p.StartingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON',
        reportBatchItemFailures: Array.isArray(p.FunctionResponseTypes) && p.FunctionResponseTypes.includes('ReportBatchItemFailures'),
        maximumRetryAttempts: Number(p.MaximumRetryAttempts ?? -1),
        bisectBatchOnFunctionError: p.BisectBatchOnFunctionError === true,
        checkpoints: o.dataDir === undefined ? memoryCheckpointStore() : fileCheckpointStore(path.join(o.dataDir, `checkpoints-${id}.json`)),
        invoke: (event) => fn.invoke(event),
        onFailure: async (failure) => {
          const entry = { id: randomUUID(), mapping: id, functionId, at: new Date().toISOString(), ...failure };
          parked.push(entry);
          if (parkedFile) appendFileSync(parkedFile, `${JSON.stringify(entry)}\n`);
          o.log(`${functionId}: parked ${failure.records.length} stream record(s): ${failure.error}`);
        },
        filters: filtersOf(id, p.FilterCriteria),
        maximumBatchingWindowMs: Number(p.MaximumBatchingWindowInSeconds ?? 0) * 1000,
        faultAfterSuccess: () => o.faults.streamFaultFor(functionId),
        log: o.log,
      }),
    );
  }
  return { mappings, parked };
}

/** A mapping's FilterCriteria.Filters[].Pattern, parsed (a pattern Lambda would refuse fails the start, as a deploy would). */
function filtersOf(id: string, criteria: unknown): FilterPattern[] | undefined {
  const filters = (criteria as { Filters?: { Pattern?: unknown }[] } | undefined)?.Filters;
  if (!filters) return undefined;
  if (filters.length > 5) throw new Error(`${id}: FilterCriteria holds ${filters.length} filters; Lambda allows 5`);
  return filters.map((f, i) => {
    if (typeof f.Pattern !== 'string') throw new Error(`${id}: FilterCriteria.Filters[${i}].Pattern must be a JSON string`);
    return parseFilterPattern(f.Pattern);
  });
}
