// The mail-feedback handler as Lambda runs it, with DynamoDB mocked: SNS events in, the outcome per record
// out, nothing written for a notification it cannot read or for mail trustdesk never sent, and logs that
// name fields and ids but no address.
import { DynamoDBClient, GetItemCommand, PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import sample from '../../events/samples/mail-feedback-bounce.json' with { type: 'json' };
import { sampleCase } from './fakes.ts';

const dynamodb = mockClient(DynamoDBClient);
type Handler = (event: unknown, context: unknown) => Promise<{ results: { outcome: string; caseId?: string }[] }>;
let handler: Handler;
const lines: string[] = [];

beforeAll(async () => {
  process.env.CASES_TABLE = 'cases-test';
  ({ handler } = (await import('../../functions/mail-feedback/handler.ts')) as unknown as { handler: Handler });
});
afterAll(() => {
  delete process.env.CASES_TABLE;
});
beforeEach(() => {
  dynamodb.reset();
  lines.length = 0;
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    });
  }
  return () => vi.restoreAllMocks();
});

const invoke = (event: unknown) => handler(event, {});
const writes = () => [...dynamodb.commandCalls(PutItemCommand), ...dynamodb.commandCalls(TransactWriteItemsCommand)];
const snsOf = (message: string) => ({ Records: [{ EventSource: 'aws:sns', Sns: { MessageId: 'sns-9', TopicArn: 'arn:aws:sns:us-east-1:1:T', Message: message } }] });

describe('mail-feedback handler', () => {
  it('drops an event that is not SNS, and a notification it cannot read, writing nothing and logging no address', async () => {
    await expect(invoke({ hello: 'sam@example.com' })).resolves.toEqual({ results: [] });
    await expect(invoke(snsOf(JSON.stringify({ eventType: 'Bounce', mail: { messageId: 'x' }, bounce: { bounceType: 'Permanent', bouncedRecipients: [] }, note: 'sam@example.com' })))).resolves.toEqual({ results: [{ outcome: 'malformed' }] });
    expect(dynamodb.calls()).toHaveLength(0);
    expect(lines.join('')).toContain('not an SES bounce or complaint notification');
    expect(lines.join('')).not.toContain('sam@example.com');
  });

  it('reads the sample event, finds no such sent email and changes nothing', async () => {
    dynamodb.on(GetItemCommand).resolves({});
    await expect(invoke(sample)).resolves.toEqual({ results: [{ outcome: 'unknown-mail' }] });
    const [lookup] = dynamodb.commandCalls(GetItemCommand);
    expect(lookup?.args[0].input.Key).toEqual(marshall({ pk: 'SENT#0100018c3f2a1b2c-5e6f7a8b-1c2d-4e5f-8a9b-0c1d2e3f4a5b-000000', sk: 'SENT' }));
    expect(writes()).toHaveLength(0);
    expect(lines.join('')).not.toContain('sam@example.com');
  });

  it('applies a bounce of an email it sent to that case, and flags the address', async () => {
    const record = { ...sampleCase(), requester: { email: 'sam@example.com' } };
    dynamodb
      .on(GetItemCommand, { Key: marshall({ pk: 'SENT#0100018c3f2a1b2c-5e6f7a8b-1c2d-4e5f-8a9b-0c1d2e3f4a5b-000000', sk: 'SENT' }) })
      .resolves({ Item: marshall({ caseId: record.caseId, notice: 'agent.replied-2', to: 'sam@example.com' }) })
      .on(GetItemCommand, { Key: marshall({ pk: `CASE#${record.caseId}`, sk: 'CASE' }) })
      .resolves({ Item: marshall(record, { removeUndefinedValues: true }) });
    dynamodb.on(TransactWriteItemsCommand).resolves({});
    dynamodb.on(PutItemCommand).resolves({});
    await expect(invoke(sample)).resolves.toEqual({ results: [{ outcome: 'bounced', caseId: record.caseId, version: record.version + 1 }] });
    const written = JSON.stringify(dynamodb.commandCalls(TransactWriteItemsCommand)[0]?.args[0].input);
    expect(written).toContain('email.bounced');
    expect(written).toContain('IDEMPOTENCY#ses-feedback:0100018c3f2a1b2c');
    expect(dynamodb.commandCalls(PutItemCommand).map((c) => c.args[0].input.Item?.pk?.S)).toEqual(['ADDRESS#sam@example.com']);
    expect(lines.join('')).not.toContain('sam@example.com');
  });
});
