// Executions of the local Step Functions live in memory. After a restart, every open case's lifecycle
// and every active escalation are started again from what DynamoDB says, through the same use case and
// workflow engine adapter as the stream consumer (restartWorkflows), so they get the execution names the
// stream consumer gives them (a reopened case's lifecycle is `<caseId>-v<n>` in both) and a redelivered
// stream record cannot start a second one. Emails already sent are not sent again (each is claimed once
// per case in the table).
import { DynamoDBClient, ScanCommand, type AttributeValue, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { StepFunctionsEngine } from '#lib/adapters/sfn.ts';
import { systemClock } from '#lib/clock.ts';
import { policies } from '#lib/policies.ts';
import { restartWorkflows, type RestartDeps } from '#lib/use-cases/workflows.ts';
import type { LocalFunction } from './lambda-runtime.ts';

/**
 * The functions that drive the workflows name the cases table and both state machines in their
 * environment (the stream consumer's composition root reads the same): re-arm with the store and
 * engine adapters built from it. Undefined when no function of the template names them.
 */
export async function rearmFromFunctionEnvironment(o: {
  functions: Map<string, LocalFunction>;
  clientConfig: DynamoDBClientConfig;
  sfnEndpoint: string;
  log: (line: string) => void;
}): Promise<{ lifecycles: number; escalations: number; skipped: number } | undefined> {
  const env = [...o.functions.values()].map((f) => f.environment).find((e) => e.CASES_TABLE && e.LIFECYCLE_STATE_MACHINE_ARN && e.ESCALATION_STATE_MACHINE_ARN && e.CONSULT_STATE_MACHINE_ARN);
  if (!env) return undefined;
  const engine = new StepFunctionsEngine(
    { lifecycle: env.LIFECYCLE_STATE_MACHINE_ARN!, escalation: env.ESCALATION_STATE_MACHINE_ARN!, consult: env.CONSULT_STATE_MACHINE_ARN! },
    new SFNClient({ region: o.clientConfig.region, credentials: o.clientConfig.credentials, endpoint: o.sfnEndpoint }),
  );
  const client = new DynamoDBClient(o.clientConfig);
  const deps = { store: new DynamoCaseStore(env.CASES_TABLE!, undefined, client), engine, clock: systemClock, sla: policies.sla };
  return rearmOpenCases(client, env.CASES_TABLE!, deps, o.log);
}

export async function rearmOpenCases(
  client: DynamoDBClient,
  table: string,
  deps: RestartDeps,
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
        ProjectionExpression: 'caseId',
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const caseId = item.caseId?.S;
      if (!caseId) continue;
      let done: string[];
      try {
        done = await restartWorkflows(deps, caseId);
      } catch (error) {
        // A case stored by an older version of trustdesk: report it rather than refuse to start.
        log(`re-arm: case ${caseId} skipped (${(error as Error).message})`);
        skipped++;
        continue;
      }
      lifecycles += done.filter((d) => d.startsWith('lifecycle')).length;
      escalations += done.filter((d) => d.startsWith('escalation')).length;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { lifecycles, escalations, skipped };
}
