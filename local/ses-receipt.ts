// SES inbound, locally: a receipt rule from the template (recipients → S3 action → Lambda action)
// applied to mail that arrives on the local SMTP server.
import { randomBytes } from 'node:crypto';
import type { SESEvent } from 'aws-lambda';
import type { AsyncInvoker } from './async-invoker.ts';
import type { LocalFunction } from './lambda-runtime.ts';
import { resolveIntrinsics, resourcesOfType, type CfnTemplate, type IntrinsicContext } from './template.ts';

export interface ReceiptRule {
  name: string;
  recipients: string[];
  scanEnabled: boolean;
  s3?: { bucket: string; prefix: string };
  lambda?: { functionId: string; invocationType: 'Event' | 'RequestResponse' };
}

export function receiptRulesFromTemplate(template: CfnTemplate, ctx: IntrinsicContext): ReceiptRule[] {
  return resourcesOfType(template, 'AWS::SES::ReceiptRule').map(([id, resource]) => {
    const rule = (resource.Properties?.Rule ?? {}) as { Recipients?: string[]; ScanEnabled?: boolean; Actions?: Record<string, unknown>[] };
    const result: ReceiptRule = { name: id, recipients: (rule.Recipients ?? []).map((r) => r.toLowerCase()), scanEnabled: !!rule.ScanEnabled };
    for (const action of rule.Actions ?? []) {
      if (action.S3Action) {
        const s3 = action.S3Action as { BucketName: unknown; ObjectKeyPrefix?: string };
        result.s3 = { bucket: String(resolveIntrinsics(s3.BucketName, ctx)), prefix: s3.ObjectKeyPrefix ?? '' };
      }
      if (action.LambdaAction) {
        const la = action.LambdaAction as { FunctionArn: unknown; InvocationType?: string };
        const att = (la.FunctionArn as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
        if (!att) throw new Error(`${id}: LambdaAction must reference a function of this stack`);
        result.lambda = { functionId: att[0], invocationType: la.InvocationType === 'RequestResponse' ? 'RequestResponse' : 'Event' };
      }
    }
    return result;
  });
}

/** SES message ids are 40 lower-case alphanumerics. */
export const newSesMessageId = (): string => randomBytes(25).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 40);

type VerdictName = 'spam' | 'virus' | 'spf' | 'dkim' | 'dmarc';
const VERDICTS: VerdictName[] = ['spam', 'virus', 'spf', 'dkim', 'dmarc'];

/**
 * SES scans mail; locally a test message can ask for a verdict with a header such as
 * `X-Trustdesk-Verdict-Spam: FAIL` (any of spam, virus, spf, dkim, dmarc). Default PASS.
 */
export function verdictsFromHeaders(raw: Buffer): Record<VerdictName, string> {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end >= 0 ? end : Math.min(raw.length, 64 * 1024)).toString('latin1');
  const out = {} as Record<VerdictName, string>;
  for (const v of VERDICTS) {
    const m = new RegExp(`^X-Trustdesk-Verdict-${v}:\\s*(\\w+)`, 'im').exec(head);
    out[v] = (m?.[1] ?? 'PASS').toUpperCase();
  }
  return out;
}

export function sesReceiptEvent(opts: {
  messageId: string;
  mailFrom: string;
  recipients: string[];
  raw: Buffer;
  rule: ReceiptRule;
  now: Date;
}): SESEvent {
  const verdicts = verdictsFromHeaders(opts.raw);
  const status = (s: string) => ({ status: s });
  return {
    Records: [
      {
        eventSource: 'aws:ses',
        eventVersion: '1.0',
        ses: {
          mail: {
            timestamp: opts.now.toISOString(),
            source: opts.mailFrom,
            messageId: opts.messageId,
            destination: opts.recipients,
            headersTruncated: false,
            headers: [],
            commonHeaders: { returnPath: opts.mailFrom, from: [opts.mailFrom], date: opts.now.toUTCString(), to: opts.recipients, messageId: opts.messageId, subject: '' },
          },
          receipt: {
            timestamp: opts.now.toISOString(),
            processingTimeMillis: 1,
            recipients: opts.recipients,
            spamVerdict: status(verdicts.spam),
            virusVerdict: status(verdicts.virus),
            spfVerdict: status(verdicts.spf),
            dkimVerdict: status(verdicts.dkim),
            dmarcVerdict: status(verdicts.dmarc),
            dmarcPolicy: 'none',
            action: { type: 'Lambda', functionArn: opts.rule.lambda?.functionId ?? '', invocationType: opts.rule.lambda?.invocationType ?? 'Event' },
          },
        },
      },
    ],
  } as unknown as SESEvent;
}

/** Inbound mail as SES hands it on: for each receipt rule naming a recipient, the raw MIME to its S3 action, then its Lambda action. */
export function deliverByReceiptRules(o: {
  rules: ReceiptRule[];
  s3: { put(bucket: string, key: string, body: Buffer, contentType: string): Promise<unknown> };
  functions: Map<string, LocalFunction>;
  asyncInvoker: AsyncInvoker;
}): (raw: Buffer, envelope: { mailFrom: string; rcptTo: string[] }) => Promise<void> {
  const { rules, s3, functions, asyncInvoker } = o;
  return async (raw, envelope) => {
    const recipients = envelope.rcptTo.map((r) => r.toLowerCase());
    for (const rule of rules.filter((r) => r.recipients.some((x) => recipients.includes(x)))) {
      const messageId = newSesMessageId();
      if (rule.s3) await s3.put(rule.s3.bucket, `${rule.s3.prefix}${messageId}`, raw, 'message/rfc822');
      if (!rule.lambda) continue;
      const fn = functions.get(rule.lambda.functionId);
      if (!fn) throw new Error(`receipt rule ${rule.name}: unknown function ${rule.lambda.functionId}`);
      const event = sesReceiptEvent({ messageId, mailFrom: envelope.mailFrom, recipients, raw, rule, now: new Date() });
      if (rule.lambda.invocationType === 'Event') asyncInvoker.invoke(fn, event);
      else await fn.invoke(event);
    }
  };
}
