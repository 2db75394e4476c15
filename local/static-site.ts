// CloudFront + S3 (the web pages), locally: what the template deploys, served the way the distribution
// serves it. Everything comes from the template:
// - the files: each Custom::CDKBucketDeployment source (SourceObjectKeys → the cdk.out/asset.<hash>/
//   directory the CLI would upload); sources with deploy-time markers (Source.jsonData: the console's
//   config.json with the user pool ids) are replaced by a local equivalent given by the caller;
// - the paths: the default behaviour's viewer-request CloudFront Function (/console → console.html)
//   runs here as it does at the edge, and the distribution's DefaultRootObject answers `/`;
// - the headers: the ResponseHeadersPolicy of the default behaviour (the same Content-Security-Policy).
// Generic: nothing here knows trustdesk's pages.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import vm from 'node:vm';
import { resolveIntrinsics, resourcesOfType, type CfnTemplate, type IntrinsicContext } from './template.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

export interface StaticSiteOptions {
  template: CfnTemplate;
  cdkOutDir: string;
  ctx: IntrinsicContext;
  /** Local stand-ins for files rendered at deploy time, by object key (e.g. config.json). */
  localFiles: Record<string, unknown>;
}

export interface StaticSite {
  /** Object keys served (local stand-ins included). */
  keys(): string[];
  /** The response headers every page gets (from the template's response headers policy). */
  headers: Record<string, string>;
  /** Serve a GET/HEAD for a file of the site; false when the request is not one (the caller answers). */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean;
}

interface ViewerRequest {
  uri: string;
  method: string;
  querystring: Record<string, { value: string }>;
  headers: Record<string, { value: string }>;
}

