// The HTTP face of local Step Functions: the AWS JSON protocol (awsJson1_0, `X-Amz-Target:
// AWSStepFunctions.<Op>`) that @aws-sdk/client-sfn speaks, answering each request with its operation's
// result or the AWS error shape (`__type`, `message`).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isObject, type Json } from './emulator.ts';
import { SfnApiError } from './errors.ts';

export interface SfnApiServer {
  endpoint: string;
  port: number;
  /** Closes the server (the port is free when it resolves). */
  close(): Promise<void>;
}

/** Serves the operations on host:port (0 for a free one). */
export async function startSfnApiServer(o: {
  host: string;
  port: number;
  operations: Record<string, (body: Json) => unknown>;
  log: (line: string) => void;
  /** Asked before an operation runs: the AccessDeniedException message when the caller may not (local IAM), else undefined. */
  authorize?: (req: IncomingMessage, op: string, body: Json) => string | undefined;
}): Promise<SfnApiServer> {
  const { operations, log } = o;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const reply = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.0',
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': randomUUID(),
      });
      res.end(text);
    };
    const fail = (status: number, code: string, message: string) => reply(status, { __type: code, message });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= 8 * 1024 * 1024) chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      try {
        if (req.method !== 'POST') return fail(400, 'UnknownOperationException', `${req.method} is not supported`);
        if (size > 8 * 1024 * 1024) return fail(413, 'RequestEntityTooLarge', 'Request too large');
        const target = String(req.headers['x-amz-target'] ?? '');
        const op = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : '';
        const handler = Object.hasOwn(operations, op) ? operations[op] : undefined;
        if (!handler) return fail(400, 'UnknownOperationException', `Unknown operation ${target || '(no X-Amz-Target)'}`);
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text.trim() === '' ? {} : JSON.parse(text);
        } catch {
          return fail(400, 'SerializationException', 'Request body is not valid JSON');
        }
        if (!isObject(body)) return fail(400, 'SerializationException', 'Request body must be a JSON object');
        const denied = o.authorize?.(req, op, body);
        if (denied !== undefined) return fail(400, 'AccessDeniedException', denied);
        return reply(200, handler(body));
      } catch (error) {
        if (error instanceof SfnApiError) return fail(400, error.name, error.message);
        log(`states: ${String(req.headers['x-amz-target'])} failed: ${(error as Error).stack ?? String(error)}`);
        return fail(500, 'InternalFailure', (error as Error).message);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://${urlHost(o.host)}:${port}`;

  return {
    endpoint,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
