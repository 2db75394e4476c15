// SQS, locally: the template's queues (AWS::SQS::Queue), served over SQS's JSON protocol (awsJson1_0,
// `X-Amz-Target: AmazonSQS.<Op>`, what SDK v3 speaks), so a function that parks what it refuses, and an
// operator or a test reading a parked queue, use the SDK unchanged. A queue is addressed by its URL
// `<endpoint>/<account>/<logical id>` (what Ref gives locally) or by that name.
//
// What it does as SQS does: SendMessage / SendMessageBatch (MD5 of the body, message ids), ReceiveMessage with a
// visibility timeout (a received message is hidden until it runs out or is deleted), DeleteMessage,
// GetQueueAttributes (ApproximateNumberOfMessages…), PurgeQueue, GetQueueUrl, ListQueues. Messages live in
// memory. Not emulated: FIFO queues, long polling (WaitTimeSeconds answers at once), redrive policies, delays.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resourcesOfType, type CfnTemplate } from './template.ts';

const MAX_BODY_BYTES = 256 * 1024;

interface StoredMessage {
  id: string;
  body: string;
  md5: string;
  sentAt: number;
  receiveCount: number;
  visibleAt: number;
  receipt?: string;
}

export interface LocalQueueView {
  name: string;
  url: string;
  arn: string;
  messages: { id: string; body: string; sentAt: string; receiveCount: number }[];
}

export interface LocalSqs {
  endpoint: string;
  queues(): LocalQueueView[];
  /** Messages ever sent (the local cloud's settle counts them as progress). */
  sent(): number;
  stop(): Promise<void>;
}

class SqsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The queue URL Ref gives locally for a queue of the template. */
export const localQueueUrl = (endpoint: string, accountId: string, logicalId: string) => `${endpoint}/${accountId}/${logicalId}`;

