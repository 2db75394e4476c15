import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
  type BehaviorOptions,
} from 'aws-cdk-lib/aws-cloudfront';
import { RestApiOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrustdeskApi } from './api.ts';
import type { Identity } from './identity.ts';
import { acknowledge } from '../nag.ts';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const WEB_DIST = path.join(projectRoot, 'web', 'dist');

/** Paths CloudFront sends to the REST API, so the pages call it on their own origin (no CORS). */
export const API_PATHS = ['/inquiries*', '/ratings*', '/cases*', '/subscriptions*', '/reports*', '/quarantine*', '/requesters*', '/users*'] as const;

/**
 * The pages' Content-Security-Policy: our own scripts, styles and API only; nothing inline, no eval,
 * no frames, and Trusted Types required, so no string can ever be written into the page as HTML.
 * The console signs in against Cognito's endpoint of the stack's region.
 */
export function contentSecurityPolicy(region: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    `connect-src 'self' https://cognito-idp.${region}.amazonaws.com`,
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join('; ');
}

/**
 * The public form (/) and the agent console (/console): static files in a private bucket behind
 * CloudFront (origin access control), a config.json saying how agents sign in, strict security headers,
 * and the API's paths routed to the REST API on the same origin.
 */
export class Web extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  readonly headers: ResponseHeadersPolicy;

  constructor(scope: Construct, id: string, props: { api: TrustdeskApi; identity: Identity }) {
    super(scope, id);
    if (!existsSync(path.join(WEB_DIST, 'index.html'))) {
      throw new Error(`${WEB_DIST} is missing: run \`npm run build:web\` (npm run synth does it first)`);
    }
    const region = Stack.of(this).region;

    // Only build output: nothing to keep when the stack goes (the deployment empties it on delete).
    this.bucket = new Bucket(this, 'Assets', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledge(this.bucket, 'AwsSolutions-S1', 'Holds only the public build output, written by the deployment and read by CloudFront through origin access control; there is nothing private whose access to audit.');

    this.headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'trustdesk pages: strict CSP and security headers',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: contentSecurityPolicy(region), override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
      customHeadersBehavior: {
        customHeaders: [{ header: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=()', override: true }],
      },
    });

    // /console (and /console/) is the console page; everything else is a file name.
    const pagePaths = new CloudFrontFunction(this, 'PagePaths', {
      runtime: FunctionRuntime.JS_2_0,
      comment: 'Serves /console from console.html',
      code: FunctionCode.fromInline(
        "function handler(event) { var r = event.request; if (r.uri === '/console' || r.uri === '/console/') { r.uri = '/console.html'; } return r; }",
      ),
    });

    const api: BehaviorOptions = {
      origin: new RestApiOrigin(props.api.restApi),
      allowedMethods: AllowedMethods.ALLOW_ALL,
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      // Every viewer header (Authorization, Idempotency-Key, Accept…) but Host, which API Gateway needs as its own.
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: this.headers,
    };
    this.distribution = new Distribution(this, 'Site', {
      comment: 'trustdesk: public form, agent console and API',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.headers,
        functionAssociations: [{ function: pagePaths, eventType: FunctionEventType.VIEWER_REQUEST }],
        compress: true,
      },
      additionalBehaviors: Object.fromEntries(API_PATHS.map((p) => [p, api])),
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
    });
    acknowledge(this.distribution, 'AwsSolutions-CFR1', "The platform's users (and so its requesters) are worldwide; no country is out of scope.");
    acknowledge(this.distribution, 'AwsSolutions-CFR2', 'The WAF rate rule for public intake is its own item of issue 5; the API stage throttles meanwhile.');
    acknowledge(this.distribution, 'AwsSolutions-CFR3', "Viewer logs would record every visitor's IP address (personal data); API requests are logged by the stage's access log without it.");
    acknowledge(this.distribution, 'AwsSolutions-CFR4', 'The distribution uses the default *.cloudfront.net certificate, whose minimum TLS version cannot be set; a custom domain with an ACM certificate is needed first.');

    const deployment = new BucketDeployment(this, 'Deploy', {
      sources: [
        Source.asset(WEB_DIST),
        // How the console signs agents in; the local cloud serves its own ({"auth": "local"}).
        Source.jsonData('config.json', {
          auth: 'cognito',
          region,
          userPoolId: props.identity.userPool.userPoolId,
          clientId: props.identity.client.userPoolClientId,
        }),
      ],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      cacheControl: [CacheControl.setPublic(), CacheControl.maxAge(Duration.minutes(5))],
      prune: true,
      retainOnDelete: false,
      memoryLimit: 256,
    });
    // The deployment's handler is CDK's own singleton function (its role is a child of it).
    const handler = deployment.handlerRole.node.scope;
    if (handler) {
      acknowledge(handler, 'AwsSolutions-L1', "CDK's BucketDeployment handler: its runtime is chosen by aws-cdk-lib, not by us.");
      acknowledge(handler, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', "CDK's BucketDeployment handler role (deploy-time only): CDK attaches the basic execution policy.");
      const why = "CDK's BucketDeployment grant: copy from the CDK assets bucket into the site bucket (objects unknown in advance), at deploy time only.";
      for (const finding of ['Action::s3:GetObject*', 'Action::s3:GetBucket*', 'Action::s3:List*', 'Action::s3:DeleteObject*', 'Action::s3:Abort*']) {
        acknowledge(handler, `AwsSolutions-IAM5[${finding}]`, why);
      }
      acknowledge(handler, 'AwsSolutions-IAM5[Resource::*]', "CDK's BucketDeployment grant of cloudfront:CreateInvalidation/GetInvalidation, which CDK scopes to * (deploy time only).");
      acknowledge(handler, 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]', why);
      acknowledge(handler, `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnBucket)}.Arn>/*]`, why);
    }
  }

  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }
}
