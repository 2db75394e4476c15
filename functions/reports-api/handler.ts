// GET /reports/current?cadence=daily|weekly: the period in progress as the report model, for the console's
// dashboard (leads and the risk team). Read from aggregates only, like the emailed reports.
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { DynamoReportingStore } from '#lib/adapters/reporting-store.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { NotFoundError, ValidationError } from '#lib/errors.ts';
import { agentFrom, httpErrors, json, requireRole } from '#lib/http.ts';
import { reportingPolicy } from '#lib/reporting-policy.ts';
import { currentReport, type ReportReadDeps } from '#lib/use-cases/report-from-aggregates.ts';

const env = loadEnv(['CASES_TABLE', 'REPORTING_TABLE']);
const deps: ReportReadDeps = {
  reporting: new DynamoReportingStore(env.REPORTING_TABLE),
  cases: new DynamoCaseStore(env.CASES_TABLE, undefined),
  clock: systemClock,
  policy: reportingPolicy,
};

export const READERS = ['lead', 'risk'] as const;

async function route(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  requireRole(agentFrom(event), READERS);
  if (`${event.httpMethod} ${event.resource}` !== 'GET /reports/current') throw new NotFoundError('No such route');
  const params = event.queryStringParameters ?? {};
  const problems = Object.keys(params)
    .filter((k) => k !== 'cadence')
    .map((field) => ({ field, message: 'is not a parameter this API knows' }));
  const cadence = params.cadence ?? 'daily';
  if (cadence !== 'daily' && cadence !== 'weekly') problems.push({ field: 'cadence', message: 'must be daily or weekly' });
  if (problems.length > 0) throw new ValidationError(problems);
  return json(200, await currentReport(deps, cadence as 'daily' | 'weekly'));
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>().use(httpHeaderNormalizer()).use(httpErrors()).handler(route);
