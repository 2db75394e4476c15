// The intake handler's own CPU per call: invoked in-process with DynamoDB mocked (no I/O at all).
import { BatchGetItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { percentile } from './local-cloud.ts';

export async function intakeHandlerCpu(calls = 20_000, warmup = 2_000): Promise<{ medianMs: number; p99Ms: number; calls: number }> {
  Object.assign(process.env, { CASES_TABLE: 'bench-cases', PROFILES_TABLE: 'bench-profiles', POWERTOOLS_LOG_LEVEL: 'ERROR', AWS_REGION: 'us-east-1' });
  const { dynamodb } = await import('#lib/adapters/dynamodb.ts');
  const ddb = mockClient(dynamodb);
  ddb.on(BatchGetItemCommand).resolves({ Responses: {} });
  ddb.on(TransactWriteItemsCommand).resolves({});
  const { handler } = await import('../functions/intake-web/handler.ts');
  const context = { functionName: 'bench', awsRequestId: 'bench', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
  const event = (i: number) =>
    ({
      resource: '/inquiries',
      path: '/inquiries',
      httpMethod: 'POST',
      headers: { 'Content-Type': 'application/json' },
      multiValueHeaders: {},
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: null,
      stageVariables: null,
      isBase64Encoded: false,
      requestContext: {} as APIGatewayProxyEvent['requestContext'],
      body: JSON.stringify({
        email: `cpu-${i}@example.com`,
        subject: 'Coins missing after purchase',
        message: 'I bought 500 coins with my card yesterday and they never arrived in my wallet. Please help, this is the second time.',
        amount: 4.99,
        currency: 'USD',
      }),
    }) as APIGatewayProxyEvent;
  const invoke = handler as unknown as (e: APIGatewayProxyEvent, c: Context) => Promise<{ statusCode: number }>;
  for (let i = 0; i < warmup; i++) await invoke(event(i), context);
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const e = event(i);
    const t0 = performance.now();
    const res = await invoke(e, context);
    times.push(performance.now() - t0);
    if (res.statusCode !== 201) throw new Error(`handler answered ${res.statusCode}`);
  }
  ddb.restore();
  times.sort((a, b) => a - b);
  return { medianMs: percentile(times, 50), p99Ms: percentile(times, 99), calls };
}
