// Governance on AWS: the risk team's erasure and export routes go to one function that alone among the API
// functions may delete from the mail bucket; the REST API returns zips as bytes; the retention function runs
// daily on the privacy policy's cron and time zone, its failures parked.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import privacyPolicy from '../../config/privacy-policy.json' with { type: 'json' };
import { readConfig } from '../../infra/config.ts';
import { TrustdeskStack } from '../../infra/trustdesk-stack.ts';
import { routesFromTemplate } from '#local/api-gateway.ts';
import type { CfnTemplate } from '#local/template.ts';

type Json = Record<string, unknown>;
let template: Json & { Resources: Record<string, { Type: string; Properties?: Json }> };
const ofType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  template = Template.fromStack(new TrustdeskStack(app, 'Trustdesk', { config: readConfig(app) })).toJSON() as typeof template;
}, 60_000);

describe('governance infrastructure', () => {
  it('routes erasure and export, behind the authorizer, to the governance function; the API returns zips as bytes', () => {
    const routes = routesFromTemplate(template as unknown as CfnTemplate);
    const erasure = routes.find((r) => r.method === 'POST' && r.resource === '/requesters/erasure');
    const exporting = routes.find((r) => r.method === 'GET' && r.resource === '/cases/{caseId}/export');
    expect(erasure?.authorization).toBe('COGNITO_USER_POOLS');
    expect(exporting?.authorization).toBe('COGNITO_USER_POOLS');
    expect(exporting?.functionId).toBe(erasure?.functionId);
    expect(template.Resources[erasure!.functionId]?.Properties?.Environment).toMatchObject({ Variables: { MAIL_PREFIX: 'inbound/' } });
    const apis = ofType('AWS::ApiGateway::RestApi');
    expect(apis.map(([, api]) => api.Properties?.BinaryMediaTypes)).toEqual([['application/zip']]);
  });

  it('runs retention daily on the policy’s cron and time zone, with retries and a parked-run queue', () => {
    const schedule = ofType('AWS::Scheduler::Schedule').find(([id]) => id.startsWith('GovernanceDailyRetention'));
    expect(schedule).toBeDefined();
    const props = schedule![1].Properties!;
    expect(props).toMatchObject({ ScheduleExpression: `cron(${privacyPolicy.retentionCron})`, ScheduleExpressionTimezone: privacyPolicy.retentionTimeZone });
    const target = props.Target as { Arn: { 'Fn::GetAtt': [string, string] }; RetryPolicy: Json; DeadLetterConfig: Json };
    expect(template.Resources[target.Arn['Fn::GetAtt'][0]]?.Type).toBe('AWS::Lambda::Function');
    expect(target.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 3 });
    expect(target.DeadLetterConfig).toBeDefined();
  });
});
