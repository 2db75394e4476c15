// Attachment downloads on AWS: the route sits behind the authorizer on the cases function, whose role may read
// the mail bucket's attachments/ objects (what its presigned links are authorized as) and nothing else of it.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../infra/config.ts';
import { TrustdeskStack } from '../../infra/trustdesk-stack.ts';
import { routesFromTemplate } from '#local/api-gateway.ts';
import type { CfnTemplate } from '#local/template.ts';

type Json = Record<string, unknown>;
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
let template: Json & { Resources: Record<string, { Type: string; Properties?: Json }> };

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  template = Template.fromStack(new TrustdeskStack(app, 'Trustdesk', { config: readConfig(app) })).toJSON() as typeof template;
}, 60_000);

const refId = (v: unknown) => (v as { Ref?: string; 'Fn::GetAtt'?: [string, string] }).Ref ?? (v as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0];

describe('attachment downloads infrastructure', () => {
  it('routes GET /cases/{caseId}/attachments/{n} behind the authorizer to the cases function, given the mail bucket', () => {
    const routes = routesFromTemplate(template as unknown as CfnTemplate);
    const download = routes.find((r) => r.method === 'GET' && r.resource === '/cases/{caseId}/attachments/{n}');
    const caseRoute = routes.find((r) => r.method === 'GET' && r.resource === '/cases/{caseId}');
    expect(download?.authorization).toBe('COGNITO_USER_POOLS');
    expect(download?.functionId).toBe(caseRoute?.functionId);
    const mailBucketId = Object.entries(template.Resources).find(([id, r]) => r.Type === 'AWS::S3::Bucket' && id.includes('Mail'))![0];
    const env = (template.Resources[download!.functionId]!.Properties!.Environment as { Variables: Json }).Variables;
    expect(env.MAIL_BUCKET).toEqual({ Ref: mailBucketId });
  });

  it("lets the cases function's role read objects under attachments/ of the mail bucket only, and do nothing else in S3", () => {
    const routes = routesFromTemplate(template as unknown as CfnTemplate);
    const fn = template.Resources[routes.find((r) => r.resource === '/cases/{caseId}/attachments/{n}')!.functionId]!;
    const roleId = refId(fn.Properties!.Role)!;
    const statements = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && ((r.Properties!.Roles as unknown[]) ?? []).some((role) => refId(role) === roleId))
      .flatMap((r) => (r.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
    const s3 = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')));
    expect(s3).toHaveLength(1);
    expect(s3[0]!.Effect).toBe('Allow');
    expect(s3[0]!.Action).toBe('s3:GetObject');
    const resource = JSON.stringify(s3[0]!.Resource);
    expect(resource).toContain('/attachments/*');
    expect(resource).toMatch(/Mail/);
  });
});
