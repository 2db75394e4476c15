// No execution held open through days of waiting (issue 15 point 5): a case's far timer is handed to an
// alarm (a one-time EventBridge Scheduler schedule, emulated over its API on the virtual clock) and the
// lifecycle execution ends; the alarm starts the short case-timer execution, which sleeps to the exact
// instant. Each test scopes what it reads to the case it opened.
import { describe, expect, it } from 'vitest';
import { policies } from '#lib/policies.ts';
import { actAs, advanceClockTo, asAgent, clockNow, executions, postInquiry, request, sendMail, settle, unique } from './support.ts';

const MINUTE = 60_000;
const SILENCE_MS = policies.sla.autoCloseAfterMinutes * MINUTE;

interface CaseView {
  case: { caseId: string; reference: string; version: number; lifecycleVersion: number; status: string; requester: { email: string }; resolvedAt?: string; closedAt?: string; deadlines: { firstResponseWarnAt?: string } };
  timeline: { type: string; at: string; data: Record<string, unknown> }[];
}
interface OneTime {
  name: string;
  group: string;
  expression: string;
  ringAt: string;
  target: { Arn: string; RoleArn: string; Input?: string };
}
interface AlarmInput {
  caseId: string;
  lifecycleVersion: number;
  phase: string;
  dueAt: string;
  ringAt: string;
}

const read = async (caseId: string) => (await asAgent<CaseView>(`/cases/${caseId}`)).body;

async function open(): Promise<CaseView> {
  const email = `${unique('short')}@example.com`;
  const res = await postInquiry({ email, subject: 'Refund for a double charge', message: 'I was charged twice for the same coin pack, please refund one.' });
  expect(res.status).toBe(201);
  await settle();
  return read(String(res.body.caseId));
}

/** The case's alarms now set, with the alarm each carries to the case-timer execution. */
async function alarmsOf(caseId: string): Promise<(OneTime & { alarm: AlarmInput; execution: string })[]> {
  const { oneTime } = (await request<{ oneTime: OneTime[] }>('GET', '/local/schedules')).body;
  return oneTime
    .filter((s) => s.name.startsWith(caseId))
    .map((s) => {
      const call = JSON.parse(s.target.Input ?? '{}') as { Name: string; Input: string };
      return { ...s, alarm: JSON.parse(call.Input) as AlarmInput, execution: call.Name };
    });
}

const runsOf = async (caseId: string) => (await executions()).filter((e) => e.name.startsWith(caseId));

