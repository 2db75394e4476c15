// Invoked by EventBridge Scheduler with {"cadence": "daily" | "weekly"} (optionally a "period" to re-send).
import { DynamoAgentDirectory } from '#lib/adapters/dynamodb-agents.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { DynamoReportingStore } from '#lib/adapters/reporting-store.ts';
import { SesMailer } from '#lib/adapters/ses-mailer.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { logger } from '#lib/logger.ts';
import { reportingPolicy } from '#lib/reporting-policy.ts';
import { sendScheduledReport, type ReportDeps, type ReportRun } from '#lib/use-cases/report-from-aggregates.ts';

const env = loadEnv('report');
const deps: ReportDeps = {
  reporting: new DynamoReportingStore(env.REPORTING_TABLE),
  cases: new DynamoCaseStore(env.CASES_TABLE, undefined),
  agents: new DynamoAgentDirectory(env.AGENTS_TABLE),
  mailer: new SesMailer(env.SENDER_ADDRESS, { configurationSet: env.CONFIGURATION_SET }),
  clock: systemClock,
  policy: reportingPolicy,
};

const PERIOD = /^(\d{4}-\d{2}-\d{2}|\d{4}-W\d{2})$/;

export class ReportDeliveryError extends Error {
  override name = 'ReportDeliveryError';
}

export async function handler(event: { cadence?: unknown; period?: unknown }): Promise<ReportRun> {
  const cadence = event?.cadence;
  if (cadence !== 'daily' && cadence !== 'weekly') throw new TypeError(`cadence must be daily or weekly, got ${JSON.stringify(cadence)}`);
  const period = typeof event.period === 'string' && PERIOD.test(event.period) ? event.period : undefined;
  const run = await sendScheduledReport(deps, cadence, period);
  logger.info('report run', { cadence, period: run.period, sent: run.sent.length, skipped: run.skipped.length, failed: run.failed.length });
  // Fail the invocation so the scheduler retries; everyone already reached is skipped next time.
  if (run.failed.length > 0) throw new ReportDeliveryError(`${run.failed.length} report email(s) failed: ${run.failed.map((f) => f.error).join(', ')}`);
  return run;
}
