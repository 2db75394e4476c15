// The merge action through the agent API's use case: the target found by id or reference, both versions
// checked (a 409 names the case that changed), both changes in one all-or-nothing write; the one email it
// sends; and mail threaded to the duplicate landing on the target.
import MailComposer from 'nodemailer/lib/mail-composer';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CaseRecord } from '#domain/case.ts';
import { SesReceiptRecordSchema } from '#events/ses.ts';
import { type AppError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '#lib/errors.ts';
import { fourEyes } from '#lib/governance-config.ts';
import type { Agent } from '#lib/http.ts';
import { policies } from '#lib/policies.ts';
import { teamsPolicy } from '#lib/teams-config.ts';
import { actOnCase, type ActDeps } from '#lib/use-cases/act-on-case.ts';
import { caseThatCarriesOn, type Merged } from '#lib/use-cases/merge-case.ts';
import { emailFor } from '#lib/use-cases/notify.ts';
import { receiveEmail } from '#lib/use-cases/receive-email.ts';
import { FakeMailer, FixedClock, InMemoryBlobStore, InMemoryCaseStore, InMemoryMacroStore, sesRecord, submitDeps } from '../fakes.ts';
import { consultState, onConsultTimer } from '#domain/consult.ts';
import { onCaseChanged } from '#lib/use-cases/workflows.ts';
import { FakeAlarmClock, FakeEngine, HOUR, OPENED, at, caseAt } from '../lifecycle-fakes.ts';

const NOW = at(HOUR);
const DUP = '00000000-0000-4000-8000-0000000000d1';
const TARGET = '00000000-0000-4000-8000-0000000000e1';
const agent: Agent = { id: 'agent-7', roles: ['agent'] };

let store: InMemoryCaseStore;
let deps: ActDeps;

function put(record: CaseRecord) {
  store.cases.set(record.caseId, record);
  store.references.set(record.reference, record.caseId);
  store.events.set(record.caseId, []);
}

beforeEach(() => {
  store = new InMemoryCaseStore();
  deps = { store, clock: new FixedClock(NOW), sla: policies.sla, fourEyes, teams: teamsPolicy, macros: new InMemoryMacroStore(), agents: { getAgent: async () => undefined } };
  put(caseAt('P3', { caseId: DUP, reference: 'TD-DDDDD1', subject: 'Coins again' }));
  put(caseAt('P2', { caseId: TARGET, reference: 'TD-EEEEE1', version: 3, lifecycleVersion: 2 }));
});

const merge = (into: string, versions: { expected?: number; into?: number } = {}, who: Agent = agent) =>
  actOnCase(deps, { caseId: DUP, agent: who, action: { type: 'merge', intoCaseId: into, intoExpectedVersion: versions.into ?? 3 }, expectedVersion: versions.expected ?? 1 }) as Promise<Merged>;

async function refusal(promise: Promise<unknown>, type: new (...args: never[]) => AppError): Promise<AppError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(type);
  return error as AppError;
}

function expectNothingSaved(before: Map<string, CaseRecord>) {
  expect(store.cases).toEqual(before);
  expect(store.events.get(DUP)).toEqual([]);
  expect(store.events.get(TARGET)).toEqual([]);
}

