import { describe, expect, it } from 'vitest';
import type { AttachmentRef, PriorComplaint } from '#domain/case.ts';
import { openCase, rememberComplaint, type NewInquiry, type OpenCaseContext } from '#domain/intake.ts';
import { planDeadlines } from '#domain/sla/deadlines.ts';
import { policies } from '#lib/policies.ts';

const NOW = new Date('2026-11-25T18:00:00.000Z'); // a Wednesday, 10:00 in Los Angeles
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

const inquiry = (overrides: Partial<NewInquiry> = {}): NewInquiry => ({
  channel: 'web',
  requester: { email: 'alice@example.com', name: 'Alice' },
  subject: 'Coins never arrived',
  message: 'I bought 500 coins yesterday and my balance was not updated.',
  ...overrides,
});

const context = (overrides: Partial<OpenCaseContext> = {}): OpenCaseContext => ({
  caseId: '00000000-0000-4000-8000-000000000001',
  reference: 'TD-7K3Q9X',
  now: NOW,
  priorComplaints: [],
  policies,
  ...overrides,
});

const complaint = (caseId: string, openedAt: string, category: PriorComplaint['category'] = 'gifts_coins'): PriorComplaint => ({
  caseId,
  reference: `TD-${caseId.toUpperCase().padStart(6, '0').slice(-6)}`,
  category,
  openedAt,
});

describe('openCase', () => {
  it('builds the case at version 1 with its case.opened event', () => {
    const { record, event } = openCase(inquiry(), context());
    expect(record).toMatchObject({
      caseId: '00000000-0000-4000-8000-000000000001',
      reference: 'TD-7K3Q9X',
      status: 'new',
      channel: 'web',
      requester: { email: 'alice@example.com', name: 'Alice' },
      subject: 'Coins never arrived',
      category: 'gifts_coins',
      categorySource: 'text',
      attachments: [],
      repeatCount: 0,
      repeatOf: [],
      version: 1,
      openedAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
      lastUserMessageAt: NOW.toISOString(),
    });
    expect(record).not.toHaveProperty('amount');
    expect(record).not.toHaveProperty('currency');
    expect(record).not.toHaveProperty('transactionId');

    expect(event).toEqual({
      caseId: record.caseId,
      version: 1,
      type: 'case.opened',
      at: NOW.toISOString(),
      actor: { kind: 'requester', email: 'alice@example.com' },
      data: {
        channel: 'web',
        reference: 'TD-7K3Q9X',
        category: record.category,
        priority: record.priority,
        riskScore: record.riskScore,
        safetyCritical: record.safetyCritical,
        repeatCount: 0,
        deadlines: record.deadlines,
        attachments: 0,
      },
    });
  });

  it('plans the SLA deadlines of the priority it decided, on the policy calendar', () => {
    const { record } = openCase(inquiry(), context());
    expect(record.deadlines).toEqual(planDeadlines({ openedAt: NOW, priority: record.priority }, policies.sla));
    const { firstResponseWarnAt, firstResponseDue, resolutionWarnAt, resolutionDue } = record.deadlines;
    expect(Date.parse(firstResponseWarnAt!)).toBeLessThan(Date.parse(firstResponseDue));
    expect(Date.parse(firstResponseDue)).toBeGreaterThan(NOW.getTime());
    expect(Date.parse(resolutionWarnAt!)).toBeLessThan(Date.parse(resolutionDue));
  });

  it('makes a high-risk card fraud report P1 on the 24x7 clock', () => {
    const { record, event } = openCase(
      inquiry({
        subject: 'Stolen card',
        message: 'Someone used my card, I did not authorize this. My bank says chargeback; I called the police.',
        amount: 5000,
        currency: 'USD',
        transactionId: 'txn-1',
      }),
      context(),
    );
    expect(record.priority).toBe('P1');
    expect(record.category).toBe('unauthorized_charge');
    expect(record.riskScore).toBeGreaterThanOrEqual(80);
    expect(record.riskFactors.length).toBeGreaterThan(0);
    expect(record.matchedKeywords).toContain('stolen card');
    expect(record).toMatchObject({ amount: 5000, currency: 'USD', transactionId: 'txn-1' });
    expect(record.deadlines.firstResponseDue).toBe(iso(NOW.getTime() + 60 * 60_000));
    expect(event.data.priority).toBe('P1');
  });

  it('keeps a valid category hint from the form', () => {
    const { record } = openCase(inquiry({ categoryHint: 'payout' }), context());
    expect(record).toMatchObject({ category: 'payout', categorySource: 'form' });
  });

  it('counts earlier complaints in the repeat window, most recent first', () => {
    const prior = [complaint('p2', iso(NOW.getTime() - 2 * DAY)), complaint('p1', iso(NOW.getTime() - 10 * DAY)), complaint('old', iso(NOW.getTime() - 90 * DAY))];
    const { record, event } = openCase(inquiry(), context({ priorComplaints: prior }));
    expect(record.repeatOf).toEqual(['p2', 'p1']);
    expect(record.repeatCount).toBe(2);
    expect(event.data.repeatCount).toBe(2);
    expect(record.riskScore).toBeGreaterThan(openCase(inquiry(), context()).record.riskScore);
  });

  it('scores a top-value customer higher than an unknown one', () => {
    const unknown = openCase(inquiry(), context()).record;
    const top = openCase(inquiry(), context({ profile: { userId: 'u-1', tier: 'top', lifetimeSpend: 250_000 } })).record;
    expect(top.riskScore).toBeGreaterThan(unknown.riskScore);
  });

  it('carries attachments and counts them in the event', () => {
    const attachment: AttachmentRef = { filename: 'a.png', contentType: 'image/png', size: 10, sha256: 'ab', key: 'attachments/m/1-a.png' };
    const { record, event } = openCase(inquiry({ channel: 'email', attachments: [attachment] }), context());
    expect(record.attachments).toEqual([attachment]);
    expect(event.data).toMatchObject({ channel: 'email', attachments: 1 });
  });
});

