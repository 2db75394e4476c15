// The template's state machines, made ready to run: each DefinitionString resolved to plain ASL,
// validated as AWS would, and copied for the emulator with Wait states, task timeouts and Lambda tasks
// rewritten for local handlers (see local/stepfunctions.ts); every state recorded with its kind.
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { resolveIntrinsics, resourcesOfType, type CfnTemplate, type IntrinsicContext } from '../template.ts';
import { isObject, MAX_EMULATOR_TIMEOUT_SECONDS, type Json } from './emulator.ts';

export function stateMachineArn(ctx: IntrinsicContext, name: string): string {
  return `arn:${ctx.partition}:states:${ctx.region}:${ctx.accountId}:stateMachine:${name}`;
}

export type TaskKind = 'lambda-invoke' | 'lambda-token' | 'lambda-arn' | 'wait';

export interface StateInfo {
  name: string;
  type: string;
  definition: Json; // as written (resolved)
  kind?: TaskKind;
  retry?: { ErrorEquals: string[]; MaxAttempts?: number; IntervalSeconds?: number; BackoffRate?: number; MaxDelaySeconds?: number; JitterStrategy?: 'FULL' | 'NONE' }[];
}

export interface MachineRecord {
  logicalId: string;
  arn: string;
  name: string;
  type: 'STANDARD' | 'EXPRESS';
  roleArn: string;
  definition: Json;
  definitionString: string;
  emulator: StateMachine;
  timeoutSeconds?: number;
  states: Map<string, StateInfo>;
  /** Container state name → names of every state nested in it. */
  descendants: Map<string, Set<string>>;
  creationDate: number;
}

const LAMBDA_INVOKE = /^arn:[\w-]+:states:::lambda:invoke$/;
const LAMBDA_TOKEN = /^arn:[\w-]+:states:::lambda:invoke\.waitForTaskToken$/;
const LAMBDA_ARN = /^arn:[\w-]+:lambda:/;

export function loadMachines(o: { template: CfnTemplate; ctx: IntrinsicContext }, creationDate: number): Map<string, MachineRecord> {
  const machines = new Map<string, MachineRecord>();
  for (const [logicalId, resource] of resourcesOfType(o.template, 'AWS::StepFunctions::StateMachine')) {
    const where = `state machine ${logicalId}`;
    const props = resource.Properties ?? {};
    let definition: unknown;
    if (props.DefinitionString !== undefined) {
      let text = resolveIntrinsics(props.DefinitionString, o.ctx);
      if (typeof text !== 'string') throw new Error(`${where}: DefinitionString did not resolve to a string`);
      text = substitute(text, props.DefinitionSubstitutions, o.ctx, where);
      try {
        definition = JSON.parse(text as string);
      } catch (error) {
        throw new Error(`${where}: DefinitionString is not valid JSON: ${(error as Error).message}`);
      }
    } else if (props.Definition !== undefined) {
      const resolved = resolveIntrinsics(props.Definition, o.ctx);
      definition = JSON.parse(substitute(JSON.stringify(resolved), props.DefinitionSubstitutions, o.ctx, where));
    } else if (props.DefinitionS3Location !== undefined) {
      throw new Error(`${where}: DefinitionS3Location is not supported by the local cloud`);
    } else {
      throw new Error(`${where}: no DefinitionString or Definition`);
    }
    if (!isObject(definition) || !isObject(definition.States) || typeof definition.StartAt !== 'string') {
      throw new Error(`${where}: the definition has no StartAt/States`);
    }
    let roleArn = `arn:${o.ctx.partition}:iam::${o.ctx.accountId}:role/${logicalId}-local`;
    try {
      const r = props.RoleArn === undefined ? undefined : resolveIntrinsics(props.RoleArn, o.ctx);
      if (typeof r === 'string') roleArn = r;
    } catch {
      // The role is informational locally.
    }
    const states = new Map<string, StateInfo>();
    const descendants = new Map<string, Set<string>>();
    const emulatorDefinition = prepareDefinition(definition, where, states, descendants, []);
    const topTimeout = definition.TimeoutSeconds;
    delete emulatorDefinition.TimeoutSeconds; // enforced on the virtual clock
    // Validate what we were given (AWS validates at CreateStateMachine); run the transformed copy.
    validateDefinition(definition, where);
    // A fixed StateMachineName (as the stack sets) names the machine, as on AWS; else the logical id.
    const fixedName = props.StateMachineName === undefined ? undefined : resolveIntrinsics(props.StateMachineName, o.ctx);
    const name = typeof fixedName === 'string' && fixedName.length > 0 ? fixedName : logicalId;
    const arn = stateMachineArn(o.ctx, name);
    machines.set(arn, {
      logicalId,
      arn,
      name,
      type: props.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
      roleArn,
      definition,
      definitionString: JSON.stringify(definition),
      emulator: new StateMachine(emulatorDefinition as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } }),
      ...(typeof topTimeout === 'number' && topTimeout > 0 && { timeoutSeconds: topTimeout }),
      states,
      descendants,
      creationDate,
    });
  }
  return machines;
}

