// EventBridge, locally: the template's event buses and rules (AWS::Events::EventBus, AWS::Events::Rule with an
// EventPattern and Lambda targets of this stack), served over EventBridge's own wire protocol (awsJson1_1,
// `X-Amz-Target: AWSEvents.<Op>`) so the functions' and the tests' SDK clients talk to it unchanged. One emulator
// for every bus the stack has: the domain events other teams subscribe to, and the ledger's payment events.
//
// What it does as EventBridge does: PutEvents validates each entry on its own (a bad entry fails alone, with its
// ErrorCode, the others are accepted; FailedEntryCount counts them), matches every accepted event against each
// enabled rule of its bus (the pattern language is Lambda's filter language, local/event-filter.ts, which is
// EventBridge's), and delivers a match to each Lambda target asynchronously (the async invoker's retries), with
// the envelope EventBridge builds (version, id, detail-type, source, account, time, region, resources, detail).
// Rules and targets can also be added at run time (PutRule, PutTargets, …), as a subscribing team would.
//
// What it adds, for the local cloud only: every accepted event is recorded per bus, and every delivery per rule
// (a target that is not a function of this stack, e.g. a queue in another team's account, is recorded only), so
// `GET /local/events` shows what was published and `GET /local/events/rules/{name}` what a rule received.
// Not emulated: input transformers, archives and replays (an archive in the template is listed and skipped),
// schedule-expression rules (EventBridge Scheduler is local/scheduler.ts), cross-account targets.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AsyncInvoker } from './async-invoker.ts';
import { matches, parseFilterPattern, type FilterPattern } from './event-filter.ts';
import type { LocalFunction } from './lambda-runtime.ts';
import { resolveIntrinsics, resourcesOfType, type CfnTemplate, type IntrinsicContext } from './template.ts';

/** PutEvents' limits: entries per call, and bytes per call (every entry's source, detail-type, detail, resources). */
export const PUT_EVENTS_LIMITS = { entries: 10, bytes: 256 * 1024 } as const;
const RECORDED_PER_BUS = 10_000;

export interface LocalRuleTarget {
  id: string;
  arn: string;
  /** The function of this stack it invokes (its logical id); undefined for any other target (recorded only). */
  functionId?: string;
}

export interface LocalRule {
  name: string;
  bus: string;
  pattern: FilterPattern;
  enabled: boolean;
  targets: LocalRuleTarget[];
  /** From the template (fixed) or added at run time. */
  origin: 'template' | 'api';
}

/** An event as a target receives it. */
export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

export interface RecordedEvent {
  bus: string;
  event: EventEnvelope;
  /** The rules it matched (each delivered it to its targets). */
  rules: string[];
  /** The function that published it, when a function of this stack did. */
  publishedBy?: string;
}

export interface PutEventsEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
  Resources?: unknown;
  Time?: unknown;
}
export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export interface LocalEventBridge {
  endpoint: string;
  buses(): string[];
  rules(): LocalRule[];
  /** What a PutEvents call answers; `publishedBy` names the calling function. */
  putEvents(entries: PutEventsEntry[], publishedBy?: string): { FailedEntryCount: number; Entries: PutEventsResultEntry[] };
  /** Recorded events of a bus (every bus when omitted), oldest first. */
  published(bus?: string): RecordedEvent[];
  /** What one rule delivered, oldest first; undefined for an unknown rule. */
  deliveries(rule: string): EventEnvelope[] | undefined;
  /** Events accepted so far (the local cloud's settle counts them as progress). */
  accepted(): number;
  stop(): Promise<void>;
}

export class EventBridgeError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

/** The buses of the template by name (the default bus always exists, as in every account). */
export function busesFromTemplate(template: CfnTemplate, ctx: IntrinsicContext): string[] {
  return ['default', ...resourcesOfType(template, 'AWS::Events::EventBus').map(([id, r]) => String(r.Properties?.Name ?? ctx.ref(id)))];
}

