// State transitions per case, counted from the local executions' own event logs (what AWS bills).
import type { LocalCloud } from '#local/cloud.ts';

interface Execution {
  name: string;
  stateMachine: string;
  status: string;
  transitions: number;
}

async function call<T>(cloud: LocalCloud, method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const res = await fetch(`${cloud.urls.api}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

const settle = (cloud: LocalCloud) => call(cloud, 'POST', '/local/settle');
const advance = async (cloud: LocalCloud, seconds: number) => {
  await call(cloud, 'POST', '/local/clock', { advanceSeconds: seconds });
  await settle(cloud);
};
const executionsOf = async (cloud: LocalCloud, caseId: string) =>
  (await call<{ executions: Execution[] }>(cloud, 'GET', '/local/executions')).executions.filter((e) => e.name.startsWith(caseId));

async function openCase(cloud: LocalCloud, subject: string, message: string): Promise<string> {
  const { caseId } = await call<{ caseId: string }>(cloud, 'POST', '/inquiries', { email: `cost-${Date.now()}-${Math.random()}@example.com`, subject, message });
  await settle(cloud);
  return caseId;
}

/** open → agent reply → resolve → auto-close after the silence. */
export async function typicalCaseTransitions(cloud: LocalCloud): Promise<number> {
  const token = (await call<{ token: string }>(cloud, 'GET', '/local/token?role=agent')).token;
  const caseId = await openCase(cloud, 'Refund for a double charge', 'I was charged twice for the same coin pack, please refund one.');
  await call(cloud, 'POST', `/cases/${caseId}/actions`, { type: 'reply', message: 'Refund issued.', expectedVersion: 1 }, token);
  await settle(cloud);
  await call(cloud, 'POST', `/cases/${caseId}/actions`, { type: 'resolve', outcome: 'resolved', expectedVersion: 2 }, token);
  await settle(cloud);
  await advance(cloud, 8 * 86_400);
  const runs = await executionsOf(cloud, caseId);
  if (runs.some((r) => r.status === 'RUNNING')) throw new Error('the typical case did not close');
  return runs.reduce((n, r) => n + r.transitions, 0);
}

/** open → nobody acts → warning, breach, L1 → L2 → risk → unacknowledged (lifecycle + escalation). */
export async function escalatedCaseTransitions(cloud: LocalCloud): Promise<{ lifecycle: number; escalation: number }> {
  const caseId = await openCase(cloud, 'Cannot log in', 'I am locked out of my account after changing my phone.');
  for (let i = 0; i < 4; i++) await advance(cloud, 3 * 86_400); // past the first-response deadline and every tier
  const runs = await executionsOf(cloud, caseId);
  const lifecycle = runs.filter((r) => r.stateMachine?.endsWith('case-lifecycle')).reduce((n, r) => n + r.transitions, 0);
  const escalation = runs.filter((r) => r.stateMachine?.endsWith('escalation')).reduce((n, r) => n + r.transitions, 0);
  return { lifecycle, escalation };
}

/** Real time from the POST of a P1 safety report to the risk team's email in the SES mailbox. */
export async function riskPageLatencyMs(cloud: LocalCloud): Promise<number> {
  const t0 = performance.now();
  const { reference } = await call<{ reference: string }>(cloud, 'POST', '/inquiries', {
    email: `safety-${Date.now()}@example.com`,
    subject: 'Please help',
    message: 'A streamer keeps asking an underage girl for photos in private messages.',
  });
  for (;;) {
    const store = (await (await fetch(`${cloud.urls.mailbox}/store`)).json()) as { emails: { subject: string }[] };
    if (store.emails.some((m) => m.subject.startsWith('[ESCALATION') && m.subject.includes(reference))) return performance.now() - t0;
    if (performance.now() - t0 > 30_000) throw new Error('the risk team was not paged within 30 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}
