// Local EventBridge, over its wire protocol with the real SDK client: the template's buses and rules, PutEvents
// validating each entry on its own, rules matching with EventBridge's pattern language (checked against the
// patterns of AWS's "Amazon EventBridge event patterns" documentation), deliveries to Lambda targets through the
// async invoker, rules added at run time, and the IAM check on the caller.
import { DeleteRuleCommand, EventBridgeClient, ListRulesCommand, PutEventsCommand, PutRuleCommand, PutTargetsCommand, RemoveTargetsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAsyncInvoker } from '../../local/async-invoker.ts';
import { rulesFromTemplate, startLocalEventBridge, type EventEnvelope, type LocalEventBridge } from '../../local/eventbridge.ts';
import { freePort } from '../../local/free-port.ts';
import type { LocalFunction } from '../../local/lambda-runtime.ts';
import type { CfnTemplate, IntrinsicContext } from '../../local/template.ts';

const ctx: IntrinsicContext = {
  region: 'us-east-1',
  accountId: '000000000000',
  partition: 'aws',
  stackName: 'T',
  urlSuffix: 'amazonaws.com',
  ref: (id) => (id === 'Bus' ? 'payments' : id),
  getAtt: (id, a) => (id === 'Bus' ? 'arn:aws:events:us-east-1:000000000000:event-bus/payments' : `arn:aws:lambda:us-east-1:000000000000:function:${id}.${a}`),
};
const template: CfnTemplate = {
  Resources: {
    Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'payments' } },
    Archive: { Type: 'AWS::Events::Archive', Properties: { SourceArn: { 'Fn::GetAtt': ['Bus', 'Arn'] } } },
    Settled: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventBusName: { Ref: 'Bus' },
        EventPattern: { source: ['payments.ledger'], 'detail-type': ['Transaction Settled'] },
        Targets: [{ Id: 'Ingest', Arn: { 'Fn::GetAtt': ['Ingest', 'Arn'] } }],
      },
    },
    Nightly: { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(1 day)', Targets: [] } },
  },
};

const received: unknown[] = [];
const ingest: LocalFunction = { logicalId: 'Ingest', description: '', timeoutSeconds: 3, memoryMb: 128, environment: {}, invoke: async (e) => void received.push(e) };
const asyncInvoker = createAsyncInvoker({ log: () => {} });
let bridge: LocalEventBridge;
let client: EventBridgeClient;
let denyRules = false;