/** The site the template deploys, or undefined when it deploys none. */
export function staticSiteFromTemplate(o: StaticSiteOptions): StaticSite | undefined {
  const deployments = resourcesOfType(o.template, 'Custom::CDKBucketDeployment');
  if (deployments.length === 0) return undefined;

  // Object key → file on disk; later sources win, as when the deployment unpacks them in order.
  const files = new Map<string, string>();
  for (const [id, deployment] of deployments) {
    const p = deployment.Properties ?? {};
    const keys = (p.SourceObjectKeys ?? []) as unknown[];
    const markers = (p.SourceMarkers ?? []) as unknown[];
    keys.forEach((key, i) => {
      const marked = markers[i] && typeof markers[i] === 'object' && Object.keys(markers[i] as object).length > 0;
      if (marked) return; // rendered at deploy time: the caller's local stand-in serves it
      const dir = path.join(o.cdkOutDir, `asset.${String(key).replace(/\.zip$/, '')}`);
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${id}: source ${String(key)} is not staged in ${o.cdkOutDir} (run npm run synth)`);
      for (const file of walk(dir)) files.set(path.relative(dir, file).split(path.sep).join('/'), file);
    });
  }

  const distribution = resourcesOfType(o.template, 'AWS::CloudFront::Distribution')[0]?.[1];
  const config = (distribution?.Properties?.DistributionConfig ?? {}) as {
    DefaultRootObject?: string;
    DefaultCacheBehavior?: { ResponseHeadersPolicyId?: unknown; FunctionAssociations?: { EventType?: string; FunctionARN?: unknown }[] };
  };
  const rootObject = config.DefaultRootObject ?? 'index.html';
  const headers = securityHeaders(o.template, o.ctx, config.DefaultCacheBehavior?.ResponseHeadersPolicyId);
  const viewerRequest = viewerRequestFunction(o.template, config.DefaultCacheBehavior?.FunctionAssociations ?? []);
  const local = new Map(Object.entries(o.localFiles).map(([key, value]) => [key, Buffer.from(`${JSON.stringify(value)}\n`)]));

  return {
    keys: () => [...new Set([...files.keys(), ...local.keys()])].sort(),
    headers,
    handle(req, res, url) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      let uri = url.pathname;
      if (viewerRequest) uri = viewerRequest({ uri, method: req.method, querystring: {}, headers: {} }).uri;
      let key: string;
      try {
        key = decodeURIComponent(uri === '/' ? `/${rootObject}` : uri).replace(/^\/+/, '');
      } catch {
        return false;
      }
      if (key.split('/').some((part) => part === '..' || part === '.')) return false;
      const body = local.get(key) ?? (files.has(key) ? readFileSync(files.get(key)!) : undefined);
      if (!body) return false;
      res.writeHead(200, {
        ...headers,
        'content-type': CONTENT_TYPES[path.extname(key).toLowerCase()] ?? 'application/octet-stream',
        'content-length': String(body.length),
        // Locally pages change with every build: never let the browser keep an old one.
        'cache-control': 'no-cache',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    },
  };
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile()) yield full;
  }
}

/** The headers a response headers policy adds, as CloudFront sends them. */
function securityHeaders(template: CfnTemplate, ctx: IntrinsicContext, policyRef: unknown): Record<string, string> {
  const policies = resourcesOfType(template, 'AWS::CloudFront::ResponseHeadersPolicy');
  const refId = policyRef && typeof policyRef === 'object' && 'Ref' in policyRef ? String((policyRef as { Ref: unknown }).Ref) : undefined;
  const policy = (policies.find(([id]) => id === refId) ?? policies[0])?.[1];
  if (!policy) return {};
  const cfg = resolveIntrinsics(policy.Properties?.ResponseHeadersPolicyConfig ?? {}, ctx) as {
    SecurityHeadersConfig?: {
      ContentSecurityPolicy?: { ContentSecurityPolicy: string };
      ContentTypeOptions?: unknown;
      FrameOptions?: { FrameOption: string };
      ReferrerPolicy?: { ReferrerPolicy: string };
      StrictTransportSecurity?: { AccessControlMaxAgeSec: number; IncludeSubdomains?: boolean; Preload?: boolean };
      XSSProtection?: { Protection: boolean; ModeBlock?: boolean };
    };
    CustomHeadersConfig?: { Items?: { Header: string; Value: string }[] };
  };
  const s = cfg.SecurityHeadersConfig ?? {};
  const out: Record<string, string> = {};
  if (s.ContentSecurityPolicy) out['content-security-policy'] = s.ContentSecurityPolicy.ContentSecurityPolicy;
  if (s.ContentTypeOptions) out['x-content-type-options'] = 'nosniff';
  if (s.FrameOptions) out['x-frame-options'] = s.FrameOptions.FrameOption;
  if (s.ReferrerPolicy) out['referrer-policy'] = s.ReferrerPolicy.ReferrerPolicy;
  if (s.StrictTransportSecurity) {
    const h = s.StrictTransportSecurity;
    out['strict-transport-security'] = [`max-age=${h.AccessControlMaxAgeSec}`, h.IncludeSubdomains && 'includeSubDomains', h.Preload && 'preload'].filter(Boolean).join('; ');
  }
  if (s.XSSProtection) out['x-xss-protection'] = s.XSSProtection.Protection ? `1${s.XSSProtection.ModeBlock ? '; mode=block' : ''}` : '0';
  for (const item of cfg.CustomHeadersConfig?.Items ?? []) out[item.Header.toLowerCase()] = item.Value;
  return out;
}

/** The default behaviour's viewer-request CloudFront Function (cloudfront-js), run in a sandbox. */
function viewerRequestFunction(template: CfnTemplate, associations: { EventType?: string; FunctionARN?: unknown }[]): ((r: ViewerRequest) => ViewerRequest) | undefined {
  const association = associations.find((a) => a.EventType === 'viewer-request');
  const arn = association?.FunctionARN as { 'Fn::GetAtt'?: [string, string] } | undefined;
  const id = arn?.['Fn::GetAtt']?.[0];
  const code = id ? template.Resources[id]?.Properties?.FunctionCode : undefined;
  if (typeof code !== 'string') return undefined;
  // Defining the function only guards against a runaway top level: generous, since a loaded CI machine once took over 100 ms.
  const handler = vm.runInNewContext(`${code}\n;handler`, Object.create(null), { timeout: 5_000 }) as (event: { request: ViewerRequest }) => ViewerRequest;
  return (request) => {
    const result = handler({ request: structuredClone(request) });
    return result && typeof result.uri === 'string' ? result : request;
  };
}
