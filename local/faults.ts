// Faults the local cloud can inject from outside functions/, switched on and off with /local/faults:
// - stream redelivery: an event source mapping that re-delivers batches the function already handled
//   (a batch reported failed after the function succeeded, or the same batch delivered twice), as AWS's
//   at-least-once delivery may;
// - SES throttling: a proxy in front of the SES mailbox that answers the next K SendEmail/SendRawEmail
//   calls (v1 or v2) with SES's own throttling error, so the SDK, the functions and the async retries all see it;
// - bounces and complaints: mail the same proxy passes to an address matching a pattern is accepted, then
//   bounced (or complained about) — the proxy tells the local cloud (onFeedback), which publishes SES's
//   notification to the SNS topic of the send's configuration set (local/ses-bounces.ts).
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bouncePattern, bounces, type SesFeedbackFault } from './ses-bounces.ts';

export interface StreamFaultSettings {
  /** Logical-id prefixes of the functions whose mappings misbehave (e.g. ReportingAggregator). */
  functions: string[];
  /** Every n-th batch the function handled is reported failed anyway, so the mapping retries (or bisects) it. */
  failAfterSuccessEvery?: number;
  /** Every n-th batch the function handled is delivered to it once more, right away. */
  duplicateEvery?: number;
}

export interface SesFaultSettings {
  /** How many of the next matching send calls are throttled. */
  throttle: number;
  /** Only calls with a recipient containing this text (case-insensitive) are throttled; all when unset. */
  recipientsContaining?: string;
}

export interface BounceFaultSettings {
  /** Address patterns (`*` for any run of characters) whose mail bounces (or, as `complaint`, draws a complaint). */
  addresses: string[];
}

/** What a stream mapping does with a batch the function has just handled. */
export type StreamFault = 'fail-after-success' | 'duplicate' | undefined;

interface StreamCounters {
  batchesHandled: number;
  failedAfterSuccess: number;
  duplicated: number;
}

interface SesCounters {
  throttled: number;
  passed: number;
}

type FieldProblem = { field: string; message: string };

export class LocalFaults {
  private stream: StreamFaultSettings | undefined;
  private ses: (SesFaultSettings & { remaining: number }) | undefined;
  private feedback: Record<SesFeedbackFault['kind'], (BounceFaultSettings & { patterns: RegExp[]; count: number }) | undefined> = { bounce: undefined, complaint: undefined };
  private streamCounters: StreamCounters = { batchesHandled: 0, failedAfterSuccess: 0, duplicated: 0 };
  private sesCounters: SesCounters = { throttled: 0, passed: 0 };

  /** Asked by a stream mapping after the function handled a batch the first time it was delivered. */
  streamFaultFor(functionId: string): StreamFault {
    const s = this.stream;
    if (!s?.functions.some((prefix) => functionId.startsWith(prefix))) return undefined;
    const n = ++this.streamCounters.batchesHandled;
    if (s.failAfterSuccessEvery && n % s.failAfterSuccessEvery === 0) {
      this.streamCounters.failedAfterSuccess++;
      return 'fail-after-success';
    }
    if (s.duplicateEvery && n % s.duplicateEvery === 0) {
      this.streamCounters.duplicated++;
      return 'duplicate';
    }
    return undefined;
  }

  /** Asked by the SES proxy for each send call: throttle it? */
  throttleSend(recipients: string[]): boolean {
    const s = this.ses;
    const wanted = s?.recipientsContaining?.toLowerCase();
    if (!s || s.remaining <= 0 || (wanted && !recipients.some((r) => r.toLowerCase().includes(wanted)))) {
      this.sesCounters.passed++;
      return false;
    }
    s.remaining--;
    this.sesCounters.throttled++;
    return true;
  }

  /** Asked by the SES proxy for each send call it passed: the recipients whose mail bounces or draws a complaint (a bounce wins). */
  feedbackFor(recipients: string[]): { to: string; kind: SesFeedbackFault['kind'] }[] {
    return recipients.flatMap((to) => {
      const kind = (['bounce', 'complaint'] as const).find((k) => this.feedback[k] && bounces(this.feedback[k].patterns, to));
      if (!kind) return [];
      this.feedback[kind]!.count++;
      return [{ to, kind }];
    });
  }

