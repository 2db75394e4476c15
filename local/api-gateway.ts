// API Gateway (REST, proxy integrations), locally: routes, methods, authorizers and binary media types come
// from the template; requests become APIGatewayProxyEvents for the same bundled handlers. A function's base64
// body (isBase64Encoded) is decoded to bytes only when the request's first Accept type is one of the API's
// BinaryMediaTypes, as API Gateway does; otherwise the client gets the base64 text, as it would on AWS.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { LocalFunction } from './lambda-runtime.ts';
import { resourcesOfType, type CfnTemplate } from './template.ts';

export interface ApiRoute {
  method: string;
  resource: string; // e.g. /cases/{caseId}
  pattern: RegExp;
  params: string[];
  functionId: string;
  authorization: 'NONE' | 'COGNITO_USER_POOLS';
}

/** Stands in for the Cognito authorizer: the verified claims, or undefined to refuse. */
export type VerifyToken = (token: string) => Promise<Record<string, unknown> | undefined>;

const refOf = (v: unknown): string | undefined => (v && typeof v === 'object' && 'Ref' in v ? String((v as { Ref: unknown }).Ref) : undefined);
const getAttOf = (v: unknown): string | undefined => {
  if (!v || typeof v !== 'object' || !('Fn::GetAtt' in v)) return undefined;
  const att = (v as { 'Fn::GetAtt': unknown })['Fn::GetAtt'];
  return Array.isArray(att) ? String(att[0]) : String(att).split('.')[0];
};

/** Every method of every REST API resource, with the function its AWS_PROXY integration calls. */
export function routesFromTemplate(template: CfnTemplate): ApiRoute[] {
  const resources = new Map(resourcesOfType(template, 'AWS::ApiGateway::Resource'));
  const pathOf = (resourceId: string | undefined): string => {
    if (!resourceId) return '';
    const res = resources.get(resourceId);
    if (!res) return ''; // the API's root resource
    const parentId = refOf(res.Properties?.ParentId);
    return `${pathOf(parentId)}/${String(res.Properties?.PathPart)}`;
  };
  const routes: ApiRoute[] = [];
  for (const [id, method] of resourcesOfType(template, 'AWS::ApiGateway::Method')) {
    const props = method.Properties ?? {};
    const integration = props.Integration as { Type?: string; Uri?: unknown } | undefined;
    if (integration?.Type !== 'AWS_PROXY') continue; // OPTIONS mocks and the like
    const functionId = findFunctionRef(integration.Uri);
    if (!functionId) throw new Error(`${id}: cannot tell which function its integration calls`);
    const resourceId = refOf(props.ResourceId) ?? getAttOf(props.ResourceId);
    const resource = pathOf(resources.has(resourceId ?? '') ? resourceId : undefined) || '/';
    const params: string[] = [];
    const pattern = new RegExp(
      `^${resource.replace(/\{([^}+]+)(\+?)\}|[.*+?^$()|[\]\\]/g, (m, name: string | undefined, greedy: string) => {
        if (!name) return `\\${m}`;
        params.push(name);
        return greedy ? '(.+)' : '([^/]+)';
      })}/?$`,
    );
    routes.push({
      method: String(props.HttpMethod).toUpperCase(),
      resource,
      pattern,
      params,
      functionId,
      authorization: props.AuthorizationType === 'COGNITO_USER_POOLS' ? 'COGNITO_USER_POOLS' : 'NONE',
    });
  }
  return routes;
}

/** The REST API's BinaryMediaTypes (one API per template here). */
export function binaryMediaTypesFromTemplate(template: CfnTemplate): string[] {
  return resourcesOfType(template, 'AWS::ApiGateway::RestApi').flatMap(([, api]) => ((api.Properties?.BinaryMediaTypes as string[] | undefined) ?? []).map(String));
}

/** Whether a media type (type/subtype) matches an entry of BinaryMediaTypes, wildcards included. */
export function isBinaryMediaType(mediaType: string, binaryMediaTypes: readonly string[]): boolean {
  const [type, subtype] = mediaType.split(';')[0]!.trim().toLowerCase().split('/');
  if (!type || !subtype) return false;
  return binaryMediaTypes.some((entry) => {
    const [t, s] = entry.trim().toLowerCase().split('/');
    return (t === '*' || t === type) && (s === '*' || s === subtype);
  });
}

function findFunctionRef(uri: unknown): string | undefined {
  if (Array.isArray(uri)) return uri.map(findFunctionRef).find(Boolean);
  if (!uri || typeof uri !== 'object') return undefined;
  const att = getAttOf(uri);
  if (att) return att;
  return Object.values(uri).map(findFunctionRef).find(Boolean);
}

export const MAX_API_PAYLOAD_BYTES = 10 * 1024 * 1024; // API Gateway's own limit

export interface ApiGatewayOptions {
  routes: ApiRoute[];
  functions: Map<string, LocalFunction>;
  verifyToken: VerifyToken;
  stage: string;
  accountId: string;
  /** The API's BinaryMediaTypes (binaryMediaTypesFromTemplate); none: every response body is text. */
  binaryMediaTypes?: readonly string[];
  log: (line: string) => void;
}