beforeAll(async () => {
  bridge = await startLocalEventBridge({
    host: '127.0.0.1',
    port: await freePort(),
    template,
    ctx,
    functions: new Map([['Ingest', ingest]]),
    asyncInvoker,
    now: () => new Date('2026-12-04T10:00:00Z'),
    log: () => {},
    callerOf: () => 'Publisher',
    authorize: (_req, target) => (denyRules && target === 'AWSEvents.PutRule' ? 'not allowed: events:PutRule' : undefined),
  });
  client = new EventBridgeClient({ region: 'us-east-1', endpoint: bridge.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
afterAll(async () => {
  client.destroy();
  await bridge.stop();
});

const entry = (detailType: string, detail: unknown, source = 'payments.ledger') => ({ EventBusName: 'payments', Source: source, DetailType: detailType, Detail: JSON.stringify(detail) });

describe('local EventBridge', () => {
  it("reads the template's buses and pattern rules (a schedule rule is not one; the default bus always exists)", () => {
    expect(bridge.buses()).toEqual(['default', 'payments']);
    expect(rulesFromTemplate(template, ctx, new Map([['Ingest', ingest]]))).toEqual([
      {
        name: 'Settled',
        bus: 'payments',
        pattern: { source: ['payments.ledger'], 'detail-type': ['Transaction Settled'] },
        enabled: true,
        targets: [{ id: 'Ingest', arn: 'arn:aws:lambda:us-east-1:000000000000:function:Ingest.Arn', functionId: 'Ingest' }],
        origin: 'template',
      },
    ]);
  });

  it('accepts good entries and refuses bad ones one by one, delivering each match to the Lambda target in the envelope EventBridge builds', async () => {
    received.length = 0;
    const out = await client.send(
      new PutEventsCommand({
        Entries: [entry('Transaction Settled', { transactionId: 't-1' }), { EventBusName: 'payments', Source: 'payments.ledger', DetailType: 'Transaction Settled', Detail: '{not json' }, entry('Transaction Pending', { transactionId: 't-2' }), { EventBusName: 'nope', Source: 's', DetailType: 'd', Detail: '{}' }],
      }),
    );
    expect(out.FailedEntryCount).toBe(2);
    expect(out.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual(['ok', 'MalformedDetail', 'ok', 'ResourceNotFoundException']);
    await asyncInvoker.whenIdle();
    expect(received).toEqual([
      {
        version: '0',
        id: out.Entries?.[0]?.EventId,
        'detail-type': 'Transaction Settled',
        source: 'payments.ledger',
        account: '000000000000',
        time: '2026-12-04T10:00:00Z',
        region: 'us-east-1',
        resources: [],
        detail: { transactionId: 't-1' },
      },
    ]);
    const recorded = bridge.published('payments').slice(-2);
    expect(recorded.map((r) => [r.event['detail-type'], r.rules, r.publishedBy])).toEqual([
      ['Transaction Settled', ['Settled'], 'Publisher'],
      ['Transaction Pending', [], 'Publisher'],
    ]);
    expect(bridge.deliveries('Settled')?.map((e) => e.detail)).toEqual([{ transactionId: 't-1' }]);
  });

  it('refuses a call of more than 10 entries, or none, as a whole', async () => {
    const eleven = Array.from({ length: 11 }, (_, i) => entry('Transaction Settled', { i }));
    await expect(client.send(new PutEventsCommand({ Entries: eleven }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(client.send(new PutEventsCommand({ Entries: [] }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  // The patterns of AWS's event-pattern documentation, each against an event it matches and one it does not.
  type Sample = { detail: unknown; 'detail-type'?: string };
  const documented: [string, unknown, Sample, Sample][] = [
    ['equality on detail', { detail: { state: ['running'] } }, { detail: { state: 'running' } }, { detail: { state: 'stopped' } }],
    ['prefix', { detail: { region: [{ prefix: 'ca-' }] } }, { detail: { region: 'ca-central-1' } }, { detail: { region: 'us-east-1' } }],
    ['anything-but', { detail: { state: [{ 'anything-but': 'initializing' }] } }, { detail: { state: 'running' } }, { detail: { state: 'initializing' } }],
    ['numeric range', { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } }, { detail: { 'c-count': 5 } }, { detail: { 'c-count': 6 } }],
    ['exists false', { detail: { 'c-count': [{ exists: false }] } }, { detail: { other: 1 } }, { detail: { 'c-count': 1 } }],
    ['$or', { detail: { $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }] } }, { detail: { 'd-count': 3 } }, { detail: { 'c-count': 9, 'd-count': 10 } }],
    ['array value matches any element', { detail: { tags: ['red'] } }, { detail: { tags: ['blue', 'red'] } }, { detail: { tags: ['blue'] } }],
    ['equals-ignore-case', { 'detail-type': [{ 'equals-ignore-case': 'transaction settled' }] }, { detail: {}, 'detail-type': 'Transaction Settled' }, { detail: {}, 'detail-type': 'Transaction Failed' }],
  ];
  it.each(documented)('matches a rule added at run time with a documented pattern: %s', async (name, pattern, hit, miss) => {
    const rule = `doc-${name.replace(/[^a-z]/gi, '')}`;
    await client.send(new PutRuleCommand({ Name: rule, EventBusName: 'payments', EventPattern: JSON.stringify({ source: ['docs'], ...(pattern as object) }) }));
    await client.send(new PutTargetsCommand({ Rule: rule, EventBusName: 'payments', Targets: [{ Id: 'queue', Arn: 'arn:aws:sqs:us-east-1:111111111111:other-team' }] }));
    await client.send(new PutEventsCommand({ Entries: [entry(hit['detail-type'] ?? 'Doc', hit.detail, 'docs'), entry(miss['detail-type'] ?? 'Doc', miss.detail, 'docs')] }));
    const got = bridge.deliveries(rule) as EventEnvelope[];
    expect(got.map((e) => e.detail)).toEqual([hit.detail]);
    await client.send(new RemoveTargetsCommand({ Rule: rule, EventBusName: 'payments', Ids: ['queue'] }));
    await client.send(new DeleteRuleCommand({ Name: rule, EventBusName: 'payments' }));
    expect(bridge.deliveries(rule)).toBeUndefined();
  });

  it("refuses an invalid pattern, a rule on an unknown bus, changing the stack's own rule, and a caller IAM denies", async () => {
    await expect(client.send(new PutRuleCommand({ Name: 'bad', EventBusName: 'payments', EventPattern: '{"source":"not-a-list"}' }))).rejects.toMatchObject({ name: 'InvalidEventPatternException' });
    await expect(client.send(new PutRuleCommand({ Name: 'x', EventBusName: 'nope', EventPattern: '{"source":["a"]}' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(client.send(new PutRuleCommand({ Name: 'Settled', EventBusName: 'payments', EventPattern: '{"source":["a"]}' }))).rejects.toMatchObject({ name: 'ManagedRuleException' });
    denyRules = true;
    try {
      await expect(client.send(new PutRuleCommand({ Name: 'y', EventBusName: 'payments', EventPattern: '{"source":["a"]}' }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    } finally {
      denyRules = false;
    }
    const rules = await client.send(new ListRulesCommand({ EventBusName: 'payments' }));
    expect(rules.Rules?.map((r) => r.Name)).toEqual(['Settled']);
  });
});
