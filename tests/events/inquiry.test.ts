import { describe, expect, it } from 'vitest';
import { CATEGORIES } from '#domain/case.ts';
import { INQUIRY_LIMITS, describeIssues, parseInquiry, parseInquiryRequest, type FieldProblem, type Inquiry } from '#events/inquiry.ts';

const base = { email: 'alice@example.com', subject: 'Missing coins', message: 'I bought coins and they never arrived.' };

function accepted(input: unknown): Inquiry {
  const result = parseInquiry(input);
  if (!result.ok) throw new Error(`expected the inquiry to be accepted, got ${JSON.stringify(result.problems)}`);
  return result.inquiry;
}

function refused(input: unknown): FieldProblem[] {
  const result = parseInquiry(input);
  if (result.ok) throw new Error(`expected the inquiry to be refused, got ${JSON.stringify(result.inquiry)}`);
  return result.problems;
}

const fieldsOf = (input: unknown) => refused(input).map((p) => p.field).sort();
const messageFor = (input: unknown, field: string) => refused(input).find((p) => p.field === field)?.message;

describe('parseInquiry: normalisation', () => {
  it('accepts a JSON inquiry and normalises email, currency and text', () => {
    const inquiry = accepted({
      email: '  Alice.Smith@Example.COM ',
      subject: '  Charged twice  ',
      message: 'Line one\nLine two',
      name: ' Alice ',
      userId: 'user_42',
      category: 'payment_dispute',
      amount: 19.99,
      currency: ' usd ',
      transactionId: 'txn:2026-11-01.abc',
    });
    expect(inquiry).toEqual({
      email: 'alice.smith@example.com',
      subject: 'Charged twice',
      message: 'Line one\nLine two',
      name: 'Alice',
      userId: 'user_42',
      category: 'payment_dispute',
      amount: 19.99,
      currency: 'USD',
      transactionId: 'txn:2026-11-01.abc',
    });
  });

  it('accepts a form post: amount as a string, blank optional fields dropped', () => {
    const inquiry = accepted({ ...base, name: '', userId: '', category: '', amount: ' 12.50 ', currency: 'eur', transactionId: '' });
    expect(inquiry).toEqual({ ...base, amount: 12.5, currency: 'EUR' });
    expect(Object.keys(inquiry)).not.toContain('name');
    expect(Object.keys(inquiry)).not.toContain('transactionId');
  });

  it('treats null like an absent optional field', () => {
    expect(accepted({ ...base, name: null, amount: null, currency: null })).toEqual(base);
  });

  it('ignores fields it does not know', () => {
    expect(accepted({ ...base, isAdmin: true })).toEqual(base);
  });

  it('refuses a body that is not an object', () => {
    for (const input of [null, undefined, 'text', 42, [base]]) {
      expect(refused(input).map((p) => p.field)).toEqual(['body']);
    }
  });
});

describe('parseInquiry: every bad field at once, by name', () => {
  it('names each required field that is missing', () => {
    const problems = refused({});
    expect(problems.map((p) => p.field).sort()).toEqual(['email', 'message', 'subject']);
    for (const p of problems) expect(p.message).toBe('is required');
  });

  it('reports all bad fields of one request together', () => {
    expect(
      fieldsOf({
        email: 'not-an-email',
        subject: 'two\nlines',
        message: 'bell\u0007',
        name: 'a\rb',
        userId: '!root',
        category: 'complaint',
        amount: -1,
        currency: 'dollars',
        transactionId: 'has space',
      }),
    ).toEqual(['amount', 'category', 'currency', 'email', 'message', 'name', 'subject', 'transactionId', 'userId']);
  });

  it('reports each field once even when several rules fail', () => {
    const problems = refused({ ...base, subject: `\u0000${'x'.repeat(INQUIRY_LIMITS.subject + 5)}` });
    expect(problems.filter((p) => p.field === 'subject')).toHaveLength(1);
  });

  it('reports a missing currency together with the other bad fields', () => {
    expect(fieldsOf({ ...base, email: 'nope', amount: 5 })).toEqual(['currency', 'email']);
  });

  it('refuses whitespace-only required text', () => {
    expect(fieldsOf({ email: 'a@b.co', subject: '   ', message: ' \n\t ' })).toEqual(['message', 'subject']);
  });

  it('refuses non-string text fields with a readable message', () => {
    const problems = refused({ ...base, subject: 42, email: ['a@b.co'] });
    expect(problems.map((p) => p.field).sort()).toEqual(['email', 'subject']);
    for (const p of problems) expect(p.message).not.toBe('Invalid input');
  });
});

