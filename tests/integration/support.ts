// Small clients for the local cloud, used by the integration tests.
import { DynamoDBClient, ListTablesCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { inject } from 'vitest';

export const cloud = inject('cloud');

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
export const dynamo = new DynamoDBClient({ region: 'us-east-1', endpoint: cloud.dynamodb, credentials });
export const s3 = new S3Client({ region: 'us-east-1', endpoint: cloud.s3, forcePathStyle: true, credentials });

export interface Reply<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export async function request<T = Record<string, unknown>>(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<Reply<T>> {
  const res = await fetch(`${cloud.api}${path}`, { method, ...(init.body !== undefined && { body: init.body }), headers: init.headers ?? {} });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // leave as text
  }
  return { status: res.status, headers: res.headers, body: body as T };
}

export const postInquiry = (body: unknown, headers: Record<string, string> = {}) =>
  request('POST', '/inquiries', { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

/** A fresh dev token (tests move the local clock by days, which expires older ones). */
export async function token(role: 'agent' | 'lead' | 'risk' | 'internal' = 'agent', user?: string): Promise<string> {
  const res = await request<{ token: string }>('GET', `/local/token?role=${role}${user ? `&user=${user}` : ''}`);
  return res.body.token;
}

export async function asAgent<T = Record<string, unknown>>(path: string): Promise<Reply<T>> {
  return request<T>('GET', path, { headers: { authorization: `Bearer ${await token('agent')}` } });
}

/** Wait until the local cloud has handled every accepted email and stream record. */
export const settle = () => request('POST', '/local/settle');

export async function sendMail(message: SendMailOptions): Promise<void> {
  const transport = nodemailer.createTransport({ host: cloud.smtpHost, port: cloud.smtpPort, secure: false, ignoreTLS: true });
  try {
    await transport.sendMail({ to: cloud.intakeAddress, ...message });
  } finally {
    transport.close();
  }
}

export interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { text?: string; html?: string };
  at: number;
}

export async function mailbox(): Promise<StoredEmail[]> {
  const res = await fetch(`${cloud.mailbox}/store`);
  return ((await res.json()) as { emails: StoredEmail[] }).emails;
}

/** Every item of the cases table (the test cloud is small). */
export async function allItems(): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, never> | undefined;
  do {
    const out = await dynamo.send(new ScanCommand({ TableName: cloud.casesTable, ExclusiveStartKey: start }));
    items.push(...((out.Items ?? []) as Record<string, AttributeValue>[]));
    start = out.LastEvaluatedKey as typeof start;
  } while (start);
  return items;
}

/** Every item of every table (cases, reporting, profiles, …), each as its JSON: where the tests look for a trace. */
export async function everyTableItem(): Promise<string[]> {
  const { TableNames = [] } = await dynamo.send(new ListTablesCommand({}));
  const items: string[] = [];
  for (const table of TableNames) {
    let start: Record<string, never> | undefined;
    do {
      const out = await dynamo.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      items.push(...(out.Items ?? []).map((item) => JSON.stringify(item)));
      start = out.LastEvaluatedKey as typeof start;
    } while (start);
  }
  return items;
}

/** Every object of every bucket of the local S3, its body as latin1 text. */
export async function s3Objects(): Promise<{ bucket: string; key: string; body: string }[]> {
  const objects: { bucket: string; key: string; body: string }[] = [];
  const { Buckets = [] } = await s3.send(new ListBucketsCommand({}));
  for (const { Name } of Buckets) {
    let next: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: Name, ContinuationToken: next }));
      for (const { Key } of page.Contents ?? []) {
        const object = await s3.send(new GetObjectCommand({ Bucket: Name, Key }));
        objects.push({ bucket: Name!, key: Key!, body: Buffer.from(await object.Body!.transformToByteArray()).toString('latin1') });
      }
      next = page.NextContinuationToken;
    } while (next);
  }
  return objects;
}

export const unique = (label: string) => `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

export async function actAs<T = Record<string, unknown>>(role: 'agent' | 'lead' | 'risk', caseId: string, action: Record<string, unknown>): Promise<Reply<T>> {
  return request<T>('POST', `/cases/${caseId}/actions`, {
    body: JSON.stringify(action),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await token(role)}` },
  });
}

/** Move the local cloud's clock forward (timers due by then fire), then wait for everything to settle. */
export async function advanceClockTo(instant: number): Promise<void> {
  const res = await request('POST', '/local/clock', { body: JSON.stringify({ to: new Date(instant).toISOString() }), headers: { 'content-type': 'application/json' } });
  if (res.status !== 200) throw new Error(`clock: ${res.status} ${JSON.stringify(res.body)}`);
  await settle();
}

export async function clockNow(): Promise<number> {
  const res = await request<{ now: string }>('GET', '/local/clock');
  return Date.parse(res.body.now);
}

export interface ExecutionView {
  name: string;
  stateMachine: string;
  status: string;
  transitions: number;
}

export async function executions(): Promise<ExecutionView[]> {
  return (await request<{ executions: ExecutionView[] }>('GET', '/local/executions')).body.executions;
}

/**
 * What holds the case's next timer now: a running lifecycle execution (waiting in person), or an alarm (a
 * one-time schedule set for the case, after the execution handed a far timer over); undefined when nothing does.
 */
export async function timerHolder(caseId: string): Promise<'execution' | 'alarm' | undefined> {
  if ((await executions()).some((e) => e.name.startsWith(caseId) && e.stateMachine.endsWith('case-lifecycle') && e.status === 'RUNNING')) return 'execution';
  const { oneTime } = (await request<{ oneTime: { name: string }[] }>('GET', '/local/schedules')).body;
  return oneTime.some((s) => s.name.startsWith(`${caseId}-v`)) ? 'alarm' : undefined;
}
