import type { App } from 'aws-cdk-lib';

/** Deployment settings: CDK context (`-c key=value` or cdk.json) with sensible defaults. */
export interface StackConfig {
  /** Address users write to; SES receives it (its domain must be verified for receiving). */
  readonly intakeAddress: string;
  /** Address trustdesk sends from (a verified SES identity). */
  readonly senderAddress: string;
  /** Base URL of the agent console, used for links in notices. */
  readonly consoleUrl: string;
  /** Public URL of the ratings page (GET /ratings on the API) the resolution email's rating links open. */
  readonly ratingsUrl: string;
  /** How many days a rating link stays valid. */
  readonly ratingLinkDays: number;
  /** Keep tables, key and bucket when the stack is deleted. */
  readonly retainData: boolean;
  /** Public inquiries one client (IP) may send per 5 minutes before the WAF answers 429 (WAF's minimum is 10). */
  readonly intakeRateLimit: number;
  /** Address subscribed to the alarm topic (it must confirm the subscription); none when unset. */
  readonly alarmEmail?: string;
}

export function readConfig(app: App): StackConfig {
  const get = (key: string, fallback: string): string => {
    const value: unknown = app.node.tryGetContext(key);
    return typeof value === 'string' && value.length > 0 ? value : fallback;
  };
  return {
    intakeAddress: get('intakeAddress', 'support@trustdesk.local'),
    senderAddress: get('senderAddress', 'no-reply@trustdesk.local'),
    consoleUrl: get('consoleUrl', 'http://127.0.0.1:3000/console'),
    ratingsUrl: get('ratingsUrl', 'http://127.0.0.1:3000/ratings'),
    ratingLinkDays: ratingLinkDays(get('ratingLinkDays', '30')),
    retainData: get('retainData', 'true') !== 'false',
    intakeRateLimit: rateLimit(get('intakeRateLimit', '100')),
    ...alarmEmail(get('alarmEmail', '')),
  };
}

function alarmEmail(value: string): { alarmEmail?: string } {
  if (value === '') return {};
  // One plain address: SNS would accept a malformed endpoint and never deliver anything to it.
  if (!/^[^\s@,;<>]+@[^\s@,;<>]+\.[^\s@,;<>]+$/.test(value)) throw new Error(`alarmEmail: expected one email address, got ${value}`);
  return { alarmEmail: value };
}

function rateLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 10 || n > 2_000_000_000) throw new Error(`intakeRateLimit: expected an integer from 10 to 2,000,000,000 (WAF's range), got ${value}`);
  return n;
}

function ratingLinkDays(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 365) throw new Error(`ratingLinkDays: expected a whole number of days from 1 to 365, got ${value}`);
  return n;
}
