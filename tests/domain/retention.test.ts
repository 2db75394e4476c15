// Retention and erasure in the domain: which cases retention erases, what the skeleton keeps (so reports and
// audits stand), what of the timeline is erased, which objects go; the legal hold actions that block both.
import { describe, expect, it } from 'vitest';
import type { CaseEvent, CaseRecord } from '#domain/case.ts';
import { applyAgentAction, applyRequesterReply, TransitionError } from '#domain/lifecycle.ts';
import { ERASED, eraseCase, mayErase, retentionCutoff, retentionDue } from '#domain/retention.ts';
import { fourEyes } from '#lib/governance-config.ts';
import { policies } from '#lib/policies.ts';
import { DAY, HOUR, at, caseAt, deepFreeze } from '../functions/lifecycle-fakes.ts';

const sla = policies.sla;
const risk = { kind: 'agent', id: 'risk-1', role: 'risk' } as const;
const agent = { kind: 'agent', id: 'agent-7', role: 'agent' } as const;
const policy = { closedCaseRetentionDays: 365 };
const PREFIX = 'inbound/';

const attachment = { filename: 'statement.csv', contentType: 'text/csv', size: 20, sha256: 'a'.repeat(64), key: 'attachments/ses-1/1-statement.csv' };
function personalCase(): { record: CaseRecord; timeline: CaseEvent[] } {
  const opened = caseAt('P3', {
    requester: { email: 'erin@example.com', name: 'Erin', userId: 'acct-9' },
    subject: 'Charge I did not make',
    message: 'Card ending 4242 was charged 49.99.',
    amount: 49.99,
    currency: 'USD',
    transactionId: 'tx-1',
    attachments: [attachment],
    riskFactors: [{ code: 'amount', points: 10, detail: 'amount 49.99 USD' }],
    matchedKeywords: ['charge'],
  });
  const openedEvent: CaseEvent = { caseId: opened.caseId, version: 1, type: 'case.opened', at: opened.openedAt, actor: { kind: 'requester', email: 'erin@example.com' }, data: { channel: 'email', category: opened.category, repeatCount: 0, attachments: 1 } };
  const replied = applyAgentAction(opened, { type: 'reply', message: 'We see the charge of 49.99.' }, agent, at(HOUR), sla, fourEyes);
  const resolved = applyAgentAction(replied.record, { type: 'resolve', outcome: 'resolved', summary: 'Refunded Erin.' }, agent, at(2 * HOUR), sla, fourEyes);
  const reply = applyRequesterReply(resolved.record, { email: 'erin@example.com', subject: 'Re: thanks', message: 'Thanks!', attachments: [] }, at(3 * HOUR), sla, fourEyes);
  return { record: reply.record, timeline: [openedEvent, replied.event, resolved.event, reply.event] };
}

describe('which cases retention erases', () => {
  const closedAt = at(0).toISOString();
  const closed = (overrides: Partial<CaseRecord> = {}) => caseAt('P3', { status: 'closed', closedAt, ...overrides });
  it('a closed case once its retention days have passed, not a day before', () => {
    expect(retentionDue(closed(), at(365 * DAY), policy)).toBe(true);
    expect(retentionDue(closed(), at(364 * DAY), policy)).toBe(false);
    expect(retentionCutoff(at(366 * DAY), policy)).toBe(at(DAY).toISOString());
  });
  it('never an open case, a held case or one erased already', () => {
    expect(retentionDue(caseAt('P3', { status: 'resolved', resolvedAt: closedAt }), at(400 * DAY), policy)).toBe(false);
    expect(retentionDue(closed({ legalHold: { since: closedAt, by: 'risk-1', reason: 'police' } }), at(400 * DAY), policy)).toBe(false);
    expect(retentionDue(closed({ erased: { at: closedAt, reason: 'request', erasureId: 'e1' } }), at(400 * DAY), policy)).toBe(false);
  });
});

