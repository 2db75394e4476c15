// Merging a duplicate on the local cloud (issue 13 point 3): the duplicate closes with a pointer and its
// workflows end, the target keeps its clock and shows the duplicate's messages, the requester gets one email,
// and the requester's later replies to the duplicate's thread — by its reference or by Message-ID, over SMTP —
// land on the target. Every assertion is scoped to the cases this file opens (the cloud is shared).
import { describe, expect, it } from 'vitest';
import { actAs, asAgent, executions, mailbox, postInquiry, sendMail, settle, unique } from './support.ts';

interface Shown {
  caseId: string;
  reference: string;
  status: string;
  outcome?: string;
  version: number;
  deadlines: Record<string, string>;
  sla: Record<string, boolean>;
  attachments: { filename: string }[];
  escalation?: { id: string; status: string };
  mergedInto?: { caseId: string; reference: string };
  mergedFrom?: { caseId: string; reference: string }[];
}
interface CaseView {
  case: Shown;
  timeline: { type: string; version: number; data: Record<string, unknown> }[];
}

const read = async (caseId: string) => (await asAgent<CaseView>(`/cases/${caseId}`)).body;

/** The ids of the cases of a requester, by the exact-key search (the queue is shared with other files). */
async function casesOf(email: string): Promise<string[]> {
  const found = await asAgent<{ items: { caseId: string }[] }>(`/cases?q=${encodeURIComponent(email)}`);
  return found.body.items.map((c) => c.caseId);
}

