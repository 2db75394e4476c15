// The local cloud keeps its data on disk; after a restart every open case's workflow is running again.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloud, type LocalCloudOptions } from '#local/cloud.ts';
import { freePort } from '#local/free-port.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'trustdesk-restart-'));
let cloud: LocalCloud | undefined;

afterAll(async () => {
  await cloud?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function options(): Promise<LocalCloudOptions> {
  return {
    host: '127.0.0.1',
    ports: { api: await freePort(), smtp: await freePort(), ses: await freePort(), dynamodb: await freePort(), s3: await freePort(), sfn: await freePort(), events: await freePort(), sqs: await freePort() },
    dataDir,
    inMemory: false,
    cdkOutDir: path.join(root, 'cdk.out'),
    stackName: 'Trustdesk',
    log: () => undefined,
    functionLogLevel: 'WARN',
  };
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  return (await res.json()) as T;
}

describe('local cloud restart', () => {
  it('keeps accepted cases and re-arms their workflows and escalations from DynamoDB', async () => {
    const opts = await options();
    cloud = await startLocalCloud(opts);
    const created = await json<{ caseId: string }>(`${cloud.urls.api}/inquiries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'restart@example.com', subject: 'Cannot log in', message: 'Locked out of my account.' }),
    });
    await cloud.settle();
    await cloud.stop();
    cloud = undefined;

    // Same ports and data: the bundles already imported in this process keep their endpoints.
    cloud = await startLocalCloud(opts);
    const { executions } = await json<{ executions: { name: string; status: string }[] }>(`${cloud.urls.api}/local/executions`);
    expect(executions).toContainEqual(expect.objectContaining({ name: created.caseId, status: 'RUNNING' }));

    const token = (await json<{ token: string }>(`${cloud.urls.api}/local/token?role=agent`)).token;
    const view = await json<{ case: { status: string; deadlines: { firstResponseDue: string } } }>(`${cloud.urls.api}/cases/${created.caseId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(view.case.status).toBe('new');

    // The re-armed timers still fire: past the deadline the case escalates, with one L1 email.
    cloud.clock.set(Date.parse(view.case.deadlines.firstResponseDue) + 1000);
    await cloud.settle();
    const store = await json<{ emails: { subject: string; destination: { to: string[] } }[] }>(`${cloud.urls.mailbox}/store`);
    const escalations = store.emails.filter((m) => m.subject.startsWith('[ESCALATION'));
    expect(escalations.map((m) => m.destination.to[0])).toEqual(['l1-leads@trustdesk.local']);
  }, 120_000); // two cold starts of the whole cloud: minutes on a loaded 2-core machine, not seconds
});
