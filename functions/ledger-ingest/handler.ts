// The ledger bus's target: each transaction event the payment systems publish, into the ledger table
// (functions/lib/use-cases/ingest-ledger-event.ts holds the guarantee). Logs ids and field names only.
import { DynamoLedger } from '#lib/adapters/dynamodb-ledger.ts';
import { SqsRejectedEvents } from '#lib/adapters/sqs.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { logger } from '#lib/logger.ts';
import { ingestLedgerEvent, type IngestDeps } from '#lib/use-cases/ingest-ledger-event.ts';

const env = loadEnv('ledger-ingest');
const deps: IngestDeps = { ledger: new DynamoLedger(env.LEDGER_TABLE), rejected: new SqsRejectedEvents(env.REJECTED_EVENTS_QUEUE_URL), clock: systemClock };

export const handler = async (event: unknown) => {
  const result = await ingestLedgerEvent(deps, event);
  if (result.outcome === 'rejected') logger.warn('ledger event rejected', { ...result });
  else logger.info('ledger event', { ...result });
  return result;
};
