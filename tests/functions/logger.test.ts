import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger, maskText, redact, REDACTED } from '#lib/logger.ts';

/** What the shared logger writes for one call, parsed. */
function logged(write: () => void): Record<string, unknown> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  });
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    write();
  } finally {
    spy.mockRestore();
    errSpy.mockRestore();
  }
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

describe('log redaction', () => {
  afterEach(() => vi.restoreAllMocks());

  it('replaces values under personal keys, at any depth, and keeps ids and counts', () => {
    const out = logged(() =>
      logger.info('inbound mail', {
        caseId: 'c-123',
        count: 3,
        requester: { email: 'mia@example.com', name: 'Mia Lopez' },
        inquiry: { subject: 'Charge I did not make', message: 'My card 555-123-4567 was charged', amount: 89.99 },
        items: [{ phone: '+44 20 7946 0958', userId: 'u-1' }],
      }),
    );
    expect(out).toMatchObject({ level: 'INFO', message: 'inbound mail', caseId: 'c-123', count: 3 });
    expect(out.requester).toBe(REDACTED);
    expect(out.inquiry).toEqual({ subject: REDACTED, message: REDACTED, amount: 89.99 });
    expect(out.items).toEqual([{ phone: REDACTED, userId: 'u-1' }]);
  });

  it('masks email addresses and phone numbers in the message and in any other string', () => {
    const out = logged(() => logger.warn('bounce for mia@example.com, call (555) 123-4567', { detail: 'to sam.rivera+x@mail.example.org or +1 415 555 0100' }));
    expect(out.message).toBe('bounce for [email], call [phone]');
    expect(out.detail).toBe('to [email] or [phone]');
  });

  it('masks card numbers, security codes and SSNs in every string', () => {
    const out = logged(() => logger.warn('declined 4111 1111 1111 1111', { detail: 'cvv: 123, ssn 078-05-1120' }));
    expect(out.message).toBe('declined •••• •••• •••• 1111');
    expect(out.detail).toBe('cvv: •••, ssn •••-••-••••');
  });

  it('keeps an error readable (name, message, stack) with personal data masked', () => {
    const error = Object.assign(new Error('Email address is not verified: mia@example.com'), { code: 'MessageRejected', email: 'mia@example.com' });
    const out = logged(() => logger.error('unhandled error', { error }));
    const formatted = out.error as Record<string, unknown>;
    expect(formatted).toMatchObject({ name: 'Error', message: 'Email address is not verified: [email]', code: 'MessageRejected', email: REDACTED });
    expect(String(formatted.stack)).not.toContain('mia@example.com');
    expect(JSON.stringify(out)).not.toContain('mia@example.com');
  });

  it('leaves dates, ids, amounts and ISO timestamps alone', () => {
    expect(maskText('2025-03-14T08:00:00.000Z TD-AB12CD 01JABCDEF 1234567890 19.99')).toBe('2025-03-14T08:00:00.000Z TD-AB12CD 01JABCDEF 1234567890 19.99');
    expect(redact({ version: 4, at: '2025-03-14', reasons: ['spam'] })).toEqual({ version: 4, at: '2025-03-14', reasons: ['spam'] });
  });
});
