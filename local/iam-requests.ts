// What each service request asks IAM for: the (action, resource) pairs AWS authorizes a call by, per
// service the local cloud emulates, from the request as it arrives on the wire (the emulators call these
// before doing anything). Batches and transactions are checked item by item, as AWS does:
// TransactWriteItems needs PutItem / UpdateItem / DeleteItem / ConditionCheckItem on each item's table,
// TransactGetItems GetItem on each, BatchWriteItem and BatchGetItem their own action on every table they
// name; Query and Scan on an index are authorized on the index's ARN (`table/T/index/I`).
// Also here: each service's AccessDenied answer, in the shape its SDK client reads.
import type { AuthzRequest } from './iam.ts';

export interface ArnContext {
  partition: string;
  region: string;
  accountId: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------------------------
// DynamoDB and DynamoDB Streams (awsJson1_0, X-Amz-Target DynamoDB_20120810.Op / DynamoDBStreams_20120810.Op)
// ---------------------------------------------------------------------------------------------

export const tableArn = (c: ArnContext, table: string): string =>
  table.startsWith('arn:') ? table : `arn:${c.partition}:dynamodb:${c.region}:${c.accountId}:table/${table}`;

const TRANSACT_WRITE: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' };
const PARTIQL: Record<string, string> = { SELECT: 'PartiQLSelect', INSERT: 'PartiQLInsert', UPDATE: 'PartiQLUpdate', DELETE: 'PartiQLDelete' };

/** `"table"`, `table` or `"table"."index"` after FROM / INTO / UPDATE / DELETE FROM in a PartiQL statement. */
function partiqlRequest(c: ArnContext, statement: unknown): AuthzRequest[] {
  const text = String(statement ?? '');
  const verb = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? '';
  const target = /\b(?:FROM|INTO|UPDATE)\s+("([^"]+)"|([A-Za-z0-9_.-]+))(?:\."([^"]+)")?/i.exec(text);
  const table = target?.[2] ?? target?.[3];
  const action = PARTIQL[verb];
  if (!action || !table) return [{ action: `dynamodb:PartiQL${verb.charAt(0)}${verb.slice(1).toLowerCase()}`, resource: '*' }];
  const index = target?.[4];
  return [{ action: `dynamodb:${action}`, resource: index ? `${tableArn(c, table)}/index/${index}` : tableArn(c, table) }];
}

export function dynamodbRequests(c: ArnContext, target: string, body: unknown): AuthzRequest[] {
  const [prefix = '', op = ''] = target.split('.');
  const b = isObj(body) ? body : {};
  if (prefix.startsWith('DynamoDBStreams')) {
    if (op === 'ListStreams') return [{ action: 'dynamodb:ListStreams', resource: '*' }];
    const stream = typeof b.StreamArn === 'string' ? b.StreamArn : typeof b.ShardIterator === 'string' ? streamOfIterator(b.ShardIterator) : '*';
    return [{ action: `dynamodb:${op}`, resource: stream }];
  }
  const one = (action: string, table: unknown, index?: unknown): AuthzRequest => ({
    action: `dynamodb:${action}`,
    resource: typeof index === 'string' && index !== '' ? `${tableArn(c, String(table))}/index/${index}` : tableArn(c, String(table)),
  });
  switch (op) {
    case 'ListTables':
    case 'DescribeLimits':
    case 'DescribeEndpoints':
      return [{ action: `dynamodb:${op}`, resource: '*' }];
    case 'Query':
    case 'Scan':
      return [one(op, b.TableName, b.IndexName)];
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys(isObj(b.RequestItems) ? b.RequestItems : {}).map((table) => one(op, table));
    case 'TransactWriteItems':
    case 'TransactGetItems':
      return (Array.isArray(b.TransactItems) ? b.TransactItems : []).flatMap((item) =>
        isObj(item)
          ? Object.entries(item).flatMap(([kind, spec]) => {
              const action = op === 'TransactGetItems' ? 'GetItem' : TRANSACT_WRITE[kind];
              return action && isObj(spec) ? [one(action, spec.TableName)] : [];
            })
          : [],
      );
    case 'ExecuteStatement':
      return partiqlRequest(c, b.Statement);
    case 'BatchExecuteStatement':
      return (Array.isArray(b.Statements) ? b.Statements : []).flatMap((s) => (isObj(s) ? partiqlRequest(c, s.Statement) : []));
    case 'ExecuteTransaction':
      return (Array.isArray(b.TransactStatements) ? b.TransactStatements : []).flatMap((s) => (isObj(s) ? partiqlRequest(c, s.Statement) : []));
    default:
      return [one(op, typeof b.TableName === 'string' ? b.TableName : typeof b.ResourceArn === 'string' ? b.ResourceArn : '*')];
  }
}

/** DynamoDB Local's shard iterators carry the stream ARN after a `|`; else unknown (`*`). */
function streamOfIterator(iterator: string): string {
  return /arn:[^|]+\/stream\/[^|]+/.exec(iterator)?.[0] ?? '*';
}

export function dynamodbAccessDenied(message: string): { status: number; headers: Record<string, string>; body: string } {
  return {
    status: 400,
    headers: { 'content-type': 'application/x-amz-json-1.0' },
    body: JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', Message: message }),
  };
}

// ---------------------------------------------------------------------------------------------
// S3 (REST, path-style)
// ---------------------------------------------------------------------------------------------

const s3Arn = (c: ArnContext, bucket: string, key?: string) => `arn:${c.partition}:s3:::${bucket}${key === undefined ? '' : `/${key}`}`;

/** The action of an S3 REST request: objects by method, buckets by method (HEAD bucket is ListBucket). */
export function s3Requests(c: ArnContext, method: string, bucket: string | undefined, key: string | undefined): AuthzRequest[] {
  if (bucket === undefined) return [{ action: 's3:ListAllMyBuckets', resource: '*' }];
  if (key === undefined) {
    const action = { PUT: 's3:CreateBucket', DELETE: 's3:DeleteBucket' }[method] ?? 's3:ListBucket';
    return [{ action, resource: s3Arn(c, bucket) }];
  }
  const action = { PUT: 's3:PutObject', DELETE: 's3:DeleteObject' }[method] ?? 's3:GetObject';
  return [{ action, resource: s3Arn(c, bucket, key) }];
}

/**
 * S3 answers a GET or HEAD of a missing key with 403 AccessDenied, not 404 NoSuchKey, to a caller that
 * may not list the bucket: the request to ask about when a key is missing.
 */
export const s3ListRequest = (c: ArnContext, bucket: string): AuthzRequest => ({ action: 's3:ListBucket', resource: s3Arn(c, bucket) });

// ---------------------------------------------------------------------------------------------
// SES v1 (query protocol: Action=SendRawEmail&Source=…) and v2 (REST JSON /v2/email/outbound-emails)
// ---------------------------------------------------------------------------------------------

const sesArn = (c: ArnContext, kind: 'identity' | 'configuration-set', name: string) => `arn:${c.partition}:ses:${c.region}:${c.accountId}:${kind}/${name}`;

/** The address inside `Name <addr>` (or the text itself). */
const bareAddress = (from: string) => (/<([^>]+)>/.exec(from)?.[1] ?? from).trim();

/** A raw MIME message's From: header, when the call names no Source. */
const mimeFrom = (raw: string) => /^From:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(raw.split(/\r?\n\r?\n/, 1)[0] ?? '')?.[1]?.replace(/\r?\n[ \t]+/g, ' ');

/**
 * A send is authorized on the sending identity (the address's domain identity — what a stack verifies —
 * unless a SourceArn/FromArn names one) and on the configuration set it names. `ses:FromAddress` is the
 * condition key SES gives.
 */
function sesSend(c: ArnContext, action: string, from: string | undefined, identityArn: string | undefined, configurationSet: string | undefined): AuthzRequest[] {
  const address = from ? bareAddress(from) : '';
  const domain = address.includes('@') ? address.split('@').pop()! : address;
  const context = { 'ses:FromAddress': address, 'ses:ApiVersion': action.startsWith('ses:Send') ? '1' : '2' };
  const identity = identityArn ?? sesArn(c, 'identity', domain || '*');
  return [
    { action, resource: identity, context },
    ...(configurationSet ? [{ action, resource: sesArn(c, 'configuration-set', configurationSet), context }] : []),
  ];
}

export function sesQueryRequests(c: ArnContext, form: URLSearchParams): AuthzRequest[] {
  const op = form.get('Action') ?? '';
  if (op === 'SendRawEmail' || op === 'SendEmail') {
    const raw = op === 'SendRawEmail' ? Buffer.from(form.get('RawMessage.Data') ?? '', 'base64').toString('utf8') : '';
    const from = form.get('Source') ?? mimeFrom(raw);
    return sesSend(c, `ses:${op}`, from ?? undefined, form.get('SourceArn') ?? form.get('FromArn') ?? undefined, form.get('ConfigurationSetName') ?? undefined);
  }
  return op ? [{ action: `ses:${op}`, resource: '*' }] : [];
}

export function sesV2Requests(c: ArnContext, method: string, path: string, body: unknown): AuthzRequest[] {
  if (method === 'POST' && /^\/v2\/email\/outbound-emails\/?$/.test(path)) {
    const b = isObj(body) ? body : {};
    const raw = isObj(b.Content) && isObj(b.Content.Raw) && typeof b.Content.Raw.Data === 'string' ? Buffer.from(b.Content.Raw.Data, 'base64').toString('utf8') : '';
    const from = typeof b.FromEmailAddress === 'string' ? b.FromEmailAddress : mimeFrom(raw);
    return sesSend(c, 'ses:SendEmail', from, typeof b.FromEmailAddressIdentityArn === 'string' ? b.FromEmailAddressIdentityArn : undefined, typeof b.ConfigurationSetName === 'string' ? b.ConfigurationSetName : undefined);
  }
  return [];
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** SES v1's AccessDenied (query protocol XML, HTTP 403). */
export function sesAccessDenied(message: string, requestId: string): { status: number; headers: Record<string, string>; body: string } {
  return {
    status: 403,
    headers: { 'content-type': 'text/xml' },
    body: `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

/** SES v2's AccessDeniedException (REST JSON, HTTP 403). */
export function sesV2AccessDenied(message: string): { status: number; headers: Record<string, string>; body: string } {
  return { status: 403, headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' }, body: JSON.stringify({ message }) };
}

// ---------------------------------------------------------------------------------------------
// Step Functions (awsJson1_0, X-Amz-Target AWSStepFunctions.Op)
// ---------------------------------------------------------------------------------------------

/**
 * StartExecution and the machine operations on the state machine's ARN; execution operations on the
 * execution's ARN; SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat on the state machine whose
 * execution issued the token (`machineOfToken`, also for a token that has closed, as AWS reads the machine
 * from the token itself). A token never issued asks nothing: the API answers it InvalidToken / TaskDoesNotExist.
 */
export function sfnRequests(op: string, body: unknown, machineOfToken: (token: string) => string | undefined): AuthzRequest[] {
  const b = isObj(body) ? body : {};
  const action = `states:${op}`;
  if (op.startsWith('SendTask')) {
    const machine = typeof b.taskToken === 'string' ? machineOfToken(b.taskToken) : undefined;
    return machine ? [{ action, resource: machine }] : [];
  }
  const resource = [b.executionArn, b.stateMachineArn].find((v): v is string => typeof v === 'string') ?? '*';
  return [{ action, resource }];
}

// ---------------------------------------------------------------------------------------------
// Ready for the emulators other services get (EventBridge, EventBridge Scheduler, SNS): what a call asks
// ---------------------------------------------------------------------------------------------

/** EventBridge PutEvents (awsJson1_1, `AWSEvents.PutEvents`): `events:PutEvents` on each entry's bus. */
export function eventBridgeRequests(c: ArnContext, target: string, body: unknown): AuthzRequest[] {
  const op = target.split('.').pop() ?? '';
  const b = isObj(body) ? body : {};
  const bus = (name: unknown) => {
    const n = typeof name === 'string' && name !== '' ? name : 'default';
    return n.startsWith('arn:') ? n : `arn:${c.partition}:events:${c.region}:${c.accountId}:event-bus/${n}`;
  };
  if (op === 'PutEvents') {
    const entries = (Array.isArray(b.Entries) ? b.Entries : []).filter(isObj);
    return [...new Set(entries.map((e) => bus(e.EventBusName)))].map((resource) => ({ action: 'events:PutEvents', resource }));
  }
  return [{ action: `events:${op}`, resource: typeof b.Name === 'string' ? `arn:${c.partition}:events:${c.region}:${c.accountId}:rule/${b.Name}` : bus(b.EventBusName) }];
}

/**
 * EventBridge Scheduler (REST: `POST|PUT|GET|DELETE /schedules/{name}?groupName=`): the action on the
 * schedule's ARN and, when it names a target role, `iam:PassRole` on that role.
 */
export function schedulerRequests(c: ArnContext, method: string, url: string, body: unknown): AuthzRequest[] {
  const u = new URL(url, 'http://local');
  const name = /^\/schedules\/([^/]+)$/.exec(u.pathname)?.[1];
  if (!name) return [{ action: 'scheduler:ListSchedules', resource: '*' }];
  const action = { POST: 'CreateSchedule', PUT: 'UpdateSchedule', DELETE: 'DeleteSchedule' }[method] ?? 'GetSchedule';
  const group = u.searchParams.get('groupName') ?? (isObj(body) && typeof body.GroupName === 'string' ? body.GroupName : 'default');
  const requests: AuthzRequest[] = [{ action: `scheduler:${action}`, resource: `arn:${c.partition}:scheduler:${c.region}:${c.accountId}:schedule/${group}/${decodeURIComponent(name)}` }];
  const role = isObj(body) && isObj(body.Target) && typeof body.Target.RoleArn === 'string' ? body.Target.RoleArn : undefined;
  if (role && (method === 'POST' || method === 'PUT')) requests.push({ action: 'iam:PassRole', resource: role, context: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
  return requests;
}

/** SNS (query protocol): Publish and PublishBatch on the topic. */
export function snsRequests(form: URLSearchParams): AuthzRequest[] {
  const op = form.get('Action') ?? '';
  const topic = form.get('TopicArn') ?? form.get('TargetArn') ?? '*';
  return op ? [{ action: `sns:${op === 'PublishBatch' ? 'Publish' : op}`, resource: topic }] : [];
}

/** The JSON-protocol AccessDeniedException (EventBridge, Scheduler, Step Functions and the like). */
export function jsonAccessDenied(message: string, status = 400): { status: number; headers: Record<string, string>; body: string } {
  return { status, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'AccessDeniedException' }, body: JSON.stringify({ __type: 'AccessDeniedException', message }) };
}

// ---------------------------------------------------------------------------------------------
// Lambda (what the local cloud invokes on a principal's behalf: a state machine's task, a schedule)
// ---------------------------------------------------------------------------------------------

export const lambdaInvokeRequest = (c: ArnContext, functionName: string): AuthzRequest => ({
  action: 'lambda:InvokeFunction',
  resource: functionName.startsWith('arn:') ? functionName : `arn:${c.partition}:lambda:${c.region}:${c.accountId}:function:${functionName}`,
});
