// Stream consumer: case events → aggregates (exactly once, one update per item per batch) and surge alerts.
// A batch either counts fully or fails as a whole; bisect-on-error narrows a failure down to the one
// record that causes it, which ends up parked after its retries while the rest is counted.
import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { CaseEvent } from '#domain/case.ts';
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
import { aggregateEvents, type AggregateDeps } from '#lib/use-cases/fold-case-events.ts';

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

export async function handler(event: DynamoDBStreamEvent): Promise<{ batchItemFailures: [] }> {
  const events = event.Records.map(insertedEvent).filter((e): e is CaseEvent => e !== undefined);
  if (events.length > 0) {
    const result = await aggregateEvents(deps, events);
    logger.info('aggregated', { ...result, records: event.Records.length });
  }
  return { batchItemFailures: [] };
}
