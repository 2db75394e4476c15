import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { openCase } from '#domain/intake.ts';
import { keys } from '#lib/adapters/dynamodb.ts';
import { policies } from '#lib/policies.ts';
import { costPer, ITEM_KB, REQUIRED_EMAILS_PER_TYPICAL_CASE, requiredEmailFloor, SES_USD_PER_1K_EMAILS_SENT, typicalUsage, type Usage } from '../../bench/cost.ts';

const sum = (lines: { usd: number }[]) => lines.reduce((n, l) => n + l.usd, 0);
const line = (result: { lines: { item: string; usd: number }[] }, prefix: string) => {
  const found = result.lines.filter((l) => l.item.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one line starting with "${prefix}", got ${found.length}`);
  return found[0]!.usd;
};

const nothing: Usage = { stateTransitions: 0, lambda: {}, writeRequestUnits: 0, readRequestUnits: 0, sesEmailsSent: 0, apiRequests: 0 };
const figures = { typicalTransitions: 9, escalatedTransitions: 20, escalatedShare: 0.1 };

describe('costPer', () => {
  it('totals the sum of its lines', () => {
    for (const usage of [typicalUsage(figures), { ...nothing, stateTransitions: 3, sesEmailsSent: 2, lambda: { x: { invocations: 2, avgDurationMs: 10, memoryMb: 512 } } }]) {
      const result = costPer(usage, 1_000_000);
      expect(result.total).toBeCloseTo(sum(result.lines), 9);
      expect(result.lines.every((l) => l.usd >= 0)).toBe(true);
    }
  });

  it('scales linearly with the number of inquiries, line by line', () => {
    const usage = typicalUsage(figures);
    const one = costPer(usage, 1_000_000);
    const three = costPer(usage, 3_000_000);
    expect(three.total).toBeCloseTo(3 * one.total, 6);
    three.lines.forEach((l, i) => {
      expect(l.item).toBe(one.lines[i]!.item);
      expect(l.usd).toBeCloseTo(3 * one.lines[i]!.usd, 6);
    });
    expect(costPer(usage, 0).total).toBe(0);
  });

  it('matches hand-computed list prices', () => {
    // 1 transition per inquiry, 1M inquiries: 1,000 × $0.025 = $25.
    expect(costPer({ ...nothing, stateTransitions: 1 }, 1_000_000).total).toBeCloseTo(25, 9);
    // 1M invocations of 1 s at 1,024 MB = 1M GB-s × $0.0000133334 = $13.3334, plus 1M requests × $0.20/M.
    const lambda = costPer({ ...nothing, lambda: { f: { invocations: 1, avgDurationMs: 1000, memoryMb: 1024 } } }, 1_000_000);
    expect(line(lambda, 'Lambda: compute, f')).toBeCloseTo(13.3334, 6);
    expect(line(lambda, 'Lambda: requests')).toBeCloseTo(0.2, 9);
    // 10 WRU + 10 RRU per inquiry, 100k inquiries: 1M WRU × $0.625/M and 1M RRU × $0.125/M.
    const dynamo = costPer({ ...nothing, writeRequestUnits: 10, readRequestUnits: 10 }, 100_000);
    expect(line(dynamo, 'DynamoDB on-demand: write')).toBeCloseTo(0.625, 9);
    expect(line(dynamo, 'DynamoDB on-demand: read')).toBeCloseTo(0.125, 9);
    // 4 emails and 2 API requests per inquiry, 1M inquiries: 4,000 × $0.10 and 2M × $3.50/M.
    const rest = costPer({ ...nothing, sesEmailsSent: 4, apiRequests: 2, streamReadRequests: 1000 }, 1_000_000);
    expect(line(rest, 'SES: emails sent')).toBeCloseTo(400, 9);
    expect(line(rest, 'API Gateway REST')).toBeCloseTo(7, 9);
    expect(line(rest, 'DynamoDB Streams: GetRecords by Lambda triggers')).toBe(0);
  });

  it('rejects negative or non-finite counts', () => {
    expect(() => costPer(nothing, -1)).toThrow(RangeError);
    expect(() => costPer({ ...nothing, stateTransitions: Number.NaN }, 1)).toThrow(RangeError);
    expect(() => costPer({ ...nothing, lambda: { f: { invocations: 1, avgDurationMs: -5, memoryMb: 512 } } }, 1)).toThrow(RangeError);
  });
});

describe('typicalUsage', () => {
  it('takes transitions from the bench: typical, and escalated plus the typical ending', () => {
    // 0.9 × 9 + 0.1 × (20 + 9 − 2) = 10.8
    expect(typicalUsage(figures).stateTransitions).toBeCloseTo(10.8, 9);
    expect(typicalUsage({ ...figures, escalatedShare: 0 }).stateTransitions).toBe(9);
  });

  it('counts a typical web case from the design', () => {
    const u = typicalUsage({ ...figures, escalatedShare: 0, emailShare: 0 });
    // Acknowledgement, reply, resolved and closing notices.
    expect(u.sesEmailsSent).toBe(4);
    // Intake 16 (5 items in a transaction + the case in 2 GSIs), 3 changes × 10, 3 waits × 2, 4 notices × 2,
    // aggregates 38 + 4 watermark moves × 2.
    expect(u.writeRequestUnits).toBe(16 + 30 + 6 + 8 + 38 + 8);
    expect(u.lambda['intake-web']!.invocations).toBe(1);
    expect(u.lambda['workflow-steps']!.invocations).toBe(4); // 3 awaits + the timer that closes it: (9 − 1) / 2 tasks
    expect(u.apiRequests).toBe(1 + 2 + 3); // the form, 2 actions, 2 case views and a list page
  });

  it('costs more for email intake and for escalated cases', () => {
    const web = costPer(typicalUsage({ ...figures, emailShare: 0 }), 1_000_000).total;
    const email = costPer(typicalUsage({ ...figures, emailShare: 1 }), 1_000_000).total;
    expect(email).toBeGreaterThan(web); // SES inbound, S3, a bigger function
    const calm = costPer(typicalUsage({ ...figures, escalatedShare: 0 }), 1_000_000).total;
    const stormy = costPer(typicalUsage({ ...figures, escalatedShare: 1 }), 1_000_000).total;
    expect(stormy).toBeGreaterThan(calm);
    expect(() => typicalUsage({ ...figures, escalatedShare: 1.5 })).toThrow(RangeError);
  });

  it('assumes a case item no bigger than the domain writes for a typical inquiry', () => {
    const { record } = openCase(
      {
        channel: 'web',
        requester: { email: 'mia@example.com', name: 'Mia Example', userId: 'u-123' },
        subject: 'Charge I did not make',
        message: 'A charge of 89.99 USD for coins I never bought. '.repeat(8), // ~400 characters
        amount: 89.99,
        currency: 'USD',
      },
      { caseId: '00000000-0000-4000-8000-000000000001', reference: 'TD-ABC123', now: new Date('2026-11-25T18:00:00Z'), priorComplaints: [], policies },
    );
    const item = marshall(
      { ...keys.case(record.caseId), itemType: 'case', gsi1pk: 'CASES', gsi1sk: `${record.openedAt}#${record.caseId}`, gsi2pk: `REQUESTER#${record.requester.email}`, gsi2sk: record.openedAt, ...record },
      { removeUndefinedValues: true },
    );
    expect(dynamoSize(item)).toBeLessThanOrEqual(ITEM_KB.case * 1024);
  });
});

