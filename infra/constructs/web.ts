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
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrustdeskApi } from './api.ts';
import type { Identity } from './identity.ts';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const WEB_DIST = path.join(projectRoot, 'web', 'dist');

/** Paths CloudFront sends to the REST API, so the pages call it on their own origin (no CORS). */
export const API_PATHS = ['/inquiries*', '/cases*', '/subscriptions*', '/reports*'] as const;

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

    new BucketDeployment(this, 'Deploy', {
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
  }

  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }
}
