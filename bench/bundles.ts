// Bundle size of every function in cdk.out and its cold import time in a fresh Node process.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadTemplate, resourcesOfType } from '#local/template.ts';

export interface BundleFigure {
  functionId: string;
  handlerDir: string;
  bytes: number;
  importMs: { min: number; median: number; max: number };
}

/** Environment a handler needs at cold start: the template's names, with placeholders for references. */
function environmentOf(variables: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : `bench-${k.toLowerCase()}`]));
}

export function bundleFigures(cdkOutDir: string, repeats = 5): BundleFigure[] {
  const template = loadTemplate(cdkOutDir, 'Trustdesk');
  const figures: BundleFigure[] = [];
  for (const [id, resource] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const asset = resource.Metadata?.['aws:asset:path'];
    const runtime = String(resource.Properties?.Runtime ?? '');
    if (typeof asset !== 'string' || !runtime.startsWith('nodejs')) continue; // CDK's own helpers (Python) are not ours
    const file = path.join(cdkOutDir, asset, 'index.mjs');
    if (!existsSync(file)) continue;
    const env = {
      ...process.env,
      ...environmentOf(((resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const out = execFileSync(
        process.execPath,
        ['--input-type=module', '-e', `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`],
        { env, encoding: 'utf8' },
      );
      times.push(Number(out.trim().split('\n').at(-1)));
    }
    times.sort((a, b) => a - b);
    const cdkPath = String(resource.Metadata?.['aws:cdk:path'] ?? id);
    figures.push({
      functionId: id,
      handlerDir: cdkPath.split('/').slice(1, -1).join('/'),
      bytes: statSync(file).size,
      importMs: { min: times[0]!, median: times[Math.floor(times.length / 2)]!, max: times.at(-1)! },
    });
  }
  return figures;
}
