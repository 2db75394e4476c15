// Access: every agent route of the template refuses missing, expired, forged and wrong-issuer tokens (401)
// and the wrong roles (403), without a byte of data in the body; case ids cannot be guessed or enumerated.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { routesFromTemplate, type ApiRoute } from '#local/api-gateway.ts';
import { loadTemplate } from '#local/template.ts';
import { allItems, cloud, postInquiry, request, token, unique } from './support.ts';

type Role = 'agent' | 'lead' | 'risk' | 'internal';
const ROLES: readonly Role[] = ['agent', 'lead', 'risk', 'internal'];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const template = loadTemplate(path.join(root, 'cdk.out'), 'Trustdesk');
/** Every route behind the Cognito authorizer, straight from the template: new routes join the matrix by themselves. */
const agentRoutes: ApiRoute[] = routesFromTemplate(template).filter((r) => r.authorization === 'COGNITO_USER_POOLS');
const label = (r: ApiRoute) => `${r.method} ${r.resource}`;

/**
 * Who may call what (functions/cases-api — its /quarantine lead only, consult answers and /internal for the
 * internal role —, subscriptions-api: lead only, reports-api: lead and risk, users-api: the agent roles). An internal user is refused every
 * agent route on the matrix's case, a web case it neither opened nor is named on (tests/integration/internal-requesters
 * covers the cases it does follow). First match wins.
 */
const ROLE_RULES: [prefix: string, allowed: readonly Role[]][] = [
  ['/cases/{caseId}/consults', ['internal']],
  ['/internal', ['internal']],
  ['/cases/{caseId}/export', ['risk']],
  ['/cases/{caseId}/views', ['risk']],
  ['/requesters', ['risk']],
  ['/cases', ['agent', 'lead', 'risk']],
  ['/subscriptions', ['lead']],
  ['/reports', ['lead', 'risk']],
  ['/quarantine', ['lead']],
  ['/agents/me', ['agent', 'lead', 'risk']],
  ['/agents/{agentId}', ['lead']],
  ['/agents', ['agent', 'lead', 'risk']],
  ['/users', ['agent', 'lead', 'risk']],
  // Incidents opened by hand: a lead's or the risk team's call.
  ['/incidents', ['lead', 'risk']],
  // Macros: every agent role reads them, leads write them (a rule may start with its method).
  ['GET /macros', ['agent', 'lead', 'risk']],
  ['/macros', ['lead']],
];
const allowedRoles = (r: ApiRoute): readonly Role[] | undefined =>
  ROLE_RULES.find(([rule]) => {
    const [method, prefix] = rule.includes(' ') ? rule.split(' ') : [r.method, rule];
    return method === r.method && (r.resource === prefix || r.resource.startsWith(`${prefix}/`));
  })?.[1];

interface Raw {
  status: number;
  text: string;
}
async function raw(method: string, pathname: string, headers: Record<string, string> = {}, body?: string): Promise<Raw> {
  const res = await fetch(`${cloud.api}${pathname}`, { method, headers, redirect: 'manual', ...(body !== undefined && { body }) });
  return { status: res.status, text: await res.text() };
}

// The real data the refusals must not leak.
const secretEmail = `${unique('access')}@example.com`;
const secretSubject = `Stolen payout ${unique('subj')}`;
const subscriberEmail = `${unique('subscriber')}@example.com`;
const attackerEmail = `${unique('attacker')}@example.com`;
let caseId = '';
let reference = '';
let subscriptionId = '';
let version = 0;
let secrets: string[] = [];

const concretePath = (r: ApiRoute) =>
  r.resource.replace(/\{([^}+]+)\+?\}/g, (_m, name: string) => {
    if (name === 'caseId') return caseId;
    if (name === 'subscriptionId') return encodeURIComponent(subscriptionId);
    if (name === 'consultId') return `${caseId}-consult-1`;
    if (name === 'agentId') return 'access-matrix-agent';
    if (name === 'userId') return 'access-matrix-user';
    if (name === 'macroId') return '00000000-0000-4000-8000-00000000ac01';
    if (name === 'n') return '1';
    throw new Error(`${label(r)}: the access matrix does not know how to fill {${name}}; add it here`);
  });

