// Local SQS over its JSON protocol with the real SDK client: the template's queues, send and batch send,
// receive with a visibility timeout on the clock, delete by receipt, attributes, and the IAM check.
import { DeleteMessageCommand, GetQueueAttributesCommand, PurgeQueueCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/free-port.ts';
import { startLocalSqs, type LocalSqs } from '../../local/sqs.ts';

let now = Date.parse('2026-12-04T10:00:00Z');
let sqs: LocalSqs;
let client: SQSClient;
let url: string;

beforeAll(async () => {
  sqs = await startLocalSqs({
    host: '127.0.0.1',
    port: await freePort(),
    template: { Resources: { Parked: { Type: 'AWS::SQS::Queue' }, Topic: { Type: 'AWS::SNS::Topic' } } },
    region: 'us-east-1',
    accountId: '000000000000',
    now: () => now,
    log: () => {},
    authorize: (_req, action) => (action === 'sqs:PurgeQueue' ? 'not allowed: sqs:PurgeQueue' : undefined),
  });
  client = new SQSClient({ region: 'us-east-1', endpoint: sqs.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  url = `${sqs.endpoint}/000000000000/Parked`;
});
afterAll(async () => {
  client.destroy();
  await sqs.stop();
});

describe('local SQS', () => {
  it('serves the template’s queues by URL', () => {
    expect(sqs.queues().map((q) => [q.name, q.url, q.arn])).toEqual([['Parked', url, 'arn:aws:sqs:us-east-1:000000000000:Parked']]);
  });

  it('sends, receives under a visibility timeout, and deletes by receipt handle', async () => {
    const sent = await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '{"a":1}' }));
    await client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'x', MessageBody: 'two' }] }));
    const first = await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 1, VisibilityTimeout: 30 }));
    expect(first.Messages?.map((m) => [m.MessageId, m.Body])).toEqual([[sent.MessageId, '{"a":1}']]);
    const next = await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(next.Messages?.map((m) => m.Body)).toEqual(['two']); // the first is hidden
    const attributes = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    expect(attributes.Attributes).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '2' });
    now += 31_000;
    const again = await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(again.Messages?.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([
      ['{"a":1}', '2'],
      ['two', '2'],
    ]);
    for (const m of again.Messages ?? []) await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    expect(sqs.queues()[0]?.messages).toEqual([]);
    expect(sqs.sent()).toBe(2);
  });

  it('refuses an unknown queue, an empty body, and what IAM denies', async () => {
    await expect(client.send(new SendMessageCommand({ QueueUrl: `${sqs.endpoint}/000000000000/Nope`, MessageBody: 'x' }))).rejects.toThrow(/does not exist/);
    await expect(client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '' }))).rejects.toThrow(/MessageBody/);
    await expect(client.send(new PurgeQueueCommand({ QueueUrl: url }))).rejects.toThrow(/not allowed/);
  });
});
