// What infra/function-bundle.ts promises of every function bundle, checked by bundling small entries with
// the same options: unused SDK operations dropped, S3's event-stream helpers inside the bundle (only the lazy
// codec import left outside), one copy of a package pinned twice, and the email intake's stand-ins.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { bundleOptions } from '#infra/function-bundle.ts';

const root = path.resolve(import.meta.dirname, '../..');

async function bundle(source: string): Promise<{ code: string; inputs: string[] }> {
  // The entry sits in the project, so packages resolve as a handler's do.
  const dir = mkdtempSync(path.join(root, 'functions', '.bundle-test-'));
  const entry = path.join(dir, 'handler.ts');
  writeFileSync(entry, source);
  try {
    const result = await build({ ...bundleOptions(entry, path.join(dir, 'out')), write: false, metafile: true, sourcemap: false });
    const code = result.outputFiles.find((f) => f.path.endsWith('.mjs'))!.text;
    return { code, inputs: Object.keys(result.metafile.inputs) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('function bundles', () => {
  it('keep only the SDK operations a function calls (schema keys written as literals)', async () => {
    const { code } = await bundle(`import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
      export const handler = (input: never) => new SESv2Client({}).send(new SendEmailCommand(input));`);
    expect(code).toContain('/v2/email/outbound-emails');
    expect(code).not.toContain('/v2/email/export-jobs');
    expect(code).not.toContain('CreateContactList');
  }, 60_000);

  it('bundle the S3 client whole, leaving only the lazy event-stream codec import outside', async () => {
    const { code } = await bundle(`import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
      export const handler = () => new S3Client({}).send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }));`);
    expect(code).not.toMatch(/from\s*"@smithy\/core\/event-streams"/);
    expect(code).toContain('import("@smithy/core/event-streams")');
  }, 60_000);

  it('take one copy of entities and nodemailer, and the email stand-ins for he, linkify-it and tlds', async () => {
    const { inputs } = await bundle(`import { simpleParser } from 'mailparser';
      import addressparser from 'nodemailer/lib/addressparser/index.js';
      export const handler = async (raw: Buffer) => [await simpleParser(raw), addressparser('a@b.c')];`);
    const copies = (name: string) => new Set(inputs.filter((f) => f.includes(`node_modules/${name}/`)).map((f) => f.slice(0, f.lastIndexOf(`node_modules/${name}/`))));
    expect(copies('entities').size).toBe(1);
    expect(copies('nodemailer').size).toBe(1);
    expect(inputs.some((f) => /node_modules\/(he|linkify-it|tlds)\//.test(f))).toBe(false);
    expect(inputs).toEqual(expect.arrayContaining(['functions/lib/html-encode.ts', 'functions/lib/no-linkify.ts', 'functions/lib/no-tlds.cjs']));
  }, 60_000);
});