describe('merge a duplicate into another case', () => {
  it('closes the duplicate into the target, emails the requester once, and threads later replies to the target', async () => {
    const requester = `${unique('merge')}@example.com`;
    const firstId = `<${unique('dup-first')}@example.com>`;
    // The target: a web inquiry. The duplicate: the same matter again by email, with a receipt, escalated.
    const web = await postInquiry({ email: requester, name: 'Robin', subject: 'Gift to a streamer vanished', message: 'I sent a 1000 coin gift and it never appeared on stream.' });
    expect(web.status).toBe(201);
    const targetId = web.body.caseId as string;
    await sendMail({
      from: `Robin <${requester}>`,
      subject: 'Gift missing (again)',
      text: 'Writing again about the missing 1000 coin gift.',
      messageId: firstId,
      attachments: [{ filename: 'gift-receipt.txt', content: 'gift g-1000', contentType: 'text/plain' }],
    });
    await settle();
    const opened = await casesOf(requester);
    expect(opened).toHaveLength(2);
    const dupId = opened.find((id) => id !== targetId)!;
    const escalated = await actAs<CaseView>('agent', dupId, { type: 'escalate', reason: 'Creator complaint', expectedVersion: (await read(dupId)).case.version });
    expect(escalated.status).toBe(200);
    await settle();

    const dup = await read(dupId);
    const target = await read(targetId);
    const escalationId = dup.case.escalation!.id;
    expect((await executions()).find((e) => e.name === escalationId)?.status).toBe('RUNNING');
    const mailsBefore = (await mailbox()).filter((m) => m.destination.to.includes(requester)).length;

    // A stale view of the target is a 409 naming it; an unknown target a 400 naming intoCaseId: nothing written.
    const stale = await actAs('agent', dupId, { type: 'merge', intoCaseId: target.case.reference, expectedVersion: dup.case.version, intoExpectedVersion: target.case.version + 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.message).toBe(`Someone else changed ${target.case.reference} (it is at version ${target.case.version}); reload it and try again`);
    const unknown = await actAs('agent', dupId, { type: 'merge', intoCaseId: 'TD-ZZZZZZ', expectedVersion: dup.case.version, intoExpectedVersion: 1 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.fields).toEqual([{ field: 'intoCaseId', message: 'must be the id or the reference (TD-…) of an existing case' }]);
    expect((await read(dupId)).case.version).toBe(dup.case.version);

    const merged = await actAs<CaseView & { event: { type: string }; into: { case: Shown } }>('agent', dupId, {
      type: 'merge',
      intoCaseId: target.case.reference.toLowerCase(),
      expectedVersion: dup.case.version,
      intoExpectedVersion: target.case.version,
    });
    expect(merged.status).toBe(200);
    expect(merged.body.event.type).toBe('case.merged');
    await settle();

    // The duplicate: closed as a duplicate, pointing at the target; its lifecycle and its escalation ended.
    const after = await read(dupId);
    expect(after.case).toMatchObject({ status: 'closed', outcome: 'duplicate', mergedInto: { caseId: targetId, reference: target.case.reference }, escalation: { status: 'stood_down' } });
    expect(after.timeline.at(-1)).toMatchObject({ type: 'case.merged', data: { intoCaseId: targetId, intoReference: target.case.reference } });
    const runs = await executions();
    expect(runs.find((e) => e.name === dupId)?.status).toBe('SUCCEEDED');
    expect(runs.find((e) => e.name === escalationId)?.status).toBe('SUCCEEDED');
    expect(runs.find((e) => e.name === targetId)?.status).toBe('RUNNING');

    // The target: same status, deadlines and SLA; the duplicate's messages and attachment on its timeline.
    const grown = await read(targetId);
    expect(grown.case).toMatchObject({ status: target.case.status, deadlines: target.case.deadlines, sla: target.case.sla, mergedFrom: [{ caseId: dupId, reference: dup.case.reference }] });
    expect(grown.case.attachments.map((a) => a.filename)).toEqual(['gift-receipt.txt']);
    const mergedIn = grown.timeline.find((e) => e.type === 'case.merged-in');
    expect(mergedIn?.data).toMatchObject({ fromCaseId: dupId, fromReference: dup.case.reference, messages: [{ from: 'requester', subject: 'Gift missing (again)', message: 'Writing again about the missing 1000 coin gift.' }] });

    // Exactly one email to the requester, under the target's reference.
    const toRequester = (await mailbox()).filter((m) => m.destination.to.includes(requester));
    expect(toRequester).toHaveLength(mailsBefore + 1);
    const notice = toRequester.at(-1)!;
    expect(notice.subject).toBe(`[${target.case.reference}] Your request continues as ${target.case.reference}: Gift missing (again)`);

    // Merging into the merged duplicate is refused with the reason.
    const other = await postInquiry({ email: `${unique('merge-other')}@example.com`, subject: 'Another gift', message: 'Another missing gift.' });
    await settle();
    const intoMerged = await actAs('agent', other.body.caseId as string, { type: 'merge', intoCaseId: dup.case.reference, expectedVersion: 1, intoExpectedVersion: after.case.version });
    expect(intoMerged.status).toBe(409);
    expect(intoMerged.body.message).toBe(`${dup.case.reference} was itself merged into ${target.case.reference}; merge into ${target.case.reference} instead`);

    // Later replies to the duplicate's thread land on the target: by Message-ID (no reference), then by reference.
    await sendMail({ from: requester, subject: 'Re: Gift missing (again)', text: 'Any news on the gift?', inReplyTo: firstId, references: [firstId] });
    await settle();
    await sendMail({ from: requester, subject: `Re: [${dup.case.reference}] We received your request`, text: 'The gift id is g-1000.' });
    await settle();
    const landed = await read(targetId);
    const replies = landed.timeline.filter((e) => e.type === 'requester.replied');
    expect(replies.map((e) => e.data.message)).toEqual(['Any news on the gift?', 'The gift id is g-1000.']);
    const untouched = await read(dupId);
    expect(untouched.case.version).toBe(after.case.version);
    expect(untouched.case.status).toBe('closed');
    // Neither reply opened a new case.
    expect((await casesOf(requester)).sort()).toEqual([dupId, targetId].sort());
  });
});
