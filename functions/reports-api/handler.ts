// GET /reports/current?cadence=daily|weekly: the period in progress as the report model, for the console's
// dashboard (leads and the risk team). Read from aggregates only, like the emailed reports.
import { parseReportQuery } from '#events/report-query.ts';
import { DynamoAgentDirectory } from '#lib/adapters/dynamodb-agents.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { DynamoReportingStore } from '#lib/adapters/reporting-store.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { httpApi, json, valid } from '#lib/http.ts';
import { reportingPolicy } from '#lib/reporting-policy.ts';
import { currentReport, type ReportReadDeps } from '#lib/use-cases/report-from-aggregates.ts';

const env = loadEnv('reports-api');
const deps: ReportReadDeps = {
  reporting: new DynamoReportingStore(env.REPORTING_TABLE),
  cases: new DynamoCaseStore(env.CASES_TABLE, undefined),
  agents: new DynamoAgentDirectory(env.AGENTS_TABLE),
  clock: systemClock,
  policy: reportingPolicy,
};

export const READERS = ['lead', 'risk'] as const;

export const handler = httpApi(
  {
    'GET /reports/current': async (event) => {
      const { cadence } = valid(parseReportQuery(event.queryStringParameters)).value;
      return json(200, await currentReport(deps, cadence));
    },
  },
  { roles: READERS },
);
