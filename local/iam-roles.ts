// Who calls, locally, and what their role lets them do: each Lambda function of the template gets
// credentials whose access key names it (the local Lambda runtime puts them in AWS_ACCESS_KEY_ID for the
// function's invocations, as Lambda does with the role's session), and each emulator hands the signed
// request's access key and the request's (action, resource) pairs to `authorize`, which evaluates them
// (local/iam.ts) against the identity policies of the function's role in the same template: the role's
// inline `Policies`, every AWS::IAM::Policy and AWS::IAM::ManagedPolicy naming the role, and customer
// managed policies of the template it lists in `ManagedPolicyArns`. AWS managed policies
// (AWSLambdaBasicExecutionRole and friends) are not known offline and grant nothing here; none of them
// covers a service the local cloud emulates.
//
// Generic: every function of any template is covered, with nothing to register. A request signed with
// any other key (the local cloud itself, tests, scripts: `local`) is the account's administrator and
// passes. `TRUSTDESK_IAM=off` switches the check off (every request passes; for debugging only).
import { deniedMessage, evaluate, type AuthzRequest, type ConditionContext, type Decision, type NamedPolicy, type PolicyDocument } from './iam.ts';
import { resolveIntrinsics, resourcesOfType, type CfnTemplate, type IntrinsicContext } from './template.ts';

export interface LocalPrincipal {
  functionId: string;
  roleId: string;
  /** What AWS names the caller: `arn:aws:sts::<account>:assumed-role/<role name>/<function name>`. */
  arn: string;
  policies: NamedPolicy[];
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A request the principal's policies do not allow: what the service answers with. */
export interface Denial {
  principal: LocalPrincipal;
  request: AuthzRequest;
  decision: Decision;
  message: string;
}

export interface LocalIam {
  enabled: boolean;
  principals(): LocalPrincipal[];
  /** The credentials of a function's invocations (undefined for a function without a role of the template). */
  credentialsFor(functionId: string): Credentials | undefined;
  /** The first of the requests the caller (by the request's signature) may not make; undefined when all may be made. */
  authorize(headers: Record<string, string | string[] | undefined>, requests: AuthzRequest[], url?: string): Denial | undefined;
  /** The same, for a principal the local cloud acts as (a state machine's or a schedule's role). */
  authorizeRole(roleId: string, sessionName: string, requests: AuthzRequest[]): Denial | undefined;
  /** Denials so far (newest last), for GET /local/iam. */
  denials(): { at: string; principal: string; action: string; resource: string }[];
}

const KEY_PREFIX = 'ASIA';

/** The access key of a function's invocations: its logical id (alphanumeric, as DynamoDB Local wants keys). */
export const accessKeyOf = (functionId: string): string => `${KEY_PREFIX}${functionId}`;

/** The access key a SigV4 request was signed with (Authorization header or a presigned URL's X-Amz-Credential). */
export function signingAccessKey(headers: Record<string, string | string[] | undefined>, url?: string): string | undefined {
  const auth = headers.authorization ?? headers.Authorization;
  const text = Array.isArray(auth) ? auth[0] : auth;
  const fromHeader = text && /Credential=([^/,\s]+)\//.exec(text)?.[1];
  if (fromHeader) return fromHeader;
  if (!url) return undefined;
  const credential = new URL(url, 'http://local').searchParams.get('X-Amz-Credential');
  return credential?.split('/')[0] || undefined;
}

/** Whether IAM is enforced: on unless TRUSTDESK_IAM is `off` (or `0`, `false`). */
export const iamEnforcedByDefault = (env: NodeJS.ProcessEnv = process.env): boolean => !/^(off|0|false)$/i.test(env.TRUSTDESK_IAM ?? '');

type Ref = { Ref?: string; 'Fn::GetAtt'?: [string, string] | string };
const refId = (v: unknown): string | undefined => {
  const r = v as Ref | undefined;
  if (typeof r?.Ref === 'string') return r.Ref;
  const att = r?.['Fn::GetAtt'];
  if (Array.isArray(att)) return att[0];
  if (typeof att === 'string') return att.split('.')[0];
  return undefined;
};

/** The identity policies of each role of the template, resolved to local ARNs. */
export function rolePolicies(template: CfnTemplate, ctx: IntrinsicContext): Map<string, NamedPolicy[]> {
  const byRole = new Map<string, NamedPolicy[]>();
  const add = (roleId: string, name: string, document: unknown) => {
    if (!byRole.has(roleId)) return;
    byRole.get(roleId)!.push({ name, document: resolveIntrinsics(document, ctx) as PolicyDocument });
  };
  for (const [roleId] of resourcesOfType(template, 'AWS::IAM::Role')) byRole.set(roleId, []);
  for (const [roleId, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
    const props = role.Properties ?? {};
    for (const p of (props.Policies as { PolicyName?: unknown; PolicyDocument?: unknown }[] | undefined) ?? []) add(roleId, String(p.PolicyName), p.PolicyDocument);
    for (const arn of (props.ManagedPolicyArns as unknown[] | undefined) ?? []) {
      const id = refId(arn);
      const managed = id ? template.Resources[id] : undefined;
      if (managed?.Type === 'AWS::IAM::ManagedPolicy') add(roleId, id!, managed.Properties?.PolicyDocument);
    }
  }
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const [policyId, policy] of resourcesOfType(template, type)) {
      for (const role of (policy.Properties?.Roles as unknown[] | undefined) ?? []) {
        const roleId = refId(role);
        if (roleId) add(roleId, policyId, policy.Properties?.PolicyDocument);
      }
    }
  }
  return byRole;
}

