import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../infra/config.ts';
import { acknowledge, acknowledgements } from '../../infra/nag.ts';
import { TrustdeskStack } from '../../infra/trustdesk-stack.ts';

interface Report {
  pluginReports: { pluginName: string; violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[] }[];
}

describe('cdk-nag AwsSolutions pack', () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'trustdesk-nag-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('synthesizes the stack with no unacknowledged finding (errors or warnings)', () => {
    // Bundling skipped: the pack reads the construct tree, not the function code.
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    new TrustdeskStack(app, 'Trustdesk', { config: readConfig(app) });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    let failure: unknown;
    try {
      app.synth();
    } catch (e) {
      failure = e;
    }
    let report: Report | undefined;
    try {
      report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as Report;
    } catch {
      // No report file: nothing was reported.
    }
    const findings = (report?.pluginReports ?? []).flatMap((p) =>
      p.violations.flatMap((v) => v.violatingConstructs.map((c) => `${v.severity} ${v.ruleName} at ${c.constructPath}`)),
    );
    expect(findings).toEqual([]);
    expect(failure).toBeUndefined();

    // Every acknowledgement carries a reason of its own (the helper refuses one without).
    const all = [...acknowledgements.values()].flat();
    expect(all.length).toBeGreaterThan(0);
    for (const a of all) expect(a.reason.length, a.id).toBeGreaterThanOrEqual(20);
  }, 60_000);

  it('refuses an acknowledgement without a reason', () => {
    const app = new App();
    expect(() => acknowledge(app, 'AwsSolutions-IAM5', '')).toThrow(/give a reason/);
    expect(() => acknowledge(app, 'AwsSolutions-IAM5', '   ok   ')).toThrow(/give a reason/);
  });
});
