// Consults: an agent asks another team (payments, creator operations, product, legal — config/teams.json) a
// question from a case. Each consult has its own clock on the team's business calendar: a reminder before its
// target, an escalation to the team's lead at the target. The case's own SLA keeps running (a consult never
// pauses it) and several consults may be open at once, each a separate entry on the case with its own token
// (the secret its email reply carries), and each change an audited event. Pure: no I/O; the token is given.
import * as z from 'zod/mini';
import type { Actor, CaseRecord } from './case.ts';
import { commit, type Change, type Draft } from './change.ts';
import { parsePolicy } from './policy-file.ts';
import { addBusinessTime, businessTimeBetween, type BusinessCalendar } from './sla/calendar.ts';
import './zod-english.ts';

const Minutes = z.number().check(z.int(), z.positive());
const TeamSchema = z
  .strictObject({
    name: z.string().check(z.regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be lower-case letters, digits and dashes')),
    label: z.string().check(z.minLength(1)),
    address: z.email(),
    leadAddress: z.email(),
    remindAddress: z.email(),
    targetBusinessMinutes: Minutes,
    remindBeforeMinutes: Minutes,
    internal: z.boolean(),
  })
  .check(z.refine((t) => t.remindBeforeMinutes < t.targetBusinessMinutes, { message: 'remindBeforeMinutes must be less than targetBusinessMinutes', path: ['remindBeforeMinutes'] }));

export const TeamsPolicySchema = z.strictObject({
  _comment: z.optional(z.array(z.string())),
  teams: z.array(TeamSchema).check(
    z.minLength(1),
    z.refine((teams) => new Set(teams.map((t) => t.name)).size === teams.length, 'team names must be unique'),
  ),
});
export type TeamsPolicy = z.infer<typeof TeamsPolicySchema>;
export type Team = TeamsPolicy['teams'][number];

export const parseTeamsPolicy = (json: unknown): TeamsPolicy => parsePolicy(TeamsPolicySchema, json, 'teams');

export interface Consult {
  /** `<caseId>-consult-<n>`: also the name of its timer's execution, so it starts once. */
  id: string;
  team: string;
  question: string;
  /** The agent cannot go on without the answer; the answer hands the case back to them. */
  blocking: boolean;
  /** The secret an email answer carries in its subject ([consult:<token>]); never shown by the API. */
  token: string;
  askedBy: string;
  askedAt: string;
  remindAt: string;
  dueAt: string;
  status: 'open' | 'answered';
  reminded: boolean;
  escalated: boolean;
  answer?: string;
  answeredAt?: string;
  /** Who answered: the internal user's id (API) or the address the email came from. */
  answeredBy?: string;
  answeredVia?: 'email' | 'api';
  /** Business minutes from the question to the answer, on the team's calendar. */
  turnaroundMinutes?: number;
  withinTarget?: boolean;
  /** The email that answered it (its idempotency fingerprint): a redelivery of it is no second answer. */
  answerMessageKey?: string;
}

/** A team that config/teams.json does not name (a 400 naming the field). */
export class UnknownTeamError extends Error {
  override name = 'UnknownTeamError';
  constructor(readonly team: string, known: readonly string[]) {
    super(`No team "${team}" in config/teams.json; one of ${known.join(', ')}`);
  }
}

/** An answer that fits no open consult: a forged token, an unknown consult, or one answered already. */
export class ConsultAnswerError extends Error {
  override name = 'ConsultAnswerError';
  constructor(readonly reason: 'unknown' | 'answered' | 'email-only', message: string) {
    super(message);
  }
}

export interface ConsultAsk {
  team: string;
  question: string;
  blocking?: boolean;
}

const iso = (d: Date) => d.toISOString();
const teamOf = (teams: TeamsPolicy, name: string) => teams.teams.find((t) => t.name === name);

/** The `consult` action's draft: the question, its clock planned on the calendar. Throws UnknownTeamError. */
export function askConsultDraft(current: CaseRecord, ask: ConsultAsk, askedBy: string, now: Date, o: { teams: TeamsPolicy; calendar: BusinessCalendar; token: string }): Draft {
  const team = teamOf(o.teams, ask.team);
  if (!team) throw new UnknownTeamError(ask.team, o.teams.teams.map((t) => t.name));
  const n = (current.consultCount ?? 0) + 1;
  const id = `${current.caseId}-consult-${n}`;
  const dueAt = iso(addBusinessTime(now, team.targetBusinessMinutes * 60_000, o.calendar));
  const remindAt = iso(addBusinessTime(now, (team.targetBusinessMinutes - team.remindBeforeMinutes) * 60_000, o.calendar));
  const blocking = ask.blocking ?? false;
  const consult: Consult = { id, team: team.name, question: ask.question, blocking, token: o.token, askedBy, askedAt: iso(now), remindAt, dueAt, status: 'open', reminded: false, escalated: false };
  return {
    type: 'consult.asked',
    data: { consultId: id, team: team.name, question: ask.question, blocking, remindAt, dueAt },
    lifecycle: false,
    patch: { consults: [...(current.consults ?? []), consult], consultCount: n },
  };
}

export const openConsults = (record: CaseRecord): Consult[] => (record.consults ?? []).filter((c) => c.status === 'open');

/** How an answer arrived: by API (an internal user), or by email carrying the consult's token. */
export type ConsultAnswerBy = { via: 'api'; consultId: string; userId: string; role: string } | { via: 'email'; token: string; from: string; messageKey: string };

/** The team answered. Throws ConsultAnswerError when the answer fits no open consult (nothing changes). */
export function answerConsult(current: CaseRecord, answer: string, by: ConsultAnswerBy, now: Date, o: { teams: TeamsPolicy; calendar: BusinessCalendar }): Change {
  const consults = current.consults ?? [];
  const found = by.via === 'api' ? consults.find((c) => c.id === by.consultId) : consults.find((c) => c.token === by.token);
  if (!found) throw new ConsultAnswerError('unknown', by.via === 'api' ? 'No such consult on this case' : 'This answer carries no token of an open question on this case');
  if (found.status === 'answered') throw new ConsultAnswerError('answered', `This question was answered already (${found.answeredAt}); a further answer changes nothing — write to the case's agent instead`);
  if (by.via === 'api' && !teamOf(o.teams, found.team)?.internal) throw new ConsultAnswerError('email-only', `The ${found.team} team answers by replying to the question's email`);
  const at = iso(now);
  const turnaroundMinutes = Math.round(businessTimeBetween(new Date(found.askedAt), now, o.calendar) / 60_000);
  const withinTarget = now.getTime() <= Date.parse(found.dueAt);
  const answeredBy = by.via === 'api' ? by.userId : by.from;
  const answered: Consult = { ...found, status: 'answered', answer, answeredAt: at, answeredBy, answeredVia: by.via, turnaroundMinutes, withinTarget, ...(by.via === 'email' && { answerMessageKey: by.messageKey }) };
  const actor: Actor = by.via === 'api' ? { kind: 'agent', id: by.userId, role: by.role } : { kind: 'team', team: found.team, email: by.from };
  return commit(
    current,
    {
      type: 'consult.answered',
      data: { consultId: found.id, team: found.team, answer, via: by.via, askedAt: found.askedAt, turnaroundMinutes, withinTarget, blocking: found.blocking, ...(found.blocking && { returnsToAgent: true }) },
      lifecycle: false,
      patch: { consults: consults.map((c) => (c.id === found.id ? answered : c)) },
    },
    actor,
    now,
  );
}

/** What a consult's timer waits for next: its reminder, its target, or nothing (answered, or escalated already). */
export interface ConsultTimer {
  phase: 'reminder' | 'target' | 'none';
  seconds: number;
}

export function consultTimer(consult: Consult | undefined, now: Date): ConsultTimer {
  const until = (at: string) => Math.max(0, Math.ceil((Date.parse(at) - now.getTime()) / 1000));
  if (consult?.status !== 'open') return { phase: 'none', seconds: 0 };
  if (!consult.reminded) return { phase: 'reminder', seconds: until(consult.remindAt) };
  if (!consult.escalated) return { phase: 'target', seconds: until(consult.dueAt) };
  return { phase: 'none', seconds: 0 };
}

/** A consult's timer ran out: the reminder or the escalation that is due, once; undefined when nothing is. */
export function onConsultTimer(current: CaseRecord, consultId: string, now: Date): Change | undefined {
  const consults = current.consults ?? [];
  const consult = consults.find((c) => c.id === consultId);
  const timer = consultTimer(consult, now);
  if (!consult || current.mergedInto || timer.phase === 'none' || timer.seconds > 0) return undefined;
  const reminder = timer.phase === 'reminder';
  const patched: Consult = reminder ? { ...consult, reminded: true } : { ...consult, reminded: true, escalated: true };
  return commit(
    current,
    {
      type: reminder ? 'consult.reminded' : 'consult.escalated',
      data: { consultId, team: consult.team, dueAt: consult.dueAt },
      lifecycle: false,
      patch: { consults: consults.map((c) => (c.id === consultId ? patched : c)) },
    },
    { kind: 'system' },
    now,
  );
}

/** What the consult state machine carries between its states. */
export interface ConsultState {
  caseId: string;
  consultId: string;
  phase: ConsultTimer['phase'];
  /** The timer is up already: handle it now (a wait's timeout must be ≥ 1 s). */
  due: boolean;
  timer: { seconds: number };
}

export function consultState(record: CaseRecord | undefined, caseId: string, consultId: string, now: Date): ConsultState {
  // A case merged into another waits for nothing: its consults' clocks end (no reminder, no escalation).
  const timer = record?.mergedInto ? { phase: 'none' as const, seconds: 0 } : consultTimer(record?.consults?.find((c) => c.id === consultId), now);
  return { caseId, consultId, phase: timer.phase, due: timer.phase !== 'none' && timer.seconds === 0, timer: { seconds: Math.max(1, timer.seconds) } };
}

/** The consult token in an email's subject: `[consult:<token>]`. */
export const CONSULT_TOKEN_PATTERN = /\[consult:([A-Za-z0-9_-]{16,64})\]/;
export const consultTokenIn = (subject: string): string | undefined => CONSULT_TOKEN_PATTERN.exec(subject)?.[1];
