// Stream consumer: case events → aggregates (exactly once, one update per item per run) and surge alerts.
// A failure while counting is thrown, so bisect-on-error narrows it down to the one record that causes it,
// which ends up parked after its retries while the rest is counted. A failure before anything was counted
// (the marks or cases could not be read) is answered as a failure of the first record: the batch is retried
// as it was, not bisected, as the exactly-once scheme asks (domain/reporting/dedupe.ts).
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { EmfMetrics } from '#lib/adapters/cloudwatch-metrics.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { DynamoReportingStore } from '#lib/adapters/reporting-store.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { newCaseId, newReference } from '#lib/ids.ts';
import { logger } from '#lib/logger.ts';
import { policies } from '#lib/policies.ts';
import { reportingPolicy } from '#lib/reporting-policy.ts';
import { insertedEvent } from '#lib/stream.ts';
import { aggregateEvents, BatchNotStarted, type AggregateDeps, type StreamedEvent } from '#lib/use-cases/fold-case-events.ts';

const env = loadEnv('aggregator');
const deps: AggregateDeps = {
  cases: new DynamoCaseStore(env.CASES_TABLE, undefined),
  reporting: new DynamoReportingStore(env.REPORTING_TABLE),
  clock: systemClock,
  policy: reportingPolicy,
  policies,
  newCaseId,
  newReference,
  metrics: new EmfMetrics(),
};

export async function handler(event: DynamoDBStreamEvent): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> {
  const streamed = event.Records.flatMap((record): StreamedEvent[] => {
    const inserted = insertedEvent(record);
    const position = record.dynamodb?.SequenceNumber;
    return inserted && position ? [{ event: inserted, position }] : [];
  });
  if (streamed.length === 0) return { batchItemFailures: [] };
  try {
    const result = await aggregateEvents(deps, streamed);
    logger.info('aggregated', { ...result, records: event.Records.length });
    return { batchItemFailures: [] };
  } catch (error) {
    if (!(error instanceof BatchNotStarted)) throw error;
    logger.warn('aggregation not started; the batch is retried whole', { error: error.message, records: event.Records.length });
    return { batchItemFailures: [{ itemIdentifier: event.Records[0]!.dynamodb!.SequenceNumber! }] };
  }
}
