// No lost update: agents acting on one case at the same moment, each with the version they saw. Every
// action is either applied or refused with 409; what was applied is exactly what the case and its
// timeline say happened.
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { allItems, mailbox, postInquiry, request, settle, token, unique, type Reply } from '../integration/support.ts';
import { heavy, sized } from './scale.ts';

const ACTIONS = sized(50, 100);

type Role = 'agent' | 'lead' | 'risk';
interface Action {
  role: Role;
  body: Record<string, unknown>;
}
interface Event {
  version: number;
  type: string;
  actor: { kind: string; id?: string };
  data: Record<string, unknown>;
}
interface CaseView {
  case: { caseId: string; version: number; status: string; priority: string; assignee?: string };
  timeline: Event[];
}

const tokens: Partial<Record<Role, string>> = {};
const bearer = async (role: Role) => (tokens[role] ??= await token(role));

async function act(caseId: string, action: Action, expectedVersion: number): Promise<Reply<{ event?: Event; case?: CaseView['case'] }>> {
  return request('POST', `/cases/${caseId}/actions`, {
    body: JSON.stringify({ ...action.body, expectedVersion }),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await bearer(action.role)}` },
  });
}

async function view(caseId: string): Promise<CaseView> {
  const res = await request<CaseView>('GET', `/cases/${caseId}`, { headers: { authorization: `Bearer ${await bearer('agent')}` } });
  expect(res.status).toBe(200);
  return res.body;
}

async function openCase(label: string): Promise<{ caseId: string; email: string }> {
  const email = `${unique(label)}@example.com`;
  const res = await postInquiry({ email, name: 'Sam Rivera', subject: 'Coins not credited', message: 'I bought a coin package yesterday and my balance was not updated.' });
  expect(res.status).toBe(201);
  await settle();
  return { caseId: String(res.body.caseId), email };
}

/** Event items of the case straight from the table (the timeline's source). */
async function storedEvents(caseId: string): Promise<Event[]> {
  return (await allItems())
    .map((item) => unmarshall(item))
    .filter((item) => item.itemType === 'event' && item.caseId === caseId)
    .map((item) => item as unknown as Event)
    .sort((a, b) => a.version - b.version);
}

/** The same agent move made by many people: kinds that all make sense on an open case. */
function conflicting(n: number, run: string): Action[] {
  const kinds: ((i: number) => Action)[] = [
    (i) => ({ role: 'agent', body: { type: 'assign', assignee: `agent-${run}-${i}` } }),
    (i) => ({ role: 'agent', body: { type: 'note', note: `note ${i} of ${run}` } }),
    (i) => ({ role: 'agent', body: { type: 'reply', message: `Reply ${i}: we are looking into your coins.` } }),
    (i) => ({ role: 'lead', body: { type: 'change-priority', priority: i % 2 ? 'P1' : 'P4', reason: `triage ${i}` } }),
    (i) => ({ role: 'agent', body: { type: 'resolve', outcome: 'resolved', summary: `Resolved by ${i}.` } }),
    (i) => ({ role: 'agent', body: { type: 'request-info', message: `Question ${i}: which package did you buy?` } }),
  ];
  return Array.from({ length: n }, (_, i) => kinds[i % kinds.length]!(i));
}

/** Kinds that stay valid whatever order they land in, so every one can be applied in turn. */
function sequenceable(n: number, run: string): Action[] {
  const kinds: ((i: number) => Action)[] = [
    (i) => ({ role: 'agent', body: { type: 'note', note: `note ${i} of ${run}` } }),
    (i) => ({ role: 'agent', body: { type: 'assign', assignee: `agent-${run}-${i}` } }),
    (i) => ({ role: 'risk', body: { type: 'reply', message: `Reply ${i}: still on it.` } }),
    (i) => ({ role: 'lead', body: { type: 'note', note: `lead note ${i} of ${run}` } }),
  ];
  return Array.from({ length: n }, (_, i) => kinds[i % kinds.length]!(i));
}

const agentEvents = (events: Event[], from: number) => events.filter((e) => e.version > from && e.actor.kind === 'agent');

describe(`conflicting agent actions (${heavy ? 'heavy' : 'light'}: ${ACTIONS} at once)`, () => {
  it('applies exactly one of many actions made on the same version and refuses the rest with 409', async () => {
    const { caseId } = await openCase('conflict');
    const before = await view(caseId);
    const actions = conflicting(ACTIONS, unique('r1'));
    await Promise.all((['agent', 'lead'] as const).map(bearer));

    const replies = await Promise.all(actions.map((a) => act(caseId, a, before.case.version)));
    await settle();

    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s !== 200 && s !== 409)).toEqual([]);
    const applied = replies.flatMap((r, i) => (r.status === 200 ? [{ action: actions[i]!, event: r.body.event! }] : []));
    const after = await view(caseId);
    const figures = { actions: ACTIONS, applied: applied.length, refused: statuses.filter((s) => s === 409).length, versionBefore: before.case.version, versionAfter: after.case.version };
    console.log(`conflicting actions, same version: ${JSON.stringify(figures)}`);

    // All of them saw the same version, so one and only one can have been applied.
    expect(applied).toHaveLength(1);
    const [winner] = applied;
    expect(after.case.version).toBe(before.case.version + 1);
    expect(winner!.event).toMatchObject({ version: before.case.version + 1 });
    expect(after.timeline.map((e) => e.version)).toEqual(range(1, after.case.version));
    expect(agentEvents(after.timeline, before.case.version)).toEqual([winner!.event]);
    expect(await storedEvents(caseId)).toEqual(after.timeline.map((e) => expect.objectContaining({ version: e.version, type: e.type })));
    // Each refusal says why, and names the version to reload.
    for (const r of replies.filter((x) => x.status === 409)) expect(JSON.stringify(r.body)).toMatch(/changed this case/);
  });

  it('applies every action once when each retries on 409 with the version it reloads', async () => {
    const { caseId, email } = await openCase('retry');
    const before = await view(caseId);
    const actions = sequenceable(ACTIONS, unique('r2'));
    await Promise.all((['agent', 'lead', 'risk'] as const).map(bearer));

    let conflicts = 0;
    const others: number[] = [];
    const applied = await Promise.all(
      actions.map(async (action) => {
        let version = before.case.version;
        for (let attempt = 1; ; attempt++) {
          const res = await act(caseId, action, version);
          if (res.status === 200) return res.body.event!;
          if (res.status !== 409 || attempt > 10 * ACTIONS) {
            others.push(res.status);
            throw new Error(`${JSON.stringify(action.body)}: ${res.status} ${JSON.stringify(res.body)} after ${attempt} attempt(s)`);
          }
          conflicts++;
          version = (await view(caseId)).case.version;
        }
      }),
    );
    await settle();

    const after = await view(caseId);
    console.log(`conflicting actions, retried: ${JSON.stringify({ actions: ACTIONS, applied: applied.length, conflicts, otherStatuses: others.length, versionBefore: before.case.version, versionAfter: after.case.version })}`);
    expect(others).toEqual([]);
    // One version per action: no lost update, no phantom, in the order they were applied.
    expect(after.case.version).toBe(before.case.version + ACTIONS);
    expect(applied.map((e) => e.version).sort((a, b) => a - b)).toEqual(range(before.case.version + 1, after.case.version));
    const byVersion = [...applied].sort((a, b) => a.version - b.version);
    expect(agentEvents(after.timeline, before.case.version)).toEqual(byVersion);
    expect(after.timeline.map((e) => e.version)).toEqual(range(1, after.case.version));
    expect(await storedEvents(caseId)).toEqual(after.timeline.map((e) => expect.objectContaining({ version: e.version, type: e.type })));
    // The case ends as the last applied assignment left it.
    const lastAssign = byVersion.filter((e) => e.type === 'case.assigned').at(-1);
    expect(after.case.assignee).toBe(lastAssign?.data.assignee);
    // One email per applied reply, whatever the contention.
    const replies = applied.filter((e) => e.type === 'agent.replied').length;
    const mails = (await mailbox()).filter((m) => m.destination.to.includes(email) && m.subject.includes('Re:'));
    expect(mails).toHaveLength(replies);
  });
});

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
