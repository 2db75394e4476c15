// Executions of the local Step Functions live in memory. After a restart, every open case's lifecycle
// and every active escalation are started again from what DynamoDB says, with the same execution names
// the stream consumer uses, so a redelivered stream record cannot start a second one. Emails already
// sent are not sent again (each is claimed once per case in the table).
import { type DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { CaseRecord } from '#domain/case.ts';
import { workflowState } from '#domain/lifecycle.ts';
import type { SlaPolicy } from '#domain/sla/policy.ts';

export interface Rearmer {
  start(machine: 'lifecycle' | 'escalation', name: string, input: unknown): Promise<void>;
}

export async function rearmOpenCases(
  client: DynamoDBClient,
  table: string,
  sla: SlaPolicy,
  starter: Rearmer,
  log: (line: string) => void,
): Promise<{ lifecycles: number; escalations: number; skipped: number }> {
  let lifecycles = 0;
  let escalations = 0;
  let skipped = 0;
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: 'itemType = :case AND #status <> :closed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':case': { S: 'case' }, ':closed': { S: 'closed' } },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const record = unmarshall(item) as CaseRecord;
      let state: ReturnType<typeof workflowState>;
      try {
        state = workflowState(record, new Date(), sla);
      } catch (error) {
        // A case stored by an older version of trustdesk: report it rather than refuse to start.
        log(`re-arm: case ${record.caseId} skipped (${(error as Error).message})`);
        skipped++;
        continue;
      }
      await starter.start('lifecycle', record.caseId, state);
      lifecycles++;
      const esc = record.escalation;
      if (esc?.status === 'active') {
        await starter.start('escalation', esc.id, { caseId: record.caseId, escalationId: esc.id, startTier: esc.tier ?? esc.startTier });
        escalations++;
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { lifecycles, escalations, skipped };
}
