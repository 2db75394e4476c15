// The RejectedEvents port over Amazon SQS: one message per refused event on the parked queue (alarmed on its
// depth). The message is the rejection itself — source, event id, detail-type, the problems by field — and never
// the event's values, so a card number someone sent never lands in the queue either.
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { RejectedEvent, RejectedEvents } from '../ports.ts';

const sqs = new SQSClient({});

export class SqsRejectedEvents implements RejectedEvents {
  constructor(
    private readonly queueUrl: string,
    private readonly client: SQSClient = sqs,
  ) {}

  async park(rejected: RejectedEvent): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify({ kind: 'rejected-event', ...rejected }) }));
  }
}
