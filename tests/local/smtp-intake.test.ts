import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSmtpIntake, type SmtpEnvelope, type SmtpIntake } from '../../local/smtp-intake.ts';

const MAX_BYTES = 200_000;

interface Received {
  raw: Buffer;
  envelope: SmtpEnvelope;
}

/** A minimal SMTP client on a raw socket: sends each command after reading the full reply to the previous one. */
async function smtpDialog(port: number, commands: string[]): Promise<string[]> {
  const socket = net.connect(port, '127.0.0.1');
  const replies: string[] = [];
  let buffer = '';
  let waiting: ((reply: string) => void) | undefined;
  socket.setEncoding('latin1');
  socket.on('data', (data: string) => {
    buffer += data;
    // A reply is complete at a line "NNN text" (a space, not a dash, after the code).
    const match = /(?:^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(buffer);
    if (match && waiting) {
      const end = match.index + match[0].length;
      const reply = buffer.slice(0, end);
      buffer = buffer.slice(end);
      const resolve = waiting;
      waiting = undefined;
      resolve(reply);
    }
  });
  let failed: ((error: Error) => void) | undefined;
  socket.on('error', (error) => failed?.(error));
  const next = () =>
    new Promise<string>((resolve, reject) => {
      waiting = resolve;
      failed = reject;
    });
  replies.push(await next());
  for (const command of commands) {
    const reply = next();
    socket.write(command);
    replies.push(await reply);
  }
  socket.end();
  return replies;
}

describe('local SMTP intake', () => {
  let intake: SmtpIntake;
  const received: Received[] = [];
  const logLines: string[] = [];
  let failNext: Error | undefined;

  beforeAll(async () => {
    intake = await startSmtpIntake({
      port: 0,
      recipients: ['support@trustdesk.local', 'Risk@TrustDesk.local'],
      maxBytes: MAX_BYTES,
      log: (line) => logLines.push(line),
      onMessage: async (raw, envelope) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (failNext) {
          const error = failNext;
          failNext = undefined;
          throw error;
        }
        received.push({ raw, envelope });
      },
    });
  });
  afterAll(async () => {
    await intake.stop();
  });
  beforeEach(() => {
    received.length = 0;
    logLines.length = 0;
    failNext = undefined;
  });

  const transport = () => nodemailer.createTransport({ host: '127.0.0.1', port: intake.port, secure: false, ignoreTLS: true });

  it('greets as trustdesk and advertises SIZE without STARTTLS or AUTH', async () => {
    const [banner, ehlo] = await smtpDialog(intake.port, ['EHLO client.test\r\n', 'QUIT\r\n']);
    expect(banner).toMatch(/^220 .*trustdesk/);
    expect(ehlo).toContain(`SIZE ${MAX_BYTES}`);
    expect(ehlo).not.toMatch(/STARTTLS|AUTH/);
    expect(intake.host).toBe('127.0.0.1');
  });

  it('hands the raw message over byte for byte, attachment included', async () => {
    const attachment = randomBytes(20_000);
    const raw = await new MailComposer({
      from: 'Viewer <viewer@example.com>',
      to: 'support@trustdesk.local',
      subject: 'Missing coins after top-up',
      // Lines that start with a dot are dot-stuffed on the wire and must arrive unstuffed.
      text: 'I paid 4.99 but got no coins.\r\n.\r\n..hidden dots\r\n.end',
      attachments: [{ filename: 'receipt.bin', content: attachment, contentType: 'application/octet-stream' }],
    })
      .compile()
      .build();

    const info = await transport().sendMail({ envelope: { from: 'viewer@example.com', to: ['SUPPORT@trustdesk.local'] }, raw });
    expect(info.response).toMatch(/^250/);
    expect(received).toHaveLength(1);
    const got = received[0]!;
    expect(got.raw.equals(raw)).toBe(true);
    expect(got.envelope).toEqual({ mailFrom: 'viewer@example.com', rcptTo: ['SUPPORT@trustdesk.local'], remoteAddress: '127.0.0.1' });

    const parsed = await simpleParser(got.raw);
    expect(parsed.subject).toBe('Missing coins after top-up');
    expect(parsed.text).toContain('..hidden dots');
    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0]!.filename).toBe('receipt.bin');
    expect(parsed.attachments[0]!.content.equals(attachment)).toBe(true);
  });

  it('delivers a message built by nodemailer to several accepted recipients', async () => {
    await transport().sendMail({
      from: 'creator@example.com',
      to: ['support@trustdesk.local', 'risk@trustdesk.local'],
      subject: 'Payout missing',
      text: 'Hello',
    });
    expect(received).toHaveLength(1);
    expect(received[0]!.envelope.rcptTo).toEqual(['support@trustdesk.local', 'risk@trustdesk.local']);
    expect(received[0]!.raw.toString('utf8')).toContain('Subject: Payout missing');
  });

  it('refuses unknown recipients with 550 and delivers only to the known ones', async () => {
    const error = await transport()
      .sendMail({ from: 'a@example.com', to: 'nobody@trustdesk.local', subject: 'x', text: 'x' })
      .catch((e: unknown) => e as Error & { responseCode?: number; rejectedErrors?: { responseCode?: number }[] });
    expect(error).toBeInstanceOf(Error);
    const code = (error as { responseCode?: number }).responseCode ?? (error as { rejectedErrors?: { responseCode?: number }[] }).rejectedErrors?.[0]?.responseCode;
    expect(code).toBe(550);
    expect(received).toHaveLength(0);

    const info = await transport().sendMail({ from: 'a@example.com', to: ['nobody@trustdesk.local', 'support@trustdesk.local'], subject: 'x', text: 'x' });
    expect(info.rejected).toEqual(['nobody@trustdesk.local']);
    expect(info.accepted).toEqual(['support@trustdesk.local']);
    expect(received).toHaveLength(1);
    expect(received[0]!.envelope.rcptTo).toEqual(['support@trustdesk.local']);

    const [, , , rcpt] = await smtpDialog(intake.port, ['EHLO c\r\n', 'MAIL FROM:<a@example.com>\r\n', 'RCPT TO:<nobody@trustdesk.local>\r\n', 'QUIT\r\n']);
    expect(rcpt).toMatch(/^550 /);
  });

  it('refuses a message over maxBytes with 552 (declared with SIZE, and found out during DATA)', async () => {
    const big = 'x'.repeat(MAX_BYTES + 10_000);
    const error = await transport()
      .sendMail({ from: 'a@example.com', to: 'support@trustdesk.local', subject: 'big', text: big })
      .catch((e: unknown) => e as Error & { responseCode?: number });
    expect(error).toBeInstanceOf(Error);
    expect((error as { responseCode?: number }).responseCode).toBe(552);

    // Without SIZE= on MAIL FROM the server only finds out while reading DATA.
    const body = `Subject: big\r\n\r\n${'y'.repeat(76)}\r\n`.repeat(Math.ceil(MAX_BYTES / 70));
    const replies = await smtpDialog(intake.port, [
      'EHLO c\r\n',
      'MAIL FROM:<a@example.com>\r\n',
      'RCPT TO:<support@trustdesk.local>\r\n',
      'DATA\r\n',
      `${body}.\r\n`,
      'QUIT\r\n',
    ]);
    expect(replies[4]).toMatch(/^354/);
    expect(replies[5]).toMatch(/^552 /);
    expect(received).toHaveLength(0);
  });

  it('answers 451 when onMessage fails, logs the error, and keeps serving', async () => {
    failNext = new Error('DynamoDB unavailable');
    const error = await transport()
      .sendMail({ from: 'a@example.com', to: 'support@trustdesk.local', subject: 'first try', text: 'x' })
      .catch((e: unknown) => e as Error & { responseCode?: number; response?: string });
    expect(error).toBeInstanceOf(Error);
    expect((error as { responseCode?: number }).responseCode).toBe(451);
    expect((error as { response?: string }).response).not.toContain('DynamoDB');
    expect(logLines.some((l) => l.includes('error') && l.includes('DynamoDB unavailable'))).toBe(true);
    expect(received).toHaveLength(0);

    const info = await transport().sendMail({ from: 'a@example.com', to: 'support@trustdesk.local', subject: 'second try', text: 'x' });
    expect(info.response).toMatch(/^250/);
    expect(received).toHaveLength(1);
    expect(received[0]!.raw.toString()).toContain('Subject: second try');
  });

  it('serves several messages on one connection (a real MTA pipelines them)', async () => {
    const body = (n: number) => `Subject: m${n}\r\n\r\nbody ${n}\r\n.\r\n`;
    const replies = await smtpDialog(intake.port, [
      'EHLO c\r\n',
      'MAIL FROM:<a@example.com>\r\n',
      'RCPT TO:<support@trustdesk.local>\r\n',
      'DATA\r\n',
      body(1),
      'MAIL FROM:<>\r\n',
      'RCPT TO:<risk@trustdesk.local>\r\n',
      'DATA\r\n',
      body(2),
      'QUIT\r\n',
    ]);
    expect(replies[5]).toMatch(/^250 /);
    expect(replies[9]).toMatch(/^250 /);
    expect(received.map((r) => r.raw.toString())).toEqual(['Subject: m1\r\n\r\nbody 1\r\n', 'Subject: m2\r\n\r\nbody 2\r\n']);
    expect(received[1]!.envelope.mailFrom).toBe(''); // null sender (bounces)
  });
});

describe('local SMTP intake lifecycle', () => {
  it('stop() frees the port, and a second server can take it', async () => {
    const first = await startSmtpIntake({ port: 0, recipients: ['support@trustdesk.local'], maxBytes: 1000, onMessage: async () => {} });
    const port = first.port;
    await expect(startSmtpIntake({ port, recipients: [], maxBytes: 1000, onMessage: async () => {} })).rejects.toThrow(/EADDRINUSE/);
    await first.stop();
    const second = await startSmtpIntake({ port, recipients: ['support@trustdesk.local'], maxBytes: 1000, onMessage: async () => {} });
    expect(second.port).toBe(port);
    const [banner] = await smtpDialog(port, ['QUIT\r\n']);
    expect(banner).toMatch(/^220 /);
    await second.stop();
    await expect(smtpDialog(port, [])).rejects.toThrow(/ECONNREFUSED/);
  });
});