describe('merge through actOnCase', () => {
  it.each([['its reference', 'TD-EEEEE1'], ['its case id', TARGET]])('merges into the target named by %s, saving both cases and both events', async (_what, into) => {
    const target = store.cases.get(TARGET)!;
    const result = await merge(into);
    expect(result.case).toMatchObject({ caseId: DUP, version: 2, status: 'closed', outcome: 'duplicate', mergedInto: { caseId: TARGET, reference: 'TD-EEEEE1' } });
    expect(result.event).toMatchObject({ type: 'case.merged', data: { intoCaseId: TARGET, intoReference: 'TD-EEEEE1' }, actor: { kind: 'agent', id: 'agent-7', role: 'agent' } });
    expect(result.into.case).toMatchObject({ caseId: TARGET, version: 4, status: target.status, deadlines: target.deadlines, sla: target.sla, lifecycleVersion: 2, mergedFrom: [{ caseId: DUP, reference: 'TD-DDDDD1' }] });
    expect(result.into.event).toMatchObject({ type: 'case.merged-in', version: 4, data: { fromCaseId: DUP, fromReference: 'TD-DDDDD1' } });
    expect(store.cases.get(DUP)).toEqual(result.case);
    expect(store.cases.get(TARGET)).toEqual(result.into.case);
    expect(store.events.get(DUP)).toEqual([result.event]);
    expect(store.events.get(TARGET)).toEqual([result.into.event]);
  });

  it('is a 409 naming the duplicate when it changed since expectedVersion, and writes nothing', async () => {
    const before = structuredClone(store.cases);
    const error = await refusal(merge('TD-EEEEE1', { expected: 2 }), ConflictError);
    expect(error.message).toBe('Someone else changed this case (it is at version 1); reload it and try again');
    expectNothingSaved(before);
  });

  it('is a 409 naming the target when it changed since intoExpectedVersion, and writes nothing', async () => {
    const before = structuredClone(store.cases);
    const error = await refusal(merge('TD-EEEEE1', { into: 2 }), ConflictError);
    expect(error.message).toBe('Someone else changed TD-EEEEE1 (it is at version 3); reload it and try again');
    expectNothingSaved(before);
  });

  it('is a 409 naming the target when it moves between the read and the write, and writes neither case', async () => {
    store.beforeWrite = () => {
      const t = store.cases.get(TARGET)!;
      store.cases.set(TARGET, { ...t, version: t.version + 1 });
      store.beforeWrite = undefined;
    };
    const error = await refusal(merge('TD-EEEEE1'), ConflictError);
    expect(error.message).toBe('Someone else changed TD-EEEEE1 (it is at version 4); reload it and try again');
    expect(store.cases.get(DUP)!.version).toBe(1);
    expect(store.events.get(DUP)).toEqual([]);
  });

  it('is a 409 with the reason when the target is closed, and writes nothing', async () => {
    store.cases.set(TARGET, { ...store.cases.get(TARGET)!, status: 'closed' });
    const before = structuredClone(store.cases);
    const error = await refusal(merge('TD-EEEEE1'), ConflictError);
    expect(error.message).toBe('TD-EEEEE1 is closed; reopen it or merge into an open case');
    expectNothingSaved(before);
  });

  it('is a 409 when merging a case into itself', async () => {
    const error = await refusal(merge('TD-DDDDD1', { into: 1 }), ConflictError);
    expect(error.message).toBe('A case cannot be merged into itself');
  });

  it('is a 409 the second time: the duplicate was merged already', async () => {
    await merge('TD-EEEEE1');
    const error = await refusal(merge('TD-EEEEE1', { expected: 2, into: 4 }), ConflictError);
    expect(error.message).toBe('This case was merged into TD-EEEEE1 already');
  });

  it('is a 400 naming intoCaseId for a target that does not exist', async () => {
    const error = await refusal(merge('TD-ZZZZZ9'), ValidationError);
    expect(error.fields).toEqual([{ field: 'intoCaseId', message: 'must be the id or the reference (TD-…) of an existing case' }]);
    const byId = await refusal(merge('00000000-0000-4000-8000-0000000000f9'), ValidationError);
    expect(byId.fields?.[0]?.field).toBe('intoCaseId');
  });

  it('is a 404 for an unknown duplicate, and a 403 for a role with no agent rights', async () => {
    await refusal(actOnCase(deps, { caseId: '00000000-0000-4000-8000-0000000000f9', agent, action: { type: 'merge', intoCaseId: TARGET, intoExpectedVersion: 3 }, expectedVersion: 1 }), NotFoundError);
    await refusal(merge('TD-EEEEE1', {}, { id: 'x', roles: ['internal'] }), ForbiddenError);
  });
});

describe('the email of a merge', () => {
  it('tells the duplicate’s requester, once, that the request continues under the target’s reference', async () => {
    const result = await merge('TD-EEEEE1');
    const email = emailFor(result.event, store.cases.get(DUP)!, { replyTo: 'support@trustdesk.local', warningsAddress: 'w@x', approversAddress: 'a@x', consoleUrl: 'http://c', teams: teamsPolicy });
    expect(email).toMatchObject({ to: 'alice@example.com', replyTo: 'support@trustdesk.local', subject: '[TD-EEEEE1] Your request continues as TD-EEEEE1: Coins again' });
    expect(email?.text).toContain('(TD-DDDDD1) is about the same matter as case TD-EEEEE1');
    expect(emailFor(result.into.event, store.cases.get(TARGET)!, { replyTo: 'r', warningsAddress: 'w', approversAddress: 'a', consoleUrl: 'c', teams: teamsPolicy })).toBeUndefined();
  });
});

