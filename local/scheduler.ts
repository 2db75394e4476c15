// EventBridge Scheduler, locally: each AWS::Scheduler::Schedule of the template fires on its cron and
// time zone against the local cloud's (virtual) clock, and can be run now by name; the one-time schedules
// functions create at run time (cases' alarms) are served over the Scheduler API (startLocalSchedulerApi).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Cron } from 'croner';
import type { AsyncInvoker } from './async-invoker.ts';
import type { VirtualClock } from './clock.ts';
import type { LocalFunction } from './lambda-runtime.ts';
import { resourcesOfType, type CfnTemplate } from './template.ts';

export interface LocalSchedule {
  logicalId: string;
  /** The construct id (DailyReport), the name `POST /local/schedules/{name}/run` accepts. */
  name: string;
  expression: string;
  timeZone: string;
  functionId: string;
  input: unknown;
  nextRun?: Date;
}

export interface LocalScheduler {
  schedules(): LocalSchedule[];
  /** Invoke a schedule's target now (asynchronously, with the scheduler's retries); false if unknown. */
  runNow(name: string): boolean;
  stop(): void;
}

/**
 * An EventBridge cron expression (minutes hours day-of-month month day-of-week year) as croner reads it:
 * its 7-part mode (a leading second, then the same six fields with the year), days of the week counted
 * 1-7 from Sunday (`alternativeWeekdays`), and `0/15`-style steps (`sloppyRanges`), as EventBridge allows.
 */
export function eventBridgeCron(expression: string, timeZone: string): Cron {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) throw new Error(`not an EventBridge cron expression: ${expression}`);
  return new Cron(`0 ${fields.join(' ')}`, { mode: '7-part', alternativeWeekdays: true, sloppyRanges: true, timezone: timeZone, paused: true });
}

export function startScheduler(o: {
  template: CfnTemplate;
  functions: Map<string, LocalFunction>;
  invoker: AsyncInvoker;
  clock: VirtualClock;
  log: (line: string) => void;
}): LocalScheduler {
  const schedules: (LocalSchedule & { cron: Cron })[] = [];
  for (const [logicalId, resource] of resourcesOfType(o.template, 'AWS::Scheduler::Schedule')) {
    const p = resource.Properties ?? {};
    if (p.State === 'DISABLED') continue;
    const match = /^cron\((.+)\)$/.exec(String(p.ScheduleExpression ?? ''));
    if (!match) {
      o.log(`${logicalId}: only cron() schedules run locally; skipped`);
      continue;
    }
    const target = p.Target as { Arn?: { 'Fn::GetAtt'?: [string, string] }; Input?: string };
    const functionId = target.Arn?.['Fn::GetAtt']?.[0];
    if (!functionId || !o.functions.has(functionId)) throw new Error(`${logicalId}: its target is not a function of this stack`);
    const timeZone = String(p.ScheduleExpressionTimezone ?? 'UTC');
    const cron = eventBridgeCron(match[1]!, timeZone);
    const path = String(resource.Metadata?.['aws:cdk:path'] ?? logicalId).split('/');
    const name = path.at(-1) === 'Resource' ? path.at(-2)! : logicalId;
    const schedule = {
      logicalId,
      name,
      expression: match[1]!,
      timeZone,
      functionId,
      input: target.Input ? (JSON.parse(target.Input) as unknown) : {},
      cron,
    };
    schedules.push({ ...schedule, nextRun: cron.nextRun(new Date(o.clock.now())) ?? undefined });
  }

  const fire = (s: (typeof schedules)[number]) => {
    o.log(`schedule ${s.name}: invoking ${s.functionId}`);
    o.invoker.invoke(o.functions.get(s.functionId)!, s.input);
  };
  const tick = () => {
    const now = o.clock.now();
    for (const s of schedules) {
      if (!s.nextRun || s.nextRun.getTime() > now) continue;
      fire(s);
      s.nextRun = s.cron.nextRun(new Date(now)) ?? undefined; // missed runs collapse into one, like a late start
    }
  };
  const timer = setInterval(tick, 1000);
  timer.unref();
  const unsubscribe = o.clock.onChange(tick);

  return {
    schedules: () => schedules.map(({ cron: _cron, ...s }) => s),
    runNow: (name) => {
      const s = schedules.find((x) => x.name.toLowerCase() === name.toLowerCase() || x.logicalId === name);
      if (!s) return false;
      fire(s);
      return true;
    },
    stop: () => {
      clearInterval(timer);
      unsubscribe();
    },
  };
}