/** DynamoDB's item size: attribute names plus values (numbers ~1 byte per 2 digits, +1; maps and lists 3 + 1 per element). */
function dynamoSize(item: Record<string, AttributeValue>): number {
  const value = (v: AttributeValue): number => {
    if (v.S !== undefined) return Buffer.byteLength(v.S);
    if (v.N !== undefined) return Math.ceil(v.N.replace(/[-.]/g, '').length / 2) + 1;
    if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
    if (v.M) return 3 + Object.entries(v.M).reduce((n, [k, x]) => n + Buffer.byteLength(k) + value(x) + 1, 0);
    if (v.L) return 3 + v.L.reduce((n, x) => n + value(x) + 1, 0);
    return 0;
  };
  return Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + value(v), 0);
}

describe('requiredEmailFloor', () => {
  it('prices the four emails every typical case sends at the SES list price', () => {
    expect(requiredEmailFloor(1_000_000)).toBeCloseTo((4 * 1_000_000 * SES_USD_PER_1K_EMAILS_SENT) / 1000, 6);
    expect(requiredEmailFloor(0)).toBe(0);
  });

  it('stays under the modelled total: the design sends at least the required emails', () => {
    const usage = typicalUsage({ typicalTransitions: 9, escalatedTransitions: 20, escalatedShare: 0.1 });
    expect(usage.sesEmailsSent).toBeGreaterThanOrEqual(REQUIRED_EMAILS_PER_TYPICAL_CASE);
    expect(costPer(usage, 1_000_000).total).toBeGreaterThan(requiredEmailFloor(1_000_000));
  });
});