/** A body that would succeed if the caller were let through, so a refusal is the authorizer's doing. */
const bodyFor = (r: ApiRoute): string | undefined => {
  if (r.method === 'POST' && r.resource === '/cases/{caseId}/actions') return JSON.stringify({ type: 'note', note: 'forged note', expectedVersion: version });
  if (r.method === 'POST' && r.resource === '/subscriptions') return JSON.stringify({ email: attackerEmail, cadence: 'daily' });
  if (r.method === 'POST' && r.resource === '/internal/cases') return JSON.stringify({ email: attackerEmail, subject: 'forged', message: 'forged case', onBehalfOf: 'user' });
  if (r.method === 'POST' && r.resource === '/cases/{caseId}/consults/{consultId}/answer') return JSON.stringify({ answer: 'forged answer' });
  return r.method === 'GET' || r.method === 'DELETE' ? undefined : '{}';
};

const call = (r: ApiRoute, authorization?: string) =>
  raw(
    r.method,
    concretePath(r),
    { 'content-type': 'application/json', ...(authorization !== undefined && { authorization }) },
    bodyFor(r),
  );

const expectNoData = (res: Raw) => {
  for (const secret of secrets) expect(res.text).not.toContain(secret);
};

const tokens: Record<string, () => string | undefined> = {};

beforeAll(async () => {
  const created = await postInquiry({ email: secretEmail, name: 'Rosa Quintero', subject: secretSubject, message: 'My creator payout of 420.00 never arrived.', category: 'payout' });
  expect(created.status).toBe(201);
  ({ caseId, reference } = created.body as { caseId: string; reference: string });
  const lead = await token('lead');
  const sub = await request<{ subscriptionId: string }>('POST', '/subscriptions', {
    body: JSON.stringify({ email: subscriberEmail, cadence: 'weekly' }),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${lead}` },
  });
  expect(sub.status).toBe(201);
  subscriptionId = sub.body.subscriptionId;
  const view = await request<{ case: { version: number } }>('GET', `/cases/${caseId}`, { headers: { authorization: `Bearer ${lead}` } });
  expect(view.status).toBe(200);
  version = view.body.case.version;
  secrets = [caseId, reference, secretEmail, secretSubject, subscriberEmail, subscriptionId, 'Rosa Quintero', '420.00'];

  const expired = await request<{ token: string }>('GET', '/local/token?role=lead&expiresInSeconds=-60');
  expect(expired.status).toBe(200);
  const expiredToken = expired.body.token;

  // A real lead token's header and claims, re-signed by a key that is not the issuer's.
  const header = decodeProtectedHeader(lead);
  const claims = decodeJwt(lead);
  const { privateKey } = await generateKeyPair('RS256');
  const sign = (payload: Record<string, unknown>) => new SignJWT(payload).setProtectedHeader({ alg: 'RS256', ...(header.kid && { kid: header.kid }) }).sign(privateKey);
  const forged = await sign({ ...claims });
  const wrongIssuer = await sign({ ...claims, iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_NotOurPool' });

  tokens['no token'] = () => undefined;
  tokens['Bearer garbage'] = () => 'Bearer not-a-jwt.garbage.!!';
  tokens['expired token'] = () => `Bearer ${expiredToken}`;
  tokens['wrong signature'] = () => `Bearer ${forged}`;
  tokens['wrong issuer'] = () => `Bearer ${wrongIssuer}`;
});

const BAD_TOKENS = ['no token', 'Bearer garbage', 'expired token', 'wrong signature', 'wrong issuer'] as const;

describe('the access matrix', () => {
  it('covers every agent route of the template, each with a role rule', () => {
    expect(agentRoutes.map(label)).toEqual(
      expect.arrayContaining([
        'GET /cases',
        'GET /cases/{caseId}',
        'POST /cases/{caseId}/actions',
        'POST /cases/{caseId}/consults/{consultId}/answer',
        'POST /internal/cases',
        'GET /internal/cases',
        'GET /subscriptions',
        'POST /subscriptions',
        'DELETE /subscriptions/{subscriptionId}',
        'GET /reports/current',
        'GET /quarantine',
        'GET /users/{userId}',
        'GET /cases/{caseId}/macros',
        'GET /cases/{caseId}/attachments/{n}',
        'GET /macros',
        'POST /macros',
        'PUT /macros/{macroId}',
        'DELETE /macros/{macroId}',
        'POST /cases/bulk',
        'POST /incidents',
      ]),
    );
    for (const r of agentRoutes) expect(allowedRoles(r), `${label(r)} has no role rule in ROLE_RULES`).toBeDefined();
  });

  it('has real path parameters: the allowed roles get through to the data', async () => {
    const lead = await token('lead');
    const view = await raw('GET', `/cases/${caseId}`, { authorization: `Bearer ${lead}` });
    expect(view.status).toBe(200);
    expect(view.text).toContain(secretEmail);
    const subs = await raw('GET', '/subscriptions', { authorization: `Bearer ${lead}` });
    expect(subs.status).toBe(200);
    expect(subs.text).toContain(subscriptionId);
  });

  describe.each(agentRoutes.map((r) => [label(r), r] as const))('%s', (_name, route) => {
    it.each(BAD_TOKENS)('refuses %s with 401 and no data', async (kind) => {
      const res = await call(route, tokens[kind]!());
      expect(res.status).toBe(401);
      expect(JSON.parse(res.text)).toEqual({ message: 'Unauthorized' });
      expectNoData(res);
    });

    const forbidden = ROLES.filter((role) => !(allowedRoles(route) ?? ROLES).includes(role));
    if (forbidden.length > 0) {
      it.each(forbidden)('refuses a valid %s token with 403 and no data', async (role) => {
        const res = await call(route, `Bearer ${await token(role)}`);
        expect(res.status).toBe(403);
        expect(JSON.parse(res.text)).toMatchObject({ error: 'forbidden' });
        expectNoData(res);
      });
    }
  });

  it('changed nothing: the case, the subscription and the subscriber list are as they were', async () => {
    const lead = await token('lead');
    const view = await request<{ case: { version: number }; timeline: { type: string }[] }>('GET', `/cases/${caseId}`, { headers: { authorization: `Bearer ${lead}` } });
    expect(view.body.case.version).toBe(version);
    expect(JSON.stringify(view.body.timeline)).not.toContain('forged note');
    const subs = await raw('GET', '/subscriptions', { authorization: `Bearer ${lead}` });
    expect(subs.text).toContain(subscriptionId);
    expect(subs.text).not.toContain(attackerEmail);
    // No case was opened by a refused POST /internal/cases.
    expect(JSON.stringify(await allItems())).not.toContain(attackerEmail);
  });
});

describe('GET /local/token?expiresInSeconds', () => {
  it('takes an integer number of seconds, and names the field otherwise', async () => {
    for (const bad of ['abc', '1.5', '', '1e3']) {
      const res = await request<{ fields: { field: string }[] }>('GET', `/local/token?role=agent&expiresInSeconds=${encodeURIComponent(bad)}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.fields.map((f) => f.field)).toEqual(['expiresInSeconds']);
    }
    const short = await request<{ token: string; expiresIn: number }>('GET', '/local/token?role=agent&expiresInSeconds=120');
    expect(short.body.expiresIn).toBe(120);
    const claims = decodeJwt(short.body.token);
    expect(claims.exp! - claims.iat!).toBe(120);
  });
});