// ── one-time schedules created at run time (the cases' alarms) ─────────────────────────────────────

/** A schedule created through the Scheduler API (the SDK's `CreateSchedule`), as the emulator keeps it. */
export interface LocalOneTimeSchedule {
  name: string;
  group: string;
  arn: string;
  expression: string;
  /** Virtual epoch ms it rings at (`at(...)` in UTC). */
  ringAt: number;
  actionAfterCompletion: 'DELETE' | 'NONE';
  target: { Arn: string; RoleArn: string; Input?: string };
  state: 'ENABLED' | 'DISABLED';
  createdAt: number;
  /** Set once it rang (a schedule kept after completion rings no more). */
  rangAt?: number;
}

export interface LocalSchedulerApi {
  endpoint: string;
  schedules(): LocalOneTimeSchedule[];
  /** Schedules that rang so far (the local cloud's settle counts them as progress). */
  rang(): number;
  stop(): Promise<void>;
}

class SchedulerApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** Scheduler's universal target for Step Functions StartExecution: its Input is the API request. */
const START_EXECUTION = 'arn:aws:scheduler:::aws-sdk:sfn:startExecution';
const NAME = /^[0-9a-zA-Z\-_.]{1,64}$/;

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC, as epoch ms (undefined when it is not one). */
export function atInstant(expression: string): number | undefined {
  const m = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(expression);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * EventBridge Scheduler's API for one-time schedules, over its wire protocol (REST JSON: `POST|GET|DELETE
 * /schedules/{Name}?groupName=`, `GET /schedules`), each call IAM-checked against the caller's role
 * (scheduler actions on the schedule's ARN, `iam:PassRole` on the target role). A schedule rings on the
 * virtual clock at its `at()` instant (never early; the scheduler's minute of lateness is not emulated) and
 * calls its target as the target role, checked like a call of that role: the Step Functions universal
 * target (StartExecution; an existing execution of that name is a redelivery and starts nothing) or a
 * function of the template (invoked asynchronously). Then it is deleted (ActionAfterCompletion DELETE) or
 * kept, rung. Kept in `journal` (a JSON file) across restarts when given. Not emulated: rate()/cron()
 * schedules created at run time, flexible windows, time zones other than UTC, retry policies, DLQs.
 */
export async function startLocalSchedulerApi(o: {
  host: string;
  port: number;
  region: string;
  accountId: string;
  clock: VirtualClock;
  /** Groups of the template (AWS::Scheduler::ScheduleGroup names), beside `default`. */
  groups: string[];
  log: (line: string) => void;
  startExecution: (stateMachineArn: string, name: string, input: unknown) => Promise<unknown>;
  invokeFunction?: (functionArn: string, input: unknown) => boolean;
  /** The IAM check of an API call: a denial's message. */
  authorize?: (req: IncomingMessage, method: string, url: string, body: unknown) => string | undefined;
  /** The IAM check of a target call made as the target role: a denial's message. */
  authorizeTarget?: (roleArn: string, scheduleName: string, action: string, resource: string) => string | undefined;
  journal?: string;
}): Promise<LocalSchedulerApi> {
  const groups = new Set(['default', ...o.groups]);
  const key = (group: string, name: string) => `${group}/${name}`;
  const stored = new Map<string, LocalOneTimeSchedule>();
  if (o.journal && existsSync(o.journal)) {
    for (const s of JSON.parse(readFileSync(o.journal, 'utf8')) as LocalOneTimeSchedule[]) stored.set(key(s.group, s.name), s);
  }
  const save = () => {
    if (o.journal) writeFileSync(o.journal, JSON.stringify([...stored.values()]));
  };
  let rang = 0;
  const arnOf = (group: string, name: string) => `arn:aws:scheduler:${o.region}:${o.accountId}:schedule/${group}/${name}`;

  const ring = async (s: LocalOneTimeSchedule) => {
    s.rangAt = o.clock.now();
    rang++;
    if (s.actionAfterCompletion === 'DELETE') stored.delete(key(s.group, s.name));
    save();
    try {
      if (s.target.Arn === START_EXECUTION) {
        const request = JSON.parse(s.target.Input ?? '{}') as { StateMachineArn?: string; Name?: string; Input?: string };
        const machine = String(request.StateMachineArn ?? '');
        const denied = o.authorizeTarget?.(s.target.RoleArn, s.name, 'states:StartExecution', machine);
        if (denied) return o.log(`schedule ${s.group}/${s.name}: ${denied}`);
        await o.startExecution(machine, String(request.Name ?? ''), JSON.parse(request.Input ?? '{}'));
      } else if (s.target.Arn.startsWith('arn:aws:lambda:') && o.invokeFunction) {
        const denied = o.authorizeTarget?.(s.target.RoleArn, s.name, 'lambda:InvokeFunction', s.target.Arn);
        if (denied) return o.log(`schedule ${s.group}/${s.name}: ${denied}`);
        if (!o.invokeFunction(s.target.Arn, JSON.parse(s.target.Input ?? '{}'))) o.log(`schedule ${s.group}/${s.name}: no function ${s.target.Arn}`);
      } else {
        o.log(`schedule ${s.group}/${s.name}: target ${s.target.Arn} is not emulated`);
      }
    } catch (error) {
      // The same execution name again: a ring delivered twice starts nothing twice.
      if ((error as Error).name !== 'ExecutionAlreadyExists') o.log(`schedule ${s.group}/${s.name}: ${(error as Error).message}`);
    }
  };
  const tick = () => {
    const now = o.clock.now();
    for (const s of [...stored.values()]) if (s.state === 'ENABLED' && s.rangAt === undefined && s.ringAt <= now) void ring(s);
  };
  const timer = setInterval(tick, 1000);
  timer.unref();
  const unsubscribe = o.clock.onChange(tick);

  const groupOf = (url: URL, body: Record<string, unknown>) => {
    const group = url.searchParams.get('groupName') ?? (typeof body.GroupName === 'string' ? body.GroupName : 'default');
    if (!groups.has(group)) throw new SchedulerApiError(404, 'ResourceNotFoundException', `Schedule group ${group} does not exist.`);
    return group;
  };
  const view = (s: LocalOneTimeSchedule) => ({
    Arn: s.arn,
    Name: s.name,
    GroupName: s.group,
    ScheduleExpression: s.expression,
    ScheduleExpressionTimezone: 'UTC',
    State: s.state,
    ActionAfterCompletion: s.actionAfterCompletion,
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: s.target,
    CreationDate: s.createdAt / 1000,
  });
  const create = (name: string, url: URL, b: Record<string, unknown>) => {
    const group = groupOf(url, b);
    const expression = String(b.ScheduleExpression ?? '');
    const ringAt = atInstant(expression);
    if (ringAt === undefined) throw new SchedulerApiError(400, 'ValidationException', `Invalid Schedule Expression ${expression}: only at(yyyy-mm-ddThh:mm:ss) runs locally.`);
    if ((b.ScheduleExpressionTimezone ?? 'UTC') !== 'UTC') throw new SchedulerApiError(400, 'ValidationException', 'Only UTC schedules run locally.');
    const target = b.Target as { Arn?: unknown; RoleArn?: unknown; Input?: unknown } | undefined;
    if (typeof target?.Arn !== 'string' || typeof target.RoleArn !== 'string') throw new SchedulerApiError(400, 'ValidationException', 'Target.Arn and Target.RoleArn are required.');
    const mode = (b.FlexibleTimeWindow as { Mode?: unknown } | undefined)?.Mode;
    if (mode !== 'OFF' && mode !== 'FLEXIBLE') throw new SchedulerApiError(400, 'ValidationException', 'FlexibleTimeWindow.Mode is required.');
    if (stored.has(key(group, name))) throw new SchedulerApiError(409, 'ConflictException', `Schedule ${name} already exists.`);
    const s: LocalOneTimeSchedule = {
      name,
      group,
      arn: arnOf(group, name),
      expression,
      ringAt,
      actionAfterCompletion: b.ActionAfterCompletion === 'DELETE' ? 'DELETE' : 'NONE',
      target: { Arn: target.Arn, RoleArn: target.RoleArn, ...(typeof target.Input === 'string' && { Input: target.Input }) },
      state: b.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
      createdAt: o.clock.now(),
    };
    stored.set(key(group, name), s);
    save();
    queueMicrotask(tick); // an instant already past rings at once
    return { ScheduleArn: s.arn };
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (status: number, body: unknown, type?: string) => {
        res.writeHead(status, { 'content-type': 'application/json', ...(type && { 'x-amzn-errortype': type }) });
        res.end(JSON.stringify(body));
      };
      try {
        const url = new URL(req.url ?? '/', 'http://local');
        const text = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown> = {};
        try {
          const parsed: unknown = text ? JSON.parse(text) : {};
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
        } catch {
          throw new SchedulerApiError(400, 'ValidationException', 'the body is not JSON');
        }
        const denied = o.authorize?.(req, req.method ?? 'GET', req.url ?? '/', body);
        if (denied) throw new SchedulerApiError(403, 'AccessDeniedException', denied);
        const named = /^\/schedules\/([^/]+)$/.exec(url.pathname);
        const name = named ? decodeURIComponent(named[1]!) : undefined;
        if (name !== undefined && !NAME.test(name)) throw new SchedulerApiError(400, 'ValidationException', `Invalid schedule name ${name}.`);
        if (req.method === 'POST' && name) return answer(200, create(name, url, body));
        if (req.method === 'GET' && name) {
          const s = stored.get(key(groupOf(url, body), name));
          if (!s) throw new SchedulerApiError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
          return answer(200, view(s));
        }
        if (req.method === 'DELETE' && name) {
          const k = key(groupOf(url, body), name);
          if (!stored.delete(k)) throw new SchedulerApiError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
          save();
          return answer(200, {});
        }
        if (req.method === 'GET' && url.pathname === '/schedules') {
          const group = url.searchParams.get('ScheduleGroup');
          const prefix = url.searchParams.get('NamePrefix') ?? '';
          const list = [...stored.values()].filter((s) => (group === null || s.group === group) && s.name.startsWith(prefix));
          return answer(200, { Schedules: list.map((s) => ({ Arn: s.arn, Name: s.name, GroupName: s.group, State: s.state, Target: { Arn: s.target.Arn }, CreationDate: s.createdAt / 1000 })) });
        }
        throw new SchedulerApiError(400, 'ValidationException', `${req.method} ${url.pathname} is not emulated`);
      } catch (error) {
        if (error instanceof SchedulerApiError) return answer(error.status, { Message: error.message }, error.type);
        o.log(`scheduler ${req.method} ${req.url} failed: ${(error as Error).stack ?? String(error)}`);
        answer(500, { Message: 'local Scheduler error' }, 'InternalServerException');
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const endpoint = `http://${o.host}:${(server.address() as AddressInfo).port}`;
  o.log(`✓ Scheduler API on ${endpoint}: ${stored.size} one-time schedule(s)`);
  tick();
  return {
    endpoint,
    schedules: () => [...stored.values()],
    rang: () => rang,
    stop: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        unsubscribe();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
