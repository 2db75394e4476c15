// Canned replies on the local cloud over HTTP: leads save macros (an unknown placeholder refused by name,
// edits version-checked), the picker previews one on a case with fitting macros first, and applying it is
// one audited event and one email to the requester, personalised, every value escaped in its HTML.
import { describe, expect, it } from 'vitest';
import { actAs, mailbox, postInquiry, request, settle, token, unique } from './support.ts';

type Fields = { fields: { field: string; message: string }[] };
interface MacroReply {
  macroId: string;
  version: number;
  name: string;
}

async function asRole<T = Record<string, unknown>>(role: 'agent' | 'lead' | 'risk', method: string, path: string, body?: unknown) {
  return request<T>(method, path, {
    ...(body !== undefined && { body: JSON.stringify(body) }),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await token(role)}` },
  });
}

describe('macros, on the local cloud', () => {
  it('leads save macros; an unknown placeholder is refused naming it; edits check the version; agents only read', async () => {
    const bad = await asRole<Fields>('lead', 'POST', '/macros', { name: 'Bad', body: 'Hi {{requester.phone}}' });
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toEqual([expect.objectContaining({ field: 'body', message: expect.stringContaining('{{requester.phone}}') })]);
    expect((await asRole('agent', 'POST', '/macros', { name: 'x', body: 'y' })).status).toBe(403);

    const created = await asRole<MacroReply>('lead', 'POST', '/macros', { name: unique('Thanks'), body: 'Thanks {{requester.name}}' });
    expect(created.status).toBe(201);
    expect(created.body.version).toBe(1);
    const path = `/macros/${created.body.macroId}`;
    const edited = await asRole<MacroReply>('lead', 'PUT', path, { name: created.body.name, body: 'Thank you {{requester.name}}', expectedVersion: 1 });
    expect(edited.status).toBe(200);
    expect(edited.body.version).toBe(2);
    expect((await asRole('lead', 'PUT', path, { name: 'stale', body: 'x', expectedVersion: 1 })).status).toBe(409);
    const listed = await asRole<{ items: MacroReply[] }>('agent', 'GET', '/macros');
    expect(listed.body.items.find((m) => m.macroId === created.body.macroId)?.version).toBe(2);
    expect((await asRole('agent', 'DELETE', path)).status).toBe(403);
    expect((await asRole('lead', 'DELETE', path)).status).toBe(200);
    expect((await asRole('lead', 'DELETE', path)).status).toBe(404);
  });

  it('applies a macro: one event, one personalised email with every value escaped, the fields it sets', async () => {
    const email = `${unique('macro')}@example.com`;
    const opened = await postInquiry({ email, name: 'Ana <script>x</script>', subject: 'Coins missing', message: 'My coins did not arrive.', category: 'gifts_coins', amount: 12.5, currency: 'USD' });
    expect(opened.status).toBe(201);
    const caseId = opened.body.caseId as string;
    const reference = opened.body.reference as string;
    const fitting = await asRole<MacroReply>('lead', 'POST', '/macros', {
      name: unique('Coins refunded'),
      body: 'Dear {{requester.name}}, we refunded {{case.amount}} on {{case.reference}} & more. {{agent.name}}',
      fallbacks: { 'agent.name': 'Your support team' },
      changes: { status: 'resolve', outcome: 'resolved', assignee: 'agent-macro' },
      categories: ['gifts_coins'],
    });
    expect(fitting.status).toBe(201);
    await settle();

    const picker = await asRole<{ items: { macroId: string; fits: boolean; preview: { text: string; html: string } }[] }>('agent', 'GET', `/cases/${caseId}/macros`);
    expect(picker.status).toBe(200);
    expect(picker.body.items[0]?.fits).toBe(true);
    const preview = picker.body.items.find((m) => m.macroId === fitting.body.macroId)!;
    expect(preview.preview.text).toBe(`Dear Ana <script>x</script>, we refunded 12.50 USD on ${reference} & more. Your support team`);
    expect(preview.preview.html).toContain('Ana &lt;script&gt;x&lt;/script&gt;');
    expect(preview.preview.html).not.toContain('<script>');

    const before = (await asRole<{ case: { version: number }; timeline: unknown[] }>('agent', 'GET', `/cases/${caseId}`)).body;
    const stale = await actAs('agent', caseId, { type: 'apply-macro', macroId: fitting.body.macroId, expectedVersion: before.case.version + 5 });
    expect(stale.status).toBe(409);
    const applied = await actAs<{ case: { status: string; assignee: string; version: number }; event: { type: string; data: Record<string, unknown> } }>('agent', caseId, {
      type: 'apply-macro',
      macroId: fitting.body.macroId,
      expectedVersion: before.case.version,
    });
    expect(applied.status).toBe(200);
    expect(applied.body.case).toMatchObject({ status: 'resolved', assignee: 'agent-macro', version: before.case.version + 1 });
    expect(applied.body.event.type).toBe('case.resolved');
    expect(applied.body.event.data.macro).toMatchObject({ macroId: fitting.body.macroId });
    await settle();

    const after = (await asRole<{ timeline: { type: string }[] }>('agent', 'GET', `/cases/${caseId}`)).body;
    expect(after.timeline.length).toBe(before.timeline.length + 1);
    const sent = (await mailbox()).filter((m) => m.destination.to.includes(email) && m.subject.includes('Resolved'));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body.text).toContain(`we refunded 12.50 USD on ${reference} & more.`);
    expect(sent[0]!.body.html).toContain('Ana &lt;script&gt;x&lt;/script&gt;');
    expect(sent[0]!.body.html).toContain('&amp; more');
    expect(sent[0]!.body.html).not.toContain('<script>');
  });

  it('names a bad macro id and refuses a priority change by an agent (403), changing nothing', async () => {
    const opened = await postInquiry({ email: `${unique('macro-p')}@example.com`, subject: 'Payout late', message: 'Where is my payout?' });
    const caseId = opened.body.caseId as string;
    const urgent = await asRole<MacroReply>('lead', 'POST', '/macros', { name: unique('Urgent'), body: 'On it.', changes: { priority: 'P1' } });
    await settle();
    const { version } = (await asRole<{ case: { version: number } }>('agent', 'GET', `/cases/${caseId}`)).body.case;
    const badId = await actAs<Fields>('agent', caseId, { type: 'apply-macro', macroId: 'nope', expectedVersion: version });
    expect(badId.status).toBe(400);
    expect(badId.body.fields.map((f) => f.field)).toEqual(['macroId']);
    expect((await actAs('agent', caseId, { type: 'apply-macro', macroId: urgent.body.macroId, expectedVersion: version })).status).toBe(403);
    expect((await asRole<{ case: { version: number } }>('agent', 'GET', `/cases/${caseId}`)).body.case.version).toBe(version);
  });
});
