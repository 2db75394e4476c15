// The local cloud's own routes, under /local/… on the API port: health, dev tokens and the issuer's
// keys, settle, parked stream records and their replay, faults, captured function logs, schedules (and
// running one now), the virtual clock, workflow executions, invoking a function, IAM's denials. None exists on AWS;
// the README lists them. Everything they act on is handed in by local/cloud.ts.
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { IncomingMessage } from 'node:http';
import type { AsyncInvoker } from './async-invoker.ts';
import type { VirtualClock } from './clock.ts';
import type { LocalFaults } from './faults.ts';
import { DEFAULT_EXPIRES_IN_SECONDS, ROLES, type LocalIssuer, type Role } from './jwt-issuer.ts';
import type { LocalIam } from './iam-roles.ts';
import type { LocalEventBridge } from './eventbridge.ts';
import type { LocalSqs } from './sqs.ts';
import type { FunctionLogCapture, LocalFunction } from './lambda-runtime.ts';
import type { LocalScheduler, LocalSchedulerApi } from './scheduler.ts';
import type { LocalStepFunctions } from './stepfunctions.ts';
import type { ParkedEntry } from './event-source-mappings.ts';
import { readParkedBatch, type StreamMapping } from './stream-poller.ts';

export interface ControlRouteDeps {
  region: string;
  functions: Map<string, LocalFunction>;
  /** How many API routes the template has (reported by /local/health). */
  apiRoutes: number;
  mappings: StreamMapping[];
  parked: ParkedEntry[];
  streams: DynamoDBStreamsClient;
  asyncInvoker: AsyncInvoker;
  issuer: LocalIssuer;
  faults: LocalFaults;
  functionLogs: FunctionLogCapture | undefined;
  scheduler: LocalScheduler;
  /** One-time schedules created at run time (cases' alarms). */
  schedulerApi: LocalSchedulerApi;
  clock: VirtualClock;
  stepFunctions: LocalStepFunctions;
  eventBridge: LocalEventBridge;
  sqs: LocalSqs;
  iam: LocalIam;
  settle(): Promise<void>;
}

export type ControlRoute = (req: IncomingMessage, url: URL) => Promise<[number, unknown]>;