export async function startLocalSqs(o: {
  host: string;
  port: number;
  template: CfnTemplate;
  region: string;
  accountId: string;
  now: () => number;
  log: (line: string) => void;
  /** The IAM check: a denial's message for the caller's signed request. */
  authorize?: (req: IncomingMessage, action: string, queueArn: string) => string | undefined;
}): Promise<LocalSqs> {
  const queues = new Map<string, StoredMessage[]>(resourcesOfType(o.template, 'AWS::SQS::Queue').map(([id]) => [id, []]));
  let sent = 0;
  let endpoint = '';
  const arnOf = (name: string) => `arn:aws:sqs:${o.region}:${o.accountId}:${name}`;
  const queueOf = (b: Record<string, unknown>): [string, StoredMessage[]] => {
    const ref = String(b.QueueUrl ?? b.QueueName ?? '');
    const name = ref.split('/').at(-1) ?? ref;
    const messages = queues.get(name);
    if (!messages) throw new SqsError('AWS.SimpleQueueService.NonExistentQueue', `The specified queue ${name} does not exist.`);
    return [name, messages];
  };
  const send = (messages: StoredMessage[], body: unknown): { MessageId: string; MD5OfMessageBody: string } => {
    if (typeof body !== 'string' || body === '') throw new SqsError('MissingParameter', 'The request must contain the parameter MessageBody.');
    if (Buffer.byteLength(body) > MAX_BODY_BYTES) throw new SqsError('InvalidParameterValue', `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_BODY_BYTES} bytes.`);
    const m: StoredMessage = { id: randomUUID(), body, md5: createHash('md5').update(body).digest('hex'), sentAt: o.now(), receiveCount: 0, visibleAt: 0 };
    messages.push(m);
    sent++;
    return { MessageId: m.id, MD5OfMessageBody: m.md5 };
  };
  const visible = (messages: StoredMessage[]) => messages.filter((m) => m.visibleAt <= o.now());

  const operations: Record<string, { action: string; run: (b: Record<string, unknown>) => unknown }> = {
    SendMessage: { action: 'sqs:SendMessage', run: (b) => send(queueOf(b)[1], b.MessageBody) },
    SendMessageBatch: {
      action: 'sqs:SendMessage',
      run: (b) => {
        const [, messages] = queueOf(b);
        const entries = Array.isArray(b.Entries) ? b.Entries.filter(isObject) : [];
        if (entries.length < 1 || entries.length > 10) throw new SqsError('AWS.SimpleQueueService.TooManyEntriesInBatchRequest', 'A batch holds 1 to 10 entries.');
        return { Successful: entries.map((e) => ({ Id: String(e.Id), ...send(messages, e.MessageBody) })), Failed: [] };
      },
    },
    ReceiveMessage: {
      action: 'sqs:ReceiveMessage',
      run: (b) => {
        const [, messages] = queueOf(b);
        const max = Math.min(Math.max(Number(b.MaxNumberOfMessages ?? 1) || 1, 1), 10);
        const hideMs = Number(b.VisibilityTimeout ?? 30) * 1000;
        const out = visible(messages).slice(0, max);
        for (const m of out) {
          m.receiveCount++;
          m.visibleAt = o.now() + hideMs;
          m.receipt = randomUUID();
        }
        return { Messages: out.map((m) => ({ MessageId: m.id, ReceiptHandle: m.receipt, MD5OfBody: m.md5, Body: m.body, Attributes: { ApproximateReceiveCount: String(m.receiveCount), SentTimestamp: String(m.sentAt) } })) };
      },
    },
    DeleteMessage: {
      action: 'sqs:DeleteMessage',
      run: (b) => {
        const [name, messages] = queueOf(b);
        const i = messages.findIndex((m) => m.receipt !== undefined && m.receipt === b.ReceiptHandle);
        if (i < 0) throw new SqsError('ReceiptHandleIsInvalid', `The receipt handle is not valid for ${name}.`);
        messages.splice(i, 1);
        return {};
      },
    },
    GetQueueAttributes: {
      action: 'sqs:GetQueueAttributes',
      run: (b) => {
        const [name, messages] = queueOf(b);
        return { Attributes: { QueueArn: arnOf(name), ApproximateNumberOfMessages: String(visible(messages).length), ApproximateNumberOfMessagesNotVisible: String(messages.length - visible(messages).length) } };
      },
    },
    PurgeQueue: {
      action: 'sqs:PurgeQueue',
      run: (b) => {
        queueOf(b)[1].length = 0;
        return {};
      },
    },
    GetQueueUrl: { action: 'sqs:GetQueueUrl', run: (b) => ({ QueueUrl: localQueueUrl(endpoint, o.accountId, queueOf(b)[0]) }) },
    ListQueues: { action: 'sqs:ListQueues', run: () => ({ QueueUrls: [...queues.keys()].map((n) => localQueueUrl(endpoint, o.accountId, n)) }) },
  };

  const server: Server = createServer((req, res) => {
    const answer = (status: number, body: unknown, type?: string) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', ...(type && { 'x-amzn-query-error': `${type};Sender` }) });
      res.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const op = operations[target.replace(/^AmazonSQS\./, '')];
      if (!op) return answer(400, { __type: 'com.amazonaws.sqs#UnsupportedOperation', message: `${target || 'no X-Amz-Target'} is not emulated` }, 'AWS.SimpleQueueService.UnsupportedOperation');
      let body: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        body = isObject(parsed) ? parsed : {};
      } catch {
        return answer(400, { __type: 'com.amazonaws.sqs#InvalidParameterValue', message: 'the body is not JSON' });
      }
      try {
        const name = String(body.QueueUrl ?? body.QueueName ?? '').split('/').at(-1) ?? '';
        const denied = o.authorize?.(req, op.action, name ? arnOf(name) : '*');
        if (denied) return answer(400, { __type: 'com.amazonaws.sqs#AccessDenied', message: denied }, 'AccessDenied');
        answer(200, op.run(body));
      } catch (error) {
        if (error instanceof SqsError) return answer(400, { __type: `com.amazonaws.sqs#${error.type.replace(/^AWS\.SimpleQueueService\./, '')}`, message: error.message }, error.type);
        o.log(`sqs ${target} failed: ${(error as Error).stack ?? String(error)}`);
        answer(500, { __type: 'com.amazonaws.sqs#InternalError', message: 'local SQS error' });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  endpoint = `http://${o.host}:${(server.address() as AddressInfo).port}`;
  o.log(`✓ SQS on ${endpoint}: ${queues.size} queue(s)`);
  return {
    endpoint,
    queues: () =>
      [...queues.entries()].map(([name, messages]) => ({
        name,
        url: localQueueUrl(endpoint, o.accountId, name),
        arn: arnOf(name),
        messages: messages.map((m) => ({ id: m.id, body: m.body, sentAt: new Date(m.sentAt).toISOString(), receiveCount: m.receiveCount })),
      })),
    sent: () => sent,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