/** The template's pattern rules with their targets; a rule without an EventPattern (a schedule) is not one. */
export function rulesFromTemplate(template: CfnTemplate, ctx: IntrinsicContext, functions: ReadonlyMap<string, LocalFunction>): LocalRule[] {
  return resourcesOfType(template, 'AWS::Events::Rule').flatMap(([id, resource]) => {
    const props = resource.Properties ?? {};
    if (props.EventPattern === undefined) return [];
    const bus = busName(resolveIntrinsics(props.EventBusName, ctx));
    const pattern = parseFilterPattern(JSON.stringify(resolveIntrinsics(props.EventPattern, ctx)));
    const targets = ((props.Targets as { Id: string; Arn: unknown; InputTransformer?: unknown; Input?: unknown; InputPath?: unknown }[] | undefined) ?? []).map((t) => {
      if (t.InputTransformer !== undefined || t.Input !== undefined || t.InputPath !== undefined) throw new Error(`${id}: target ${t.Id} transforms its input; the local event bus delivers whole events only`);
      const att = (t.Arn as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
      const functionId = att && functions.has(att[0]) ? att[0] : undefined;
      return { id: t.Id, arn: String(resolveIntrinsics(t.Arn, ctx)), ...(functionId && { functionId }) };
    });
    return [{ name: String(props.Name ?? id), bus, pattern, enabled: props.State !== 'DISABLED', targets, origin: 'template' as const }];
  });
}

/** A bus named by name or ARN → its name (no name: the default bus). */
const busName = (v: unknown): string => {
  const s = typeof v === 'string' && v !== '' ? v : 'default';
  return s.startsWith('arn:') ? (s.split(':event-bus/')[1] ?? s) : s;
};

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export async function startLocalEventBridge(o: {
  host: string;
  port: number;
  template: CfnTemplate;
  ctx: IntrinsicContext;
  functions: Map<string, LocalFunction>;
  asyncInvoker: AsyncInvoker;
  now: () => Date;
  log: (line: string) => void;
  /** The function that signed the request (from its access key), for the record; and the IAM check (a denial's message). */
  callerOf?: (req: IncomingMessage) => string | undefined;
  authorize?: (req: IncomingMessage, target: string, body: unknown) => string | undefined;
}): Promise<LocalEventBridge> {
  const buses = busesFromTemplate(o.template, o.ctx);
  const rules = new Map(rulesFromTemplate(o.template, o.ctx, o.functions).map((r) => [r.name, r]));
  for (const r of rules.values()) if (!buses.includes(r.bus)) throw new Error(`rule ${r.name}: no event bus ${r.bus} in the template`);
  const recorded = new Map<string, RecordedEvent[]>(buses.map((b) => [b, []]));
  const delivered = new Map<string, EventEnvelope[]>();
  let accepted = 0;
  const functionOfArn = (arn: string): string | undefined => {
    const name = arn.split(':function:')[1]?.split(':')[0];
    return name && o.functions.has(name) ? name : undefined;
  };

  const deliver = (bus: string, event: EventEnvelope): string[] => {
    const matched: string[] = [];
    for (const rule of rules.values()) {
      if (rule.bus !== bus || !rule.enabled || !matches(rule.pattern, event as unknown as Parameters<typeof matches>[1])) continue;
      matched.push(rule.name);
      const list = delivered.get(rule.name) ?? [];
      list.push(event);
      if (list.length > RECORDED_PER_BUS) list.shift();
      delivered.set(rule.name, list);
      for (const t of rule.targets) if (t.functionId) o.asyncInvoker.invoke(o.functions.get(t.functionId)!, event);
    }
    return matched;
  };

  const putEvents = (entries: PutEventsEntry[], publishedBy?: string) => {
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > PUT_EVENTS_LIMITS.entries) {
      throw new EventBridgeError('ValidationException', `Entries must list 1 to ${PUT_EVENTS_LIMITS.entries} events`);
    }
    const size = entries.reduce((n, e) => n + [e.Source, e.DetailType, e.Detail].reduce((m: number, v) => m + (typeof v === 'string' ? Buffer.byteLength(v) : 0), 0), 0);
    if (size > PUT_EVENTS_LIMITS.bytes) throw new EventBridgeError('ValidationException', `Total size of the entries in the request is over the limit (${PUT_EVENTS_LIMITS.bytes} bytes)`);
    const results = entries.map((entry): PutEventsResultEntry => {
      const refuse = (ErrorCode: string, ErrorMessage: string) => ({ ErrorCode, ErrorMessage });
      if (typeof entry.Source !== 'string' || entry.Source === '') return refuse('InvalidArgument', 'Parameter Source is not valid. Reason: Source is a required argument.');
      if (typeof entry.DetailType !== 'string' || entry.DetailType === '') return refuse('InvalidArgument', 'Parameter DetailType is not valid. Reason: DetailType is a required argument.');
      if (typeof entry.Detail !== 'string') return refuse('InvalidArgument', 'Parameter Detail is not valid. Reason: Detail is a required argument.');
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail);
      } catch {
        return refuse('MalformedDetail', 'Detail is malformed.');
      }
      if (!isObject(detail)) return refuse('MalformedDetail', 'Detail is malformed.');
      const bus = busName(entry.EventBusName);
      const list = recorded.get(bus);
      if (!list) return refuse('ResourceNotFoundException', `Event bus ${bus} does not exist.`);
      const time = typeof entry.Time === 'number' ? new Date(entry.Time * 1000) : typeof entry.Time === 'string' ? new Date(entry.Time) : o.now();
      const event: EventEnvelope = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: o.ctx.accountId,
        time: (Number.isNaN(time.getTime()) ? o.now() : time).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: o.ctx.region,
        resources: Array.isArray(entry.Resources) ? entry.Resources.map(String) : [],
        detail,
      };
      accepted++;
      list.push({ bus, event, rules: deliver(bus, event), ...(publishedBy && { publishedBy }) });
      if (list.length > RECORDED_PER_BUS) list.shift();
      return { EventId: event.id };
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  };

  const ruleOf = (b: Record<string, unknown>): LocalRule => {
    const rule = rules.get(String(b.Rule ?? b.Name ?? ''));
    if (!rule || rule.bus !== busName(b.EventBusName)) throw new EventBridgeError('ResourceNotFoundException', `Rule ${String(b.Rule ?? b.Name)} does not exist on EventBus ${busName(b.EventBusName)}.`);
    return rule;
  };

  /** The operations a subscriber uses; each answers what EventBridge answers. */
  const operations: Record<string, (b: Record<string, unknown>, req: IncomingMessage) => unknown> = {
    PutEvents: (b, req) => putEvents(b.Entries as PutEventsEntry[], o.callerOf?.(req)),
    PutRule: (b) => {
      const name = String(b.Name ?? '');
      if (!/^[.\-_A-Za-z0-9]{1,64}$/.test(name)) throw new EventBridgeError('ValidationException', 'Name must be 1–64 of . - _ letters and digits');
      const bus = busName(b.EventBusName);
      if (!buses.includes(bus)) throw new EventBridgeError('ResourceNotFoundException', `Event bus ${bus} does not exist.`);
      if (typeof b.EventPattern !== 'string') throw new EventBridgeError('ValidationException', 'EventPattern is required (schedule rules are not emulated)');
      let pattern: FilterPattern;
      try {
        pattern = parseFilterPattern(b.EventPattern);
      } catch (error) {
        throw new EventBridgeError('InvalidEventPatternException', `Event pattern is not valid. Reason: ${(error as Error).message}`);
      }
      const existing = rules.get(name);
      if (existing?.origin === 'template') throw new EventBridgeError('ManagedRuleException', `Rule ${name} belongs to the stack`);
      rules.set(name, { name, bus, pattern, enabled: b.State !== 'DISABLED', targets: existing?.targets ?? [], origin: 'api' });
      return { RuleArn: `arn:aws:events:${o.ctx.region}:${o.ctx.accountId}:rule/${bus === 'default' ? '' : `${bus}/`}${name}` };
    },
    PutTargets: (b) => {
      const rule = ruleOf(b);
      const targets = Array.isArray(b.Targets) ? b.Targets.filter(isObject) : [];
      for (const t of targets) {
        const id = String(t.Id ?? '');
        const arn = String(t.Arn ?? '');
        if (!id || !arn.startsWith('arn:')) throw new EventBridgeError('ValidationException', 'Each target needs an Id and an Arn');
        const functionId = functionOfArn(arn);
        rule.targets = [...rule.targets.filter((x) => x.id !== id), { id, arn, ...(functionId && { functionId }) }];
      }
      return { FailedEntryCount: 0, FailedEntries: [] };
    },
    RemoveTargets: (b) => {
      const rule = ruleOf(b);
      const ids = Array.isArray(b.Ids) ? b.Ids.map(String) : [];
      rule.targets = rule.targets.filter((t) => !ids.includes(t.id));
      return { FailedEntryCount: 0, FailedEntries: [] };
    },
    DeleteRule: (b) => {
      const rule = ruleOf(b);
      if (rule.origin === 'template') throw new EventBridgeError('ManagedRuleException', `Rule ${rule.name} belongs to the stack`);
      if (rule.targets.length > 0) throw new EventBridgeError('ValidationException', 'Rule can\'t be deleted since it has targets.');
      rules.delete(rule.name);
      delivered.delete(rule.name);
      return {};
    },
    ListRules: (b) => ({ Rules: [...rules.values()].filter((r) => r.bus === busName(b.EventBusName)).map((r) => ({ Name: r.name, EventBusName: r.bus, EventPattern: JSON.stringify(r.pattern), State: r.enabled ? 'ENABLED' : 'DISABLED' })) }),
    ListTargetsByRule: (b) => ({ Targets: ruleOf(b).targets.map((t) => ({ Id: t.id, Arn: t.arn })) }),
  };

  const server: Server = createServer((req, res) => {
    const answer = (status: number, body: unknown, type?: string) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...(type && { 'x-amzn-errortype': type }) });
      res.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const op = target.startsWith('AWSEvents.') ? target.slice('AWSEvents.'.length) : '';
      let body: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        body = isObject(parsed) ? parsed : {};
      } catch {
        return answer(400, { __type: 'SerializationException', message: 'the body is not JSON' }, 'SerializationException');
      }
      const operation = operations[op];
      if (!operation) return answer(400, { __type: 'UnknownOperationException', message: `${target || 'no X-Amz-Target'} is not emulated` }, 'UnknownOperationException');
      const denied = o.authorize?.(req, target, body);
      if (denied) return answer(400, { __type: 'AccessDeniedException', message: denied }, 'AccessDeniedException');
      try {
        answer(200, operation(body, req));
      } catch (error) {
        if (error instanceof EventBridgeError) return answer(400, { __type: error.type, message: error.message }, error.type);
        o.log(`eventbridge ${op} failed: ${(error as Error).stack ?? String(error)}`);
        answer(500, { __type: 'InternalException', message: 'local event bus error' }, 'InternalException');
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const archives = resourcesOfType(o.template, 'AWS::Events::Archive').length;
  o.log(`✓ EventBridge on ${o.host}:${port}: ${buses.length - 1} bus(es), ${rules.size} rule(s)${archives ? `, ${archives} archive(s) not emulated` : ''}`);
  return {
    endpoint: `http://${o.host}:${port}`,
    buses: () => [...buses],
    rules: () => [...rules.values()],
    putEvents,
    published: (bus) => (bus === undefined ? [...recorded.values()].flat() : [...(recorded.get(busName(bus)) ?? [])]),
    deliveries: (rule) => (rules.has(rule) ? [...(delivered.get(rule) ?? [])] : undefined),
    accepted: () => accepted,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