  describe(): Record<string, unknown> {
    return {
      stream: this.stream ?? null,
      bounce: this.feedback.bounce ? { addresses: this.feedback.bounce.addresses, bounced: this.feedback.bounce.count } : null,
      complaint: this.feedback.complaint ? { addresses: this.feedback.complaint.addresses, complained: this.feedback.complaint.count } : null,
      ses: this.ses ? { throttle: this.ses.throttle, remaining: this.ses.remaining, ...(this.ses.recipientsContaining && { recipientsContaining: this.ses.recipientsContaining }) } : null,
      injected: { stream: { ...this.streamCounters }, ses: { ...this.sesCounters } },
    };
  }

  /** PUT /local/faults: replaces the settings it names (null switches one off) and resets their counters. */
  configure(body: Record<string, unknown>): FieldProblem[] {
    const problems: FieldProblem[] = [];
    if (!['stream', 'ses', 'bounce', 'complaint'].some((k) => k in body)) problems.push({ field: 'stream', message: 'give "stream", "ses", "bounce" and/or "complaint" (null switches a fault off)' });
    const stream = 'stream' in body ? parseStream(body.stream, problems) : undefined;
    const ses = 'ses' in body ? parseSes(body.ses, problems) : undefined;
    const feedback = (['bounce', 'complaint'] as const).filter((k) => k in body).map((k) => [k, parseAddresses(k, body[k], problems)] as const);
    if (problems.length > 0) return problems;
    for (const [kind, settings] of feedback) this.feedback[kind] = settings && { ...settings, patterns: settings.addresses.map(bouncePattern), count: 0 };
    if ('stream' in body) {
      this.stream = stream;
      this.streamCounters = { batchesHandled: 0, failedAfterSuccess: 0, duplicated: 0 };
    }
    if ('ses' in body) {
      this.ses = ses && { ...ses, remaining: ses.throttle };
      this.sesCounters = { throttled: 0, passed: 0 };
    }
    return [];
  }

  clear(): void {
    this.stream = undefined;
    this.ses = undefined;
    this.feedback = { bounce: undefined, complaint: undefined };
  }
}

const positiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 1_000_000;

function parseStream(value: unknown, problems: FieldProblem[]): StreamFaultSettings | undefined {
  if (value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ field: 'stream', message: 'must be an object or null' });
    return undefined;
  }
  const v = value as Record<string, unknown>;
  if (!Array.isArray(v.functions) || v.functions.length === 0 || !v.functions.every((f) => typeof f === 'string' && f.length > 0)) {
    problems.push({ field: 'stream.functions', message: 'must list logical-id prefixes of stream consumers' });
  }
  for (const field of ['failAfterSuccessEvery', 'duplicateEvery'] as const) {
    if (v[field] !== undefined && !positiveInt(v[field])) problems.push({ field: `stream.${field}`, message: 'must be a whole number ≥ 1' });
  }
  if (v.failAfterSuccessEvery === undefined && v.duplicateEvery === undefined) {
    problems.push({ field: 'stream.failAfterSuccessEvery', message: 'give failAfterSuccessEvery and/or duplicateEvery' });
  }
  return {
    functions: v.functions as string[],
    ...(v.failAfterSuccessEvery !== undefined && { failAfterSuccessEvery: v.failAfterSuccessEvery as number }),
    ...(v.duplicateEvery !== undefined && { duplicateEvery: v.duplicateEvery as number }),
  };
}

function parseSes(value: unknown, problems: FieldProblem[]): SesFaultSettings | undefined {
  if (value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ field: 'ses', message: 'must be an object or null' });
    return undefined;
  }
  const v = value as Record<string, unknown>;
  if (!positiveInt(v.throttle)) problems.push({ field: 'ses.throttle', message: 'must be a whole number ≥ 1 (the send calls to throttle)' });
  if (v.recipientsContaining !== undefined && (typeof v.recipientsContaining !== 'string' || v.recipientsContaining === '')) {
    problems.push({ field: 'ses.recipientsContaining', message: 'must be a non-empty string' });
  }
  return { throttle: v.throttle as number, ...(typeof v.recipientsContaining === 'string' && { recipientsContaining: v.recipientsContaining }) };
}