export function localIamFromTemplate(o: { template: CfnTemplate; ctx: IntrinsicContext; enabled?: boolean; log?: (line: string) => void; now?: () => number }): LocalIam {
  const enabled = o.enabled ?? iamEnforcedByDefault();
  const policies = rolePolicies(o.template, o.ctx);
  const principal = (functionId: string, roleId: string, sessionName: string): LocalPrincipal => ({
    functionId,
    roleId,
    arn: `arn:${o.ctx.partition}:sts::${o.ctx.accountId}:assumed-role/${o.ctx.ref(roleId)}/${sessionName}`,
    policies: policies.get(roleId) ?? [],
  });
  const byKey = new Map<string, LocalPrincipal>();
  for (const [functionId, fn] of resourcesOfType(o.template, 'AWS::Lambda::Function')) {
    const roleId = refId(fn.Properties?.Role);
    if (!roleId || !policies.has(roleId)) continue;
    byKey.set(accessKeyOf(functionId), principal(functionId, roleId, o.ctx.ref(functionId)));
  }
  const log: { at: string; principal: string; action: string; resource: string }[] = [];
  const context = (p: LocalPrincipal, r: AuthzRequest): ConditionContext => ({
    // The SDKs reach AWS over TLS; the local cloud's plain HTTP stands for it.
    'aws:SecureTransport': 'true',
    'aws:PrincipalArn': `arn:${o.ctx.partition}:iam::${o.ctx.accountId}:role/${o.ctx.ref(p.roleId)}`,
    'aws:PrincipalAccount': o.ctx.accountId,
    'aws:PrincipalType': 'AssumedRole',
    'aws:RequestedRegion': o.ctx.region,
    'aws:CurrentTime': new Date(o.now?.() ?? Date.now()).toISOString(),
    'aws:EpochTime': String(Math.floor((o.now?.() ?? Date.now()) / 1000)),
    ...r.context,
  });
  const check = (p: LocalPrincipal, requests: AuthzRequest[]): Denial | undefined => {
    if (!enabled) return undefined;
    for (const request of requests) {
      const decision = evaluate(p.policies, { ...request, context: context(p, request) });
      if (decision.effect === 'allow') continue;
      const message = deniedMessage(p.arn, request, decision);
      log.push({ at: new Date(o.now?.() ?? Date.now()).toISOString(), principal: p.arn, action: request.action, resource: request.resource });
      if (log.length > 200) log.shift();
      o.log?.(`iam: ${message}`);
      return { principal: p, request, decision, message };
    }
    return undefined;
  };
  return {
    enabled,
    principals: () => [...byKey.values()],
    credentialsFor: (functionId) => (byKey.has(accessKeyOf(functionId)) ? { accessKeyId: accessKeyOf(functionId), secretAccessKey: 'local' } : undefined),
    authorize: (headers, requests, url) => {
      const key = signingAccessKey(headers, url);
      const p = key === undefined ? undefined : byKey.get(key);
      return p ? check(p, requests) : undefined;
    },
    authorizeRole: (roleId, sessionName, requests) => (policies.has(roleId) ? check(principal(sessionName, roleId, sessionName), requests) : undefined),
    denials: () => [...log],
  };
}

/**
 * What Lambda checks with the function's role when CloudFormation creates an event source mapping (that it
 * may read the stream: DescribeStream, GetRecords, GetShardIterator on its ARN; ListStreams) or either of
 * them or an async invocation config names an on-failure destination (that it may send to it). Each denial's message; the local cloud refuses to start with any, as the deploy
 * would fail.
 */
export function eventSourceMappingDenials(template: CfnTemplate, ctx: IntrinsicContext, iam: LocalIam): string[] {
  const problems: string[] = [];
  const mappings = [...resourcesOfType(template, 'AWS::Lambda::EventSourceMapping'), ...resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig')];
  for (const [mappingId, mapping] of mappings) {
    const props = mapping.Properties ?? {};
    const functionId = refId(props.FunctionName);
    const roleId = functionId ? refId(template.Resources[functionId]?.Properties?.Role) : undefined;
    if (!functionId || !roleId) continue;
    const source = String(resolveIntrinsics(props.EventSourceArn ?? '', ctx));
    const requests: AuthzRequest[] = source.includes(':dynamodb:')
      ? [
          ...['DescribeStream', 'GetRecords', 'GetShardIterator'].map((op) => ({ action: `dynamodb:${op}`, resource: source })),
          { action: 'dynamodb:ListStreams', resource: '*' },
        ]
      : [];
    const destination = (resolveIntrinsics(props.DestinationConfig, ctx) as { OnFailure?: { Destination?: string } } | undefined)?.OnFailure?.Destination;
    if (destination?.includes(':sqs:')) requests.push({ action: 'sqs:SendMessage', resource: destination });
    if (destination?.includes(':sns:')) requests.push({ action: 'sns:Publish', resource: destination });
    const denied = requests.map((r) => iam.authorizeRole(roleId, ctx.ref(functionId), [r])).find((d) => d !== undefined);
    if (denied) problems.push(`${mappingId}: ${denied.message}`);
  }
  return problems;
}
