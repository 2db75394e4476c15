// The consult rules: asking plans the reminder and target on the team's business calendar without touching
// the case's SLA; answers by API or email are checked (forged, reused, email-only) and carry the turnaround;
// the timer records the reminder, then the escalation, once each; several consults keep their own state.
import { describe, expect, it } from 'vitest';
import type { CaseRecord } from '#domain/case.ts';
import { answerConsult, ConsultAnswerError, consultState, consultTokenIn, onConsultTimer, parseTeamsPolicy, UnknownTeamError } from '#domain/consult.ts';
import { applyAgentAction, TransitionError } from '#domain/lifecycle.ts';
import { addBusinessTime } from '#domain/sla/calendar.ts';
import { policies } from '#lib/policies.ts';
import { teamsPolicy } from '#lib/teams-config.ts';
import { HOUR, MINUTE, OPENED, at, caseAt } from '../functions/lifecycle-fakes.ts';
import { NO_FOUR_EYES } from '../functions/lifecycle-fakes.ts';

const agent = { kind: 'agent' as const, id: 'agent-7', role: 'agent' };
const cal = policies.sla.calendar;
const opts = { teams: teamsPolicy, calendar: cal };
const payments = teamsPolicy.teams.find((t) => t.name === 'payments')!;

function ask(current: CaseRecord, team: string, token: string, now = at(10 * MINUTE), blocking?: boolean) {
  return applyAgentAction(current, { type: 'consult', team, question: `Question for ${team}`, ...(blocking !== undefined && { blocking }) }, agent, now, policies.sla, NO_FOUR_EYES, { teams: teamsPolicy, token });
}

describe('asking a consult', () => {
  it('plans the reminder and the target on the business calendar and leaves the SLA alone', () => {
    const current = caseAt('P3');
    const now = at(10 * MINUTE);
    const { record, event } = ask(current, 'payments', 'tok-aaaaaaaaaaaaaaaaaaaa', now, true);
    const consult = record.consults![0]!;
    expect(consult).toMatchObject({ id: `${current.caseId}-consult-1`, team: 'payments', blocking: true, status: 'open', reminded: false, escalated: false });
    expect(consult.dueAt).toBe(addBusinessTime(now, payments.targetBusinessMinutes * MINUTE, cal).toISOString());
    expect(consult.remindAt).toBe(addBusinessTime(now, (payments.targetBusinessMinutes - payments.remindBeforeMinutes) * MINUTE, cal).toISOString());
    expect(event).toMatchObject({ type: 'consult.asked', data: { consultId: consult.id, team: 'payments', blocking: true } });
    expect(record.deadlines).toEqual(current.deadlines);
    expect(record.lifecycleVersion).toBe(current.lifecycleVersion);
    expect(record.status).toBe(current.status);
  });

  it('numbers several consults and keeps each its own', () => {
    const first = ask(caseAt('P3'), 'payments', 'tok-1111111111111111').record;
    const second = ask(first, 'legal', 'tok-2222222222222222').record;
    expect(second.consults!.map((c) => [c.id.slice(-9), c.team, c.token])).toEqual([
      ['consult-1', 'payments', 'tok-1111111111111111'],
      ['consult-2', 'legal', 'tok-2222222222222222'],
    ]);
  });

  it('refuses a team missing from the policy, naming it, and a closed case', () => {
    expect(() => ask(caseAt('P3'), 'marketing', 'tok-3333333333333333')).toThrow(UnknownTeamError);
    expect(() => ask(caseAt('P3'), 'marketing', 'tok-3333333333333333')).toThrow(/"marketing"/);
    expect(() => ask(caseAt('P3', { status: 'closed' }), 'payments', 'tok-3333333333333333')).toThrow(TransitionError);
  });
});

