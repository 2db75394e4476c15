// Consults on the local cloud: an agent asks another team from a case; the question is emailed with its
// token, the team's email answer (over SMTP) lands on the case with its turnaround, a forged or reused token
// changes nothing and is answered; an unanswered consult sends its reminder and then its escalation to the
// team lead on the virtual clock while the case's own SLA keeps running; two consults run independently.
import { describe, expect, it } from 'vitest';
import { teamsPolicy } from '#lib/teams-config.ts';
import { actAs, advanceClockTo, executions, mailbox, postInquiry, request, sendMail, settle, timerHolder, token, unique, type StoredEmail } from './support.ts';

interface Consult {
  id: string;
  team: string;
  status: string;
  askedAt: string;
  remindAt: string;
  dueAt: string;
  reminded: boolean;
  escalated: boolean;
  answer?: string;
  turnaroundMinutes?: number;
  withinTarget?: boolean;
  token?: string;
}
interface CaseView {
  case: { caseId: string; reference: string; version: number; status: string; deadlines: { firstResponseDue: string }; sla: Record<string, boolean>; consults?: Consult[] };
  timeline: { type: string; actor: Record<string, unknown>; data: Record<string, unknown> }[];
}

const team = (name: string) => teamsPolicy.teams.find((t) => t.name === name)!;

async function read(caseId: string): Promise<CaseView> {
  const res = await request<CaseView>('GET', `/cases/${caseId}`, { headers: { authorization: `Bearer ${await token('agent')}` } });
  expect(res.status).toBe(200);
  return res.body;
}

async function openCase(): Promise<CaseView> {
  const res = await postInquiry({ email: `${unique('consult')}@example.com`, subject: 'Payout missing', message: 'My creator payout of last week never arrived.', category: 'payout' });
  expect(res.status).toBe(201);
  await settle();
  return read(res.body.caseId as string);
}

async function ask(view: CaseView, body: Record<string, unknown>) {
  const res = await actAs<{ case: { version: number; consults: Consult[] } }>('agent', view.case.caseId, { type: 'consult', expectedVersion: view.case.version, ...body });
  return res;
}

const questionMail = async (reference: string, to: string): Promise<StoredEmail | undefined> =>
  (await mailbox()).find((m) => m.subject.includes(reference) && m.destination.to.includes(to) && m.subject.includes('Question for'));

/** Every case this file consults on: the weekly report's consult rows must match their timelines. */
const consulted: string[] = [];

