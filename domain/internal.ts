// Internal requesters: a partner manager or another team escalates a creator's, agency's or user's problem
// (role `internal`). Such a case records who reported it apart from the requester it is about, is at least
// the policy's priority floor, and has the internal first-response target on the business calendar when
// that comes before its priority's. Only the reporter and the internal people named on it may follow it.
// Pure: the policy (config/internal-policy.json) is validated here, the clock and the calendar are given.
import * as z from 'zod/mini';
import { PRIORITIES, type CaseRecord, type Priority } from './case.ts';
import { parsePolicy } from './policy-file.ts';
import { addBusinessTime, type BusinessCalendar } from './sla/calendar.ts';
import './zod-english.ts';

export const InternalPolicySchema = z
  .strictObject({
    _comment: z.optional(z.array(z.string())),
    priorityFloor: z._default(z.enum(PRIORITIES), 'P2'),
    firstResponseBusinessMinutes: z._default(z.number().check(z.int(), z.positive()), 60),
    firstResponseWarningMinutes: z._default(z.number().check(z.int(), z.nonnegative()), 15),
  })
  .check(
    z.refine((p) => p.firstResponseWarningMinutes < p.firstResponseBusinessMinutes, {
      message: 'firstResponseWarningMinutes must be less than firstResponseBusinessMinutes',
      path: ['firstResponseWarningMinutes'],
    }),
  );
export type InternalPolicy = z.infer<typeof InternalPolicySchema>;
export const parseInternalPolicy = (json: unknown): InternalPolicy => parsePolicy(InternalPolicySchema, json, 'internal');

export const REQUESTER_KINDS = ['user', 'creator', 'agency'] as const;
export type RequesterKind = (typeof REQUESTER_KINDS)[number];

/** Who inside the company opened (or follows) the case, and the targets that applied when it was opened. */
export interface InternalOrigin {
  reporter: { id: string; email?: string };
  onBehalfOf: RequesterKind;
  /** An agency's inquiry names the creators it concerns; the case links them. */
  creatorUserIds?: string[];
  /** Other internal people (user ids) who may follow the case. */
  named: string[];
  priorityFloor: Priority;
  firstResponseBusinessMinutes: number;
  firstResponseWarningMinutes: number;
}

/** The more urgent of two priorities (P1 is the most urgent). */
export const atLeast = (priority: Priority, floor: Priority): Priority => (PRIORITIES.indexOf(priority) <= PRIORITIES.indexOf(floor) ? priority : floor);

/** May this internal user follow the case: its reporter, named on it, or one who escalated it. */
export const mayFollow = (record: CaseRecord, userId: string): boolean =>
  record.internal !== undefined && (record.internal.reporter.id === userId || record.internal.named.includes(userId));

/**
 * The internal first-response target over planned deadlines: due that many business minutes after opening
 * (and warned before it) when that is earlier than what the priority gives. Later deadlines are untouched.
 */
export function withInternalTarget<D extends CaseRecord['deadlines']>(deadlines: D, openedAt: string, internal: InternalOrigin | undefined, calendar: BusinessCalendar): D {
  if (!internal) return deadlines;
  const opened = new Date(openedAt);
  const due = addBusinessTime(opened, internal.firstResponseBusinessMinutes * 60_000, calendar).toISOString();
  const warn = addBusinessTime(opened, (internal.firstResponseBusinessMinutes - internal.firstResponseWarningMinutes) * 60_000, calendar).toISOString();
  if (Date.parse(deadlines.firstResponseDue) <= Date.parse(due)) return deadlines;
  return { ...deadlines, firstResponseDue: due, firstResponseWarnAt: warn };
}