describe('mail to a merged case', () => {
  it('follows the merge pointers to the case that carries on (bounded), and stops at a missing case', async () => {
    const link = (caseId: string, reference: string) => ({ caseId, reference, at: OPENED.toISOString() });
    store.cases.set(DUP, { ...store.cases.get(DUP)!, mergedInto: link(TARGET, 'TD-EEEEE1') });
    await expect(caseThatCarriesOn(store, DUP)).resolves.toBe(TARGET);
    await expect(caseThatCarriesOn(store, TARGET)).resolves.toBe(TARGET);
    store.cases.set(TARGET, { ...store.cases.get(TARGET)!, mergedInto: link('00000000-0000-4000-8000-0000000000f9', 'TD-GONE01') });
    await expect(caseThatCarriesOn(store, DUP)).resolves.toBe(TARGET);
    // A ring (never made by merges, which refuse merged targets) ends after MAX_MERGE_HOPS.
    store.cases.set(TARGET, { ...store.cases.get(TARGET)!, mergedInto: link(DUP, 'TD-DDDDD1') });
    await expect(caseThatCarriesOn(store, DUP)).resolves.toBe(TARGET);
  });

  it('threads a reply to the duplicate (by its reference, and by Message-ID) onto the target', async () => {
    const blobs = new InMemoryBlobStore();
    const clock = new FixedClock(NOW);
    const receive = { ...submitDeps(store, clock), blobs, mailPrefix: 'inbound/', teams: teamsPolicy, mailer: new FakeMailer(), fourEyes };
    store.messageIds.set('first@mail.example.com', DUP);
    await merge('TD-EEEEE1');
    const arrive = async (id: string, options: ConstructorParameters<typeof MailComposer>[0]) => {
      const raw = await new MailComposer({ to: 'support@trustdesk.local', date: NOW, from: 'alice@example.com', ...options }).compile().build();
      await blobs.put(`inbound/${id}`, raw, 'message/rfc822');
      return receiveEmail(receive, SesReceiptRecordSchema.parse(sesRecord(id)));
    };
    await expect(arrive('ses-r1', { subject: 'Re: [TD-DDDDD1] We received your request', text: 'Any news?' })).resolves.toMatchObject({ outcome: 'threaded', caseId: TARGET });
    await expect(arrive('ses-r2', { subject: 'more', text: 'Still waiting.', inReplyTo: '<first@mail.example.com>' })).resolves.toMatchObject({ outcome: 'threaded', caseId: TARGET });
    expect(store.events.get(TARGET)!.map((e) => e.type)).toEqual(['case.merged-in', 'requester.replied', 'requester.replied']);
    expect(store.events.get(DUP)!.map((e) => e.type)).toEqual(['case.merged']);
    expect(store.cases.get(DUP)!.status).toBe('closed');
  });
});

describe('the duplicate’s workflows', () => {
  it('end: the lifecycle is resumed to finish, and every open consult’s clock ends without a reminder', async () => {
    const consult = { id: `${DUP}-consult-1`, team: 'payments', question: 'Did it leave?', blocking: false, token: 't'.repeat(24), askedBy: 'agent-7', askedAt: OPENED.toISOString(), remindAt: at(2 * HOUR).toISOString(), dueAt: at(4 * HOUR).toISOString(), status: 'open' as const, reminded: false, escalated: false };
    store.cases.set(DUP, { ...store.cases.get(DUP)!, consults: [consult], consultCount: 1 });
    const before = structuredClone(store.cases.get(DUP)!);
    const engine = new FakeEngine();
    engine.waiting.add('lifecycle-token').add('consult-token');
    await store.putWorkflowWait(DUP, 'lifecycle', { token: 'lifecycle-token', knownVersion: 1, waitFor: 'agent' });
    await store.putWorkflowWait(DUP, `consult#${consult.id}`, { token: 'consult-token', knownVersion: 0, waitFor: 'consult-reminder' });
    const result = await merge('TD-EEEEE1');
    const after = store.cases.get(DUP)!;
    const done = await onCaseChanged({ store, engine, clock: new FixedClock(NOW), sla: policies.sla, alarms: new FakeAlarmClock() }, before, after);
    expect(done).toEqual(['lifecycle resumed', 'consult resumed']);
    expect(engine.resumes.find((r) => r.token === 'lifecycle-token')?.output).toMatchObject({ status: 'closed' });
    expect(engine.resumes.find((r) => r.token === 'consult-token')?.output).toMatchObject({ phase: 'none' });
    // A timer that fires anyway (a retried step) records nothing on the merged case.
    expect(consultState(after, DUP, consult.id, at(3 * HOUR)).phase).toBe('none');
    expect(onConsultTimer(after, consult.id, at(3 * HOUR))).toBeUndefined();
    // The target's lifecycle is not woken: nothing it waits on moved.
    const target = store.cases.get(TARGET)!;
    expect(await onCaseChanged({ store, engine, clock: new FixedClock(NOW), sla: policies.sla, alarms: new FakeAlarmClock() }, { ...target, version: 3, mergedFrom: undefined }, result.into.case as CaseRecord)).toEqual([]);
  });
});
