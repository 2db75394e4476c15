// Exactly once: every inquiry posted three times at once (a double-clicking user, a retrying client)
// becomes one case, one lifecycle execution and one confirmation email — with an Idempotency-Key
// and without one (the intake then recognises the retry by its content fingerprint).
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { allItems, executions, mailbox, postInquiry, settle, unique, type Reply } from '../integration/support.ts';
import { heavy, sized } from './scale.ts';

const INQUIRIES = sized(100, 1000);
const COPIES = 3;
const IN_FLIGHT = 48;

/** Runs `work` over `items` with at most `limit` in flight; results in input order. */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

interface Inquiry {
  body: { email: string; name: string; subject: string; message: string; amount?: number; currency?: string };
  key?: string;
}

/** Distinct inquiries with unique requesters (the cloud is shared with other test files); every other one keyed. */
function inquiries(run: string, n: number): Inquiry[] {
  const topics = [
    { subject: 'Coins not credited', message: 'I bought a coin package but my balance was not updated.' },
    { subject: 'Payout missing', message: 'My weekly payout never arrived in my bank account.' },
    { subject: 'Refund please', message: 'I bought a gift by mistake and would like my money back.' },
    { subject: 'Cannot log in', message: 'I am locked out of my account after a password reset.' },
  ];
  return Array.from({ length: n }, (_, i) => {
    const topic = topics[i % topics.length]!;
    return {
      body: { email: `${run}-${i}@example.com`, name: `Viewer ${i}`, subject: `${topic.subject} #${i}`, message: topic.message, ...(i % 3 === 0 && { amount: 10 + i, currency: 'USD' }) },
      ...(i % 2 === 0 && { key: `${run}-key-${i}` }),
    };
  });
}

describe(`exactly once (${heavy ? 'heavy' : 'light'}: ${INQUIRIES} inquiries × ${COPIES} concurrent posts)`, () => {
  it('makes one case, one lifecycle execution and one confirmation email per inquiry, and names that case in every response', async () => {
    const run = unique('once').toLowerCase();
    const sent = inquiries(run, INQUIRIES);

    // The three copies of one inquiry go out together; the pool keeps IN_FLIGHT inquiries going.
    const replies = await pool(sent, IN_FLIGHT / COPIES, (inquiry) =>
      Promise.all(Array.from({ length: COPIES }, () => postInquiry(inquiry.body, inquiry.key ? { 'idempotency-key': inquiry.key } : {}))),
    );
    await settle();

    const notCreated = replies.flat().filter((r: Reply) => r.status !== 201);
    expect(notCreated.map((r) => `${r.status} ${JSON.stringify(r.body)}`)).toEqual([]);
    const caseIdOf = replies.map((copies) => new Set(copies.map((r) => String(r.body.caseId))));
    const split = caseIdOf.map((ids, i) => ({ i, ids: [...ids] })).filter((x) => x.ids.length !== 1);
    expect(split).toEqual([]);
    const expected = caseIdOf.map((ids) => [...ids][0]!);
    expect(new Set(expected).size).toBe(INQUIRIES);
    // Exactly one of the three copies made the case; the others were answered as replays.
    const replayed = replies.map((copies) => copies.filter((r) => r.headers.get('idempotent-replayed') === 'true').length);
    expect(replayed.filter((n) => n !== COPIES - 1)).toEqual([]);

    const ours = (email: string) => email.startsWith(`${run}-`) && email.endsWith('@example.com');
    const cases = (await allItems())
      .map((item) => unmarshall(item))
      .filter((item) => item.itemType === 'case' && ours(String(item.requester?.email)));
    const runs = (await executions()).filter((e) => e.stateMachine.endsWith('case-lifecycle') && expected.includes(e.name));
    const confirmations = (await mailbox()).filter((m) => m.subject.includes('We received your request') && m.destination.to.some(ours));

    const casesPerEmail = countBy(cases.map((c) => String(c.requester.email)));
    const runsPerCase = countBy(runs.map((e) => e.name));
    const mailsPerEmail = countBy(confirmations.flatMap((m) => m.destination.to.filter(ours)));
    const figures = {
      inquiries: INQUIRIES,
      posts: replies.flat().length,
      cases: cases.length,
      executions: runs.length,
      emails: confirmations.length,
      duplicateCases: excess(casesPerEmail),
      duplicateExecutions: excess(runsPerCase),
      duplicateEmails: excess(mailsPerEmail),
    };
    console.log(`exactly-once: ${JSON.stringify(figures)}`);

    expect(cases.map((c) => c.caseId).sort()).toEqual([...expected].sort());
    expect(runs.map((e) => e.name).sort()).toEqual([...expected].sort());
    expect(runs.filter((e) => e.status !== 'RUNNING')).toEqual([]);
    expect(Object.keys(mailsPerEmail).sort()).toEqual(sent.map((s) => s.body.email).sort());
    expect(figures).toMatchObject({ cases: INQUIRIES, executions: INQUIRIES, emails: INQUIRIES, duplicateCases: 0, duplicateExecutions: 0, duplicateEmails: 0 });
    // Each confirmation names the reference of the case the responses named.
    const referenceOf = new Map(cases.map((c) => [String(c.requester.email), String(c.reference)]));
    const misnamed = confirmations.filter((m) => !m.subject.startsWith(`[${referenceOf.get(m.destination.to.find(ours)!)}]`));
    expect(misnamed).toEqual([]);
  });
});

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

/** How many more there are than one of each. */
const excess = (counts: Record<string, number>) => Object.values(counts).reduce((n, c) => n + c - 1, 0);
