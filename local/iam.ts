// IAM policy evaluation, pure: the identity-based policies of one principal decide one request
// (action, resource, condition context) the way AWS's evaluation logic does for a principal in the
// account that owns the resource — an explicit Deny wins, else an Allow allows, else the request is
// implicitly denied. Nothing here knows the local cloud or a template: local/iam-roles.ts builds the
// policies of each function's role from the template, local/iam-requests.ts turns each service request
// into (action, resources), and the emulators call `authorize` with both.
//
// What it implements (the parts of the policy grammar a CDK stack produces, and the ones worth a mistake):
// - Action / NotAction, case-insensitive, with `*` and `?` wildcards (`dynamodb:Get*`);
// - Resource / NotResource with wildcards, matched segment by segment like ArnLike (a `*` in the region
//   or account segment never crosses a `:`; in the resource part it matches anything, `/` and `:` too);
// - Condition blocks: String*, Arn*, Bool, Null, Numeric*, Date*, with `…IfExists` and the
//   `ForAnyValue:` / `ForAllValues:` set qualifiers; keys are case-insensitive, values of a key are ORed,
//   keys and operators of a block are ANDed; a key missing from the context fails every operator but
//   `Null`, the negated ones with `IfExists`, and `ForAllValues:`.
// Resource-based policies, permission boundaries, SCPs and session policies are not evaluated: the stack
// has none that narrow what a function's role may do within the account.

export type Effect = 'Allow' | 'Deny';

export interface PolicyStatement {
  Sid?: string;
  Effect: Effect;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

/** One named policy of a principal (inline, a managed policy, or an AWS::IAM::Policy attached to it). */
export interface NamedPolicy {
  name: string;
  document: PolicyDocument;
}

/** Condition context: key → value(s); keys as AWS spells them (compared case-insensitively). */
export type ConditionContext = Record<string, string | string[] | undefined>;

export interface AuthzRequest {
  action: string;
  resource: string;
  context?: ConditionContext;
}

export type Decision =
  | { effect: 'allow'; policy: string; sid?: string }
  | { effect: 'explicit-deny'; policy: string; sid?: string }
  | { effect: 'implicit-deny' };

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Compiles an IAM wildcard (`*` any run, `?` one character) to an anchored RegExp. */
function wildcard(pattern: string, flags = ''): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, `s${flags}`);
}

const compiled = new Map<string, RegExp>();
function matchWildcard(pattern: string, value: string, caseInsensitive = false): boolean {
  const key = `${caseInsensitive ? 'i' : 's'}${pattern}`;
  let re = compiled.get(key);
  if (!re) {
    re = wildcard(pattern, caseInsensitive ? 'i' : '');
    compiled.set(key, re);
  }
  return re.test(value);
}

/** An action pattern of a statement against the request's action (`service:Operation`), case-insensitively. */
export function actionMatches(pattern: string, action: string): boolean {
  return matchWildcard(pattern, action, true);
}

/**
 * ArnLike: both split into their six parts (`arn:partition:service:region:account:resource`); the first
 * five match part by part, the resource part (which may hold `:` and `/`) as a whole. `*` alone matches
 * every resource. An ARN pattern of fewer than six parts matches no ARN; two non-ARNs match as wildcard strings.
 */
export function arnMatches(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const p = splitArn(pattern);
  const a = splitArn(arn);
  if (!p || !a) return !pattern.startsWith('arn:') && !arn.startsWith('arn:') && matchWildcard(pattern, arn);
  return p.every((part, i) => matchWildcard(part, a[i]!));
}

function splitArn(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

function statementApplies(s: PolicyStatement, r: AuthzRequest): boolean {
  const actionHit = s.Action !== undefined ? asList(s.Action).some((p) => actionMatches(p, r.action)) : !asList(s.NotAction).some((p) => actionMatches(p, r.action));
  if (!actionHit) return false;
  const resourceHit =
    s.Resource !== undefined ? asList(s.Resource).some((p) => arnMatches(p, r.resource)) : s.NotResource !== undefined ? !asList(s.NotResource).some((p) => arnMatches(p, r.resource)) : false;
  if (!resourceHit) return false;
  return conditionsHold(s.Condition, r.context ?? {});
}

/** The decision of the principal's policies on one request: explicit Deny over Allow over the implicit deny. */
export function evaluate(policies: NamedPolicy[], request: AuthzRequest): Decision {
  let allow: Decision | undefined;
  for (const policy of policies) {
    const statements = Array.isArray(policy.document.Statement) ? policy.document.Statement : [policy.document.Statement];
    for (const s of statements) {
      if (!statementApplies(s, request)) continue;
      const hit = { policy: policy.name, ...(s.Sid !== undefined && { sid: s.Sid }) };
      if (s.Effect === 'Deny') return { effect: 'explicit-deny', ...hit };
      allow ??= { effect: 'allow', ...hit };
    }
  }
  return allow ?? { effect: 'implicit-deny' };
}

/**
 * The message AWS gives a denied identity, e.g. `User: arn:aws:sts::123:assumed-role/R/fn is not
 * authorized to perform: dynamodb:PutItem on resource: arn:… because no identity-based policy allows
 * the dynamodb:PutItem action` (or `… with an explicit deny in an identity-based policy`).
 */
export function deniedMessage(principalArn: string, request: AuthzRequest, decision: Decision): string {
  const why =
    decision.effect === 'explicit-deny'
      ? `with an explicit deny in an identity-based policy: ${decision.policy}`
      : `because no identity-based policy allows the ${request.action} action`;
  return `User: ${principalArn} is not authorized to perform: ${request.action} on resource: ${request.resource} ${why}`;
}

// ---------------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------------

type Compare = (contextValue: string, policyValue: string) => boolean;

const number = (v: string) => (v.trim() === '' ? Number.NaN : Number(v));
const date = (v: string) => (/^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v));
const numeric = (f: (a: number, b: number) => boolean): Compare => (a, b) => f(number(a), number(b));
const dated = (f: (a: number, b: number) => boolean): Compare => (a, b) => f(date(a), date(b));