describe('rememberComplaint', () => {
  const ago = (days: number) => iso(NOW.getTime() - days * DAY);

  it('puts the new complaint first and keeps the rest in order', () => {
    const recent = [complaint('b', ago(1)), complaint('a', ago(5))];
    expect(rememberComplaint(recent, complaint('c', ago(0)), NOW, 30).map((c) => c.caseId)).toEqual(['c', 'b', 'a']);
  });

  it('drops complaints older than the window, keeping one exactly at its edge', () => {
    const recent = [complaint('edge', ago(30)), complaint('out', iso(NOW.getTime() - 30 * DAY - 1))];
    expect(rememberComplaint(recent, complaint('new', ago(0)), NOW, 30).map((c) => c.caseId)).toEqual(['new', 'edge']);
  });

  it('does not list the same case twice', () => {
    const recent = [complaint('same', ago(1)), complaint('other', ago(2))];
    expect(rememberComplaint(recent, complaint('same', ago(0)), NOW, 30).map((c) => c.caseId)).toEqual(['same', 'other']);
  });

  it('bounds the list, dropping the oldest', () => {
    const recent = Array.from({ length: 60 }, (_, i) => complaint(`c${i}`, ago(i / 10)));
    const kept = rememberComplaint(recent, complaint('new', ago(0)), NOW, 30);
    expect(kept).toHaveLength(50);
    expect(kept[0]!.caseId).toBe('new');
    expect(kept[49]!.caseId).toBe('c48');
    expect(rememberComplaint(recent, complaint('new', ago(0)), NOW, 30, 3).map((c) => c.caseId)).toEqual(['new', 'c0', 'c1']);
  });

  it('does not change the list it was given', () => {
    const recent = [complaint('a', ago(1))];
    rememberComplaint(recent, complaint('b', ago(0)), NOW, 30);
    expect(recent.map((c) => c.caseId)).toEqual(['a']);
  });
});

describe('openCase masks card data', () => {
  it('masks what the requester typed in every text field and counts it on the case and its event, never the values', () => {
    const { record, event } = openCase(
      inquiry({
        requester: { email: 'alice@example.com', name: 'Alice 4111 1111 1111 1111' },
        subject: 'Charge on 5555-5555-5555-4444',
        message: 'Card 4111111111111111, CVV: 123, SSN 078-05-1120. Order 1234567890.',
        transactionId: '4111111111111111',
      }),
      context(),
    );
    const stored = JSON.stringify({ record, event });
    for (const secret of ['4111 1111 1111 1111', '5555-5555-5555-4444', '4111111111111111', 'CVV: 123', '078-05-1120']) expect(stored).not.toContain(secret);
    expect(record.subject).toBe('Charge on •••• •••• •••• 4444');
    expect(record.message).toBe('Card •••• •••• •••• 1111, CVV: •••, SSN •••-••-••••. Order 1234567890.');
    expect(record.masked).toEqual({ cardNumbers: 4, securityCodes: 1, ssns: 1 });
    expect(event.data.masked).toEqual({ cardNumbers: 4, securityCodes: 1, ssns: 1 });
  });

  it('records nothing about masking when there was nothing to mask', () => {
    const { record, event } = openCase(inquiry(), context());
    expect(record).not.toHaveProperty('masked');
    expect(event.data).not.toHaveProperty('masked');
  });
});

describe('openCase masks the full text of an email too', () => {
  it('keeps the quoted history but never the card number in it', () => {
    const { record } = openCase(inquiry({ channel: 'email', message: 'Please help.', fullMessage: 'Please help.\n\n> card 4111-1111-1111-1111 exp 12/29' }), context());
    expect(record.fullMessage).toBe('Please help.\n\n> card •••• •••• •••• 1111 exp 12/29');
  });
});
