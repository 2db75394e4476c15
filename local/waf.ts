// AWS WAF, locally: the rate-based rules of the template's web ACLs (per client IP, sliding window on the
// local cloud's clock, scoped down by byte matches on method and URI path), answered with the rule's own
// custom response before the request reaches the API adapter.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resourcesOfType, type CfnTemplate } from './template.ts';

type Statement = Record<string, unknown>;

export interface RateRule {
  name: string;
  limit: number;
  windowMs: number;
  /** Does this request count towards the rule (its scope-down statement)? */
  matches: (method: string, path: string) => boolean;
  status: number;
  contentType: string;
  body: string;
  headers: Record<string, string>;
}

export interface LocalWaf {
  rules: RateRule[];
  /** Answers and returns true when a rule blocks the request; false lets it through. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean;
}

const CONTENT_TYPES: Record<string, string> = { APPLICATION_JSON: 'application/json', TEXT_PLAIN: 'text/plain', TEXT_HTML: 'text/html' };

/** Every rate-based rule of every AWS::WAFv2::WebACL in the template (any other rule type is refused). */
export function rateRulesFromTemplate(template: CfnTemplate): RateRule[] {
  const rules: RateRule[] = [];
  for (const [id, acl] of resourcesOfType(template, 'AWS::WAFv2::WebACL')) {
    const p = acl.Properties ?? {};
    const bodies = (p.CustomResponseBodies ?? {}) as Record<string, { ContentType: string; Content: string }>;
    for (const rule of (p.Rules ?? []) as Statement[]) {
      const name = `${id}/${String(rule.Name)}`;
      const rate = (rule.Statement as Statement | undefined)?.RateBasedStatement as Statement | undefined;
      if (!rate) throw new Error(`${name}: the local cloud only emulates rate-based rules`);
      if (rate.AggregateKeyType !== 'IP') throw new Error(`${name}: only AggregateKeyType IP is emulated, not ${String(rate.AggregateKeyType)}`);
      const block = (rule.Action as Statement | undefined)?.Block as Statement | undefined;
      if (!block) throw new Error(`${name}: only Block actions are emulated`);
      const custom = (block.CustomResponse ?? {}) as { ResponseCode?: number; CustomResponseBodyKey?: string; ResponseHeaders?: { Name: string; Value: string }[] };
      const body = custom.CustomResponseBodyKey ? bodies[custom.CustomResponseBodyKey] : undefined;
      if (custom.CustomResponseBodyKey && !body) throw new Error(`${name}: no custom response body ${custom.CustomResponseBodyKey}`);
      const scope = rate.ScopeDownStatement as Statement | undefined;
      rules.push({
        name,
        limit: Number(rate.Limit),
        windowMs: Number(rate.EvaluationWindowSec ?? 300) * 1000,
        matches: scope ? matcher(scope, name) : () => true,
        status: Number(custom.ResponseCode ?? 403),
        contentType: body ? (CONTENT_TYPES[body.ContentType] ?? 'text/plain') : 'text/plain',
        body: body ? body.Content : 'Forbidden',
        headers: Object.fromEntries((custom.ResponseHeaders ?? []).map((h) => [h.Name.toLowerCase(), h.Value])),
      });
    }
  }
  return rules;
}

function matcher(statement: Statement, name: string): (method: string, path: string) => boolean {
  if (statement.AndStatement) {
    const parts = ((statement.AndStatement as Statement).Statements as Statement[]).map((s) => matcher(s, name));
    return (m, p) => parts.every((f) => f(m, p));
  }
  if (statement.OrStatement) {
    const parts = ((statement.OrStatement as Statement).Statements as Statement[]).map((s) => matcher(s, name));
    return (m, p) => parts.some((f) => f(m, p));
  }
  if (statement.NotStatement) {
    const inner = matcher((statement.NotStatement as Statement).Statement as Statement, name);
    return (m, p) => !inner(m, p);
  }
  const byte = statement.ByteMatchStatement as
    | { FieldToMatch: Record<string, unknown>; SearchString: string; PositionalConstraint: string; TextTransformations?: { Type: string }[] }
    | undefined;
  if (!byte) throw new Error(`${name}: scope-down statement ${Object.keys(statement).join(', ')} is not emulated (only And/Or/Not and ByteMatch)`);
  const field = 'Method' in byte.FieldToMatch ? 'method' : 'UriPath' in byte.FieldToMatch ? 'path' : undefined;
  if (!field) throw new Error(`${name}: byte match on ${Object.keys(byte.FieldToMatch).join(', ')} is not emulated (only Method and UriPath)`);
  const transforms = (byte.TextTransformations ?? []).map((t) => t.Type);
  const unknown = transforms.filter((t) => t !== 'NONE' && t !== 'LOWERCASE');
  if (unknown.length > 0) throw new Error(`${name}: text transformation ${unknown.join(', ')} is not emulated`);
  const lower = transforms.includes('LOWERCASE');
  const search = byte.SearchString;
  const test: (value: string) => boolean = {
    EXACTLY: (v: string) => v === search,
    STARTS_WITH: (v: string) => v.startsWith(search),
    ENDS_WITH: (v: string) => v.endsWith(search),
    CONTAINS: (v: string) => v.includes(search),
  }[byte.PositionalConstraint] ?? (() => {
    throw new Error(`${name}: positional constraint ${byte.PositionalConstraint} is not emulated`);
  })();
  return (m, p) => {
    const value = field === 'method' ? m : p;
    return test(lower ? value.toLowerCase() : value);
  };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * The client a request counts against: its source address, or, for a request from this machine, the first
 * address of X-Forwarded-For (as a proxy in front would pass the viewer's address), so tests can act as
 * several clients. A forwarded address from anywhere else is ignored (it could be forged).
 */
export function clientOf(req: IncomingMessage): { ip: string; forwarded: boolean } {
  const source = req.socket.remoteAddress ?? 'unknown';
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim();
  if (LOOPBACK.has(source) && forwarded) return { ip: forwarded, forwarded: true };
  return { ip: source, forwarded: false };
}

export function createLocalWaf(opts: {
  template: CfnTemplate;
  now: () => number;
  /** Multiplies the limits for this machine's own requests (no X-Forwarded-For): tests and benches post a lot. */
  loopbackLimitScale?: number;
  log?: (line: string) => void;
}): LocalWaf {
  const rules = rateRulesFromTemplate(opts.template);
  const scale = opts.loopbackLimitScale ?? 1;
  // rule → client → instants of the requests that matched its scope-down, oldest first.
  const seen = new Map<RateRule, Map<string, number[]>>(rules.map((r) => [r, new Map()]));
  return {
    rules,
    handle(req, res, url) {
      const method = (req.method ?? 'GET').toUpperCase();
      const { ip, forwarded } = clientOf(req);
      const now = opts.now();
      for (const rule of rules) {
        if (!rule.matches(method, url.pathname)) continue;
        const clients = seen.get(rule)!;
        const since = now - rule.windowMs;
        const instants = (clients.get(ip) ?? []).filter((t) => t > since);
        instants.push(now); // WAF counts every matching request, blocked ones too
        clients.set(ip, instants);
        const limit = LOOPBACK.has(ip) && !forwarded ? rule.limit * scale : rule.limit;
        if (instants.length <= limit) continue;
        // The client is back under the limit once enough of its requests leave the window.
        const retryAfterMs = instants[instants.length - 1 - limit]! + rule.windowMs - now;
        opts.log?.(`WAF ${rule.name}: ${method} ${url.pathname} blocked (${instants.length} in ${rule.windowMs / 1000} s, limit ${limit})`);
        res.writeHead(rule.status, { ...rule.headers, 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))), 'content-type': rule.contentType });
        res.end(rule.body);
        return true;
      }
      return false;
    },
  };
}
