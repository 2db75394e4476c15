// How late deadlines fire: the clock is moved to each case's warning instant, and the warning event's
// own timestamp says how long after that instant the workflow recorded it.
import type { LocalCloud } from '#local/cloud.ts';

async function json<T>(cloud: LocalCloud, path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`${cloud.urls.api}${path}`, init);
  if (res.status >= 300) throw new Error(`${path} → ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

export async function deadlineLateness(cloud: LocalCloud, cases = 5): Promise<{ maxMs: number; medianMs: number; samples: number[] }> {
  // A fresh token for every read: moving the clock expires older ones.
  const auth = async () => ({ authorization: `Bearer ${(await json<{ token: string }>(cloud, '/local/token?role=agent')).token}` });
  const samples: number[] = [];
  for (let i = 0; i < cases; i++) {
    const { caseId } = await json<{ caseId: string }>(cloud, '/inquiries', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `timer-${Date.now()}-${i}@example.com`, subject: 'Cannot log in', message: 'Locked out of my account.' }),
    });
    await cloud.settle();
    const view = await json<{ case: { deadlines: { firstResponseWarnAt: string } } }>(cloud, `/cases/${caseId}`, { headers: await auth() });
    const warnAt = Date.parse(view.case.deadlines.firstResponseWarnAt);
    cloud.clock.set(Math.max(warnAt, cloud.clock.now()));
    await cloud.settle();
    const after = await json<{ timeline: { type: string; at: string }[] }>(cloud, `/cases/${caseId}`, { headers: await auth() });
    const warning = after.timeline.find((e) => e.type === 'sla.warning');
    if (!warning) throw new Error('the warning did not fire');
    samples.push(Date.parse(warning.at) - warnAt);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return { maxMs: sorted.at(-1)!, medianMs: sorted[Math.floor(sorted.length / 2)]!, samples };
}
