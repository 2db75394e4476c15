/**
 * Inbound mail for the local cloud: an SMTP server on loopback standing in for SES receiving
 * (receipt rule → S3 → Lambda). Every accepted message is handed over raw, byte for byte as
 * received after SMTP dot-unstuffing, to `onMessage`.
 *
 * Replies: unknown recipient → 550; message over `maxBytes` → 552 (SIZE is advertised, so a client
 * that declares the size is refused at MAIL FROM already); `onMessage` resolves → 250; rejects → 451,
 * a temporary failure, so a real MTA queues the message and retries. Handler errors are logged and
 * never take the server down.
 *
 * A development server: no TLS, no AUTH. Bind it to loopback only.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export interface SmtpEnvelope {
  mailFrom: string;
  rcptTo: string[];
  remoteAddress: string;
}

export interface SmtpIntake {
  port: number;
  host: string;
  stop(): Promise<void>;
}

export interface StartSmtpIntakeOptions {
  port: number;
  host?: string;
  /** Accepted recipient addresses, compared case-insensitively; any other recipient gets 550. */
  recipients: string[];
  /** Advertised with SIZE; a bigger message is refused with 552 and never reaches `onMessage`. */
  maxBytes: number;
  onMessage: (raw: Buffer, envelope: SmtpEnvelope) => Promise<void>;
  /** Receives one line per event. Without it, only errors are written (to stderr). */
  log?: (line: string) => void;
}

/** How long stop() lets open sessions finish before it answers them 421 and closes them. */
const CLOSE_GRACE_MS = 1000;

function smtpError(responseCode: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode });
}

function normalizeAddress(address: string): string {
  return address.trim().toLowerCase();
}

export async function startSmtpIntake(opts: StartSmtpIntakeOptions): Promise<SmtpIntake> {
  if (!Number.isInteger(opts.maxBytes) || opts.maxBytes <= 0) throw new RangeError('maxBytes must be a positive integer');
  const host = opts.host ?? '127.0.0.1';
  const accepted = new Set(opts.recipients.map(normalizeAddress));
  const info = (line: string) => opts.log?.(line);
  const error = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const inFlight = new Set<Promise<void>>();

  const deliver = async (raw: Buffer, envelope: SmtpEnvelope, sessionId: string): Promise<Error | undefined> => {
    try {
      await opts.onMessage(raw, envelope);
      info(`smtp ${sessionId}: accepted ${raw.length} bytes from <${envelope.mailFrom}> to ${envelope.rcptTo.map((r) => `<${r}>`).join(', ')}`);
      return undefined;
    } catch (err) {
      const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
      error(`smtp ${sessionId}: error: onMessage failed, answered 451 so the sender retries: ${detail}`);
      return smtpError(451, 'Temporary failure processing the message, try again later');
    }
  };

  const onData = (stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void): void => {
    const chunks: Buffer[] = [];
    let answered = false;
    const answer = (err: Error | null, message?: string) => {
      if (answered) return;
      answered = true;
      callback(err, message);
    };
    stream.on('data', (chunk: Buffer) => {
      if (!stream.sizeExceeded) chunks.push(chunk);
    });
    stream.once('error', (err) => {
      error(`smtp ${session.id}: error: reading DATA failed: ${err.message}`);
      answer(smtpError(451, 'Error reading the message, try again later'));
    });
    stream.once('end', () => {
      if (answered) return;
      if (stream.sizeExceeded) {
        info(`smtp ${session.id}: rejected a message over ${opts.maxBytes} bytes (552)`);
        answer(smtpError(552, `Message exceeds fixed maximum message size ${opts.maxBytes}`));
        return;
      }
      const envelope: SmtpEnvelope = {
        mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        rcptTo: session.envelope.rcptTo.map((r) => r.address),
        remoteAddress: session.remoteAddress,
      };
      const work = deliver(Buffer.concat(chunks), envelope, session.id).then((err) => answer(err ?? null, 'OK: message accepted'));
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    });
  };

  const server = new SMTPServer({
    banner: 'trustdesk local mail intake (development server: no TLS, no AUTH)',
    disabledCommands: ['STARTTLS', 'AUTH'],
    hideSTARTTLS: true,
    authOptional: true,
    disableReverseLookup: true,
    logger: false,
    size: opts.maxBytes,
    rejectOversized: true,
    closeTimeout: CLOSE_GRACE_MS,
    onRcptTo(address, session, callback) {
      if (accepted.has(normalizeAddress(address.address))) {
        callback();
        return;
      }
      info(`smtp ${session.id}: rejected unknown recipient <${address.address}> (550)`);
      callback(smtpError(550, `Mailbox unavailable: <${address.address}> is not a recipient here`));
    },
    onData,
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(opts.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  // Connection-level errors (resets, timeouts) are emitted here; without a listener they would throw.
  server.on('error', (err: Error) => error(`smtp: error: ${err.message}`));

  const port = (server.server.address() as AddressInfo).port;
  info(`smtp: listening on ${host}:${port} for ${[...accepted].join(', ') || '(no recipients)'}`);

  let stopping: Promise<void> | undefined;
  return {
    port,
    host,
    stop() {
      stopping ??= (async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.allSettled([...inFlight]);
      })();
      return stopping;
    },
  };
}