describe('parseInquiry: control characters', () => {
  it.each([
    ['CR LF header injection', 'Hello\r\nBcc: victim@example.com'],
    ['bare LF', 'Hello\nWorld'],
    ['bare CR', 'Hello\rWorld'],
    ['tab', 'Hello\tWorld'],
    ['NUL', 'Hello\u0000World'],
    ['escape', 'Hello\u001b[31mWorld'],
    ['DEL', 'Hello\u007fWorld'],
    ['C1 next line', 'Hello\u0085World'],
    ['line separator', 'Hello\u2028World'],
    ['right-to-left override', 'Hello\u202eWorld'],
  ])('refuses %s in subject and name', (_, text) => {
    expect(fieldsOf({ ...base, subject: text, name: text })).toEqual(['name', 'subject']);
    expect(messageFor({ ...base, subject: text }, 'subject')).toBe('must be a single line of text');
  });

  it('accepts non-ASCII printable text in subject and name', () => {
    const inquiry = accepted({ ...base, subject: 'Pago duplicado — ¿ayuda? 💸', name: 'José Müller 山田' });
    expect(inquiry.subject).toBe('Pago duplicado — ¿ayuda? 💸');
    expect(inquiry.name).toBe('José Müller 山田');
  });

  it('allows newlines, CR LF and tabs in the message', () => {
    const message = 'Hi,\r\n\r\n\tItem 1\n\tItem 2\n\nThanks';
    expect(accepted({ ...base, message }).message).toBe(message);
  });

  it.each([
    ['NUL', 'a\u0000b'],
    ['bell', 'a\u0007b'],
    ['vertical tab', 'a\u000bb'],
    ['form feed', 'a\u000cb'],
    ['escape', 'a\u001bb'],
    ['DEL', 'a\u007fb'],
    ['line separator', 'a\u2028b'],
    ['paragraph separator', 'a\u2029b'],
  ])('refuses %s in the message', (_, message) => {
    expect(refused({ ...base, message })).toEqual([{ field: 'message', message: 'must not contain control characters' }]);
  });
});

describe('parseInquiry: amount and currency', () => {
  const withAmount = (amount: unknown, currency: unknown = 'USD') => ({ ...base, amount, currency });

  it.each([0, 0.01, 0.1, 0.29, 1.1, 19.99, 100, 1234.56, 9_999_999.99, INQUIRY_LIMITS.maxAmount])(
    'accepts %s (binary floating point does not trip the 2-decimals rule)',
    (amount) => {
      expect(accepted(withAmount(amount)).amount).toBe(amount);
    },
  );

  it.each(['0.29', '19.99', '7', '.5', '3.'])('accepts the form string %j as a number', (text) => {
    expect(accepted(withAmount(text)).amount).toBe(Number(text));
  });

  it('refuses a negative amount, as a number or a string', () => {
    expect(messageFor(withAmount(-0.01), 'amount')).toBe('must not be negative');
    expect(messageFor(withAmount('-5'), 'amount')).toBe('must not be negative');
  });

  it.each([1.005, 0.001, 19.999, '12.345'])('refuses %j: more than 2 decimals', (amount) => {
    expect(refused(withAmount(amount))).toEqual([{ field: 'amount', message: 'must have at most 2 decimals' }]);
  });

  it('refuses more than the maximum', () => {
    expect(messageFor(withAmount(INQUIRY_LIMITS.maxAmount + 0.01), 'amount')).toBe(`must be at most ${INQUIRY_LIMITS.maxAmount}`);
  });

  it.each(['abc', '12abc', '  ', '1,50', '0x10', '1e3', 'Infinity', 'NaN', true, {}, [5]])('refuses the non-numeric %j', (amount) => {
    expect(refused(withAmount(amount))).toEqual([{ field: 'amount', message: 'must be a number' }]);
  });

  it('refuses NaN and Infinity given as numbers', () => {
    expect(fieldsOf(withAmount(Number.NaN))).toEqual(['amount']);
    expect(fieldsOf(withAmount(Number.POSITIVE_INFINITY))).toEqual(['amount']);
  });

  it('requires a currency when an amount is given', () => {
    expect(refused({ ...base, amount: 10 })).toEqual([{ field: 'currency', message: 'is required when amount is given' }]);
    expect(refused({ ...base, amount: '10', currency: '' })).toEqual([{ field: 'currency', message: 'is required when amount is given' }]);
  });

  it('accepts a currency without an amount', () => {
    expect(accepted({ ...base, currency: 'gbp' }).currency).toBe('GBP');
  });

  it.each(['US', 'USDT', 'U$D', '123', 'us d'])('refuses the currency %j', (currency) => {
    expect(refused(withAmount(10, currency))).toEqual([{ field: 'currency', message: 'must be a 3-letter ISO 4217 code' }]);
  });
});