describe('answering a consult', () => {
  const asked = ask(caseAt('P3'), 'payments', 'tok-aaaaaaaaaaaaaaaaaaaa', at(10 * MINUTE), true).record;
  const consultId = asked.consults![0]!.id;

  it('by email with the token: turnaround in business minutes, within target, the case back to the agent when blocking', () => {
    const { record, event } = answerConsult(asked, 'It left on Monday.', { via: 'email', token: 'tok-aaaaaaaaaaaaaaaaaaaa', from: 'pat@payments.example', messageKey: 'm1' }, at(70 * MINUTE), opts);
    expect(record.consults![0]).toMatchObject({ status: 'answered', answer: 'It left on Monday.', answeredVia: 'email', answeredBy: 'pat@payments.example', turnaroundMinutes: 60, withinTarget: true });
    expect(event).toMatchObject({ type: 'consult.answered', actor: { kind: 'team', team: 'payments' }, data: { turnaroundMinutes: 60, withinTarget: true, returnsToAgent: true } });
  });

  it('refuses a forged token, an unknown consult and a second answer, changing nothing', () => {
    const forged = () => answerConsult(asked, 'x', { via: 'email', token: 'tok-forgedforgedforged', from: 'm@example.com', messageKey: 'm2' }, at(HOUR), opts);
    expect(forged).toThrow(ConsultAnswerError);
    expect(() => answerConsult(asked, 'x', { via: 'api', consultId: 'nope', userId: 'u', role: 'internal' }, at(HOUR), opts)).toThrow(/No such consult/);
    const once = answerConsult(asked, 'first', { via: 'api', consultId, userId: 'u', role: 'internal' }, at(HOUR), opts).record;
    expect(() => answerConsult(once, 'second', { via: 'api', consultId, userId: 'u', role: 'internal' }, at(HOUR), opts)).toThrow(/answered already/);
  });

  it('takes API answers only for internal teams', () => {
    const legal = ask(caseAt('P3'), 'legal', 'tok-llllllllllllllllll').record;
    const error = (() => {
      try {
        answerConsult(legal, 'x', { via: 'api', consultId: legal.consults![0]!.id, userId: 'u', role: 'internal' }, at(HOUR), opts);
      } catch (e) {
        return e as ConsultAnswerError;
      }
    })();
    expect(error?.reason).toBe('email-only');
  });

  it('is late once the target passed', () => {
    const late = new Date(Date.parse(asked.consults![0]!.dueAt) + MINUTE);
    expect(answerConsult(asked, 'late', { via: 'api', consultId, userId: 'u', role: 'internal' }, late, opts).record.consults![0]!.withinTarget).toBe(false);
  });
});

describe("a consult's timer", () => {
  const asked = ask(caseAt('P3'), 'payments', 'tok-aaaaaaaaaaaaaaaaaaaa').record;
  const c = asked.consults![0]!;

  it('waits for the reminder, then the target, then nothing', () => {
    expect(consultState(asked, asked.caseId, c.id, OPENED)).toMatchObject({ phase: 'reminder', due: false });
    const reminded = onConsultTimer(asked, c.id, new Date(c.remindAt))!;
    expect(reminded.event).toMatchObject({ type: 'consult.reminded', data: { consultId: c.id, team: 'payments' } });
    expect(consultState(reminded.record, asked.caseId, c.id, new Date(c.remindAt))).toMatchObject({ phase: 'target', due: false });
    // A retried step records nothing twice; nothing is due before its time.
    expect(onConsultTimer(reminded.record, c.id, new Date(c.remindAt))).toBeUndefined();
    const escalated = onConsultTimer(reminded.record, c.id, new Date(c.dueAt))!;
    expect(escalated.event.type).toBe('consult.escalated');
    expect(consultState(escalated.record, asked.caseId, c.id, new Date(c.dueAt)).phase).toBe('none');
  });

  it('stops once answered', () => {
    const answered = answerConsult(asked, 'ok', { via: 'api', consultId: c.id, userId: 'u', role: 'internal' }, at(HOUR), opts).record;
    expect(consultState(answered, asked.caseId, c.id, new Date(c.dueAt)).phase).toBe('none');
    expect(onConsultTimer(answered, c.id, new Date(c.dueAt))).toBeUndefined();
  });
});

describe('the teams policy and the token in a subject', () => {
  it('names a reminder that is not before the target, and duplicate teams', () => {
    const team = { ...payments, remindBeforeMinutes: payments.targetBusinessMinutes };
    expect(() => parseTeamsPolicy({ teams: [team] })).toThrow(/teams\.0\.remindBeforeMinutes/);
    expect(() => parseTeamsPolicy({ teams: [payments, payments] })).toThrow(/unique/);
  });

  it('finds the token only in its bracket', () => {
    expect(consultTokenIn('Re: [TD-ABC123] [consult:Abc_def-1234567890xy] Question')).toBe('Abc_def-1234567890xy');
    expect(consultTokenIn('Re: consult:Abc_def-1234567890xy')).toBeUndefined();
  });
});
