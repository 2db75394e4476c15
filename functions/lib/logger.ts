import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { maskCardData } from '#domain/privacy/mask-card-data.ts';

// Logs hold ids and codes, never personal data. Call sites follow that rule; this formatter is the net
// under them: values under personal keys are replaced, and card data, email addresses and phone numbers are
// masked in every other string (log messages, error messages and stacks included).

/** Keys whose values are personal data wherever they appear. */
const PERSONAL_KEYS = new Set(
  [
    'email', 'emails', 'emailAddress', 'requesterEmail', 'from', 'to', 'cc', 'bcc', 'replyTo', 'mailFrom', 'source', 'destination', 'recipients',
    'name', 'firstName', 'lastName', 'fullName', 'displayName', 'requester', 'requesterName',
    'phone', 'phoneNumber', 'mobile', 'address',
    'subject', 'body', 'text', 'html', 'note', 'summary', 'reason', 'content',
  ].map((k) => k.toLowerCase()),
);
/** Outside errors, `message` is someone's words; inside one, it and `name` are the error's own (masked, kept). */
const TEXT_KEYS_OUTSIDE_ERRORS = new Set(['message']);
const ERROR_KEYS = new Set(['name', 'message']);

export const REDACTED = '[redacted]';
const EMAIL = /[^\s@<>()[\]\\,;:"'`]+@[^\s@<>()[\]\\,;:"'`]+\.[A-Za-z]{2,}/g;
/** International numbers (+…), (555) 123-4567, 555-123-4567; not dates, ids or amounts. */
const PHONE = /\+\d[\d ().-]{6,}\d|\(\d{3}\)\s?\d{3}[-.\s]\d{4}|\b\d{3}[-.\s]\d{3}[-.\s]\d{4}\b/g;
const MAX_DEPTH = 8;

export const maskText = (s: string): string => maskCardData(s).text.replace(EMAIL, '[email]').replace(PHONE, '[phone]');

/**
 * A copy of a log value with personal data removed. Errors become plain objects (`describeError`, by
 * default their name, message, stack and own fields) whose message and stack are masked, not dropped.
 */
export function redact(value: unknown, describeError: (e: Error) => object = plainError, depth = 0, inError = false): unknown {
  if (typeof value === 'string') return maskText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[truncated]';
  if (value instanceof Error) return redact(describeError(value), describeError, depth + 1, true);
  if (Array.isArray(value)) return value.map((v) => redact(v, describeError, depth + 1, inError));
  if (value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const lower = key.toLowerCase();
    const personal = inError ? PERSONAL_KEYS.has(lower) && !ERROR_KEYS.has(lower) : PERSONAL_KEYS.has(lower) || TEXT_KEYS_OUTSIDE_ERRORS.has(lower);
    out[key] = personal && v !== undefined && v !== null ? REDACTED : redact(v, describeError, depth + 1, inError);
  }
  return out;
}

const plainError = (e: Error): object => ({ ...e, name: e.name, message: e.message, stack: e.stack, ...(e.cause !== undefined && { cause: e.cause }) });

/** The usual structured layout (level, message, timestamp, service, invocation), every value through `redact`. */
export class RedactingLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    const base = {
      level: attributes.logLevel,
      message: maskText(attributes.message ?? ''),
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      cold_start: context?.coldStart,
      function_name: context?.functionName,
      function_request_id: context?.awsRequestId,
      xray_trace_id: attributes.xRayTraceId,
    };
    const safe = redact(additional, (e) => this.formatError(e)) as LogAttributes;
    return new LogItem({ attributes: base }).addAttributes(safe);
  }
}

/** One structured logger per function; log ids and codes, never personal data. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'trustdesk', logFormatter: new RedactingLogFormatter() });
