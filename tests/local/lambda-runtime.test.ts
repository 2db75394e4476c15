import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { captureFunctionLogs, loadFunctions, type FunctionLogCapture } from '#local/lambda-runtime.ts';
import type { CfnTemplate, IntrinsicContext } from '#local/template.ts';

const ctx: IntrinsicContext = { ref: (id) => id, getAtt: (id) => id, region: 'us-east-1', accountId: '000000000000', partition: 'aws', stackName: 'Test', urlSuffix: 'amazonaws.com' };

/** Two bundles in a throwaway cdk.out: one that logs (both streams, as Powertools' Console does), one that fails. */
function fakeCdkOut(): { dir: string; template: CfnTemplate } {
  const dir = mkdtempSync(path.join(tmpdir(), 'runtime-'));
  const bundle = (name: string, code: string) => {
    mkdirSync(path.join(dir, name));
    writeFileSync(path.join(dir, name, 'index.mjs'), code);
  };
  bundle('asset.talker', `export const handler = async (event) => { await new Promise((r) => setTimeout(r, 5)); process.stdout.write(JSON.stringify({ level: 'INFO', said: event.say }) + '\\n'); process.stderr.write('warned\\n'); return 'ok'; };`);
  bundle('asset.failer', `export const handler = async () => { throw new TypeError('broken for case c-1'); };`);
  const fn = (asset: string) => ({ Type: 'AWS::Lambda::Function', Metadata: { 'aws:asset:path': asset }, Properties: { Handler: 'index.handler', Runtime: 'nodejs22.x' } });
  return { dir, template: { Resources: { Talker: fn('asset.talker'), Failer: fn('asset.failer') } } };
}

describe('function log capture', () => {
  let capture: FunctionLogCapture | undefined;
  afterEach(() => capture?.stop());

  it('keeps the lines each invocation writes, by function, and the error an invocation ends with', async () => {
    const { dir, template } = fakeCdkOut();
    capture = captureFunctionLogs({ ringSize: 100, print: () => false });
    const functions = await loadFunctions(template, dir, ctx);
    await Promise.all([functions.get('Talker')!.invoke({ say: 'one' }), functions.get('Talker')!.invoke({ say: 'two' })]);
    await expect(functions.get('Failer')!.invoke({})).rejects.toThrow('broken for case c-1');

    const lines = capture.lines();
    expect(lines.filter((l) => l.functionId === 'Talker' && l.stream === 'stdout').map((l) => JSON.parse(l.line).said).sort()).toEqual(['one', 'two']);
    expect(lines.filter((l) => l.functionId === 'Talker' && l.stream === 'stderr').map((l) => l.line)).toEqual(['warned', 'warned']);
    const failure = lines.find((l) => l.functionId === 'Failer');
    expect(failure?.line).toMatch(/^ERROR\tInvoke Error\t.*"errorType":"TypeError".*broken for case c-1/);
    // Sequence numbers let a reader ask for what is new.
    const last = lines.at(-1)!.seq;
    await functions.get('Talker')!.invoke({ say: 'three' });
    expect(capture.lines(last).map((l) => l.line)).toEqual([JSON.stringify({ level: 'INFO', said: 'three' }), 'warned']);
  });

  it('drops the oldest lines beyond the ring size and counts them', async () => {
    const { dir, template } = fakeCdkOut();
    capture = captureFunctionLogs({ ringSize: 3, print: () => false });
    const functions = await loadFunctions(template, dir, ctx);
    for (const say of ['a', 'b', 'c']) await functions.get('Talker')!.invoke({ say });
    expect(capture.lines()).toHaveLength(3);
    expect(capture.dropped()).toBe(3);
    expect(capture.lines().at(-1)!.line).toBe('warned');
  });
});