/** Handle one HTTP request as API Gateway would; false when no route matches the path. */
export async function handleApiRequest(req: IncomingMessage, res: ServerResponse, url: URL, opts: ApiGatewayOptions): Promise<boolean> {
  const candidates = opts.routes.map((r) => ({ route: r, match: r.pattern.exec(url.pathname) })).filter((c) => c.match);
  if (candidates.length === 0) return false;
  const method = (req.method ?? 'GET').toUpperCase();
  const hit = candidates.find((c) => c.route.method === method || c.route.method === 'ANY');
  if (!hit) {
    send(res, { statusCode: 403, body: JSON.stringify({ message: 'Missing Authentication Token' }) });
    return true;
  }
  const { route, match } = hit;
  const body = await readBody(req);
  if (body === 'too-large') {
    send(res, { statusCode: 413, body: JSON.stringify({ message: 'Request Too Long' }) });
    return true;
  }

  let claims: Record<string, unknown> | undefined;
  if (route.authorization === 'COGNITO_USER_POOLS') {
    const header = req.headers.authorization;
    const token = header?.replace(/^Bearer\s+/i, '').trim();
    claims = token ? await opts.verifyToken(token) : undefined;
    if (!claims) {
      send(res, { statusCode: 401, body: JSON.stringify({ message: 'Unauthorized' }) });
      return true;
    }
  }

  const pathParameters = route.params.length
    ? Object.fromEntries(route.params.map((p, i) => [p, decodeURIComponent(match![i + 1] ?? '')]))
    : null;
  const event = toProxyEvent(req, url, body, route, pathParameters, claims, opts);
  const fn = opts.functions.get(route.functionId);
  if (!fn) throw new Error(`route ${method} ${route.resource} calls unknown function ${route.functionId}`);
  let result: APIGatewayProxyResult;
  try {
    result = (await fn.invoke(event)) as APIGatewayProxyResult;
    if (!result || typeof result.statusCode !== 'number') throw new Error('malformed proxy response');
  } catch (error) {
    opts.log(`${route.functionId} failed: ${(error as Error).message}`);
    send(res, { statusCode: 502, body: JSON.stringify({ message: 'Internal server error' }) });
    return true;
  }
  // API Gateway decides by the client's first Accept type whether a base64 body goes out as bytes.
  const firstAccept = String(req.headers.accept ?? '').split(',')[0] ?? '';
  const binary = result.isBase64Encoded === true && isBinaryMediaType(firstAccept, opts.binaryMediaTypes ?? []);
  send(res, binary ? result : { ...result, isBase64Encoded: false });
  return true;
}

function toProxyEvent(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  route: ApiRoute,
  pathParameters: Record<string, string> | null,
  claims: Record<string, unknown> | undefined,
  opts: ApiGatewayOptions,
): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) {
    query[k] = v;
    (multiQuery[k] ??= []).push(v);
  }
  const hasQuery = Object.keys(query).length > 0;
  const contentType = String(req.headers['content-type'] ?? '');
  const isText = body.length === 0 || /^(text\/|application\/(json|x-www-form-urlencoded|xml))/i.test(contentType);
  const now = new Date();
  return {
    resource: route.resource,
    path: url.pathname,
    httpMethod: route.method === 'ANY' ? (req.method ?? 'GET') : route.method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters,
    stageVariables: null,
    body: body.length === 0 ? null : isText ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: body.length > 0 && !isText,
    requestContext: {
      accountId: opts.accountId,
      apiId: 'local',
      authorizer: claims ? { claims: flattenClaims(claims) } : null,
      protocol: 'HTTP/1.1',
      httpMethod: req.method ?? 'GET',
      identity: { sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: String(req.headers['user-agent'] ?? '') } as APIGatewayProxyEvent['requestContext']['identity'],
      path: `/${opts.stage}${url.pathname}`,
      stage: opts.stage,
      requestId: randomUUID(),
      requestTimeEpoch: now.getTime(),
      resourceId: route.resource,
      resourcePath: route.resource,
    },
  };
}

/** API Gateway hands Cognito claims to the function as strings. */
function flattenClaims(claims: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(claims).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v)]),
  );
}

async function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_API_PAYLOAD_BYTES) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, result: Partial<APIGatewayProxyResult> & { statusCode: number }): void {
  // Stamped with the cloud's time, as API Gateway does (the virtual clock here): pages count SLA time by it.
  const headers: Record<string, string | string[]> = { 'content-type': 'application/json', date: new Date().toUTCString() };
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k.toLowerCase()] = String(v);
  for (const [k, v] of Object.entries(result.multiValueHeaders ?? {})) headers[k.toLowerCase()] = v.map(String);
  const body = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : Buffer.from(result.body ?? '', 'utf8');
  res.writeHead(result.statusCode, headers);
  res.end(body);
}
