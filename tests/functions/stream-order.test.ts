// The outbox runs a stream batch case by case (functions/lib/stream.ts processInCaseOrder): records of one
// case in stream order, never overtaking one another, and a failure holds back the rest of its case only.
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { processInCaseOrder } from '#lib/stream.ts';

const record = (caseId: string, seq: number): DynamoDBRecord => ({
  eventName: 'INSERT',
  dynamodb: { Keys: { pk: { S: `CASE#${caseId}` }, sk: { S: `EVT#${seq}` } }, SequenceNumber: String(seq).padStart(4, '0') },
});
const label = (r: DynamoDBRecord) => `${r.dynamodb?.Keys?.pk?.S?.slice(5)}${r.dynamodb?.SequenceNumber}`;
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('processInCaseOrder', () => {
  it('runs the records of one case one after another in stream order, other cases alongside', async () => {
    const batch = [record('a', 1), record('b', 2), record('a', 3), record('b', 4), record('a', 5)];
    const started: string[] = [];
    const running = new Set<string>();
    let overlapSameCase = false;
    let overlapOtherCase = false;
    const result = await processInCaseOrder(batch, async (r) => {
      const key = r.dynamodb!.Keys!.pk!.S!;
      if (running.has(key)) overlapSameCase = true;
      if (running.size > 0) overlapOtherCase = true;
      running.add(key);
      started.push(label(r));
      // The first record of case a is the slowest: a later one of a must still wait for it.
      await tick(label(r) === 'a0001' ? 30 : 5);
      running.delete(key);
    });
    expect(result.batchItemFailures).toEqual([]);
    expect(overlapSameCase).toBe(false);
    expect(overlapOtherCase).toBe(true);
    expect(started.filter((s) => s.startsWith('a'))).toEqual(['a0001', 'a0003', 'a0005']);
    expect(started.filter((s) => s.startsWith('b'))).toEqual(['b0002', 'b0004']);
  });

  it('on a failure skips the later records of that case, reports them all, and finishes the other cases', async () => {
    const batch = [record('a', 1), record('a', 2), record('b', 3), record('a', 4), record('b', 5)];
    const handled: string[] = [];
    const errors: string[] = [];
    const result = await processInCaseOrder(
      batch,
      async (r) => {
        if (label(r) === 'a0002') throw new Error('SES throttled');
        handled.push(label(r));
      },
      (r) => void errors.push(label(r)),
    );
    expect(handled.sort()).toEqual(['a0001', 'b0003', 'b0005']);
    expect(errors).toEqual(['a0002']);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '0002' }, { itemIdentifier: '0004' }]);
  });
});
