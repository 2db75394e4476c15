import { Stack } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** The custom response body the rate rule answers with (the local cloud reads it from the template too). */
export const TOO_MANY_REQUESTS_BODY = 'TooManyRequests';

/**
 * A regional web ACL on the REST API stage: everything is allowed except a client (by source IP) that
 * sends more than `limit` public inquiries (`POST …/inquiries`), or more than `limit` rating confirmations
 * (`POST …/ratings`), within `windowSeconds`; those get a 429.
 * local/waf.ts enforces the same rule, read from the synthesized template.
 */
export class IntakeWaf extends Construct {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: { restApi: RestApi; limit: number; windowSeconds?: number }) {
    super(scope, id);
    const windowSeconds = props.windowSeconds ?? 300;
    const metric = (name: string) => ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: name });
    const byteMatch = (field: CfnWebACL.FieldToMatchProperty, searchString: string, positionalConstraint: string) => ({
      byteMatchStatement: { fieldToMatch: field, searchString, positionalConstraint, textTransformations: [{ priority: 0, type: 'NONE' }] },
    });
    const rateRule = (name: string, priority: number, metricName: string, path: string): CfnWebACL.RuleProperty => ({
      name,
      priority,
      visibilityConfig: metric(metricName),
      action: {
        block: {
          customResponse: {
            responseCode: 429,
            customResponseBodyKey: TOO_MANY_REQUESTS_BODY,
            responseHeaders: [{ name: 'retry-after', value: String(windowSeconds) }],
          },
        },
      },
      statement: {
        rateBasedStatement: {
          limit: props.limit,
          evaluationWindowSec: windowSeconds,
          aggregateKeyType: 'IP',
          scopeDownStatement: {
            andStatement: {
              statements: [byteMatch({ method: {} }, 'POST', 'EXACTLY'), byteMatch({ uriPath: {} }, path, 'ENDS_WITH')],
            },
          },
        },
      },
    });
    this.webAcl = new CfnWebACL(this, 'Acl', {
      scope: 'REGIONAL',
      description: 'trustdesk API: per-client rate limits on the public intake and rating posts',
      defaultAction: { allow: {} },
      visibilityConfig: metric('trustdesk-api'),
      customResponseBodies: {
        [TOO_MANY_REQUESTS_BODY]: { contentType: 'APPLICATION_JSON', content: JSON.stringify({ message: 'Too Many Requests' }) },
      },
      rules: [
        rateRule('IntakeRatePerClient', 0, 'trustdesk-intake-rate', '/inquiries'),
        // The rating pages' form post (signed links, so nothing to guess; a flood still costs writes and reads).
        rateRule('RatingRatePerClient', 1, 'trustdesk-rating-rate', '/ratings'),
      ],
    });
    const stage = props.restApi.deploymentStage;
    const association = new CfnWebACLAssociation(this, 'Association', {
      resourceArn: `arn:${Stack.of(this).partition}:apigateway:${Stack.of(this).region}::/restapis/${props.restApi.restApiId}/stages/${stage.stageName}`,
      webAclArn: this.webAcl.attrArn,
    });
    association.node.addDependency(stage);
  }
}
