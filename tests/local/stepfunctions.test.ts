import net from 'node:net';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { installVirtualClock, type VirtualClock } from '../../local/clock.ts';
import type { LocalFunction } from '../../local/lambda-runtime.ts';
import { startLocalStepFunctions, stateMachineArn, type LocalStepFunctions } from '../../local/stepfunctions.ts';
import type { CfnResource, CfnTemplate, IntrinsicContext } from '../../local/template.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const ctx: IntrinsicContext = {
  region: 'us-east-1',
  accountId: '000000000000',
  partition: 'aws',
  stackName: 'TrustdeskTest',
  urlSuffix: 'amazonaws.com',
  ref: (id) => stateMachineArn(ctx, id),
  getAtt: (id) => (id === 'Role' ? `arn:aws:iam::000000000000:role/${id}` : `arn:aws:lambda:us-east-1:000000000000:${id}`),
};

/**
 * A state machine the way CDK synthesizes one: DefinitionString is an Fn::Join whose parts hold the
 * functions' Fn::GetAtt. Write `{{LogicalId}}` where a function ARN goes.
 */
function stateMachine(definition: object): CfnResource {
  const text = JSON.stringify(definition);
  const parts: unknown[] = [];
  let last = 0;
  for (const m of text.matchAll(/\{\{(\w+)\}\}/g)) {
    parts.push(text.slice(last, m.index));
    parts.push({ 'Fn::GetAtt': [m[1], 'Arn'] });
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  return {
    Type: 'AWS::StepFunctions::StateMachine',
    Properties: { DefinitionString: { 'Fn::Join': ['', parts] }, RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] } },
  };
}

const lambdaInvoke = (fn: string, extra: object = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: `{{${fn}}}`, 'Payload.$': '$' },
  ...extra,
});

const waitForToken = (fn: string, extra: object = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
  Parameters: {
    FunctionName: `{{${fn}}}`,
    Payload: { 'taskToken.$': '$$.Task.Token', 'input.$': '$', 'execution.$': '$$.Execution.Id', channel: 'email' },
  },
  ...extra,
});

const ack = (extra: object) =>
  stateMachine({
    StartAt: 'Notify',
    States: {
      Notify: waitForToken('Notifier', {
        TimeoutSecondsPath: '$.ackSeconds',
        HeartbeatSeconds: 600,
        ResultPath: '$.ack',
        Catch: [
          { ErrorEquals: ['States.Timeout'], ResultPath: '$.timeout', Next: 'Escalate' },
          { ErrorEquals: ['Rejected'], ResultPath: '$.rejection', Next: 'Rejected' },
        ],
        Next: 'Acknowledged',
        ...extra,
      }),
      Escalate: { Type: 'Pass', Result: 'escalated', ResultPath: '$.outcome', End: true },
      Rejected: { Type: 'Pass', Result: 'rejected', ResultPath: '$.outcome', End: true },
      Acknowledged: { Type: 'Pass', Result: 'acknowledged', ResultPath: '$.outcome', End: true },
    },
  });