describe('parseInquiry: category', () => {
  it.each(CATEGORIES)('accepts %s', (category) => {
    expect(accepted({ ...base, category }).category).toBe(category);
  });

  it.each(['Payment_Dispute', 'spam', ' refund'])('refuses %j, naming the allowed values', (category) => {
    const message = messageFor({ ...base, category }, 'category');
    expect(message).toContain('must be one of');
    expect(message).toContain('payment_dispute');
  });
});

describe('parseInquiry: size limits', () => {
  const emailOfLength = (n: number) => {
    const domain = `${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(60)}.com`; // 187 chars
    return `${'a'.repeat(n - domain.length - 1)}@${domain}`;
  };

  it.each([
    ['subject', INQUIRY_LIMITS.subject],
    ['name', INQUIRY_LIMITS.name],
    ['userId', INQUIRY_LIMITS.userId],
    ['transactionId', INQUIRY_LIMITS.transactionId],
  ] as const)('%s: exactly %i characters is fine, one more is refused', (field, max) => {
    expect(accepted({ ...base, [field]: 'x'.repeat(max) })[field]).toHaveLength(max);
    expect(refused({ ...base, [field]: 'x'.repeat(max + 1) })).toEqual([{ field, message: `must be at most ${max} characters` }]);
  });

  it('limits are measured after trimming single-line fields', () => {
    expect(accepted({ ...base, subject: `  ${'x'.repeat(INQUIRY_LIMITS.subject)}  ` }).subject).toHaveLength(INQUIRY_LIMITS.subject);
  });

  it(`message: exactly ${INQUIRY_LIMITS.message} characters is fine, one more is refused`, () => {
    expect(accepted({ ...base, message: 'm'.repeat(INQUIRY_LIMITS.message) }).message).toHaveLength(INQUIRY_LIMITS.message);
    expect(refused({ ...base, message: 'm'.repeat(INQUIRY_LIMITS.message + 1) })).toEqual([
      { field: 'message', message: `must be at most ${INQUIRY_LIMITS.message} characters` },
    ]);
  });

  it(`email: exactly ${INQUIRY_LIMITS.email} characters is fine, one more is refused`, () => {
    expect(accepted({ ...base, email: emailOfLength(INQUIRY_LIMITS.email) }).email).toHaveLength(INQUIRY_LIMITS.email);
    expect(fieldsOf({ ...base, email: emailOfLength(INQUIRY_LIMITS.email + 1) })).toEqual(['email']);
  });
});

describe('describeIssues', () => {
  it('names the body when the issue has no path and keeps the first issue per field', () => {
    const problems = describeIssues([
      { code: 'invalid_type', expected: 'object', input: 'x', path: [], message: 'Invalid input' },
      { code: 'custom', input: 'x', path: ['a', 0], message: 'first' },
      { code: 'custom', input: 'x', path: ['a', 0], message: 'second' },
    ] as never);
    expect(problems.map((p) => p.field)).toEqual(['body', 'a.0']);
    expect(problems[0]!.message).not.toBe('Invalid input');
    expect(problems[1]!.message).toBe('first');
  });
});

describe('parseInquiryRequest', () => {
  it('keeps a well-formed Idempotency-Key with the inquiry, and does without one', () => {
    const keyed = parseInquiryRequest(base, 'order-42:retry');
    expect(keyed).toEqual({ ok: true, inquiry: accepted(base), idempotencyKey: 'order-42:retry' });
    expect(parseInquiryRequest(base, undefined)).toEqual({ ok: true, inquiry: accepted(base) });
  });

  it.each(['', 'has space', 'x'.repeat(129), 'ünïcode'])('refuses the Idempotency-Key %j', (key) => {
    expect(parseInquiryRequest(base, key)).toEqual({ ok: false, problems: [{ field: 'Idempotency-Key', message: 'must be 1 to 128 visible ASCII characters' }] });
  });

  it('names a bad key together with every bad field of the body, the key first', () => {
    const parsed = parseInquiryRequest({ ...base, email: 'nope' }, 'bad key');
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? [] : parsed.problems.map((p) => p.field)).toEqual(['Idempotency-Key', 'email']);
  });
});
