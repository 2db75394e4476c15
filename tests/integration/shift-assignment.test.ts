// Assignment on the shift, on the local cloud: cases that arrive on a Monday (the team works Wed–Sun) wait
// unassigned, and at Wednesday's shift start the ShiftStartAssignment schedule hands them to the agents on
// shift, round-robin and within each agent's capacity, each as an audited `case.assigned` by the system.
import { describe, expect, it } from 'vitest';
import { advanceClockTo, clockNow, postInquiry, request, settle, token, unique } from './support.ts';

const LA = 'America/Los_Angeles';
const weekdayIn = (t: number) => new Intl.DateTimeFormat('en-US', { timeZone: LA, weekday: 'short' }).format(new Date(t));
const hourIn = (t: number) => Number(new Intl.DateTimeFormat('en-US', { timeZone: LA, hour: 'numeric', hourCycle: 'h23' }).format(new Date(t)));

/** The next instant after `from` that is `weekday` at `hour`:`minute` in Los Angeles (searched minute by minute from the hour). */
function next(from: number, weekday: string, hour: number, minute: number): number {
  let t = Math.ceil(from / 3_600_000) * 3_600_000 + 3_600_000;
  while (!(weekdayIn(t) === weekday && hourIn(t) === hour)) t += 3_600_000;
  return t + minute * 60_000;
}

interface CaseView {
  assignee?: string;
  status: string;
  timeline: { type: string; actor: { kind: string }; data: Record<string, unknown> }[];
}

async function openCase(caseId: string): Promise<CaseView> {
  const lead = await token('lead');
  const res = await request<{ case: Omit<CaseView, 'timeline'>; timeline: CaseView['timeline'] }>('GET', `/cases/${caseId}`, { headers: { authorization: `Bearer ${lead}` } });
  return { ...res.body.case, timeline: res.body.timeline };
}

describe('assignment on the shift', () => {
  // Moving the shared cloud's clock two days fires every deadline the suite's earlier files left open: settling that
  // takes longer than one test usually may on a busy machine.
  it('assigns the cases that arrived on Monday at Wednesday shift start, within capacity', { timeout: 120_000 }, async () => {
    const monday = next(await clockNow(), 'Mon', 10, 0);
    await advanceClockTo(monday);
    const lead = await token('lead');
    const agents = [unique('ann'), unique('bob')];
    for (const agentId of agents) {
      const put = await request('PUT', `/agents/${agentId}`, {
        body: JSON.stringify({ name: agentId, role: 'agent', capacity: 2 }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${lead}` },
      });
      expect(put.status).toBe(200);
    }
    const bad = await request<{ problems?: { field: string }[] }>('PUT', `/agents/${agents[0]}`, {
      body: JSON.stringify({ name: '', role: 'boss', capacity: -1 }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${lead}` },
    });
    expect(bad.status).toBe(400);

    const caseIds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await postInquiry({ email: `${unique('shift')}@example.com`, subject: `Missing coins ${i}`, message: 'My coins did not arrive after I paid.' });
      expect(res.status).toBe(201);
      caseIds.push((res.body as { caseId: string }).caseId);
    }
    await settle();
    for (const caseId of caseIds) expect((await openCase(caseId)).assignee).toBeUndefined();

    await advanceClockTo(next(monday, 'Wed', 8, 1));
    // The pool holds every case waiting in this cloud (other test files' too), most urgent first: the two
    // agents fill their capacity from it, so each gets at most two, each audited once by the system.
    const assignedTo = async (agentId: string) =>
      (await request<{ items: { caseId: string }[] }>('GET', `/cases?assignee=${agentId}&limit=50`, { headers: { authorization: `Bearer ${await token('lead')}` } })).body.items;
    let held: { caseId: string }[][] = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      await settle();
      held = await Promise.all(agents.map(assignedTo));
      if (held.every((h) => h.length >= 2)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // Never over capacity, and each got work; exactly two only when the pool outlasts every on-shift agent's
    // capacity, which other files' agents in the shared cloud can exhaust first.
    for (const cases of held) {
      expect(cases.length).toBeGreaterThanOrEqual(1);
      expect(cases.length).toBeLessThanOrEqual(2);
    }
    for (const [i, cases] of held.entries()) {
      for (const { caseId } of cases) {
        const v = await openCase(caseId);
        expect(v.assignee).toBe(agents[i]);
        const assigned = v.timeline.filter((e) => e.type === 'case.assigned');
        expect(assigned).toHaveLength(1);
        expect(assigned[0]).toMatchObject({ actor: { kind: 'system' }, data: { assignee: agents[i], reason: 'shift' } });
      }
    }
    const list = await request<{ items: { agentId: string; lastAssignedAt?: string }[] }>('GET', '/agents', { headers: { authorization: `Bearer ${await token('agent')}` } });
    expect(list.body.items.filter((a) => agents.includes(a.agentId)).every((a) => a.lastAssignedAt)).toBe(true);
  });
});