describe('short executions: far timers are held by alarms, not by open executions', () => {
  it('open → reply → resolve hands the silence to an alarm; the case closes when it is due, in at most 7 transitions', async () => {
    const opened = await open();
    const { caseId } = opened.case;
    // Just opened: the lifecycle waits in person for a while (an agent usually acts soon).
    expect((await runsOf(caseId)).map((e) => [e.name, e.status])).toEqual([[caseId, 'RUNNING']]);
    expect((await actAs('agent', caseId, { type: 'reply', message: 'Refund issued.', expectedVersion: opened.case.version })).status).toBe(200);
    await settle();
    const replied = await read(caseId);
    expect((await actAs('agent', caseId, { type: 'resolve', outcome: 'resolved', expectedVersion: replied.case.version })).status).toBe(200);
    await settle();

    // Resolved: the execution ended at once, and one alarm holds the silence, set for this version.
    const resolved = await read(caseId);
    expect((await runsOf(caseId)).map((e) => [e.name, e.status])).toEqual([[caseId, 'SUCCEEDED']]);
    const dueAt = new Date(Date.parse(resolved.case.resolvedAt!) + SILENCE_MS).toISOString();
    const [alarm, ...more] = await alarmsOf(caseId);
    expect(more).toEqual([]);
    expect(alarm).toMatchObject({
      name: `${caseId}-v${resolved.case.lifecycleVersion}`,
      target: { Arn: 'arn:aws:scheduler:::aws-sdk:sfn:startExecution' },
      execution: `${caseId}-t${resolved.case.lifecycleVersion}`,
      alarm: { caseId, lifecycleVersion: resolved.case.lifecycleVersion, phase: 'auto-close', dueAt },
    });
    expect(alarm!.expression).toMatch(/^at\(\d{4}-\d\d-\d\dT\d\d:\d\d:00\)$/);
    expect(Date.parse(alarm!.ringAt)).toBeLessThanOrEqual(Date.parse(dueAt) - 2 * MINUTE);

    // A minute before the instant the alarm has rung: the case timer sleeps to the exact instant, the case is open.
    await advanceClockTo(Date.parse(dueAt) - MINUTE);
    expect((await read(caseId)).case.status).toBe('resolved');
    expect(await alarmsOf(caseId)).toEqual([]); // rung and deleted (ActionAfterCompletion DELETE)
    expect((await runsOf(caseId)).find((e) => e.name === alarm!.execution)?.status).toBe('RUNNING');

    await advanceClockTo(Date.parse(dueAt));
    const closed = await read(caseId);
    expect(closed.case.status).toBe('closed');
    expect(Date.parse(closed.case.closedAt!)).toBeGreaterThanOrEqual(Date.parse(dueAt));
    expect(closed.timeline.filter((e) => e.type === 'case.closed')).toHaveLength(1);
    const runs = await runsOf(caseId);
    expect(runs.filter((e) => e.status !== 'SUCCEEDED')).toEqual([]);
    expect(runs.reduce((n, e) => n + e.transitions, 0)).toBeLessThanOrEqual(7);
    expect(await alarmsOf(caseId)).toEqual([]);
  });

  it('a requester reply before the alarm rings takes the close back', async () => {
    const opened = await open();
    const { caseId, reference } = opened.case;
    const { email } = opened.case.requester;
    expect((await actAs('agent', caseId, { type: 'resolve', outcome: 'resolved', expectedVersion: opened.case.version })).status).toBe(200);
    await settle();
    const [silence] = await alarmsOf(caseId);
    expect(silence?.alarm.phase).toBe('auto-close');

    await sendMail({ from: email, subject: `Re: [${reference}] Your case is resolved`, text: 'It is not fixed, I was charged again.' });
    await settle();
    const reopened = await read(caseId);
    expect(reopened.case.status).toBe('investigating');
    // The silence's alarm is taken back; whatever holds the next timer now is for the new version.
    const now = await alarmsOf(caseId);
    expect(now.map((a) => a.name)).not.toContain(silence!.name);
    expect(now.every((a) => a.alarm.lifecycleVersion === reopened.case.lifecycleVersion && a.alarm.phase !== 'auto-close')).toBe(true);

    await advanceClockTo(Date.parse(silence!.alarm.dueAt) + MINUTE);
    const later = await read(caseId);
    expect(later.case.status).not.toBe('closed');
    expect(later.timeline.some((e) => e.type === 'case.closed')).toBe(false);
  });

  it('an alarm that rings for a version the case left, or rings again, does nothing', async () => {
    const opened = await open();
    const { caseId } = opened.case;
    expect((await actAs('agent', caseId, { type: 'resolve', outcome: 'resolved', expectedVersion: opened.case.version })).status).toBe(200);
    await settle();
    const [current] = await alarmsOf(caseId);
    const before = await read(caseId);
    const ring = (alarm: AlarmInput) => request<{ result?: string; functionError?: string }>('POST', '/local/functions/LifecycleSteps/invoke', { body: JSON.stringify({ step: 'alarm-rang', input: alarm }), headers: { 'content-type': 'application/json' } });

    // Set for the version before the resolve: stale.
    const stale = { ...current!.alarm, lifecycleVersion: current!.alarm.lifecycleVersion - 1, phase: 'first-response-warning' };
    expect((await ring(stale)).body).toEqual({ result: 'stale' });
    await settle();
    expect((await read(caseId)).timeline).toHaveLength(before.timeline.length);

    await advanceClockTo(Date.parse(current!.alarm.dueAt));
    const closed = await read(caseId);
    expect(closed.case.status).toBe('closed');
    // The same ring delivered again: the case left that version (it closed), so nothing happens twice.
    expect((await ring(current!.alarm)).body).toEqual({ result: 'stale' });
    await settle();
    const after = await read(caseId);
    expect(after.timeline.filter((e) => e.type === 'case.closed')).toHaveLength(1);
    expect(after.case.version).toBe(closed.case.version);
  });

  it('a far SLA deadline: the lifecycle hands it over after waiting in person, and the alarm records it when due', async () => {
    const opened = await open();
    const { caseId } = opened.case;
    const warnAt = opened.case.deadlines.firstResponseWarnAt!;
    expect(Date.parse(warnAt) - (await clockNow())).toBeGreaterThan(15 * MINUTE);
    await advanceClockTo((await clockNow()) + 11 * MINUTE);
    expect((await runsOf(caseId)).map((e) => [e.name, e.status])).toEqual([[caseId, 'SUCCEEDED']]);
    const [alarm] = await alarmsOf(caseId);
    expect(alarm?.alarm).toMatchObject({ phase: 'first-response-warning', dueAt: warnAt, lifecycleVersion: opened.case.lifecycleVersion });
    // A note does not move the lifecycle: the same alarm stays.
    expect((await actAs('agent', caseId, { type: 'note', note: 'looking into it', expectedVersion: opened.case.version })).status).toBe(200);
    await settle();
    expect((await alarmsOf(caseId)).map((a) => a.name)).toEqual([alarm!.name]);

    await advanceClockTo(Date.parse(warnAt));
    const warned = await read(caseId);
    const warning = warned.timeline.find((e) => e.type === 'sla.warning');
    expect(warning?.data).toMatchObject({ deadline: 'firstResponse' });
    expect(Date.parse(warning!.at)).toBeGreaterThanOrEqual(Date.parse(warnAt));
    // The next timer (the breach) is handed on: an alarm for the new version, or a lifecycle when it is near.
    const next = await alarmsOf(caseId);
    const running = (await runsOf(caseId)).filter((e) => e.status === 'RUNNING' && e.stateMachine.endsWith('case-lifecycle'));
    expect(next.length + running.length).toBe(1);
    if (next[0]) expect(next[0].alarm).toMatchObject({ lifecycleVersion: warned.case.lifecycleVersion, phase: 'first-response-breach' });
  });
});
