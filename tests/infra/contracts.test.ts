// The contracts between infra/ and functions/, read from the synthesized stack: every function is given
// exactly the variables its handler declares (functions/lib/environment.ts), and every step the state
// machines name is one the steps function declares (workflows/steps.ts). A renamed variable or step on
// one side fails here, at synth, and in the type check.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_ENV, RUNTIME_ENV } from '#lib/environment.ts';
import { STEP_NAMES } from '#workflows/steps.ts';
import { readConfig } from '../../infra/config.ts';
import { AppFunction } from '../../infra/constructs/app-function.ts';
import { TrustdeskStack } from '../../infra/trustdesk-stack.ts';

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties?: Json;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Bundling skipped: the contracts live in the construct tree and the template, not in the bundles.
const newApp = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

let stack: TrustdeskStack;
let resources: Record<string, Resource>;
beforeAll(() => {
  const app = newApp();
  stack = new TrustdeskStack(app, 'Trustdesk', { config: readConfig(app) });
  resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
}, 60_000);

const appFunctions = (stack: Stack) => stack.node.findAll().filter((c): c is AppFunction => c instanceof AppFunction);

/** A DefinitionString with its tokens (function ARNs, partition) replaced by a placeholder, parsed. */
function definitionOf(resource: Resource): Json {
  const body = resource.Properties?.['DefinitionString'];
  if (typeof body === 'string') return JSON.parse(body) as Json;
  const [, parts] = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('')) as Json;
}

/** Every task state of a definition, nested ones (Parallel, Map) included: each invokes the steps function. */
function tasks(definition: Json): Array<{ name: string; state: Json }> {
  const found: Array<{ name: string; state: Json }> = [];
  const visit = (states: Record<string, Json>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state['Type'] === 'Task') found.push({ name, state });
      for (const branch of [...((state['Branches'] as Json[] | undefined) ?? []), state['Iterator'], state['ItemProcessor']]) {
        if (branch && typeof branch === 'object') visit((branch as Json)['States'] as Record<string, Json>);
      }
    }
  };
  visit(definition['States'] as Record<string, Json>);
  return found;
}

describe('the environment contract', () => {
  it('gives every function exactly the variables its handler declares, and the runtime its own', () => {
    const functions = appFunctions(stack);
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      const logicalId = stack.getLogicalId(fn.node.defaultChild as never);
      const variables = (resources[logicalId]?.Properties?.['Environment'] as { Variables?: Json } | undefined)?.Variables ?? {};
      expect({ fn: fn.handlerDir, names: Object.keys(variables).sort() }).toEqual({ fn: fn.handlerDir, names: [...FUNCTION_ENV[fn.handlerDir], ...RUNTIME_ENV].sort() });
    }
  });

  it('declares a contract for each function folder, each used by exactly one function of the stack', () => {
    const used = appFunctions(stack).map((f) => f.handlerDir).sort();
    expect(used).toEqual(Object.keys(FUNCTION_ENV).sort());
    for (const dir of used) expect(existsSync(path.join(root, 'functions', dir, 'handler.ts'))).toBe(true);
  });

  it('has no Node.js function outside AppFunction, so none escapes the contract', () => {
    const ours = new Set(appFunctions(stack).map((f) => stack.getLogicalId(f.node.defaultChild as never)));
    const nodeFunctions = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function' && String(r.Properties?.['Runtime']).startsWith('nodejs'));
    // (The only other function is the BucketDeployment's Python helper, which CDK owns.)
    expect(nodeFunctions.length).toBe(ours.size);
    expect(nodeFunctions.filter(([id]) => !ours.has(id)).map(([id]) => id)).toEqual([]);
  });

  it('fails synth when a function is given a variable its handler does not declare', () => {
    const lone = new Stack(newApp(), 'Lone');
    new AppFunction(lone, 'Subscriptions', { handlerDir: 'subscriptions-api', environment: { REPORTING_TABLE: 'reporting' } }).addEnvironment('STRAY_TABLE', 'x');
    expect(() => Template.fromStack(lone)).toThrow(/subscriptions-api is given variables its handler does not declare: STRAY_TABLE/);
  });

  it('fails synth when a function is not given a variable its handler declares', () => {
    const lone = new Stack(newApp(), 'Lone');
    new AppFunction(lone, 'Cases', { handlerDir: 'cases-api' });
    expect(() => Template.fromStack(lone)).toThrow(/cases-api declares variables it is not given: CASES_TABLE/);
  });

  it('synthesizes a function given exactly its declared variables', () => {
    const lone = new Stack(newApp(), 'Lone');
    new AppFunction(lone, 'Subscriptions', { handlerDir: 'subscriptions-api', environment: { REPORTING_TABLE: 'reporting' } });
    expect(() => Template.fromStack(lone)).not.toThrow();
  });
});

describe('the step contract', () => {
  let steps: string[];
  beforeAll(() => {
    const machines = Object.values(resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    expect(machines).toHaveLength(4); // the case lifecycle, escalations, consults, case timers
    steps = machines.flatMap((m) =>
      tasks(definitionOf(m)).map(({ name, state }) => {
        // lambda:invoke wraps the payload in Payload; a direct invocation (payloadResponseOnly) is the payload.
        const parameters = (state['Parameters'] ?? {}) as Json;
        const step = ((parameters['Payload'] ?? parameters) as Json)['step'];
        if (typeof step !== 'string') throw new Error(`task "${name}" invokes a function without naming a step`);
        return step;
      }),
    );
  });

  it('names only declared steps in the state machines', () => {
    expect(steps.filter((s) => !(STEP_NAMES as readonly string[]).includes(s))).toEqual([]);
  });

  it('uses every declared step, so none is dead in the steps function', () => {
    expect([...new Set(steps)].sort()).toEqual([...STEP_NAMES].sort());
  });
});
