import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticSiteFromTemplate, type StaticSite } from '#local/static-site.ts';
import type { CfnTemplate, IntrinsicContext } from '#local/template.ts';

const ctx: IntrinsicContext = {
  region: 'eu-west-1',
  accountId: '000000000000',
  partition: 'aws',
  stackName: 'Test',
  urlSuffix: 'amazonaws.com',
  ref: (id) => id,
  getAtt: (id, a) => `${id}.${a}`,
};

/** The shape CDK synthesizes for a BucketDeployment (asset + jsonData) behind a distribution. */
const template: CfnTemplate = {
  Resources: {
    Deploy: {
      Type: 'Custom::CDKBucketDeployment',
      Properties: {
        SourceObjectKeys: ['aaaa.zip', 'bbbb.zip'],
        SourceMarkers: [{}, { '<<marker:0xbaba:0>>': { Ref: 'Pool' } }],
        DestinationBucketName: { Ref: 'Bucket' },
      },
    },
    Headers: {
      Type: 'AWS::CloudFront::ResponseHeadersPolicy',
      Properties: {
        ResponseHeadersPolicyConfig: {
          SecurityHeadersConfig: {
            ContentSecurityPolicy: { ContentSecurityPolicy: { 'Fn::Join': ['', ["default-src 'self'; connect-src https://cognito-idp.", { Ref: 'AWS::Region' }, '.amazonaws.com']] }, Override: true },
            ContentTypeOptions: { Override: true },
            FrameOptions: { FrameOption: 'DENY', Override: true },
            ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
          },
          CustomHeadersConfig: { Items: [{ Header: 'Permissions-Policy', Value: 'camera=()', Override: true }] },
        },
      },
    },
    Paths: {
      Type: 'AWS::CloudFront::Function',
      Properties: { FunctionCode: "function handler(event) { var r = event.request; if (r.uri === '/console') { r.uri = '/console.html'; } return r; }" },
    },
    Site: {
      Type: 'AWS::CloudFront::Distribution',
      Properties: {
        DistributionConfig: {
          DefaultRootObject: 'index.html',
          DefaultCacheBehavior: { ResponseHeadersPolicyId: { Ref: 'Headers' }, FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': ['Paths', 'FunctionARN'] } }] },
        },
      },
    },
  },
};

let dir: string;
let server: Server;
let base: string;
let site: StaticSite;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'static-site-'));
  mkdirSync(path.join(dir, 'asset.aaaa', 'img'), { recursive: true });
  writeFileSync(path.join(dir, 'asset.aaaa', 'index.html'), '<h1>form</h1>');
  writeFileSync(path.join(dir, 'asset.aaaa', 'console.html'), '<h1>console</h1>');
  writeFileSync(path.join(dir, 'asset.aaaa', 'app.js'), 'export {}');
  writeFileSync(path.join(dir, 'asset.aaaa', 'img', 'logo.svg'), '<svg/>');
  mkdirSync(path.join(dir, 'asset.bbbb'));
  writeFileSync(path.join(dir, 'asset.bbbb', 'config.json'), '{"userPoolId":"<<marker:0xbaba:0>>"}');
  writeFileSync(path.join(dir, 'secret.txt'), 'outside the site');
  site = staticSiteFromTemplate({ template, cdkOutDir: dir, ctx, localFiles: { 'config.json': { auth: 'local' } } })!;
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!site.handle(req, res, url)) {
      res.writeHead(404);
      res.end('no');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('staticSiteFromTemplate', () => {
  it('serves the deployed asset directory, / as the root object and /console through the CloudFront Function', async () => {
    expect(site.keys()).toEqual(['app.js', 'config.json', 'console.html', 'img/logo.svg', 'index.html']);
    const root = await fetch(`${base}/`);
    expect(root.status).toBe(200);
    expect(root.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await root.text()).toBe('<h1>form</h1>');
    expect(await (await fetch(`${base}/console`)).text()).toBe('<h1>console</h1>');
    expect((await fetch(`${base}/app.js`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${base}/img/logo.svg`)).headers.get('content-type')).toBe('image/svg+xml');
  });

  it('answers the deploy-time config with the local stand-in', async () => {
    expect(await (await fetch(`${base}/config.json`)).json()).toEqual({ auth: 'local' });
  });

  it("sends the response headers policy's headers, resolved", async () => {
    const res = await fetch(`${base}/`);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'self'; connect-src https://cognito-idp.eu-west-1.amazonaws.com");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('permissions-policy')).toBe('camera=()');
  });

  it('serves nothing else: unknown keys, other methods, paths out of the directory', async () => {
    expect((await fetch(`${base}/missing.html`)).status).toBe(404);
    expect((await fetch(`${base}/`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${base}/%2e%2e/secret.txt`)).status).toBe(404);
    expect((await fetch(`${base}/img/..%2F..%2Fsecret.txt`)).status).toBe(404);
  });

  it('is undefined for a template without a bucket deployment', () => {
    expect(staticSiteFromTemplate({ template: { Resources: {} }, cdkOutDir: dir, ctx, localFiles: {} })).toBeUndefined();
  });
});