const template: CfnTemplate = {
  Resources: {
    Triage: stateMachine({
      StartAt: 'Classify',
      States: {
        Classify: lambdaInvoke('Classify', { ResultSelector: { 'case.$': '$.Payload' }, OutputPath: '$.case', Next: 'Score' }),
        Score: { Type: 'Task', Resource: '{{Score}}', ResultPath: '$.risk', Next: 'Route' },
        Route: {
          Type: 'Choice',
          Choices: [{ Variable: '$.risk.score', NumericGreaterThanEquals: 50, Next: 'High' }],
          Default: 'Normal',
        },
        High: { Type: 'Pass', Result: 'P1', ResultPath: '$.priority', End: true },
        Normal: { Type: 'Pass', Result: 'P3', ResultPath: '$.priority', End: true },
      },
    }),
    Lookup: stateMachine({
      StartAt: 'Find',
      States: {
        Find: lambdaInvoke('Finder', {
          Catch: [{ ErrorEquals: ['CaseNotFound'], ResultPath: '$.error', Next: 'NotFound' }],
          ResultSelector: { 'found.$': '$.Payload.found' },
          Next: 'Found',
        }),
        NotFound: { Type: 'Pass', Result: 'not-found', ResultPath: '$.outcome', End: true },
        Found: { Type: 'Pass', End: true },
      },
    }),
    LookupStrict: stateMachine({ StartAt: 'FindStrict', States: { FindStrict: lambdaInvoke('Finder', { End: true }) } }),
    Ack: ack({}),
    StrictAck: stateMachine({
      StartAt: 'Confirm',
      States: {
        Confirm: waitForToken('Notifier', {
          TimeoutSeconds: 60,
          Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.error', Next: 'Caught' }],
          End: true,
        }),
        Caught: { Type: 'Pass', End: true },
      },
    }),
    Pipeline: stateMachine({
      StartAt: 'Prepare',
      States: {
        Prepare: lambdaInvoke('Slow', { ResultPath: '$.prepared', Next: 'Cool' }),
        Cool: { Type: 'Wait', SecondsPath: '$.waitSeconds', Next: 'Approve' },
        Approve: waitForToken('Notifier', { ResultPath: '$.approval', End: true }),
      },
    }),
    Counted: stateMachine({
      StartAt: 'Start',
      States: {
        Start: { Type: 'Pass', Next: 'Fanout' },
        Fanout: {
          Type: 'Parallel',
          ResultPath: null,
          Branches: [
            { StartAt: 'A1', States: { A1: { Type: 'Pass', Next: 'A2' }, A2: { Type: 'Pass', End: true } } },
            { StartAt: 'B1', States: { B1: { Type: 'Pass', End: true } } },
          ],
          Next: 'Flaky',
        },
        Flaky: lambdaInvoke('Flaky', {
          Retry: [{ ErrorEquals: ['Transient'], IntervalSeconds: 1, MaxAttempts: 2 }],
          ResultSelector: { 'attempt.$': '$.Payload.attempt' },
          End: true,
        }),
      },
    }),
    Patient: stateMachine({
      StartAt: 'Stubborn',
      States: {
        Stubborn: lambdaInvoke('Stubborn', {
          Retry: [{ ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 600, BackoffRate: 3, MaxAttempts: 3 }],
          ResultSelector: { 'attempt.$': '$.Payload.attempt' },
          End: true,
        }),
      },
    }),
    Mixed: stateMachine({
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'Hold', States: { Hold: waitForToken('Notifier', { End: true }) } },
            {
              StartAt: 'FlakyB',
              States: {
                FlakyB: lambdaInvoke('Flaky', {
                  Retry: [{ ErrorEquals: ['Transient'], IntervalSeconds: 1, MaxAttempts: 2 }],
                  ResultSelector: { 'attempt.$': '$.Payload.attempt' },
                  End: true,
                }),
              },
            },
          ],
          End: true,
        },
      },
    }),
    Deadline: stateMachine({
      TimeoutSeconds: 7200,
      StartAt: 'Hold',
      States: { Hold: waitForToken('Notifier', { End: true }) },
    }),
    Reviews: stateMachine({
      StartAt: 'EachReviewer',
      States: {
        EachReviewer: {
          Type: 'Map',
          ItemsPath: '$.reviewers',
          ItemProcessor: { StartAt: 'Review', States: { Review: waitForToken('Notifier', { End: true }) } },
          End: true,
        },
      },
    }),
    Role: { Type: 'AWS::IAM::Role', Properties: {} },
  },
};

class CaseNotFound extends Error {
  override name = 'CaseNotFound';
}
class Transient extends Error {
  override name = 'Transient';
}

const calls: Record<string, unknown[]> = {};
const notified: { taskToken: string; input: unknown; execution: string; channel: string }[] = [];
let flakyCalls = 0;
let stubbornCalls = 0;
let slowDone = false;

function fakeFunction(logicalId: string, handler: (event: any) => unknown): LocalFunction {
  return {
    logicalId,
    description: logicalId,
    timeoutSeconds: 30,
    memoryMb: 128,
    environment: {},
    invoke: async (event) => {
      (calls[logicalId] ??= []).push(event);
      return handler(structuredClone(event));
    },
  };
}

