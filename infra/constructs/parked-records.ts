import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledge } from '../nag.ts';

/**
 * Where records that fail every retry are parked (stream batches with their shard and sequence range,
 * scheduler events) for someone to look at and replay: kept 14 days, encrypted, TLS only.
 */
export const PARKED_RETENTION_DAYS = 14;

export function parkedRecordsQueue(scope: Construct, id: string, parkedFrom: string): Queue {
  const queue = new Queue(scope, id, { encryption: QueueEncryption.SQS_MANAGED, retentionPeriod: Duration.days(PARKED_RETENTION_DAYS), enforceSSL: true });
  acknowledge(queue, 'AwsSolutions-SQS3', `This queue is itself the dead-letter destination of ${parkedFrom}; nothing consumes it automatically, so it needs no DLQ of its own.`);
  return queue;
}