describe('case ids', () => {
  it('are not enumerable: unknown and malformed ids all get the same 404', async () => {
    const agent = `Bearer ${await token('agent')}`;
    const malformed = [
      'abc',
      '0',
      '1',
      '-1',
      reference, // a real case's reference is not its id
      caseId.toUpperCase(),
      caseId.replace(/-/g, ''),
      `${caseId}x`,
      caseId.slice(0, 35),
      `{${caseId}}`,
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz',
      "' OR '1'='1",
      '<script>alert(1)</script>',
      '%00',
      'a/b',
      '../reports',
      ' '.repeat(3),
      'x'.repeat(2000),
    ];
    expect(malformed).toHaveLength(20);
    const ids = [...Array.from({ length: 50 }, () => randomUUID()), ...malformed];
    const replies = await Promise.all(ids.map((id) => raw('GET', `/cases/${encodeURIComponent(id)}`, { authorization: agent })));
    const first = replies[0]!;
    expect(first.status).toBe(404);
    for (const [i, reply] of replies.entries()) {
      expect({ id: ids[i], status: reply.status, body: reply.text }).toEqual({ id: ids[i], status: first.status, body: first.text });
    }
    for (const secret of secrets) expect(first.text).not.toContain(secret);
  });

  it('are random (v4) UUIDs: consecutive cases share no prefix', async () => {
    const post = () => postInquiry({ email: `${unique('ids')}@example.com`, subject: 'Refund', message: 'Please refund my last purchase.', category: 'refund' });
    const a = await post();
    const b = await post();
    expect([a.status, b.status]).toEqual([201, 201]);
    const [idA, idB] = [(a.body as { caseId: string }).caseId, (b.body as { caseId: string }).caseId];
    const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(idA).toMatch(V4);
    expect(idB).toMatch(V4);
    expect(idA.slice(0, 8)).not.toBe(idB.slice(0, 8)); // equal by chance once in 2^32
  });
});