const functions = new Map<string, LocalFunction>(
  [
    fakeFunction('Classify', (e: { subject: string }) => ({ ...e, category: e.subject.includes('refund') ? 'payment' : 'other' })),
    fakeFunction('Score', (e: { category: string }) => ({ score: e.category === 'payment' ? 80 : 10 })),
    fakeFunction('Finder', (e: { caseId: string }) => {
      if (e.caseId === 'missing') throw new CaseNotFound(`case ${e.caseId} does not exist`);
      return { found: true };
    }),
    fakeFunction('Notifier', (e) => {
      notified.push(e);
      return { notified: true };
    }),
    fakeFunction('Slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      slowDone = true;
      return { slow: true };
    }),
    fakeFunction('Stubborn', () => {
      stubbornCalls++;
      if (stubbornCalls <= 2) throw new Transient('not yet');
      return { attempt: stubbornCalls };
    }),
    fakeFunction('Flaky', () => {
      flakyCalls++;
      if (flakyCalls === 1) throw new Transient('try again');
      return { attempt: flakyCalls };
    }),
  ].map((f) => [f.logicalId, f]),
);

const resolveFunction = (arnOrName: string) => functions.get(arnOrName.split(':').at(-1)!);
const arnOf = (id: string) => stateMachineArn(ctx, id);