function parseAddresses(kind: SesFeedbackFault['kind'], value: unknown, problems: FieldProblem[]): BounceFaultSettings | undefined {
  if (value === null) return undefined;
  const addresses = (value as { addresses?: unknown } | undefined)?.addresses;
  if (typeof value !== 'object' || !Array.isArray(addresses) || addresses.length === 0 || !addresses.every((a) => typeof a === 'string' && /^[^\s@]+@[^\s@]+$/.test(a))) {
    problems.push({ field: `${kind}.addresses`, message: `must list address patterns such as "*@${kind}.test" (or null to switch ${kind === 'bounce' ? 'bounces' : 'complaints'} off)` });
    return undefined;
  }
  return { addresses: addresses as string[] };
}

// ---------------------------------------------------------------------------------------------
// The SES proxy

export interface SesFaultProxy {
  url: string;
  stop(): Promise<void>;
}

const SEND_ACTIONS = new Set(['SendEmail', 'SendRawEmail']);

/** SES v1 (query API) throttling, as SES answers it: HTTP 400 with code Throttling, which the SDK retries. */
export function sesThrottlingResponse(requestId: string): { status: number; headers: Record<string, string>; body: string } {
  return {
    status: 400,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body:
      '<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">' +
      '<Error><Type>Sender</Type><Code>Throttling</Code><Message>Maximum sending rate exceeded.</Message></Error>' +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

/** The recipients of a SES v1 send call's form body (SendRawEmail: its Destinations, else the message's headers). */
export function sendCallRecipients(params: URLSearchParams): string[] {
  const listed = [...params].filter(([k]) => /^(Destination\.(To|Cc|Bcc)Addresses|Destinations)\.member\.\d+$/.test(k)).map(([, v]) => v);
  if (listed.length > 0 || params.get('Action') !== 'SendRawEmail') return listed;
  const raw = Buffer.from(params.get('RawMessage.Data') ?? '', 'base64').toString('utf8');
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  return unfolded
    .split(/\r?\n/)
    .filter((line) => /^(to|cc|bcc):/i.test(line))
    .flatMap((line) => line.slice(line.indexOf(':') + 1).split(','))
    .map((a) => a.trim())
    .filter(Boolean);
}

/** The subject of a send call (SendEmail's field, or SendRawEmail's header). */
function sendCallSubject(params: URLSearchParams): string {
  const simple = params.get('Message.Subject.Data');
  if (simple !== null) return simple;
  const head = Buffer.from(params.get('RawMessage.Data') ?? '', 'base64').toString('utf8').split(/\r?\n\r?\n/, 1)[0] ?? '';
  return /^Subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(head)?.[1]?.replace(/\r?\n[ \t]+/g, ' ') ?? '';
}

/** One send call as the faults see it, whichever API made it (v1 query or v2 REST JSON). */
interface SendCall {
  recipients: string[];
  from: string;
  subject: string;
  configurationSet?: string;
  /** SES's throttling answer in this API's dialect. */
  throttled: () => { status: number; headers: Record<string, string>; body: string };
  /** The message id in the mailbox's answer to this call. */
  messageIdOf: (answer: string) => string | undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** The send call of a request, if it is one: v1 SendEmail/SendRawEmail (form) or v2 SendEmail (POST /v2/email/outbound-emails). */
export function sendCallOf(method: string | undefined, url: string | undefined, form: URLSearchParams | undefined, body: Buffer): SendCall | undefined {
  if (method !== 'POST') return undefined;
  if (form) {
    if (!SEND_ACTIONS.has(form.get('Action') ?? '')) return undefined;
    const configurationSet = form.get('ConfigurationSetName') ?? undefined;
    return {
      recipients: sendCallRecipients(form),
      from: form.get('Source') ?? '',
      subject: sendCallSubject(form),
      ...(configurationSet && { configurationSet }),
      throttled: () => sesThrottlingResponse(randomUUID()),
      messageIdOf: (answer) => /<MessageId>([^<]+)<\/MessageId>/.exec(answer)?.[1],
    };
  }
  if (!/^\/v2\/email\/outbound-emails\/?$/.test((url ?? '').split('?', 1)[0]!)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(json)) return undefined;
  const destination = isRecord(json.Destination) ? json.Destination : {};
  const simple = isRecord(json.Content) && isRecord(json.Content.Simple) ? json.Content.Simple : {};
  const subject = isRecord(simple.Subject) && typeof simple.Subject.Data === 'string' ? simple.Subject.Data : '';
  return {
    recipients: [...strings(destination.ToAddresses), ...strings(destination.CcAddresses), ...strings(destination.BccAddresses)],
    from: typeof json.FromEmailAddress === 'string' ? json.FromEmailAddress : '',
    subject,
    ...(typeof json.ConfigurationSetName === 'string' && { configurationSet: json.ConfigurationSetName }),
    throttled: () => sesV2ThrottlingResponse(randomUUID()),
    messageIdOf: (answer) => {
      try {
        const id = (JSON.parse(answer) as { MessageId?: unknown }).MessageId;
        return typeof id === 'string' ? id : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/** SES v2 (REST JSON) throttling, as SES answers it: HTTP 429 TooManyRequestsException, which the SDK retries. */
export function sesV2ThrottlingResponse(requestId: string): { status: number; headers: Record<string, string>; body: string } {
  return {
    status: 429,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': 'TooManyRequestsException' },
    body: JSON.stringify({ message: 'Maximum sending rate exceeded.' }),
  };
}

/**
 * A proxy in front of the SES mailbox: everything passes through, except calls `authorize` answers (IAM's
 * AccessDenied) and the send calls the faults throttle;
 * a send call for a recipient whose mail bounces (or who complains) passes, and once the mailbox answered,
 * `onFeedback` hears of it, with the configuration set the call named.
 */
export async function startSesFaultProxy(o: {
  host: string;
  target: string;
  faults: LocalFaults;
  log: (line: string) => void;
  onFeedback?: (fault: SesFeedbackFault) => void;
  /** Asked first for each request (local IAM): an answer to give instead of passing it on (AccessDenied). */
  authorize?: (req: IncomingMessage, form: URLSearchParams | undefined, body: Buffer) => { status: number; headers: Record<string, string>; body: string } | undefined;
}): Promise<SesFaultProxy> {
  const target = new URL(o.target);
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const form = /x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '') ? new URLSearchParams(body.toString('utf8')) : undefined;
      const denied = o.authorize?.(req, form, body);
      if (denied) {
        res.writeHead(denied.status, { ...denied.headers, 'content-length': String(Buffer.byteLength(denied.body)) });
        res.end(denied.body);
        return;
      }
      const call = sendCallOf(req.method, req.url, form, body);
      if (call && o.faults.throttleSend(call.recipients)) {
        const answer = call.throttled();
        o.log('ses fault: send throttled');
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
        return;
      }
      const bouncing = call ? o.faults.feedbackFor(call.recipients) : [];
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          if (bouncing.length === 0 || !call) {
            up.pipe(res);
            return;
          }
          const answer: Buffer[] = [];
          up.on('data', (c: Buffer) => answer.push(c));
          up.on('end', () => {
            const text = Buffer.concat(answer).toString('utf8');
            res.end(text);
            const messageId = call.messageIdOf(text);
            if (!messageId || (up.statusCode ?? 500) >= 300) return;
            for (const { to, kind } of bouncing) {
              o.log(`ses fault: ${messageId} to ${to}: ${kind}`);
              o.onFeedback?.({ kind, messageId, to, from: call.from, subject: call.subject, ...(call.configurationSet && { configurationSet: call.configurationSet }) });
            }
          });
        },
      );
      upstream.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`ses proxy: ${error.message}`);
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, o.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host === '0.0.0.0' ? '127.0.0.1' : o.host;
  return {
    url: `http://${host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
