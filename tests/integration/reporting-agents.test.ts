// The per-agent report on the local cloud: two agents (each with an agent record) answer and resolve cases
// over HTTP, one reopens the other's resolution, and GET /reports/current?cadence=weekly shows each of them
// by their record's name with their own numbers, per category, counted once from the stream. Assertions
// are scoped to the two agents this file creates (the cloud is shared with other test files).
import { describe, expect, it } from 'vitest';
import { advanceClockTo, clockNow, postInquiry, request, settle, token, unique } from './support.ts';

interface AgentStats {
  handled: number;
  firstResponses: number;
  firstResponseSla: number | null;
  resolutionSla: number | null;
  medianFirstResponse: { minutes: number; atLeast: boolean } | null;
  medianResolution: { minutes: number; atLeast: boolean } | null;
  reopened: number;
  reopenRate: number | null;
  satisfaction: { average: number | null; count: number };
}
interface AgentRow extends AgentStats {
  agentId: string;
  name: string;
  byCategory: (AgentStats & { id: string; label: string })[];
}
interface CurrentReport {
  period: string;
  agents: AgentRow[];
}

const LA = 'America/Los_Angeles';
const HOUR = 3_600_000;

/** Keeps the whole test inside one ISO week of the report's time zone: past Sunday 22:00 in Los Angeles, it moves to Monday. */
async function awayFromWeekEnd(): Promise<void> {
  const now = await clockNow();
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: LA, weekday: 'short', hour: 'numeric', hourCycle: 'h23' }).formatToParts(new Date(now));
  const weekday = parts.find((p) => p.type === 'weekday')?.value;
  const hour = Number(parts.find((p) => p.type === 'hour')?.value);
  if (weekday === 'Sun' && hour >= 22) await advanceClockTo(now + 3 * HOUR);
}

async function act(user: string, caseId: string, action: Record<string, unknown>): Promise<void> {
  const auth = { authorization: `Bearer ${await token('agent', user)}` };
  const view = await request<{ case: { version: number } }>('GET', `/cases/${caseId}`, { headers: auth });
  expect(view.status).toBe(200);
  const res = await request('POST', `/cases/${caseId}/actions`, {
    body: JSON.stringify({ ...action, expectedVersion: view.body.case.version }),
    headers: { 'content-type': 'application/json', ...auth },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

async function openCase(category: string): Promise<string> {
  const res = await postInquiry({ email: `${unique('agentreport')}@example.com`, subject: `Help with ${category}`, message: 'Something went wrong with my account and my money.', category });
  expect(res.status).toBe(201);
  return res.body.caseId as string;
}

describe('per-agent report', () => {
  it("shows two agents' replies, resolutions and reopens per agent and category in the weekly report", async () => {
    await awayFromWeekEnd();
    const lead = { authorization: `Bearer ${await token('lead')}` };
    // Dev tokens for `agent` + user carry sub `local-agent-<user>`: that is the agent id the records use.
    const [ann, bob] = [unique('ann'), unique('bob')];
    const names = { [ann]: `Ann ${ann.slice(-6)}`, [bob]: `Bob ${bob.slice(-6)}` };
    for (const user of [ann, bob]) {
      // Capacity 0: the shift assignment gives them nothing of the shared cloud's other cases.
      const put = await request('PUT', `/agents/local-agent-${user}`, {
        body: JSON.stringify({ name: names[user], role: 'agent', capacity: 0 }),
        headers: { 'content-type': 'application/json', ...lead },
      });
      expect(put.status).toBe(200);
    }

    const [refundA, payoutA, refundB] = [await openCase('refund'), await openCase('payout'), await openCase('refund')];
    await settle();
    await act(ann, refundA, { type: 'reply', message: 'We are looking into your refund.' });
    await act(ann, refundA, { type: 'resolve', outcome: 'resolved', summary: 'Refunded.' });
    await act(ann, payoutA, { type: 'request-info', message: 'Which payout date?' });
    await act(ann, payoutA, { type: 'resolve', outcome: 'resolved' });
    await act(bob, refundB, { type: 'reply', message: 'Checking the charge.' });
    await act(bob, refundB, { type: 'resolve', outcome: 'resolved' });
    // Bob reopens Ann's resolution: the reopen counts against Ann, who resolved it.
    await act(bob, refundA, { type: 'reopen', reason: 'The refund did not go through.' });
    await settle();

    const res = await request<CurrentReport>('GET', '/reports/current?cadence=weekly', { headers: lead });
    expect(res.status).toBe(200);
    const rowOf = (user: string) => res.body.agents.find((a) => a.agentId === `local-agent-${user}`);
    const annRow = rowOf(ann);
    const bobRow = rowOf(bob);
    expect(annRow).toMatchObject({ name: names[ann], handled: 2, firstResponses: 2, firstResponseSla: 100, resolutionSla: 100, reopened: 1, reopenRate: 50 });
    expect(annRow?.medianFirstResponse?.atLeast).toBe(false);
    expect(annRow?.byCategory.map((c) => [c.id, c.handled, c.reopened]).sort()).toEqual([
      ['payout', 1, 0],
      ['refund', 1, 1],
    ]);
    expect(bobRow).toMatchObject({ name: names[bob], handled: 1, firstResponses: 1, reopened: 0, reopenRate: 0 });
    expect(bobRow?.byCategory.map((c) => c.id)).toEqual(['refund']);
    // Requesters never appear in the per-agent rows.
    expect(JSON.stringify([annRow, bobRow])).not.toMatch(/@example\.com|agentreport-/);

    // Settling again (nothing new) changes nothing: each event was counted once.
    await settle();
    const again = await request<CurrentReport>('GET', '/reports/current?cadence=weekly', { headers: lead });
    expect(again.body.agents.find((a) => a.agentId === `local-agent-${ann}`)).toEqual(annRow);
  }, 120_000);
});
