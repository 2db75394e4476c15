// DynamoDB Local's port on disk, served with durable acknowledgements.
//
// DynamoDB Local answers a write a few milliseconds before it is committed to its SQLite file: a
// SIGKILL right after a TransactWriteItems was acknowledged loses it (measured: the last acknowledged
// transaction of a stream of them, in 4 runs of 4). DynamoDB on AWS never loses an acknowledged write,
// so the local cloud on disk serves its DynamoDB port with this proxy (java listens on a private port):
// after a write it reads the same table once (DynamoDB Local runs its SQLite jobs on one queue, so
// that read comes after the commit; 0 lost in 7 runs of 4) and only then answers.
// The same proxy is where IAM is enforced (local/iam-roles.ts): `authorize` sees each request before it
// is forwarded and may answer it instead (AccessDeniedException); in memory it runs with `durable: false`.
import { Agent as HttpAgent, createServer as createHttpServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { isObj, list } from './dynamodb-tables.ts';

const DYNAMODB_WRITES = new Set([
  'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems', 'ExecuteStatement', 'BatchExecuteStatement', 'ExecuteTransaction',
]);

export interface DurableWriteProxy {
  endpoint: string;
  stop(): Promise<void>;
}

/** The tables a write request names (the first is enough for the barrier read). */
export function tablesOfWrite(body: unknown): string[] {
  if (!isObj(body)) return [];
  if (typeof body['TableName'] === 'string') return [body['TableName']];
  if (isObj(body['RequestItems'])) return Object.keys(body['RequestItems']);
  return list(body['TransactItems']).flatMap((item) =>
    isObj(item) ? Object.values(item).flatMap((op) => (isObj(op) && typeof op['TableName'] === 'string' ? [op['TableName']] : [])) : [],
  );
}

/** An answer that replaces forwarding (a denied request). */
export interface ProxyAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export async function startDurableWriteProxy(opts: {
  upstream: string;
  port: number;
  host?: string;
  log?: (line: string) => void;
  /** Read back after each write before answering (default true; false when DynamoDB Local runs in memory). */
  durable?: boolean;
  /** Asked first for each request: an answer to give instead of forwarding it (IAM's AccessDeniedException). */
  authorize?: (headers: IncomingHttpHeaders, target: string, body: unknown) => ProxyAnswer | undefined;
}): Promise<DurableWriteProxy> {
  const durable = opts.durable ?? true;
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => {});
  const upstream = new URL(opts.upstream);
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
  const forward = (headers: IncomingHttpHeaders, body: Buffer): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolveReply, reject) => {
      const req = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: 'POST', path: '/', agent, headers: { ...headers, 'content-length': String(body.length) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolveReply({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const target = String(req.headers['x-amz-target'] ?? '');
        if (opts.authorize) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(body.toString('utf8'));
          } catch {
            parsed = undefined;
          }
          const denied = opts.authorize(req.headers, target, parsed);
          if (denied) {
            res.writeHead(denied.status, { ...denied.headers, 'content-length': String(Buffer.byteLength(denied.body)) });
            res.end(denied.body);
            return;
          }
        }
        const reply = await forward(req.headers, body);
        if (durable && DYNAMODB_WRITES.has(target.split('.').at(-1) ?? '')) {
          let table: string | undefined;
          try {
            table = tablesOfWrite(JSON.parse(body.toString('utf8')))[0];
          } catch {
            table = undefined;
          }
          if (table) {
            const barrier = Buffer.from(JSON.stringify({ TableName: table, Limit: 1, Select: 'COUNT' }));
            await forward({ ...req.headers, 'x-amz-target': 'DynamoDB_20120810.Scan' }, barrier).catch((error: unknown) =>
              log(`durable-write barrier on ${table} failed: ${(error as Error).message}`),
            );
          }
        }
        const headers = { ...reply.headers };
        delete headers['transfer-encoding'];
        res.writeHead(reply.status, { ...headers, 'content-length': String(reply.body.length) });
        res.end(reply.body);
      })().catch((error: unknown) => {
        // DynamoDB Local unreachable: answer as a 5xx so the SDK retries.
        if (!res.headersSent) res.writeHead(503, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ServiceUnavailable', message: (error as Error).message }));
      });
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`DynamoDB Local: port ${opts.port} is already in use`) : error),
    );
    server.listen(opts.port, host, () => resolveListen());
  });
  const port = (server.address() as { port: number }).port;
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://${host}:${port}`,
    stop() {
      stopping ??= new Promise<void>((resolveStop) => {
        server.closeAllConnections();
        server.close(() => resolveStop());
        agent.destroy();
      });
      return stopping;
    },
  };
}