function client(endpoint: string): SFNClient {
  return new SFNClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

describe('local Step Functions', () => {
  let clock: VirtualClock;
  let local: LocalStepFunctions;
  let sfn: SFNClient;
  const logs: string[] = [];

  const start = async (machine: string, input: object, name?: string) => {
    const out = await sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf(machine), input: JSON.stringify(input), ...(name && { name }) }));
    return out.executionArn!;
  };
  const output = (arn: string) => local.describe(arn)?.output as Record<string, any>;
  const lastNotified = () => notified.at(-1)!;

  beforeAll(async () => {
    clock = installVirtualClock();
    local = await startLocalStepFunctions({ host: '127.0.0.1', port: 0, template, ctx, resolveFunction, clock, log: (l) => logs.push(l) });
    sfn = client(local.endpoint);
  });
  afterAll(async () => {
    sfn?.destroy();
    await local?.stop();
    clock?.uninstall();
  });
  beforeEach(() => {
    logs.length = 0;
    notified.length = 0;
  });

  it('runs a Lambda invoke chain resolved from an Fn::Join DefinitionString', async () => {
    const arn = await start('Triage', { subject: 'refund for missing coins', amount: 120 });
    expect(arn).toMatch(/^arn:aws:states:us-east-1:000000000000:execution:Triage:[0-9a-f-]{36}$/);
    await local.whenIdle();

    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(described.status).toBe('SUCCEEDED');
    expect(described.startDate).toBeInstanceOf(Date);
    expect(described.stopDate!.getTime()).toBeGreaterThanOrEqual(described.startDate!.getTime());
    expect(JSON.parse(described.output!)).toEqual({
      subject: 'refund for missing coins',
      amount: 120,
      category: 'payment',
      risk: { score: 80 },
      priority: 'P1',
    });
    // lambda:invoke hands the function its Payload; a Lambda ARN resource hands it the state input.
    expect(calls.Classify!.at(-1)).toEqual({ subject: 'refund for missing coins', amount: 120 });
    expect(calls.Score!.at(-1)).toEqual({ subject: 'refund for missing coins', amount: 120, category: 'payment' });
    expect(local.transitions(arn)).toBe(4); // Classify, Score, Route, High
    expect(logs).toEqual([]);
  });

  it('maps a function error to its name: caught by Catch, or failing the execution with one log line', async () => {
    const caught = await start('Lookup', { caseId: 'missing' });
    const uncaught = await start('LookupStrict', { caseId: 'missing' });
    const found = await start('Lookup', { caseId: 'c-1' });
    await local.whenIdle();

    const error = output(caught).error as { Error: string; Cause: string };
    expect(output(caught).outcome).toBe('not-found');
    expect(error.Error).toBe('CaseNotFound');
    expect(JSON.parse(error.Cause)).toMatchObject({ errorType: 'CaseNotFound', errorMessage: 'case missing does not exist' });
    expect(output(found)).toEqual({ found: true });

    const failed = await sfn.send(new DescribeExecutionCommand({ executionArn: uncaught }));
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('CaseNotFound');
    expect(JSON.parse(failed.cause!).errorMessage).toBe('case missing does not exist');
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('LookupStrict');
    expect(logs[0]).toContain('CaseNotFound');
  });

  it('resumes a waitForTaskToken state with SendTaskSuccess; the output flows on; the token is then gone', async () => {
    const arn = await start('Ack', { caseId: 'c-2', ackSeconds: 3600 });
    await local.whenIdle();
    expect(local.describe(arn)?.status).toBe('RUNNING');

    const call = lastNotified();
    expect(call.input).toEqual({ caseId: 'c-2', ackSeconds: 3600 });
    expect(call.execution).toBe(arn);
    expect(call.channel).toBe('email');
    expect(call.taskToken).toMatch(/^[\w-]{64}$/);
    const pending = local.pendingTasks().filter((t) => t.executionArn === arn);
    expect(pending).toEqual([{ token: call.taskToken, executionArn: arn, stateName: 'Notify', timeoutAt: expect.any(Number) }]);

    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: call.taskToken }));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: call.taskToken, output: JSON.stringify({ by: 'agent-7' }) }));
    await local.whenIdle();
    expect(local.describe(arn)?.status).toBe('SUCCEEDED');
    expect(output(arn)).toEqual({ caseId: 'c-2', ackSeconds: 3600, ack: { by: 'agent-7' }, outcome: 'acknowledged' });
    expect(local.pendingTasks().some((t) => t.token === call.taskToken)).toBe(false);

    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: call.taskToken, output: '{}' }))).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
    await expect(sfn.send(new SendTaskHeartbeatCommand({ taskToken: call.taskToken }))).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
  });

  it('fails a waitForTaskToken state with SendTaskFailure, caught by Catch on the error name', async () => {
    const arn = await start('Ack', { caseId: 'c-3', ackSeconds: 3600 });
    await local.whenIdle();
    const { taskToken } = lastNotified();
    await sfn.send(new SendTaskFailureCommand({ taskToken, error: 'Rejected', cause: 'the user withdrew the complaint' }));
    await local.whenIdle();
    expect(local.describe(arn)?.status).toBe('SUCCEEDED');
    expect(output(arn)).toMatchObject({ outcome: 'rejected', rejection: { Error: 'Rejected', Cause: 'the user withdrew the complaint' } });
  });

  it('answers unknown and malformed tokens, and bad output, with the AWS errors', async () => {
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: 'A'.repeat(64), output: '{}' }))).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
    await expect(sfn.send(new SendTaskFailureCommand({ taskToken: 'no-such-token', error: 'X' }))).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: 'x'.repeat(2000), output: '{}' }))).rejects.toMatchObject({ name: 'InvalidToken' });

    const arn = await start('Ack', { caseId: 'c-4', ackSeconds: 3600 });
    await local.whenIdle();
    const { taskToken } = lastNotified();
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken, output: 'not json' }))).rejects.toMatchObject({ name: 'InvalidOutput' });
    expect(local.describe(arn)?.status).toBe('RUNNING'); // a bad call leaves the task pending
    await sfn.send(new StopExecutionCommand({ executionArn: arn }));
  });

  it('fires a 24-hour TimeoutSecondsPath when the virtual clock is advanced, caught as States.Timeout', async () => {
    const arn = await start('Ack', { caseId: 'c-5', ackSeconds: 86_400 });
    await local.whenIdle();
    const { taskToken } = lastNotified();
    const task = local.pendingTasks().find((t) => t.token === taskToken)!;
    expect(task.timeoutAt! - clock.now()).toBeGreaterThan(DAY - HOUR);
    expect(task.timeoutAt! - clock.now()).toBeLessThanOrEqual(DAY);

    clock.advance(DAY - HOUR);
    await local.whenIdle();
    expect(local.describe(arn)?.status).toBe('RUNNING'); // 23 hours: not yet

    clock.advance(HOUR);
    await local.whenIdle();
    expect(local.describe(arn)?.status).toBe('SUCCEEDED');
    expect(output(arn)).toMatchObject({ outcome: 'escalated', timeout: { Error: 'States.Timeout' } });
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });

  it('does not let States.TaskFailed catch States.Timeout (as on AWS), but it catches a task failure', async () => {
    const timedOut = await start('StrictAck', { caseId: 'c-6' });
    await local.whenIdle();
    const failed = await start('StrictAck', { caseId: 'c-7' });
    await local.whenIdle();
    await sfn.send(new SendTaskFailureCommand({ taskToken: lastNotified().taskToken, error: 'Whatever', cause: 'no' }));
    clock.advance(60_000);
    await local.whenIdle();

    expect(local.describe(timedOut)).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(local.describe(failed)).toMatchObject({ status: 'SUCCEEDED', output: { caseId: 'c-7', error: { Error: 'Whatever', Cause: 'no' } } });
  });

  it('whenIdle waits for running Lambdas and Retry sleeps, not for Wait states or task tokens (Wait runs on the virtual clock)', async () => {
    slowDone = false;
    const arn = await start('Pipeline', { waitSeconds: 3600 });
    await local.whenIdle();
    expect(slowDone).toBe(true);
    expect(local.describe(arn)?.status).toBe('RUNNING');
    expect(local.pendingTasks().filter((t) => t.executionArn === arn)).toEqual([]);
    const entered = local.history(arn).filter((e: any) => e.type === 'StateEntered') as { state: { name: string; type: string } }[];
    expect(entered.at(-1)?.state).toMatchObject({ name: 'Cool', type: 'Wait' });

    clock.advance(HOUR);
    await local.whenIdle();
    const [task] = local.pendingTasks().filter((t) => t.executionArn === arn);
    expect(task?.stateName).toBe('Approve');
    expect(task?.timeoutAt).toBeUndefined();
    await sfn.send(new SendTaskSuccessCommand({ taskToken: task!.token, output: '"yes"' }));
    await local.whenIdle();
    expect(local.describe(arn)).toMatchObject({ status: 'SUCCEEDED', output: { waitSeconds: 3600, prepared: expect.objectContaining({ Payload: { slow: true }, StatusCode: 200 }), approval: 'yes' } });
  });

  it('counts state transitions like AWS billing: every state entered, nested ones too, plus retries', async () => {
    flakyCalls = 0;
    const arn = await start('Counted', {});
    await local.whenIdle(); // waits through the 1 s Retry interval
    expect(local.describe(arn)).toMatchObject({ status: 'SUCCEEDED', output: { attempt: 2 } });
    // Start, Fanout, A1, A2, B1, Flaky + 1 retry of Flaky
    expect(local.transitions(arn)).toBe(7);
    expect(flakyCalls).toBe(2);
  });

  it('sleeps a Retry interval on the virtual clock: IntervalSeconds × BackoffRate^n, shortened by moving the clock', async () => {
    stubbornCalls = 0;
    const arn = await start('Patient', {});
    const callsAfter = async (ms: number) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return stubbornCalls;
    };
    expect(await callsAfter(200)).toBe(1); // failed once; the first retry waits 600 s of the clock
    clock.advance(600_000);
    expect(await callsAfter(200)).toBe(2); // failed again; the second waits 600 × 3 s
    clock.advance(1_799_000);
    expect(await callsAfter(200)).toBe(2);
    expect(local.describe(arn)?.status).toBe('RUNNING');
    clock.advance(1000);
    await local.whenIdle();
    expect(stubbornCalls).toBe(3);
    expect(local.describe(arn)).toMatchObject({ status: 'SUCCEEDED', output: { attempt: 3 } });
    expect(local.transitions(arn)).toBe(3); // Stubborn + 2 retries
  });

  it('whenIdle waits for a Retry sleep in one Parallel branch while another branch waits on a token', async () => {
    flakyCalls = 0;
    const arn = await start('Mixed', {});
    await local.whenIdle();
    expect(flakyCalls).toBe(2); // the retry ran before whenIdle resolved
    const [hold] = local.pendingTasks().filter((t) => t.executionArn === arn);
    expect(hold?.stateName).toBe('Hold');
    await sfn.send(new SendTaskSuccessCommand({ taskToken: hold!.token, output: '"held"' }));
    await local.whenIdle();
    expect(local.describe(arn)).toMatchObject({ status: 'SUCCEEDED', output: ['held', { attempt: 2 }] });
    expect(local.transitions(arn)).toBe(4); // Both, Hold, FlakyB + 1 retry
  });

  it('gives every Map iteration its own token', async () => {
    const arn = await start('Reviews', { reviewers: ['lead', 'risk'] });
    await local.whenIdle();
    const pending = local.pendingTasks().filter((t) => t.executionArn === arn);
    expect(pending.map((t) => t.stateName)).toEqual(['Review', 'Review']);
    expect(new Set(notified.map((n) => n.taskToken)).size).toBe(2);
    for (const n of notified) {
      await sfn.send(new SendTaskSuccessCommand({ taskToken: n.taskToken, output: JSON.stringify({ approvedBy: n.input }) }));
    }
    await local.whenIdle();
    expect(local.describe(arn)).toMatchObject({ status: 'SUCCEEDED', output: [{ approvedBy: 'lead' }, { approvedBy: 'risk' }] });
    expect(local.transitions(arn)).toBe(3); // EachReviewer + Review × 2
  });

  it('times the whole execution out (TimeoutSeconds) on the virtual clock', async () => {
    const arn = await start('Deadline', {});
    await local.whenIdle();
    clock.advance(2 * HOUR);
    await local.whenIdle();
    expect(local.describe(arn)).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(local.pendingTasks().filter((t) => t.executionArn === arn)).toEqual([]);
    expect(local.history(arn).at(-1)).toMatchObject({ type: 'ExecutionTimeout' });
    expect(logs.some((l) => l.includes('Deadline') && l.includes('TIMED_OUT'))).toBe(true);
  });

  it('gives StartExecution names Standard semantics and validates its arguments', async () => {
    const first = await sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf('Ack'), name: 'case-42', input: '{"caseId":"c-42","ackSeconds":3600}' }));
    const again = await sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf('Ack'), name: 'case-42', input: '{"caseId":"c-42","ackSeconds":3600}' }));
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate).toEqual(first.startDate);
    expect(first.executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:Ack:case-42');
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf('Ack'), name: 'case-42', input: '{"caseId":"other","ackSeconds":3600}' })),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });

    await local.whenIdle();
    await sfn.send(new StopExecutionCommand({ executionArn: first.executionArn, error: 'Closed', cause: 'duplicate case' }));
    expect(local.describe(first.executionArn!)).toMatchObject({ status: 'ABORTED', error: 'Closed', cause: 'duplicate case' });
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf('Ack'), name: 'case-42', input: '{"caseId":"c-42","ackSeconds":3600}' })),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });

    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf('Nope'), input: '{}' }))).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf('Ack'), input: '{oops' }))).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf('Ack'), name: 'has space', input: '{}' }))).rejects.toMatchObject({ name: 'InvalidName' });
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn: `${arnOf('Ack').replace('stateMachine', 'execution')}:missing` }))).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
  });

  it('stops an execution waiting on a token: ABORTED, and its token is gone', async () => {
    const arn = await start('Ack', { caseId: 'c-8', ackSeconds: 3600 });
    await local.whenIdle();
    const { taskToken } = lastNotified();
    const stopped = await sfn.send(new StopExecutionCommand({ executionArn: arn }));
    expect(stopped.stopDate).toBeInstanceOf(Date);
    await local.whenIdle();
    expect(local.describe(arn)?.status).toBe('ABORTED');
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
    expect(local.history(arn).some((e: any) => e.type === 'ExecutionAborted')).toBe(true);
  });

  it('lists state machines and executions, describes a machine, returns the history', async () => {
    const machines = await sfn.send(new ListStateMachinesCommand({}));
    expect(machines.stateMachines!.map((m) => m.name).sort()).toEqual(['Ack', 'Counted', 'Deadline', 'Lookup', 'LookupStrict', 'Mixed', 'Patient', 'Pipeline', 'Reviews', 'StrictAck', 'Triage']);

    const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arnOf('Triage') }));
    expect(described.status).toBe('ACTIVE');
    expect(described.type).toBe('STANDARD');
    expect(described.roleArn).toBe('arn:aws:iam::000000000000:role/Role');
    const definition = JSON.parse(described.definition!);
    expect(definition.States.Classify.Parameters.FunctionName).toBe('arn:aws:lambda:us-east-1:000000000000:Classify');
    expect(definition.States.Score.Resource).toBe('arn:aws:lambda:us-east-1:000000000000:Score');

    const done = await start('Triage', { subject: 'hello' });
    const waiting = await start('Ack', { caseId: 'c-9', ackSeconds: 3600 });
    await local.whenIdle();
    const running = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arnOf('Ack'), statusFilter: 'RUNNING' }));
    expect(running.executions!.map((e) => e.executionArn)).toContain(waiting);
    expect(running.executions!.every((e) => e.status === 'RUNNING')).toBe(true);
    const triage = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arnOf('Triage') }));
    expect(triage.executions!.find((e) => e.executionArn === done)).toMatchObject({ status: 'SUCCEEDED', name: done.split(':').at(-1) });
    await expect(sfn.send(new ListExecutionsCommand({ stateMachineArn: arnOf('Nope') }))).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });

    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: done }));
    const types = history.events!.map((e) => e.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types).toContain('TaskStateEntered');
    expect(types).toContain('ChoiceStateExited');
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    expect(history.events![0]!.timestamp).toBeInstanceOf(Date);
    expect(JSON.parse(history.events![0]!.executionStartedEventDetails!.input!)).toEqual({ subject: 'hello' });
    expect(history.events!.map((e) => e.id)).toEqual(history.events!.map((_, i) => i + 1));
    await sfn.send(new StopExecutionCommand({ executionArn: waiting }));
  });

  it('enforces timeouts with a fast clock (timeScale) without any advance', async () => {
    const fast = installVirtualClock({ timeScale: 3600 });
    const other = await startLocalStepFunctions({ host: '127.0.0.1', port: 0, template, ctx, resolveFunction, clock: fast, log: () => undefined });
    try {
      // 6 virtual minutes: a tenth of a real second at 3600×.
      const { executionArn } = await other.startExecution(arnOf('Ack'), 'fast-1', { caseId: 'c-10', ackSeconds: 360 });
      await expect.poll(() => other.describe(executionArn)?.status, { timeout: 5000, interval: 10 }).toBe('SUCCEEDED');
      expect(other.describe(executionArn)?.output).toMatchObject({ outcome: 'escalated', timeout: { Error: 'States.Timeout' } });
    } finally {
      await other.stop();
      fast.uninstall();
    }
  });

  it('stop() aborts waiting executions and frees the port', async () => {
    const other = await startLocalStepFunctions({ host: '127.0.0.1', port: 0, template, ctx, resolveFunction, clock, log: () => undefined });
    const { executionArn } = await other.startExecution(arnOf('Ack'), 'to-stop', { caseId: 'c-11', ackSeconds: 86_400 });
    const pipeline = await other.startExecution(arnOf('Pipeline'), 'in-wait', { waitSeconds: 86_400 });
    await other.whenIdle();
    expect(other.pendingTasks()).toHaveLength(1);
    const port = other.port;
    expect(await portIsFree(port)).toBe(false);

    await other.stop();
    expect(other.describe(executionArn)?.status).toBe('ABORTED');
    expect(other.describe(pipeline.executionArn)?.status).toBe('ABORTED');
    expect(other.pendingTasks()).toEqual([]);
    expect(await portIsFree(port)).toBe(true);
    await expect(other.startExecution(arnOf('Ack'), 'after-stop', {})).rejects.toThrow();
  });

  it('refuses at load a Task resource the local cloud cannot run, naming the state', async () => {
    const bad: CfnTemplate = {
      Resources: {
        Parent: stateMachine({
          StartAt: 'StartChild',
          States: { StartChild: { Type: 'Task', Resource: 'arn:aws:states:::states:startExecution.sync:2', Parameters: { StateMachineArn: 'x' }, End: true } },
        }),
      },
    };
    await expect(startLocalStepFunctions({ host: '127.0.0.1', port: 0, template: bad, ctx, resolveFunction, clock, log: () => undefined })).rejects.toThrow(
      /Parent.*StartChild.*states:::states:startExecution/,
    );
    const noInput: CfnTemplate = {
      Resources: {
        Ack: stateMachine({
          StartAt: 'Wait4',
          States: {
            Wait4: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
              Parameters: { FunctionName: '{{Notifier}}', Payload: { 'taskToken.$': '$$.Task.Token' } },
              TimeoutSecondsPath: '$.seconds',
              End: true,
            },
          },
        }),
      },
    };
    await expect(startLocalStepFunctions({ host: '127.0.0.1', port: 0, template: noInput, ctx, resolveFunction, clock, log: () => undefined })).rejects.toThrow(
      /Wait4.*"input\.\$": "\$"/,
    );
  });
});
