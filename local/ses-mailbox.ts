/**
 * Outbound mail for the local cloud: aws-ses-v2-local (SES v1 SendEmail/SendRawEmail and the v2 API)
 * started in-process. Sent mail is kept in memory and shown by its web UI at `/`; `GET /store`
 * returns `{ templates, emails }`.
 *
 * Things to know about aws-ses-v2-local 2.10.2:
 * - It is CommonJS with `exports.default = server`. Imported from ESM, Node hands over
 *   `module.exports`, so the function sits at `.default.default`; some loaders (vitest's interop)
 *   flatten that to `.default`. `loadServerFactory` accepts either.
 * - Its store is a module-level singleton: every mailbox in one process shares the same emails,
 *   and they outlive stop(). `clear()` empties it (templates too).
 * - If the port is taken it still resolves, with a server that is not listening; we check.
 * - Express keeps connections alive; stop() closes them all so the port is really free.
 * - SendRawEmail ignores `Destinations` and reads recipients from the To/Cc/Bcc headers (one string
 *   per header, e.g. ['a@x.test, b@x.test']).
 * - SES v1 SendEmail keeps only the FIRST address of each of To/Cc/Bcc/ReplyTo (its schema names
 *   only `…member.1` and zod strips the rest). The call succeeds; the mailbox just under-reports.
 *   Code that needs every recipient visible locally: SendRawEmail, or one SendEmail per recipient.
 *
 * Shape of one stored email (`emails()` entries):
 *   { messageId: string, from: string, replyTo: string[],
 *     destination: { to: string[], cc: string[], bcc: string[] },
 *     subject: string, body: { text?: string, html?: string },
 *     attachments: { content: string (base64), contentType: string, filename?: string, size: number,
 *                    ...the rest of a mailparser attachment for SendRawEmail: checksum, cid,
 *                    contentDisposition, headers, related, type, partId... }[],
 *     headers?: { name: string, value: string }[],   // v2 SendEmail only
 *     at: number /* epoch seconds *\/ }
 * Addresses are as written, e.g. 'Trustdesk <noreply@trustdesk.local>' for raw mail (mailparser's
 * `.text`), or exactly the Source/Destination strings for SendEmail.
 *
 * On disk (`journal` set, the cloud not in memory) every stored email is appended to a JSON-lines
 * journal BEFORE the SES call answers, and the journal is loaded back on start: a crash loses no mail
 * that a sender was told was sent, and `GET /store` shows mail from before and after a restart.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';

export interface SesMailbox {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** The stored emails (`GET /store` → `emails`), oldest first. */
  emails(): Promise<unknown[]>;
  /** `POST /clear-store`: forgets every stored email and template. */
  clear(): Promise<void>;
}

/** One stored email, as returned by `GET /store` (see the module comment). */
export interface StoredSesEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { text?: string; html?: string };
  attachments: { content: string; contentType: string; filename?: string; size: number; [extra: string]: unknown }[];
  headers?: { name: string; value: string }[];
  at: number;
}

type ServerFactory = (config?: { host?: string; port?: number }) => Promise<Server>;

/** Finds the server factory whichever way the CommonJS module was interop-wrapped. */
export async function loadServerFactory(): Promise<ServerFactory> {
  const mod: unknown = await import('aws-ses-v2-local');
  const candidates = [mod, (mod as { default?: unknown }).default, (mod as { default?: { default?: unknown } }).default?.default];
  const factory = candidates.find((c): c is ServerFactory => typeof c === 'function');
  if (!factory) throw new Error('aws-ses-v2-local: no server factory export found');
  return factory;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

interface PackageStore {
  emails: unknown[];
}

/** The package's store singleton (the module its server requires), to journal and reload its emails. */
function packageStore(): PackageStore {
  const store = createRequire(import.meta.url)('aws-ses-v2-local/dist/store.js') as { getStoreReadonly?: () => PackageStore };
  if (typeof store.getStoreReadonly !== 'function') throw new Error('aws-ses-v2-local: no store module found');
  return store.getStoreReadonly();
}

/** The emails of a journal; a line torn by a crash mid-write is the one email whose send never answered. */
export function readJournal(file: string): StoredSesEmail[] {
  if (!existsSync(file)) return [];
  const emails: StoredSesEmail[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      emails.push(JSON.parse(line) as StoredSesEmail);
    } catch {
      // torn last line: skipped
    }
  }
  return emails;
}

/**
 * Makes the package's store write every email to `file` as it is stored, starting from the journal's
 * emails (replacing whatever an earlier mailbox of this process left). Returns the undo.
 */
function journalStore(file: string): () => void {
  mkdirSync(dirname(file), { recursive: true });
  const store = packageStore();
  // The journal is the truth; a torn last line is dropped from the file too, so new lines start clean.
  const loaded = readJournal(file);
  writeFileSync(file, loaded.map((e) => `${JSON.stringify(e)}\n`).join(''));
  const journaled = (emails: unknown[]): unknown[] => {
    Object.defineProperty(emails, 'push', {
      configurable: true,
      value: (...added: unknown[]) => {
        // Written before it is stored: if the disk refuses, SES answers an error and the sender retries.
        appendFileSync(file, added.map((e) => `${JSON.stringify(e)}\n`).join(''));
        return Array.prototype.push.apply(emails, added);
      },
    });
    return emails;
  };
  let current = journaled(loaded);
  Object.defineProperty(store, 'emails', {
    configurable: true,
    enumerable: true,
    get: () => current,
    // clearStore() assigns a new array: the journal is emptied with it.
    set: (emails: unknown[]) => {
      writeFileSync(file, emails.map((e) => `${JSON.stringify(e)}\n`).join(''));
      current = journaled(emails);
    },
  });
  return () => {
    delete (current as { push?: unknown }).push;
    Object.defineProperty(store, 'emails', { configurable: true, enumerable: true, writable: true, value: current });
  };
}

export async function startSesMailbox(opts: { port: number; host?: string; journal?: string }): Promise<SesMailbox> {
  const host = opts.host ?? '127.0.0.1';
  const factory = await loadServerFactory();
  const unjournal = opts.journal ? journalStore(opts.journal) : () => undefined;
  const server = await factory({ host, port: opts.port });
  if (!server.listening) {
    // The package resolves even when listen failed (Express passes the error to the callback).
    server.close();
    unjournal();
    throw Object.assign(new Error(`aws-ses-v2-local could not listen on ${host}:${opts.port} (port in use?)`), { code: 'EADDRINUSE' });
  }
  server.on('error', (error) => process.stderr.write(`ses-mailbox: error: ${error.message}\n`));
  const port = (server.address() as AddressInfo).port;
  const url = `http://${urlHost(host)}:${port}`;

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    stop() {
      stopping ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }).finally(unjournal);
      return stopping;
    },
    async emails() {
      const res = await fetch(`${url}/store`);
      if (!res.ok) throw new Error(`ses-mailbox: GET /store answered ${res.status}`);
      const store = (await res.json()) as { emails?: unknown[] };
      return store.emails ?? [];
    },
    async clear() {
      const res = await fetch(`${url}/clear-store`, { method: 'POST' });
      if (!res.ok) throw new Error(`ses-mailbox: POST /clear-store answered ${res.status}`);
      await res.arrayBuffer();
    },
  };
}
