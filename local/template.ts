// Load a synthesized CloudFormation template (cdk.out/<Stack>.template.json) and resolve the
// intrinsic functions the local cloud needs. Generic: nothing here knows trustdesk's resources.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  DependsOn?: unknown;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, unknown>;
  Parameters?: Record<string, unknown>;
}

/** Reads `<cdkOutDir>/<stackName>.template.json`. */
export function loadTemplate(cdkOutDir: string, stackName: string): CfnTemplate {
  const file = join(cdkOutDir, `${stackName}.template.json`);
  if (!existsSync(file)) {
    const available = existsSync(cdkOutDir)
      ? readdirSync(cdkOutDir)
          .filter((f) => f.endsWith('.template.json'))
          .map((f) => f.slice(0, -'.template.json'.length))
      : [];
    throw new Error(
      `CloudFormation template not found: ${file}. Run \`npm run synth\` first.` +
        (available.length > 0 ? ` Stacks in ${cdkOutDir}: ${available.join(', ')}.` : ''),
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`CloudFormation template ${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isPlainObject(parsed) || !isPlainObject(parsed['Resources'])) {
    throw new Error(`CloudFormation template ${file} has no "Resources" object`);
  }
  for (const [id, res] of Object.entries(parsed['Resources'])) {
    if (!isPlainObject(res) || typeof res['Type'] !== 'string') {
      throw new Error(`CloudFormation template ${file}: resource ${id} has no "Type"`);
    }
  }
  return parsed as unknown as CfnTemplate;
}

/** Resources of one type, in template order. */
export function resourcesOfType(t: CfnTemplate, type: string): [logicalId: string, CfnResource][] {
  return Object.entries(t.Resources).filter(([, r]) => r.Type === type);
}

export interface IntrinsicContext {
  ref(logicalId: string): string;
  getAtt(logicalId: string, attribute: string): string;
  region: string;
  accountId: string;
  partition: string;
  stackName: string;
  urlSuffix: string;
  /**
   * Optional: value of a cross-stack export (CDK turns props passed between stacks into
   * Export/Fn::ImportValue). Without it, Fn::ImportValue throws. See `stackExports`.
   */
  importValue?(exportName: string): string;
}

/** Marker for `Ref: AWS::NoValue`; removed from the enclosing object or array. */
const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

const UNSUPPORTED = new Set([
  'Fn::If',
  'Fn::Equals',
  'Fn::And',
  'Fn::Or',
  'Fn::Not',
  'Condition',
  'Fn::FindInMap',
  'Fn::GetAZs',
  'Fn::Cidr',
  'Fn::Length',
  'Fn::ToJsonString',
  'Fn::Transform',
  'Fn::ForEach',
]);

/**
 * Deeply resolves Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split and Fn::Base64.
 * `Ref: AWS::NoValue` removes the property/element. Conditions (Fn::If …) and Fn::ImportValue
 * (unless the context has `importValue`) throw an error naming the intrinsic and where it is.
 */
export function resolveIntrinsics(value: unknown, ctx: IntrinsicContext): unknown {
  const out = resolve(value, ctx, '$');
  return out === NO_VALUE ? undefined : out;
}

/**
 * `Export.Name → value` for a template's Outputs, resolved with `ctx` (for a consumer stack's
 * `importValue`). Outputs without an Export are skipped.
 */
export function stackExports(t: CfnTemplate, ctx: IntrinsicContext): Record<string, string> {
  const exports: Record<string, string> = {};
  for (const [id, output] of Object.entries(t.Outputs ?? {})) {
    if (!isPlainObject(output) || !isPlainObject(output['Export'])) continue;
    const name = resolve(output['Export']['Name'], ctx, `Outputs.${id}.Export.Name`);
    const value = resolve(output['Value'], ctx, `Outputs.${id}.Value`);
    exports[asString(name, `Outputs.${id}.Export.Name`)] = asString(value, `Outputs.${id}.Value`);
  }
  return exports;
}

function resolve(value: unknown, ctx: IntrinsicContext, path: string): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    value.forEach((v, i) => {
      const r = resolve(v, ctx, `${path}[${i}]`);
      if (r !== NO_VALUE) out.push(r);
    });
    return out;
  }
  if (!isPlainObject(value)) return value;

  const keys = Object.keys(value);
  if (keys.length === 1) {
    const key = keys[0]!;
    const arg = value[key];
    const at = `${path}.${key}`;
    switch (key) {
      case 'Ref':
        return resolveRef(asString(resolve(arg, ctx, at), at), ctx);
      case 'Fn::GetAtt':
        return resolveGetAtt(arg, ctx, at);
      case 'Fn::Join':
        return resolveJoin(arg, ctx, at);
      case 'Fn::Sub':
        return resolveSub(arg, ctx, at);
      case 'Fn::Select':
        return resolveSelect(arg, ctx, at);
      case 'Fn::Split':
        return resolveSplit(arg, ctx, at);
      case 'Fn::Base64':
        return Buffer.from(asString(resolve(arg, ctx, at), at), 'utf8').toString('base64');
      case 'Fn::ImportValue': {
        const name = resolve(arg, ctx, at);
        if (!ctx.importValue) {
          throw new Error(
            `${at}: Fn::ImportValue (${JSON.stringify(name)}) is not supported by the local cloud ` +
              'unless the intrinsic context provides importValue()',
          );
        }
        return ctx.importValue(asString(name, at));
      }
      default:
        if (UNSUPPORTED.has(key)) {
          throw new Error(`${at}: intrinsic function ${key} is not supported by the local cloud`);
        }
        if (key.startsWith('Fn::')) {
          throw new Error(`${at}: unknown intrinsic function ${key}`);
        }
    }
  }

  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const r = resolve(value[k], ctx, `${path}.${k}`);
    if (r !== NO_VALUE) out[k] = r;
  }
  return out;
}

function resolveRef(name: string, ctx: IntrinsicContext): string | typeof NO_VALUE {
  switch (name) {
    case 'AWS::NoValue':
      return NO_VALUE;
    default: {
      const pseudo = pseudoParameter(name, ctx);
      return pseudo ?? ctx.ref(name);
    }
  }
}

function pseudoParameter(name: string, ctx: IntrinsicContext): string | undefined {
  switch (name) {
    case 'AWS::Region':
      return ctx.region;
    case 'AWS::AccountId':
      return ctx.accountId;
    case 'AWS::Partition':
      return ctx.partition;
    case 'AWS::StackName':
      return ctx.stackName;
    case 'AWS::URLSuffix':
      return ctx.urlSuffix;
    case 'AWS::StackId':
      return `arn:${ctx.partition}:cloudformation:${ctx.region}:${ctx.accountId}:stack/${ctx.stackName}/local`;
    case 'AWS::NotificationARNs':
      throw new Error('Ref AWS::NotificationARNs is not supported by the local cloud');
    default:
      return undefined;
  }
}

function resolveGetAtt(arg: unknown, ctx: IntrinsicContext, at: string): string {
  const r = resolve(arg, ctx, at);
  let logicalId: string;
  let attribute: string;
  if (typeof r === 'string') {
    const dot = r.indexOf('.');
    if (dot <= 0 || dot === r.length - 1) throw new Error(`${at}: expected "LogicalId.Attribute", got ${JSON.stringify(r)}`);
    logicalId = r.slice(0, dot);
    attribute = r.slice(dot + 1);
  } else if (Array.isArray(r) && r.length === 2) {
    logicalId = asString(r[0], `${at}[0]`);
    attribute = asString(r[1], `${at}[1]`);
  } else {
    throw new Error(`${at}: expected [LogicalId, Attribute] or "LogicalId.Attribute", got ${JSON.stringify(r)}`);
  }
  return ctx.getAtt(logicalId, attribute);
}

function resolveJoin(arg: unknown, ctx: IntrinsicContext, at: string): string {
  if (!Array.isArray(arg) || arg.length !== 2) throw new Error(`${at}: expected [delimiter, [values…]]`);
  const delimiter = asString(resolve(arg[0], ctx, `${at}[0]`), `${at}[0]`);
  const list = resolve(arg[1], ctx, `${at}[1]`);
  if (!Array.isArray(list)) throw new Error(`${at}[1]: expected a list, got ${JSON.stringify(list)}`);
  return list.map((v, i) => scalarToString(v, `${at}[1][${i}]`)).join(delimiter);
}

function resolveSub(arg: unknown, ctx: IntrinsicContext, at: string): string {
  let template: string;
  const vars: Record<string, unknown> = {};
  if (typeof arg === 'string') {
    template = arg;
  } else if (Array.isArray(arg) && arg.length === 2 && typeof arg[0] === 'string' && isPlainObject(arg[1])) {
    template = arg[0];
    for (const [k, v] of Object.entries(arg[1])) vars[k] = resolve(v, ctx, `${at}[1].${k}`);
  } else {
    throw new Error(`${at}: expected a string or [string, {variables}]`);
  }
  return template.replace(/\$\{([^}]*)\}/g, (_whole, inner: string) => {
    if (inner.startsWith('!')) return `\${${inner.slice(1)}}`; // ${!Literal} → ${Literal}
    const name = inner.trim();
    if (Object.hasOwn(vars, name)) return scalarToString(vars[name], `${at} \${${name}}`);
    const pseudo = pseudoParameter(name, ctx);
    if (pseudo !== undefined) return pseudo;
    if (name === 'AWS::NoValue') throw new Error(`${at}: \${AWS::NoValue} cannot be used in Fn::Sub`);
    const dot = name.indexOf('.');
    if (dot > 0) return ctx.getAtt(name.slice(0, dot), name.slice(dot + 1));
    if (name === '') throw new Error(`${at}: empty \${} in Fn::Sub`);
    return ctx.ref(name);
  });
}

function resolveSelect(arg: unknown, ctx: IntrinsicContext, at: string): unknown {
  if (!Array.isArray(arg) || arg.length !== 2) throw new Error(`${at}: expected [index, [values…]]`);
  const rawIndex = resolve(arg[0], ctx, `${at}[0]`);
  const index = typeof rawIndex === 'number' ? rawIndex : Number(asString(rawIndex, `${at}[0]`));
  const list = resolve(arg[1], ctx, `${at}[1]`);
  if (!Array.isArray(list)) throw new Error(`${at}[1]: expected a list, got ${JSON.stringify(list)}`);
  if (!Number.isInteger(index) || index < 0 || index >= list.length) {
    throw new Error(`${at}: index ${JSON.stringify(rawIndex)} out of range for a list of ${list.length}`);
  }
  return list[index];
}

function resolveSplit(arg: unknown, ctx: IntrinsicContext, at: string): string[] {
  if (!Array.isArray(arg) || arg.length !== 2) throw new Error(`${at}: expected [delimiter, string]`);
  const delimiter = asString(resolve(arg[0], ctx, `${at}[0]`), `${at}[0]`);
  if (delimiter === '') throw new Error(`${at}: the delimiter must not be empty`);
  const source = asString(resolve(arg[1], ctx, `${at}[1]`), `${at}[1]`);
  return source.split(delimiter);
}

function scalarToString(v: unknown, at: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Error(`${at}: expected a string, got ${JSON.stringify(v)}`);
}

function asString(v: unknown, at: string): string {
  if (typeof v !== 'string') throw new Error(`${at}: expected a string, got ${v === NO_VALUE ? 'AWS::NoValue' : JSON.stringify(v)}`);
  return v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
