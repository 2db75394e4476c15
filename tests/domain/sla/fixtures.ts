// Shared test fixtures: the real default policy, loaded through the real parser.
import { readFileSync } from 'node:fs';
import { parseSlaPolicy, type SlaPolicy } from '../../../domain/sla/policy.ts';

export const POLICY_URL = new URL('../../../config/sla-policy.json', import.meta.url);

/** The raw JSON of config/sla-policy.json (a fresh copy on each call, safe to mutate). */
export function rawPolicy(): Record<string, any> {
  return JSON.parse(readFileSync(POLICY_URL, 'utf8')) as Record<string, any>;
}

export const policy: SlaPolicy = parseSlaPolicy(rawPolicy());
export const cal = policy.calendar;

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
export const SECOND = 1_000;

/** Instant from an ISO string, refusing typos that Date would silently accept. */
export function at(iso: string): Date {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new Error(`bad test instant ${iso}`);
  return d;
}