describe('consults on the local cloud', () => {
  it('emails the question with its token; the email answer lands on the case with its turnaround; forged or reused tokens change nothing', async () => {
    const view = await openCase();
    const { caseId, reference } = view.case;
    consulted.push(caseId);
    const asked = await ask(view, { team: 'payments', question: 'Did payout PO-881 leave our bank?', blocking: true });
    expect(asked.status).toBe(200);
    // The token is the email's secret: the API never shows it.
    expect(asked.body.case.consults[0]).not.toHaveProperty('token');
    await settle();
    const mail = await questionMail(reference, team('payments').address);
    expect(mail).toBeDefined();
    const consultToken = /\[consult:([A-Za-z0-9_-]+)\]/.exec(mail!.subject)?.[1];
    expect(consultToken).toBeDefined();
    expect(mail!.body.text).toContain('Did payout PO-881 leave our bank?');

    // A forged token (the real case's reference): nothing changes, the sender is told.
    const before = await read(caseId);
    await sendMail({ from: 'mallory@payments.example', subject: `Re: [${reference}] [consult:${'A'.repeat(24)}] Question`, text: 'It left, trust me.' });
    await settle();
    expect((await read(caseId)).case.version).toBe(before.case.version);
    const refusals = () => mailbox().then((all) => all.filter((m) => m.subject.startsWith(`Not added to ${reference}`)));
    expect((await refusals()).map((m) => m.destination.to[0])).toEqual(['mallory@payments.example']);

    await sendMail({ from: 'pat@payments.example', subject: `Re: ${mail!.subject}`, text: 'Yes: it left on Monday, trace 7731.' });
    await settle();
    const answered = await read(caseId);
    const consult = answered.case.consults![0]!;
    expect(consult).toMatchObject({ status: 'answered', answer: expect.stringContaining('trace 7731'), withinTarget: true });
    expect(consult.turnaroundMinutes).toBeGreaterThanOrEqual(0);
    const event = answered.timeline.find((e) => e.type === 'consult.answered')!;
    expect(event).toMatchObject({ actor: { kind: 'team', team: 'payments' }, data: { consultId: consult.id, via: 'email', turnaroundMinutes: consult.turnaroundMinutes, blocking: true, returnsToAgent: true } });
    // Its timer ended with the answer.
    expect((await executions()).find((e) => e.name === consult.id)?.status).toBe('SUCCEEDED');

    // The same token again (a second answer): refused and answered, the first answer stands.
    await sendMail({ from: 'pat@payments.example', subject: `Re: ${mail!.subject}`, text: 'Correction: it did not leave.' });
    await settle();
    const after = await read(caseId);
    expect(after.case.version).toBe(answered.case.version);
    expect(after.case.consults![0]!.answer).toContain('trace 7731');
    expect((await refusals()).filter((m) => m.destination.to[0] === 'pat@payments.example')).toHaveLength(1);
  });

  it("puts each team's consults, median turnaround and share within target in the weekly report, as the timelines say", async () => {
    const view = await openCase();
    consulted.push(view.case.caseId);
    const one = await ask(view, { team: 'payments', question: 'Refund PO-301 possible?' });
    const two = await ask({ ...view, case: { ...view.case, version: one.body.case.version } }, { team: 'creator-operations', question: 'Is the creator under review?' });
    expect(two.status).toBe(200);
    await settle();
    for (const c of two.body.case.consults) {
      const res = await request('POST', `/cases/${view.case.caseId}/consults/${c.id}/answer`, {
        body: JSON.stringify({ answer: `Answer for ${c.team}` }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('internal', 'ops')}` },
      });
      expect(res.status).toBe(200);
      // A retried answer is refused: nothing is counted twice.
      const again = await request('POST', `/cases/${view.case.caseId}/consults/${c.id}/answer`, {
        body: JSON.stringify({ answer: 'again' }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('internal', 'ops')}` },
      });
      expect(again.status).toBe(409);
    }
    await settle();

    const answers = new Map<string, { minutes: number[]; within: number; asked: number }>();
    for (const id of consulted) {
      for (const e of (await read(id)).timeline) {
        const t = String(e.data.team);
        const row = answers.get(t) ?? { minutes: [], within: 0, asked: 0 };
        if (e.type === 'consult.asked') row.asked += 1;
        if (e.type === 'consult.answered') {
          row.minutes.push(Number(e.data.turnaroundMinutes));
          if (e.data.withinTarget === true) row.within += 1;
        }
        if (e.type.startsWith('consult.')) answers.set(t, row);
      }
    }
    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
    };
    const report = await request<{ consults: { team: string; asked: number; answered: number; medianTurnaroundMinutes: number | null; withinTarget: number | null }[] }>('GET', '/reports/current?cadence=weekly', {
      headers: { authorization: `Bearer ${await token('lead')}` },
    });
    expect(report.status).toBe(200);
    const expected = [...answers]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([t, row]) => ({ team: t, asked: row.asked, answered: row.minutes.length, medianTurnaroundMinutes: median(row.minutes), withinTarget: (row.within / row.minutes.length) * 100 }));
    expect(report.body.consults.map(({ team, asked, answered, medianTurnaroundMinutes, withinTarget }) => ({ team, asked, answered, medianTurnaroundMinutes, withinTarget }))).toEqual(expected);
    expect(expected.map((r) => [r.team, r.answered])).toEqual([['creator-operations', 1], ['payments', 2]]);
  });

  it('refuses a team missing from config/teams.json, naming it', async () => {
    const view = await openCase();
    const res = await ask(view, { team: 'marketing', question: 'Can we comp this creator?' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ fields: [{ field: 'team', message: expect.stringContaining('marketing') }] });
    expect((await read(view.case.caseId)).case.version).toBe(view.case.version);
  });

  it('reminds the team before the target and escalates to its lead at it, while the case SLA keeps running; two consults run independently', async () => {
    const view = await openCase();
    const { caseId, reference } = view.case;
    const first = await ask(view, { team: 'payments', question: 'Status of PO-912?' });
    expect(first.status).toBe(200);
    const second = await ask({ ...view, case: { ...view.case, version: first.body.case.version } }, { team: 'legal', question: 'May we share the statement?' });
    expect(second.status).toBe(200);
    await settle();
    const open = await read(caseId);
    const [payments, legal] = open.case.consults!;
    expect([payments!.team, legal!.team]).toEqual(['payments', 'legal']);
    const deadlinesBefore = open.case.deadlines;

    // The payments team answers through the API (an internal team): its timer ends, legal's runs on.
    const answer = await request('POST', `/cases/${caseId}/consults/${payments!.id}/answer`, {
      body: JSON.stringify({ answer: 'Bounced by the bank; re-sent today.' }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('internal', 'pat')}` },
    });
    expect(answer.status).toBe(200);
    await settle();
    // Legal answers by email only; an agent cannot answer for a team.
    const byApi = await request('POST', `/cases/${caseId}/consults/${legal!.id}/answer`, {
      body: JSON.stringify({ answer: 'fine' }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('internal', 'pat')}` },
    });
    expect(byApi.status).toBe(403);
    const asAgent = await request('POST', `/cases/${caseId}/consults/${legal!.id}/answer`, {
      body: JSON.stringify({ answer: 'fine' }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('agent')}` },
    });
    expect(asAgent.status).toBe(403);

    await advanceClockTo(Date.parse(legal!.remindAt) + 1000);
    const reminded = await read(caseId);
    expect(reminded.case.consults![1]).toMatchObject({ reminded: true, escalated: false, status: 'open' });
    const reminders = (await mailbox()).filter((m) => m.subject.includes(reference) && m.subject.includes('Reminder'));
    expect(reminders.map((m) => m.destination.to[0])).toEqual([team('legal').remindAddress]);
    // The case's SLA is not paused by its consults: its deadlines did not move and its lifecycle waits on
    // (in its execution, or in the alarm it handed its far timer to once it had waited in person long enough).
    expect(reminded.case.deadlines).toEqual(deadlinesBefore);
    expect(await timerHolder(caseId)).toBeDefined();

    await advanceClockTo(Date.parse(legal!.dueAt) + 1000);
    const escalated = await read(caseId);
    expect(escalated.case.consults![1]).toMatchObject({ reminded: true, escalated: true, status: 'open' });
    const overdue = (await mailbox()).filter((m) => m.subject.includes(reference) && m.subject.includes('[CONSULT OVERDUE]'));
    expect(overdue.map((m) => m.destination.to[0])).toEqual([team('legal').leadAddress]);
    // Nothing more for the answered payments consult, and each consult had its own execution.
    expect((await mailbox()).filter((m) => m.subject.includes(reference) && m.destination.to.includes(team('payments').leadAddress))).toEqual([]);
    const runs = (await executions()).filter((e) => e.name === payments!.id || e.name === legal!.id);
    expect(runs.map((e) => [e.name, e.status]).sort()).toEqual([[legal!.id, 'SUCCEEDED'], [payments!.id, 'SUCCEEDED']].sort());
    // ...and its first-response deadline, planned before the consults, is breached on time as if there were none.
    await advanceClockTo(Math.max(Date.parse(deadlinesBefore.firstResponseDue), Date.parse(legal!.dueAt)) + 1000);
    const breached = await read(caseId);
    expect(breached.timeline.find((e) => e.type === 'sla.breached')).toMatchObject({ data: { deadline: 'firstResponse', dueAt: deadlinesBefore.firstResponseDue } });
    expect(breached.timeline.filter((e) => e.type.startsWith('consult.')).map((e) => `${e.type} ${e.data.team}`)).toEqual([
      'consult.asked payments',
      'consult.asked legal',
      'consult.answered payments',
      'consult.reminded legal',
      'consult.escalated legal',
    ]);
  });
});
