// The IAM evaluator against the evaluation logic AWS documents (IAM User Guide: "Policy evaluation logic",
// "IAM JSON policy elements": Action, NotAction, Resource, NotResource, Condition, wildcards), the request
// mapping of each service the local cloud emulates, and the roles built from a template.
import { describe, expect, it } from 'vitest';
import { actionMatches, arnMatches, deniedMessage, evaluate, type NamedPolicy, type PolicyStatement } from '#local/iam.ts';
import { dynamodbRequests, eventBridgeRequests, s3Requests, schedulerRequests, sesQueryRequests, sfnRequests, snsRequests } from '#local/iam-requests.ts';
import { accessKeyOf, eventSourceMappingDenials, localIamFromTemplate, signingAccessKey } from '#local/iam-roles.ts';
import type { CfnTemplate, IntrinsicContext } from '#local/template.ts';

const policy = (...Statement: PolicyStatement[]): NamedPolicy[] => [{ name: 'p', document: { Version: '2012-10-17', Statement } }];
const TABLE = 'arn:aws:dynamodb:us-east-1:123456789012:table/Books';
const C = { partition: 'aws', region: 'us-east-1', accountId: '123456789012' };

describe('evaluate: AWS evaluation logic', () => {
  it('denies by default: a request no statement allows is implicitly denied', () => {
    expect(evaluate([], { action: 'dynamodb:GetItem', resource: TABLE }).effect).toBe('implicit-deny');
    expect(evaluate(policy({ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: `${TABLE}/index/*` }), { action: 'dynamodb:GetItem', resource: TABLE }).effect).toBe('implicit-deny');
  });

  it('allows what an Allow statement names', () => {
    expect(evaluate(policy({ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: TABLE }), { action: 'dynamodb:PutItem', resource: TABLE }).effect).toBe('allow');
  });

  it('an explicit Deny overrides any Allow, in the same or another policy', () => {
    const allow = policy({ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' });
    const deny: NamedPolicy = { name: 'no-deletes', document: { Statement: { Effect: 'Deny', Action: 'dynamodb:DeleteItem', Resource: TABLE } } };
    expect(evaluate([...allow, deny], { action: 'dynamodb:DeleteItem', resource: TABLE })).toEqual({ effect: 'explicit-deny', policy: 'no-deletes' });
    expect(evaluate([deny, ...allow], { action: 'dynamodb:GetItem', resource: TABLE }).effect).toBe('allow');
  });

  it('matches actions case-insensitively with * and ? wildcards', () => {
    expect(actionMatches('dynamodb:Get*', 'dynamodb:GetItem')).toBe(true);
    expect(actionMatches('DynamoDB:getitem', 'dynamodb:GetItem')).toBe(true);
    expect(actionMatches('s3:*Object', 's3:GetObject')).toBe(true);
    expect(actionMatches('iam:*AccessKey*', 'iam:ListAccessKeys')).toBe(true);
    expect(actionMatches('s3:Get?bject', 's3:GetObject')).toBe(true);
    expect(actionMatches('dynamodb:Get*', 'dynamodb:BatchGetItem')).toBe(false);
    expect(actionMatches('dynamodb:GetItem', 'dynamodb:GetItems')).toBe(false);
  });

  it('matches resources as ArnLike: case-sensitive, a * in a segment stays in it, the resource part spans / and :', () => {
    expect(arnMatches('arn:aws:s3:::amzn-s3-demo-bucket/*', 'arn:aws:s3:::amzn-s3-demo-bucket/folder/a.txt')).toBe(true);
    expect(arnMatches('arn:aws:s3:::amzn-s3-demo-bucket/*', 'arn:aws:s3:::amzn-s3-demo-bucket')).toBe(false);
    expect(arnMatches(`${TABLE}/index/*`, `${TABLE}/index/byOpened`)).toBe(true);
    expect(arnMatches(TABLE, `${TABLE}/index/byOpened`)).toBe(false);
    expect(arnMatches('arn:aws:dynamodb:*:123456789012:table/Books', TABLE)).toBe(true);
    expect(arnMatches('arn:aws:dynamodb:us-*:*:table/*', TABLE)).toBe(true);
    // A region wildcard does not swallow the account's colon.
    expect(arnMatches('arn:aws:dynamodb:*:table/Books', TABLE)).toBe(false);
    expect(arnMatches('arn:aws:dynamodb:us-east-1:123456789012:table/books', TABLE)).toBe(false);
    expect(arnMatches('arn:aws:logs:us-east-1:123456789012:log-group:G:*', 'arn:aws:logs:us-east-1:123456789012:log-group:G:log-stream:S')).toBe(true);
    expect(arnMatches('*', TABLE)).toBe(true);
  });

  it('NotAction with Allow allows every other action; with Deny it denies every other action', () => {
    const allButIam = policy({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' });
    expect(evaluate(allButIam, { action: 'dynamodb:PutItem', resource: TABLE }).effect).toBe('allow');
    expect(evaluate(allButIam, { action: 'iam:CreateUser', resource: '*' }).effect).toBe('implicit-deny');
    const onlyReads = [...policy({ Effect: 'Allow', Action: '*', Resource: '*' }), { name: 'reads', document: { Statement: [{ Effect: 'Deny' as const, NotAction: ['dynamodb:Get*', 'dynamodb:Query'], Resource: '*' }] } }];
    expect(evaluate(onlyReads, { action: 'dynamodb:Query', resource: TABLE }).effect).toBe('allow');
    expect(evaluate(onlyReads, { action: 'dynamodb:PutItem', resource: TABLE }).effect).toBe('explicit-deny');
  });

  it('NotResource applies to every resource but those it lists', () => {
    const p = policy({ Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Effect: 'Deny', Action: 's3:*', NotResource: ['arn:aws:s3:::mine', 'arn:aws:s3:::mine/*'] });
    expect(evaluate(p, { action: 's3:GetObject', resource: 'arn:aws:s3:::mine/k' }).effect).toBe('allow');
    expect(evaluate(p, { action: 's3:GetObject', resource: 'arn:aws:s3:::theirs/k' }).effect).toBe('explicit-deny');
  });

  it('a statement with neither Resource nor NotResource matches nothing', () => {
    expect(evaluate(policy({ Effect: 'Allow', Action: '*' }), { action: 's3:GetObject', resource: '*' }).effect).toBe('implicit-deny');
  });
});

describe('evaluate: conditions', () => {
  const allowIf = (Condition: PolicyStatement['Condition']) => policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition });
  const ask = (p: NamedPolicy[], context: Record<string, string | string[] | undefined>) => evaluate(p, { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context }).effect;

  it('Bool aws:SecureTransport, the bucket policies’ condition: the deny applies only to plain HTTP', () => {
    const p = policy({ Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    expect(ask(p, { 'aws:SecureTransport': 'true' })).toBe('allow');
    expect(ask(p, { 'aws:SecureTransport': 'false' })).toBe('explicit-deny');
  });

  it('keys are case-insensitive; values of one key are ORed; keys and operators are ANDed', () => {
    const p = allowIf({ StringEquals: { 'AWS:SourceAccount': ['111', '222'] }, ArnLike: { 'aws:SourceArn': 'arn:aws:ses:*:222:receipt-rule-set/*' } });
    expect(ask(p, { 'aws:sourceaccount': '222', 'aws:SourceArn': 'arn:aws:ses:us-east-1:222:receipt-rule-set/r:receipt-rule/x' })).toBe('allow');
    expect(ask(p, { 'aws:SourceAccount': '333', 'aws:SourceArn': 'arn:aws:ses:us-east-1:222:receipt-rule-set/r' })).toBe('implicit-deny');
    expect(ask(p, { 'aws:SourceAccount': '222' })).toBe('implicit-deny');
  });

  it('a missing key fails a condition, except with IfExists, a negated IfExists, Null and ForAllValues', () => {
    expect(ask(allowIf({ StringEquals: { 'ses:FromAddress': 'a@x' } }), {})).toBe('implicit-deny');
    expect(ask(allowIf({ StringEqualsIfExists: { 'ses:FromAddress': 'a@x' } }), {})).toBe('allow');
    expect(ask(allowIf({ StringEqualsIfExists: { 'ses:FromAddress': 'a@x' } }), { 'ses:FromAddress': 'b@x' })).toBe('implicit-deny');
    expect(ask(allowIf({ StringNotEqualsIfExists: { 'ses:FromAddress': 'a@x' } }), {})).toBe('allow');
    expect(ask(allowIf({ Null: { 'aws:TokenIssueTime': 'true' } }), {})).toBe('allow');
    expect(ask(allowIf({ Null: { 'aws:TokenIssueTime': 'true' } }), { 'aws:TokenIssueTime': '2026-01-01T00:00:00Z' })).toBe('implicit-deny');
    expect(ask(allowIf({ 'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['a', 'b'] } }), {})).toBe('allow');
  });

  it('StringLike and negated operators over value sets; ForAnyValue and ForAllValues', () => {
    expect(ask(allowIf({ StringLike: { 'ses:FromAddress': '*@trustdesk.example' } }), { 'ses:FromAddress': 'support@trustdesk.example' })).toBe('allow');
    expect(ask(allowIf({ StringNotLike: { 'ses:FromAddress': '*@trustdesk.example' } }), { 'ses:FromAddress': 'support@trustdesk.example' })).toBe('implicit-deny');
    const attrs = { 'dynamodb:Attributes': ['id', 'status'] };
    expect(ask(allowIf({ 'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['id', 'status', 'title'] } }), attrs)).toBe('allow');
    expect(ask(allowIf({ 'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['id'] } }), attrs)).toBe('implicit-deny');
    expect(ask(allowIf({ 'ForAnyValue:StringEquals': { 'dynamodb:Attributes': ['status'] } }), attrs)).toBe('allow');
  });

  it('numeric and date comparisons', () => {
    expect(ask(allowIf({ NumericLessThanEquals: { 's3:max-keys': '10' } }), { 's3:max-keys': '10' })).toBe('allow');
    expect(ask(allowIf({ NumericLessThanEquals: { 's3:max-keys': '10' } }), { 's3:max-keys': '11' })).toBe('implicit-deny');
    expect(ask(allowIf({ DateLessThan: { 'aws:CurrentTime': '2027-01-01T00:00:00Z' } }), { 'aws:CurrentTime': '2026-12-03T17:00:00Z' })).toBe('allow');
    expect(ask(allowIf({ DateGreaterThan: { 'aws:EpochTime': '1800000000' } }), { 'aws:EpochTime': '1700000000' })).toBe('implicit-deny');
  });

  it('an operator the evaluator does not know fails loudly rather than allowing', () => {
    expect(() => ask(allowIf({ IpAddressish: { 'aws:SourceIp': '1.2.3.4' } }), {})).toThrow(/IpAddressish/);
  });
});

describe('deniedMessage', () => {
  it('is the text AWS gives a role session', () => {
    const request = { action: 'dynamodb:PutItem', resource: TABLE };
    expect(deniedMessage('arn:aws:sts::123456789012:assumed-role/R/fn', request, { effect: 'implicit-deny' })).toBe(
      `User: arn:aws:sts::123456789012:assumed-role/R/fn is not authorized to perform: dynamodb:PutItem on resource: ${TABLE} because no identity-based policy allows the dynamodb:PutItem action`,
    );
    expect(deniedMessage('arn:aws:sts::1:assumed-role/R/fn', request, { effect: 'explicit-deny', policy: 'P' })).toMatch(/with an explicit deny in an identity-based policy: P$/);
  });
});

describe('requests → (action, resource), per service', () => {
  it('DynamoDB: a transaction per item kind on each item’s table, a batch per table, queries on their index', () => {
    const tx = dynamodbRequests(C, 'DynamoDB_20120810.TransactWriteItems', {
      TransactItems: [{ Put: { TableName: 'Cases' } }, { Update: { TableName: 'Cases' } }, { ConditionCheck: { TableName: 'Profiles' } }, { Delete: { TableName: 'Other' } }],
    });
    expect(tx).toEqual([
      { action: 'dynamodb:PutItem', resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/Cases' },
      { action: 'dynamodb:UpdateItem', resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/Cases' },
      { action: 'dynamodb:ConditionCheckItem', resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/Profiles' },
      { action: 'dynamodb:DeleteItem', resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/Other' },
    ]);
    expect(dynamodbRequests(C, 'DynamoDB_20120810.TransactGetItems', { TransactItems: [{ Get: { TableName: 'A' } }] })).toEqual([{ action: 'dynamodb:GetItem', resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/A' }]);
    expect(dynamodbRequests(C, 'DynamoDB_20120810.BatchWriteItem', { RequestItems: { A: [], B: [] } }).map((r) => `${r.action} ${r.resource.split('/').pop()}`)).toEqual([
      'dynamodb:BatchWriteItem A',
      'dynamodb:BatchWriteItem B',
    ]);
    expect(dynamodbRequests(C, 'DynamoDB_20120810.Query', { TableName: 'Cases', IndexName: 'byOpened' })).toEqual([{ action: 'dynamodb:Query', resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/Cases/index/byOpened' }]);
    expect(dynamodbRequests(C, 'DynamoDB_20120810.ExecuteStatement', { Statement: 'SELECT * FROM "Cases"."byOpened" WHERE pk = ?' })).toEqual([{ action: 'dynamodb:PartiQLSelect', resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/Cases/index/byOpened' }]);
    expect(dynamodbRequests(C, 'DynamoDBStreams_20120810.GetRecords', { ShardIterator: 'x|1|arn:aws:dynamodb:ddblocal:000000000000:table/Cases/stream/2026-12-03T00:00:00.000|y' })[0]!.resource).toBe(
      'arn:aws:dynamodb:ddblocal:000000000000:table/Cases/stream/2026-12-03T00:00:00.000',
    );
  });

  it('S3: objects by method on the object ARN, buckets on the bucket ARN', () => {
    expect(s3Requests(C, 'GET', 'mail', 'inbound/m1')).toEqual([{ action: 's3:GetObject', resource: 'arn:aws:s3:::mail/inbound/m1' }]);
    expect(s3Requests(C, 'HEAD', 'mail', 'inbound/m1')[0]!.action).toBe('s3:GetObject');
    expect(s3Requests(C, 'PUT', 'mail', 'k')[0]!.action).toBe('s3:PutObject');
    expect(s3Requests(C, 'GET', 'mail', undefined)).toEqual([{ action: 's3:ListBucket', resource: 'arn:aws:s3:::mail' }]);
  });

  it('SES: a send on its sender’s identity and on the configuration set it names', () => {
    const raw = Buffer.from('From: Trustdesk <support@trustdesk.example>\r\nTo: a@b\r\n\r\nhi').toString('base64');
    const form = new URLSearchParams({ Action: 'SendRawEmail', 'RawMessage.Data': raw, ConfigurationSetName: 'feedback' });
    expect(sesQueryRequests(C, form).map((r) => r.resource)).toEqual([
      'arn:aws:ses:us-east-1:123456789012:identity/trustdesk.example',
      'arn:aws:ses:us-east-1:123456789012:configuration-set/feedback',
    ]);
    expect(sesQueryRequests(C, form)[0]!.context).toMatchObject({ 'ses:FromAddress': 'support@trustdesk.example' });
  });

  it('Step Functions: a task token is authorized on the state machine of the execution that issued it', () => {
    const machine = 'arn:aws:states:us-east-1:123456789012:stateMachine:M';
    expect(sfnRequests('SendTaskSuccess', { taskToken: 't1' }, (t) => (t === 't1' ? machine : undefined))).toEqual([{ action: 'states:SendTaskSuccess', resource: machine }]);
    expect(sfnRequests('SendTaskSuccess', { taskToken: 'never-issued' }, () => undefined)).toEqual([]);
    expect(sfnRequests('StartExecution', { stateMachineArn: machine }, () => undefined)).toEqual([{ action: 'states:StartExecution', resource: machine }]);
  });
});

/** Intrinsics of a small test template: Ref is the logical id, Fn::GetAtt as given. */
const intrinsics = (getAtt: IntrinsicContext['getAtt']): IntrinsicContext => ({
  region: 'us-east-1',
  accountId: '000000000000',
  partition: 'aws',
  stackName: 'S',
  urlSuffix: 'amazonaws.com',
  ref: (id) => id,
  getAtt,
});

describe('requests of the services other emulators bring', () => {
  it('EventBridge: PutEvents on each distinct bus its entries name (default when none)', () => {
    expect(eventBridgeRequests(C, 'AWSEvents.PutEvents', { Entries: [{ EventBusName: 'cases' }, { EventBusName: 'cases' }, {}] })).toEqual([
      { action: 'events:PutEvents', resource: 'arn:aws:events:us-east-1:123456789012:event-bus/cases' },
      { action: 'events:PutEvents', resource: 'arn:aws:events:us-east-1:123456789012:event-bus/default' },
    ]);
  });

  it('Scheduler: the action on the schedule in its group, and iam:PassRole on the target role', () => {
    const role = 'arn:aws:iam::123456789012:role/SchedulerRole';
    expect(schedulerRequests(C, 'POST', '/schedules/case-c1-deadline', { GroupName: 'deadlines', Target: { RoleArn: role } })).toEqual([
      { action: 'scheduler:CreateSchedule', resource: 'arn:aws:scheduler:us-east-1:123456789012:schedule/deadlines/case-c1-deadline' },
      { action: 'iam:PassRole', resource: role, context: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    ]);
    expect(schedulerRequests(C, 'DELETE', '/schedules/x?groupName=g', undefined)).toEqual([{ action: 'scheduler:DeleteSchedule', resource: 'arn:aws:scheduler:us-east-1:123456789012:schedule/g/x' }]);
  });

  it('SNS: Publish on the topic', () => {
    expect(snsRequests(new URLSearchParams({ Action: 'Publish', TopicArn: 'arn:aws:sns:us-east-1:1:t' }))).toEqual([{ action: 'sns:Publish', resource: 'arn:aws:sns:us-east-1:1:t' }]);
  });
});

describe('roles from a template', () => {
  const ctx = intrinsics((id) => `arn:aws:dynamodb:us-east-1:000000000000:table/${id}`);
  const template: CfnTemplate = {
    Resources: {
      Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] } } },
      FnRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Policies: [{ PolicyName: 'inline', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: { 'Fn::GetAtt': ['T', 'Arn'] } }] } }],
          ManagedPolicyArns: [{ Ref: 'Managed' }, 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
        },
      },
      Attached: { Type: 'AWS::IAM::Policy', Properties: { Roles: [{ Ref: 'FnRole' }], PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'dynamodb:Query', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['T', 'Arn'] }, '/index/*']] } }] } } },
      Managed: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: { Statement: [{ Effect: 'Deny', Action: 'dynamodb:GetItem', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['T', 'Arn'] }, 'Secret']] } }] } } },
      T: { Type: 'AWS::DynamoDB::Table' },
    },
  };
  const headers = (key: string) => ({ authorization: `AWS4-HMAC-SHA256 Credential=${key}/20261203/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x` });
  const iam = localIamFromTemplate({ template, ctx, enabled: true });

  it('gives each function a key that names it and reads the key back from a SigV4 header or a presigned URL', () => {
    expect(iam.credentialsFor('Fn')?.accessKeyId).toBe(accessKeyOf('Fn'));
    expect(signingAccessKey(headers('ASIAFn'))).toBe('ASIAFn');
    expect(signingAccessKey({}, '/b/k?X-Amz-Credential=ASIAFn%2F20261203%2Fus-east-1%2Fs3%2Faws4_request')).toBe('ASIAFn');
  });

  it('evaluates inline, attached and the template’s managed policies together, with local ARNs resolved', () => {
    const table = 'arn:aws:dynamodb:us-east-1:000000000000:table/T';
    expect(iam.authorize(headers('ASIAFn'), [{ action: 'dynamodb:GetItem', resource: table }, { action: 'dynamodb:Query', resource: `${table}/index/i` }])).toBeUndefined();
    expect(iam.authorize(headers('ASIAFn'), [{ action: 'dynamodb:PutItem', resource: table }])?.message).toBe(
      `User: arn:aws:sts::000000000000:assumed-role/FnRole/Fn is not authorized to perform: dynamodb:PutItem on resource: ${table} because no identity-based policy allows the dynamodb:PutItem action`,
    );
    expect(iam.authorize(headers('ASIAFn'), [{ action: 'dynamodb:GetItem', resource: `${table}Secret` }])?.decision).toEqual({ effect: 'explicit-deny', policy: 'Managed' });
  });

  it('lets the local cloud’s own key through, and everything when enforcement is off', () => {
    expect(iam.authorize(headers('local'), [{ action: 'dynamodb:PutItem', resource: '*' }])).toBeUndefined();
    const off = localIamFromTemplate({ template, ctx, enabled: false });
    expect(off.authorize(headers('ASIAFn'), [{ action: 'dynamodb:PutItem', resource: '*' }])).toBeUndefined();
  });
});

describe('deploy-time checks: what Lambda verifies with the function’s role when a mapping is created', () => {
  const ctx = intrinsics((id, attribute) => (attribute === 'StreamArn' ? `arn:aws:dynamodb:ddblocal:000000000000:table/${id}/stream/1` : `arn:aws:sqs:us-east-1:000000000000:${id}`));
  const template = (actions: string[]): CfnTemplate => ({
    Resources: {
      Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] } } },
      FnRole: { Type: 'AWS::IAM::Role', Properties: {} },
      P: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          Roles: [{ Ref: 'FnRole' }],
          PolicyDocument: {
            Statement: [
              { Effect: 'Allow', Action: actions.filter((a) => a.startsWith('dynamodb:') && a !== 'dynamodb:ListStreams'), Resource: { 'Fn::GetAtt': ['T', 'StreamArn'] } },
              { Effect: 'Allow', Action: actions.filter((a) => a === 'dynamodb:ListStreams'), Resource: '*' },
              { Effect: 'Allow', Action: actions.filter((a) => a.startsWith('sqs:')), Resource: { 'Fn::GetAtt': ['Parked', 'Arn'] } },
            ],
          },
        },
      },
      Mapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: { FunctionName: { Ref: 'Fn' }, EventSourceArn: { 'Fn::GetAtt': ['T', 'StreamArn'] }, DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Parked', 'Arn'] } } } },
      },
    },
  });
  const all = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams', 'sqs:SendMessage'];
  const check = (actions: string[]) => {
    const t = template(actions);
    return eventSourceMappingDenials(t, ctx, localIamFromTemplate({ template: t, ctx, enabled: true }));
  };

  it('passes a role that may read the stream and park to the destination', () => {
    expect(check(all)).toEqual([]);
  });

  it('names the mapping and the missing permission otherwise', () => {
    expect(check(all.filter((a) => a !== 'dynamodb:GetRecords'))).toEqual([expect.stringMatching(/^Mapping: User: \S+assumed-role\/FnRole\/Fn is not authorized to perform: dynamodb:GetRecords on resource: arn:aws:dynamodb:ddblocal:000000000000:table\/T\/stream\/1/)]);
    expect(check(all.filter((a) => a !== 'sqs:SendMessage'))[0]).toMatch(/sqs:SendMessage on resource: arn:aws:sqs:us-east-1:000000000000:Parked/);
  });
});