describe('erasing a case', () => {
  const { record, timeline } = personalCase();
  const erasure = eraseCase(deepFreeze(structuredClone(record)), deepFreeze(structuredClone(timeline)), { now: at(DAY), actor: risk, reason: 'request', erasureId: 'erasure-1', inboundPrefix: PREFIX });

  it('keeps the skeleton: ids, reference, category, priority, status, timestamps, outcome, deadlines and SLA', () => {
    const kept = ['caseId', 'reference', 'category', 'priority', 'status', 'channel', 'openedAt', 'resolvedAt', 'outcome', 'deadlines', 'sla', 'riskScore', 'lifecycleVersion', 'firstRespondedAt'] as const;
    for (const k of kept) expect(erasure.record[k], k).toEqual(record[k]);
    expect(erasure.record).toMatchObject({ version: record.version + 1, requester: { email: '' }, subject: ERASED, message: ERASED, attachments: [], matchedKeywords: [], erased: { reason: 'request', erasureId: 'erasure-1', at: at(DAY).toISOString() } });
    for (const k of ['amount', 'currency', 'transactionId', 'fullMessage'] as const) expect(erasure.record[k], k).toBeUndefined();
    expect(erasure.record.riskFactors).toEqual([{ code: 'amount', points: 10, detail: ERASED }]);
  });

  it("audits what was erased by counts only, and nothing of the person's is left in the case or its timeline", () => {
    expect(erasure.event).toEqual({ caseId: record.caseId, version: record.version + 1, type: 'personal-data.erased', at: at(DAY).toISOString(), actor: risk, data: { erasureId: 'erasure-1', reason: 'request', erased: { caseFields: 9, events: 4, attachments: 1 } } });
    const left = JSON.stringify([erasure.record, erasure.event, erasure.redactedEvents]);
    for (const value of ['erin@example.com', 'Erin', 'acct-9', '49.99', 'Thanks', 'Refunded', 'statement.csv', 'tx-1']) expect(left, value).not.toContain(value);
  });

  it('keeps the evidence’s findings by code and points, and loses the account, the transactions and the explanations', () => {
    const evidence: CaseRecord['evidence'] = {
      gatheredAt: at(HOUR).toISOString(),
      userId: 'acct-9',
      transactionIds: ['tx_erin_1'],
      findings: [{ code: 'chargeback_open', points: 30, explanation: 'Chargeback tx_erin_2 of 49.99 USD', transactionIds: ['tx_erin_2'], respondBy: at(20 * DAY).toISOString() }],
      resolveBy: at(18 * DAY).toISOString(),
      linkedAccounts: 2,
    };
    const withEvidence = eraseCase({ ...record, evidence }, timeline, { now: at(DAY), actor: risk, reason: 'request', erasureId: 'erasure-2', inboundPrefix: PREFIX });
    expect(withEvidence.record.evidence).toEqual({ gatheredAt: evidence.gatheredAt, transactionIds: [], findings: [{ code: 'chargeback_open', points: 30, explanation: ERASED, transactionIds: [], respondBy: at(20 * DAY).toISOString() }], resolveBy: evidence.resolveBy, linkedAccounts: 2 });
    expect(withEvidence.counts.caseFields).toBe(erasure.counts.caseFields + 1);
    expect(JSON.stringify(withEvidence.record)).not.toMatch(/acct-9|tx_erin|49\.99/);
  });

  it('keeps what the reports count in the events: types, outcomes, first responses, reopenings, counts', () => {
    expect(erasure.redactedEvents.map((e) => [e.type, e.version])).toEqual(timeline.map((e) => [e.type, e.version]));
    expect(erasure.redactedEvents[0]).toMatchObject({ actor: { kind: 'requester', email: '' }, data: { channel: 'email', repeatCount: 0, attachments: 1 } });
    expect(erasure.redactedEvents[1]!.data).toEqual({ message: ERASED, firstResponse: true });
    expect(erasure.redactedEvents[2]!.data).toEqual({ outcome: 'resolved', summary: ERASED, resolution: 1 });
    expect(erasure.redactedEvents[3]!.data).toMatchObject({ subject: ERASED, message: ERASED, attachments: 0, reopened: true, from: 'resolved' });
  });

  it("deletes the attachments and the raw mail they came in", () => {
    expect(erasure.blobKeys).toEqual(['attachments/ses-1/1-statement.csv', 'inbound/ses-1']);
  });

  it('refuses a held or erased case, and an erased case takes no email', () => {
    expect(mayErase(erasure.record)).toBe(false);
    expect(() => eraseCase(erasure.record, [], { now: at(DAY), actor: risk, reason: 'request', erasureId: 'e2', inboundPrefix: PREFIX })).toThrow(/may not be erased/);
    expect(() => applyAgentAction(erasure.record, { type: 'reply', message: 'Hello?' }, agent, at(2 * DAY), sla, fourEyes)).toThrow(TransitionError);
    expect(() => applyAgentAction(erasure.record, { type: 'request-info', message: 'Hello?' }, agent, at(2 * DAY), sla, fourEyes)).toThrow(/erased/);
  });
});

describe('legal hold', () => {
  it('is placed and released by the risk team, with its reason, changing nothing else', () => {
    const open = caseAt('P3');
    const held = applyAgentAction(open, { type: 'legal-hold', reason: 'police request 118' }, risk, at(HOUR), sla, fourEyes);
    expect(held.record.legalHold).toEqual({ since: at(HOUR).toISOString(), by: 'risk-1', reason: 'police request 118' });
    expect(held.record).toMatchObject({ status: open.status, lifecycleVersion: open.lifecycleVersion });
    expect(held.event).toMatchObject({ type: 'legal-hold.placed', data: { reason: 'police request 118' } });
    expect(mayErase(held.record)).toBe(false);
    expect(() => applyAgentAction(held.record, { type: 'legal-hold', reason: 'again' }, risk, at(2 * HOUR), sla, fourEyes)).toThrow(TransitionError);
    const released = applyAgentAction(held.record, { type: 'release-hold' }, risk, at(2 * HOUR), sla, fourEyes);
    expect(released.record.legalHold).toBeUndefined();
    expect(released.event).toMatchObject({ type: 'legal-hold.released', data: { since: at(HOUR).toISOString() } });
    expect(() => applyAgentAction(released.record, { type: 'release-hold' }, risk, at(3 * HOUR), sla, fourEyes)).toThrow(/not under legal hold/);
  });
});
