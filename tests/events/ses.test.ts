import { describe, expect, it } from 'vitest';
import { SesReceiptEventSchema, SesReceiptRecordSchema, verdictProblems, type SesReceipt } from '#events/ses.ts';

const PASS = { status: 'PASS' };
const FAIL = { status: 'FAIL' };

const clean: SesReceipt = {
  recipients: ['support@trustdesk.local'],
  spamVerdict: PASS,
  virusVerdict: PASS,
  spfVerdict: PASS,
  dkimVerdict: PASS,
  dmarcVerdict: PASS,
};

function sesRecord(receipt: Partial<SesReceipt> = {}, messageId = 'o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1') {
  return {
    eventSource: 'aws:ses',
    eventVersion: '1.0',
    ses: {
      mail: {
        messageId,
        timestamp: '2026-11-25T10:00:00.000Z',
        source: 'alice@example.com',
        destination: ['support@trustdesk.local'],
        headersTruncated: false,
      },
      receipt: { ...clean, processingTimeMillis: 222, action: { type: 'Lambda' }, ...receipt },
    },
  };
}

describe('verdictProblems', () => {
  it('has nothing to say about a clean message', () => {
    expect(verdictProblems(clean)).toEqual([]);
  });

  it('has nothing to say when SES gave no verdicts at all', () => {
    expect(verdictProblems({ recipients: ['support@trustdesk.local'] })).toEqual([]);
  });

  it.each([
    ['spamVerdict', 'spam'],
    ['virusVerdict', 'virus'],
    ['dmarcVerdict', 'dmarc'],
  ] as const)('a failed %s alone is a problem: %s', (verdict, problem) => {
    expect(verdictProblems({ ...clean, [verdict]: FAIL })).toEqual([problem]);
  });

  it('reads the status case-insensitively', () => {
    expect(verdictProblems({ ...clean, spamVerdict: { status: 'fail' } })).toEqual(['spam']);
  });

  it.each(['GRAY', 'PROCESSING_FAILED', 'DISABLED', 'PASS'])('%s is not a failure', (status) => {
    expect(verdictProblems({ ...clean, spamVerdict: { status }, virusVerdict: { status }, dmarcVerdict: { status } })).toEqual([]);
  });

  it('spf failing alone is tolerated (forwarded mail breaks spf)', () => {
    expect(verdictProblems({ ...clean, spfVerdict: FAIL })).toEqual([]);
  });

  it('dkim failing alone is tolerated', () => {
    expect(verdictProblems({ ...clean, dkimVerdict: FAIL })).toEqual([]);
  });

  it('spf and dkim both failing mean an unauthenticated sender', () => {
    expect(verdictProblems({ ...clean, spfVerdict: FAIL, dkimVerdict: FAIL })).toEqual(['unauthenticated sender (spf and dkim failed)']);
  });

  it('lists every problem at once', () => {
    expect(verdictProblems({ recipients: [], spamVerdict: FAIL, virusVerdict: FAIL, spfVerdict: FAIL, dkimVerdict: FAIL, dmarcVerdict: FAIL })).toEqual([
      'spam',
      'virus',
      'dmarc',
      'unauthenticated sender (spf and dkim failed)',
    ]);
  });
});

describe('SesReceiptEventSchema', () => {
  it('accepts an SES receipt event (extra fields are tolerated)', () => {
    const parsed = SesReceiptEventSchema.parse({ Records: [sesRecord({ spamVerdict: FAIL })] });
    expect(parsed.Records[0]!.ses.mail.messageId).toBe('o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1');
    expect(verdictProblems(parsed.Records[0]!.ses.receipt)).toEqual(['spam']);
  });

  it('refuses an S3 notification', () => {
    const s3Event = {
      Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'mail' }, object: { key: 'inbound/x' } } }],
    };
    expect(SesReceiptEventSchema.safeParse(s3Event).success).toBe(false);
  });

  it('refuses an API Gateway event, an empty batch and nonsense', () => {
    expect(SesReceiptEventSchema.safeParse({ httpMethod: 'POST', body: '{}' }).success).toBe(false);
    expect(SesReceiptEventSchema.safeParse({ Records: [] }).success).toBe(false);
    expect(SesReceiptEventSchema.safeParse(null).success).toBe(false);
    expect(SesReceiptEventSchema.safeParse('aws:ses').success).toBe(false);
  });

  it('refuses a record claiming to be SES but missing the mail part', () => {
    const { ses, ...rest } = sesRecord();
    expect(SesReceiptRecordSchema.safeParse({ ...rest, ses: { receipt: ses.receipt } }).success).toBe(false);
  });

  it.each(['../../etc/passwd', 'a/b', '', 'x'.repeat(201), 'id with space'])('refuses the unsafe message id %j (it becomes an S3 key)', (messageId) => {
    expect(SesReceiptRecordSchema.safeParse(sesRecord({}, messageId)).success).toBe(false);
  });
});