/** Positive operators; each negated one is the negation of its partner over the whole value set. */
const OPERATORS: Record<string, { compare: Compare; negated?: boolean }> = {
  StringEquals: { compare: (a, b) => a === b },
  StringNotEquals: { compare: (a, b) => a === b, negated: true },
  StringEqualsIgnoreCase: { compare: (a, b) => a.toLowerCase() === b.toLowerCase() },
  StringNotEqualsIgnoreCase: { compare: (a, b) => a.toLowerCase() === b.toLowerCase(), negated: true },
  StringLike: { compare: (a, b) => matchWildcard(b, a) },
  StringNotLike: { compare: (a, b) => matchWildcard(b, a), negated: true },
  ArnEquals: { compare: (a, b) => arnMatches(b, a) },
  ArnLike: { compare: (a, b) => arnMatches(b, a) },
  ArnNotEquals: { compare: (a, b) => arnMatches(b, a), negated: true },
  ArnNotLike: { compare: (a, b) => arnMatches(b, a), negated: true },
  Bool: { compare: (a, b) => a.toLowerCase() === b.toLowerCase() },
  NumericEquals: { compare: numeric((a, b) => a === b) },
  NumericNotEquals: { compare: numeric((a, b) => a === b), negated: true },
  NumericLessThan: { compare: numeric((a, b) => a < b) },
  NumericLessThanEquals: { compare: numeric((a, b) => a <= b) },
  NumericGreaterThan: { compare: numeric((a, b) => a > b) },
  NumericGreaterThanEquals: { compare: numeric((a, b) => a >= b) },
  DateEquals: { compare: dated((a, b) => a === b) },
  DateNotEquals: { compare: dated((a, b) => a === b), negated: true },
  DateLessThan: { compare: dated((a, b) => a < b) },
  DateLessThanEquals: { compare: dated((a, b) => a <= b) },
  DateGreaterThan: { compare: dated((a, b) => a > b) },
  DateGreaterThanEquals: { compare: dated((a, b) => a >= b) },
};

function contextValues(context: ConditionContext, key: string): string[] | undefined {
  const found = Object.keys(context).find((k) => k.toLowerCase() === key.toLowerCase());
  const value = found === undefined ? undefined : context[found];
  return value === undefined ? undefined : asList(value);
}

const policyValues = (v: unknown): string[] => (Array.isArray(v) ? v : [v]).map((x) => String(x));

function conditionsHold(condition: PolicyStatement['Condition'], context: ConditionContext): boolean {
  if (!condition) return true;
  return Object.entries(condition).every(([rawOperator, keys]) =>
    Object.entries(keys).every(([key, expected]) => operatorHolds(rawOperator, contextValues(context, key), policyValues(expected))),
  );
}

function operatorHolds(rawOperator: string, actual: string[] | undefined, expected: string[]): boolean {
  if (rawOperator === 'Null') {
    const isNull = actual === undefined || actual.length === 0;
    return expected.some((e) => (e.toLowerCase() === 'true') === isNull);
  }
  const [qualifier, name] = rawOperator.includes(':') ? (rawOperator.split(':', 2) as [string, string]) : [undefined, rawOperator];
  const ifExists = name.endsWith('IfExists');
  const op = OPERATORS[ifExists ? name.slice(0, -'IfExists'.length) : name];
  if (!op) throw new Error(`unsupported IAM condition operator ${rawOperator}`);
  if (actual === undefined || actual.length === 0) {
    if (qualifier === 'ForAllValues') return true;
    return ifExists;
  }
  const one = (value: string) => expected.some((e) => op.compare(value, e));
  if (qualifier === 'ForAllValues') return actual.every((v) => (op.negated ? !one(v) : one(v)));
  if (qualifier === 'ForAnyValue') return actual.some((v) => (op.negated ? !one(v) : one(v)));
  const anyMatch = actual.some(one);
  return op.negated ? !anyMatch : anyMatch;
}
