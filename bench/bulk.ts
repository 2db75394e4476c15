// A bulk action on 100 cases (issue 13 point 4): 100 cases opened and settled, then one POST /cases/bulk
// resolving them all; timed from the request to its answer (every case updated: each is its own transaction,
// done before the answer) and to the last of the 100 resolution emails in the local SES mailbox (the outbox
// sends them from the cases stream). Each run uses fresh cases; the mailbox is polled, not settled, so the
// figure is when the emails were actually there.
import type { LocalCloud } from '#local/cloud.ts';

async function json<T>(cloud: LocalCloud, path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`${cloud.urls.api}${path}`, init);
  if (res.status >= 300) throw new Error(`${path} → ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

const POLL_MS = 25;

export async function bulkResolveSeconds(cloud: LocalCloud, opts: { cases: number; repeats: number }): Promise<{ answered: number[]; emailed: number[] }> {
  const answered: number[] = [];
  const emailed: number[] = [];
  for (let run = 0; run < opts.repeats; run++) {
    const auth = { authorization: `Bearer ${await cloud.issueToken('agent')}` };
    const tag = `bulk-bench-${Date.now().toString(36)}-${run}`;
    const ids: string[] = [];
    // Two at a time, a 5xx (a busy machine's timeout) retried under its Idempotency-Key: never a case twice.
    const openOne = async (n: number) => {
      const init = {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': `${tag}-${n}` },
        body: JSON.stringify({ email: `${tag}-${n}@example.com`, subject: `Coins missing ${tag}`, message: 'My coins did not arrive.' }),
      };
      for (let attempt = 0; ; attempt++) {
        const res = await fetch(`${cloud.urls.api}/inquiries`, init);
        if (res.status === 201) return ((await res.json()) as { caseId: string }).caseId;
        if (res.status < 500 || attempt === 4) throw new Error(`/inquiries → ${res.status}: ${await res.text()}`);
      }
    };
    for (let i = 0; i < opts.cases; i += 2) ids.push(...(await Promise.all(Array.from({ length: Math.min(2, opts.cases - i) }, (_, j) => openOne(i + j)))));
    await cloud.settle();
    const versions = await Promise.all(ids.map(async (caseId) => (await json<{ case: { version: number } }>(cloud, `/cases/${caseId}`, { headers: auth })).case.version));
    const body = JSON.stringify({ action: { type: 'resolve', outcome: 'resolved', summary: 'Your coins are back.' }, cases: ids.map((caseId, i) => ({ caseId, expectedVersion: versions[i] })) });

    const t0 = performance.now();
    const answer = await json<{ results: { status: string }[] }>(cloud, '/cases/bulk', { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body });
    answered.push((performance.now() - t0) / 1000);
    const applied = answer.results.filter((r) => r.status === 'applied').length;
    if (applied !== opts.cases) throw new Error(`bulk resolve applied ${applied} of ${opts.cases}`);
    for (;;) {
      const store = (await (await fetch(`${cloud.urls.mailbox}/store`)).json()) as { emails: { subject: string }[] };
      const sent = store.emails.filter((m) => m.subject.includes('Resolved: ') && m.subject.endsWith(tag)).length;
      if (sent >= opts.cases) break;
      if (performance.now() - t0 > 120_000) throw new Error(`only ${sent} of ${opts.cases} resolution emails after 120 s`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    emailed.push((performance.now() - t0) / 1000);
    await cloud.settle();
  }
  return { answered, emailed };
}