/** Definitions already validated in this process (asl-validator compiles its schema each call: ~0.1 s). */
const validDefinitions = new Set<string>();

function validateDefinition(definition: Json, where: string): void {
  const key = JSON.stringify(definition);
  if (validDefinitions.has(key)) return;
  try {
    new StateMachine(definition as unknown as StateMachineDefinition, { validationOptions: { checkArn: false, checkPaths: true } });
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`);
  }
  validDefinitions.add(key);
}

function substitute(text: string, substitutions: unknown, ctx: IntrinsicContext, where: string): string {
  if (substitutions === undefined) return text;
  const values = resolveIntrinsics(substitutions, ctx);
  if (!isObject(values)) throw new Error(`${where}: DefinitionSubstitutions must be an object`);
  return text.replace(/\$\{([^}]+)\}/g, (whole, key: string) => {
    const v = values[key];
    if (v === undefined) return whole;
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

/** A copy of a (sub-)definition for the emulator; records every state in `states`. */
function prepareDefinition(def: Json, where: string, states: Map<string, StateInfo>, descendants: Map<string, Set<string>>, ancestors: string[]): Json {
  if (def.QueryLanguage === 'JSONata') throw new Error(`${where}: JSONata is not supported by the local cloud`);
  const out: Json = { ...def, States: {} };
  const outStates = out.States as Json;
  for (const [name, raw] of Object.entries(def.States as Json)) {
    if (!isObject(raw) || typeof raw.Type !== 'string') throw new Error(`${where}: state "${name}" has no Type`);
    const at = `${where}, state "${name}"`;
    if (states.has(name)) throw new Error(`${at}: state names must be unique in the whole state machine`);
    for (const a of ancestors) descendants.get(a)!.add(name);
    if (raw.QueryLanguage === 'JSONata' || 'Arguments' in raw || 'Output' in raw) throw new Error(`${at}: JSONata is not supported by the local cloud`);
    if ('Assign' in raw) throw new Error(`${at}: Variables (Assign) are not supported by the local cloud`);
    const info: StateInfo = { name, type: raw.Type, definition: raw };
    if (Array.isArray(raw.Retry)) info.retry = raw.Retry as StateInfo['retry'];
    states.set(name, info);
    let state: Json = { ...raw };
    switch (raw.Type) {
      case 'Task':
        state = prepareTask(raw, at, info);
        break;
      case 'Wait':
        info.kind = 'wait';
        state = {
          Type: 'Task',
          Resource: 'arn:aws:states:::local:wait',
          TimeoutSeconds: MAX_EMULATOR_TIMEOUT_SECONDS,
          ...pick(raw, ['Comment', 'InputPath', 'OutputPath', 'Next', 'End']),
        };
        break;
      case 'Parallel': {
        descendants.set(name, new Set());
        if (!Array.isArray(raw.Branches)) throw new Error(`${at}: Parallel state without Branches`);
        state.Branches = raw.Branches.map((b: unknown, i: number) => {
          if (!isObject(b) || !isObject(b.States)) throw new Error(`${at}: branch ${i} has no States`);
          return prepareDefinition(b, `${at}, branch ${i}`, states, descendants, [...ancestors, name]);
        });
        break;
      }
      case 'Map': {
        descendants.set(name, new Set());
        for (const field of ['ItemReader', 'ResultWriter', 'ItemBatcher', 'ToleratedFailurePercentage', 'ToleratedFailureCount', 'Label']) {
          if (field in raw) throw new Error(`${at}: ${field} (Distributed Map) is not supported by the local cloud`);
        }
        const processorField = 'ItemProcessor' in raw ? 'ItemProcessor' : 'Iterator';
        const processor = raw[processorField];
        if (!isObject(processor) || !isObject(processor.States)) throw new Error(`${at}: Map state without ItemProcessor/Iterator`);
        if (isObject(processor.ProcessorConfig) && processor.ProcessorConfig.Mode === 'DISTRIBUTED') {
          throw new Error(`${at}: Distributed Map is not supported by the local cloud`);
        }
        state[processorField] = prepareDefinition(processor, `${at}, item processor`, states, descendants, [...ancestors, name]);
        break;
      }
      default:
        break;
    }
    outStates[name] = state;
  }
  return out;
}

function prepareTask(raw: Json, at: string, info: StateInfo): Json {
  const resource = raw.Resource;
  if (typeof resource !== 'string') throw new Error(`${at}: Task state without a Resource`);
  const state: Json = { ...raw };
  if (LAMBDA_TOKEN.test(resource)) {
    info.kind = 'lambda-token';
    const parameters = raw.Parameters;
    if (!JSON.stringify(parameters ?? null).includes('$$.Task.Token')) {
      throw new Error(`${at}: a .waitForTaskToken task must pass $$.Task.Token in its Parameters`);
    }
    if (raw.TimeoutSecondsPath !== undefined) {
      const payload = isObject(parameters) ? parameters.Payload : undefined;
      if (!isObject(payload) || payload['input.$'] !== '$') {
        throw new Error(
          `${at}: TimeoutSecondsPath is evaluated locally against Payload.input; the Payload must contain "input.$": "$"`,
        );
      }
      if (typeof raw.TimeoutSecondsPath !== 'string' || !raw.TimeoutSecondsPath.startsWith('$')) {
        throw new Error(`${at}: TimeoutSecondsPath must be a reference path`);
      }
    }
    // Timeouts run on the virtual clock (see the module comment); heartbeats are ignored.
    for (const f of ['TimeoutSeconds', 'TimeoutSecondsPath', 'HeartbeatSeconds', 'HeartbeatSecondsPath']) delete state[f];
    state.TimeoutSeconds = MAX_EMULATOR_TIMEOUT_SECONDS;
    return state;
  }
  if (LAMBDA_INVOKE.test(resource)) info.kind = 'lambda-invoke';
  else if (LAMBDA_ARN.test(resource)) info.kind = 'lambda-arn';
  else {
    throw new Error(
      `${at}: Task resource ${resource} is not supported by the local cloud ` +
        '(only arn:aws:states:::lambda:invoke, lambda:invoke.waitForTaskToken and Lambda function ARNs)',
    );
  }
  for (const f of ['HeartbeatSeconds', 'HeartbeatSecondsPath']) delete state[f];
  if (typeof raw.TimeoutSeconds === 'number') state.TimeoutSeconds = Math.min(raw.TimeoutSeconds, MAX_EMULATOR_TIMEOUT_SECONDS);
  else if (raw.TimeoutSecondsPath === undefined) state.TimeoutSeconds = MAX_EMULATOR_TIMEOUT_SECONDS;
  return state;
}

function pick(o: Json, keys: string[]): Json {
  const out: Json = {};
  for (const k of keys) if (k in o) out[k] = o[k];
  return out;
}

/** A JSONPath reference path (`$`, `$.a.b`, `$.a[0]`, `$['a b']`) read from `root`. */
export function readReferencePath(path: string, root: unknown): { found: boolean; value?: unknown } {
  if (!path.startsWith('$')) throw new Error(`not a reference path: ${path}`);
  let rest = path.slice(1);
  let current: unknown = root;
  const step = /^(?:\.([^.[\]]+)|\[(\d+)\]|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\])/;
  while (rest.length > 0) {
    const m = step.exec(rest);
    if (!m) throw new Error(`unsupported reference path: ${path}`);
    rest = rest.slice(m[0].length);
    if (m[2] !== undefined) {
      if (!Array.isArray(current)) return { found: false };
      const i = Number(m[2]);
      if (i >= current.length) return { found: false };
      current = current[i];
    } else {
      const key = m[1] ?? m[3] ?? m[4] ?? '';
      if (!isObject(current) || !Object.hasOwn(current, key)) return { found: false };
      current = current[key];
    }
  }
  return { found: true, value: current };
}