/** The control route a request asks for, or undefined when it is not one (the API, the WAF and the pages get it). */
export function controlRoutes(d: ControlRouteDeps): (req: IncomingMessage, url: URL) => ControlRoute | undefined {
  const { functions, mappings, parked, streams, asyncInvoker, issuer, faults, functionLogs, scheduler, clock, stepFunctions, settle } = d;
  const localRoutes: Record<string, ControlRoute> = {
    'GET /local/health': async () => [200, { status: 'ok', functions: functions.size, routes: d.apiRoutes, streamMappings: mappings.length }],
    'GET /local/token': async (_req, url) => {
      const role = url.searchParams.get('role') ?? 'agent';
      if (!ROLES.includes(role as Role)) return [400, { error: 'validation_failed', fields: [{ field: 'role', message: `must be one of ${ROLES.join(', ')}` }] }];
      // Optional lifetime in whole seconds; ≤ 0 gives an already expired token (for testing 401s).
      const rawExpiry = url.searchParams.get('expiresInSeconds');
      const expiresIn = rawExpiry === null ? DEFAULT_EXPIRES_IN_SECONDS : /^-?\d{1,9}$/.test(rawExpiry) ? Number(rawExpiry) : NaN;
      if (!Number.isSafeInteger(expiresIn)) return [400, { error: 'validation_failed', fields: [{ field: 'expiresInSeconds', message: 'must be an integer number of seconds (≤ 0 for an expired token)' }] }];
      // Optional `user`: a second dev person of the same role (four-eyes needs two leads); the default stays `local-<role>`.
      const user = url.searchParams.get('user');
      if (user !== null && !/^[a-z0-9-]{1,32}$/.test(user)) return [400, { error: 'validation_failed', fields: [{ field: 'user', message: 'must be 1–32 lowercase letters, digits or dashes' }] }];
      const name = user === null ? role : `${role}-${user}`;
      const token = await issuer.issue({ role: role as Role, sub: `local-${name}`, email: `${name}@trustdesk.local`, expiresInSeconds: expiresIn });
      return [200, { token, tokenType: 'Bearer', role, expiresIn }];
    },
    'GET /local/issuer/.well-known/jwks.json': async () => [200, issuer.jwks()],
    'GET /local/iam': async () => [
      200,
      {
        enforced: d.iam.enabled,
        principals: d.iam.principals().map((p) => ({ function: p.functionId, role: p.roleId, arn: p.arn, policies: p.policies.map((x) => x.name) })),
        denials: d.iam.denials(),
      },
    ],
    'POST /local/settle': async () => {
      await settle();
      return [200, { settled: true }];
    },
    'GET /local/parked': async () => [200, { parked, asyncFailures: asyncInvoker.failures() }],
    // A redrive: the parked range read again from the stream, handed to its function, then forgotten.
    'POST /local/parked/replay': async (req) => {
      const body = await readJson(req);
      const entry = parked.find((p) => p.id === body.id);
      if (!entry) return [404, { error: 'not_found', message: 'no parked batch with that id', field: 'id' }];
      try {
        const records = await readParkedBatch(streams, entry.batchInfo, d.region);
        const result = await functions.get(entry.functionId)!.invoke({ Records: records });
        parked.splice(parked.indexOf(entry), 1);
        return [200, { replayed: entry.id, records: records.length, result: result ?? null }];
      } catch (error) {
        return [409, { error: 'replay_failed', functionError: (error as Error).name, message: (error as Error).message }];
      }
    },
    'GET /local/faults': async () => [200, faults.describe()],
    'PUT /local/faults': async (req) => {
      const problems = faults.configure(await readJson(req));
      return problems.length > 0 ? [400, { error: 'validation_failed', fields: problems }] : [200, faults.describe()];
    },
    'DELETE /local/faults': async () => {
      faults.clear();
      return [200, faults.describe()];
    },
    'GET /local/logs': async (_req, url) => {
      if (!functionLogs) return [404, { error: 'not_found', message: 'function logs are not captured (captureFunctionLogs)' }];
      const since = Number(url.searchParams.get('since') ?? 0);
      return [200, { lines: functionLogs.lines(Number.isFinite(since) ? since : 0), dropped: functionLogs.dropped() }];
    },
    // The template's cron schedules, and the one-time schedules set at run time (cases' alarms), each with when it rings.
    'GET /local/schedules': async () => [
      200,
      { schedules: scheduler.schedules(), oneTime: d.schedulerApi.schedules().map((s) => ({ name: s.name, group: s.group, expression: s.expression, ringAt: new Date(s.ringAt).toISOString(), state: s.state, target: s.target, ...(s.rangAt !== undefined && { rangAt: new Date(s.rangAt).toISOString() }) })) },
    ],
    'GET /local/clock': async () => [200, { now: new Date(clock.now()).toISOString(), timeScale: clock.timeScale }],
    'POST /local/clock': async (req) => {
      const body = await readJson(req);
      const to = typeof body.to === 'string' ? Date.parse(body.to) : NaN;
      const advance = typeof body.advanceSeconds === 'number' ? body.advanceSeconds * 1000 : NaN;
      if (Number.isNaN(to) && !(advance >= 0)) {
        return [400, { error: 'validation_failed', fields: [{ field: 'to', message: 'give "to" (ISO instant) or "advanceSeconds" (number ≥ 0)' }] }];
      }
      if (!Number.isNaN(to) && to < clock.now()) return [409, { error: 'conflict', message: 'the clock only moves forward' }];
      if (Number.isNaN(to)) clock.advance(advance);
      else clock.set(to);
      return [200, { now: new Date(clock.now()).toISOString() }];
    },
    // What was published on the event buses (the debug target every bus has locally), newest last.
    'GET /local/events': async (_req, url) => {
      const bus = url.searchParams.get('bus') ?? undefined;
      if (bus !== undefined && !d.eventBridge.buses().includes(bus)) return [404, { error: 'not_found', message: `no event bus ${bus}`, field: 'bus', buses: d.eventBridge.buses() }];
      const detailType = url.searchParams.get('detailType');
      const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 1000) || 1000, 1), 10_000);
      const events = d.eventBridge.published(bus).filter((r) => detailType === null || r.event['detail-type'] === detailType);
      return [200, { buses: d.eventBridge.buses(), rules: d.eventBridge.rules().map((r) => ({ name: r.name, bus: r.bus, origin: r.origin, enabled: r.enabled, targets: r.targets.map((t) => t.arn) })), events: events.slice(-limit) }];
    },
    // The template's queues and what each holds now (the parked queues among them).
    'GET /local/queues': async () => [200, { queues: d.sqs.queues() }],
    'GET /local/executions': async () => [
      200,
      {
        executions: stepFunctions.executions().map((e) => ({
          name: e.name,
          stateMachine: e.stateMachineArn.split(':').at(-1),
          status: e.status,
          transitions: stepFunctions.transitions(e.executionArn),
          startDate: e.startDate,
          ...(e.stopDate && { stopDate: e.stopDate }),
          ...(e.error && { error: e.error, cause: e.cause }),
        })),
      },
    ],
  };

  return (req, url) => {
    const runMatch = req.method === 'POST' ? /^\/local\/schedules\/([^/]+)\/run$/.exec(url.pathname) : null;
    const invokeMatch = req.method === 'POST' ? /^\/local\/functions\/([^/]+)\/invoke$/.exec(url.pathname) : null;
    const ruleMatch = req.method === 'GET' ? /^\/local\/events\/rules\/([^/]+)$/.exec(url.pathname) : null;
    return ruleMatch
      ? async (): Promise<[number, unknown]> => {
          // What one rule (of the template, or added with PutRule) delivered to its targets, oldest first.
          const name = decodeURIComponent(ruleMatch[1]!);
          const events = d.eventBridge.deliveries(name);
          return events ? [200, { rule: name, events }] : [404, { error: 'not_found', message: `no rule named ${name}` }];
        }
      : invokeMatch
      ? async (): Promise<[number, unknown]> => {
          // Like Lambda's Invoke API (RequestResponse): the function's result, or its error.
          const name = decodeURIComponent(invokeMatch[1]!);
          const fn = functions.get(name) ?? [...functions.values()].find((f) => f.logicalId.toLowerCase().includes(name.toLowerCase()));
          if (!fn) return [404, { error: 'not_found', message: `no function named ${name}` }];
          try {
            return [200, { result: (await fn.invoke(await readJson(req, 6 * 1024 * 1024))) ?? null }];
          } catch (error) {
            return [200, { functionError: (error as Error).name, message: (error as Error).message }];
          }
        }
      : runMatch
      ? async (): Promise<[number, unknown]> => {
          const name = decodeURIComponent(runMatch[1]!);
          if (!scheduler.runNow(name)) return [404, { error: 'not_found', message: `no schedule named ${name}`, schedules: scheduler.schedules().map((x) => x.name) }];
          await settle();
          return [200, { ran: name }];
        }
      : localRoutes[`${req.method} ${url.pathname}`];
  };
}

async function readJson(req: IncomingMessage, maxBytes = 64 * 1024): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return {};
    chunks.push(chunk as Buffer);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

