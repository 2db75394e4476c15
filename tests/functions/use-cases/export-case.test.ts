// The evidence export through the ports (fakes): the archive's files and manifest, attachments as stored, the
// HTML escaped, the audit event saved before the archive is handed over (re-read on a race), a 404 for an
// unknown case, and an archive too big for one API answer left in the bucket and handed over as a link.
import { createHash } from 'node:crypto';
import { unzipSync } from 'fflate';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyAgentAction } from '#domain/lifecycle.ts';
import { NotFoundError } from '#lib/errors.ts';
import { fourEyes } from '#lib/governance-config.ts';
import { policies } from '#lib/policies.ts';
import { EXPORTS_PREFIX, exportCase, MAX_INLINE_EXPORT_BYTES, type CaseArchive, type ExportDeps } from '#lib/use-cases/export-case.ts';
import { FixedClock, InMemoryArchiveDrop, InMemoryBlobStore, InMemoryCaseStore } from '../fakes.ts';
import { CASE_ID, HOUR, at, caseAt } from '../lifecycle-fakes.ts';

const risk = { id: 'risk-1', email: 'risk1@trustdesk.local', roles: ['risk'] };
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
let store: InMemoryCaseStore;
let blobs: InMemoryBlobStore;
let drop: InMemoryArchiveDrop;
let deps: ExportDeps;
const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255, 1, 2, 3]);

beforeEach(async () => {
  store = new InMemoryCaseStore();
  blobs = new InMemoryBlobStore();
  drop = new InMemoryArchiveDrop();
  deps = { store, blobs, drop, clock: new FixedClock(at(HOUR)) };
  const attachments = [
    { filename: '../proof.png', contentType: 'image/png', size: png.length, sha256: sha(png), key: 'attachments/ses-1/1-proof.png' },
    { filename: 'gone.txt', contentType: 'text/plain', size: 4, sha256: 'c'.repeat(64), key: 'attachments/ses-1/2-gone.txt' },
  ];
  store.cases.set(CASE_ID, caseAt('P2', { subject: 'Charge <script>alert(1)</script>', attachments }));
  store.events.set(CASE_ID, [{ caseId: CASE_ID, version: 1, type: 'case.opened', at: at(0).toISOString(), actor: { kind: 'requester', email: 'alice@example.com' }, data: {} }]);
  await blobs.put(attachments[0]!.key, png, 'image/png');
});

/** The export, answered inline (a small case). */
async function inline(): Promise<CaseArchive> {
  const exported = await exportCase(deps, { caseId: CASE_ID, agent: risk });
  if (exported.delivery !== 'inline') throw new Error(`expected an inline export, got ${exported.delivery}`);
  return exported;
}

describe('exporting a case', () => {
  it('is one zip: case, timeline, stored attachments, escaped HTML, and a manifest whose checksums match', async () => {
    const archive = await inline();
    const files = unzipSync(archive.zip);
    expect(Object.keys(files).sort()).toEqual(['attachments/1-__proof.png', 'case.html', 'case.json', 'manifest.json', 'timeline.json']);
    expect(Buffer.from(files['attachments/1-__proof.png']!).equals(png)).toBe(true);
    const manifest = JSON.parse(Buffer.from(files['manifest.json']!).toString('utf8'));
    expect(manifest).toMatchObject({ caseId: CASE_ID, version: 1, exportedBy: { id: 'risk-1', email: 'risk1@trustdesk.local' }, exportedAt: at(HOUR).toISOString() });
    for (const f of manifest.files) expect(sha(files[f.path]!)).toBe(f.sha256);
    const html = Buffer.from(files['case.html']!).toString('utf8');
    expect(html).toContain('Charge &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    expect(archive.filename).toMatch(/^TD-00000C-[0-9a-f]{8}\.zip$/);
  });

  it('is audited before it is handed over, naming who exported it and the archive checksum', async () => {
    const archive = await inline();
    expect(store.cases.get(CASE_ID)!.version).toBe(2);
    expect(store.events.get(CASE_ID)!.at(-1)).toEqual({
      caseId: CASE_ID,
      version: 2,
      type: 'case.exported',
      at: at(HOUR).toISOString(),
      actor: { kind: 'agent', id: 'risk-1', role: 'risk' },
      data: { exportId: archive.manifest.exportId, files: 4, bytes: archive.zip.length, sha256: sha(archive.zip), delivery: 'inline' },
    });
  });

  it('exports the version an agent just wrote when one wins the race', async () => {
    store.beforeWrite = (w) => {
      if (w.kind !== 'change' || w.write.event.type !== 'case.exported') return;
      store.beforeWrite = undefined;
      const noted = applyAgentAction(store.cases.get(CASE_ID)!, { type: 'note', note: 'late note' }, { kind: 'agent', id: 'agent-7', role: 'agent' }, at(HOUR), policies.sla, fourEyes);
      store.cases.set(CASE_ID, noted.record);
      store.events.get(CASE_ID)!.push(noted.event);
    };
    const archive = await inline();
    expect(archive.manifest.version).toBe(2);
    expect(Buffer.from(unzipSync(archive.zip)['timeline.json']!).toString('utf8')).toContain('late note');
    expect(store.events.get(CASE_ID)!.map((e) => e.type)).toEqual(['case.opened', 'agent.noted', 'case.exported']);
  });

  it('answers 404 for an unknown case', async () => {
    await expect(exportCase(deps, { caseId: '00000000-0000-4000-8000-0000000000ff', agent: risk })).rejects.toBeInstanceOf(NotFoundError);
    expect(store.cases.get(CASE_ID)!.version).toBe(1);
  });

  it('leaves an archive too big for one API answer in the bucket and hands over a link to it, audited as such', async () => {
    const noise = Buffer.alloc(MAX_INLINE_EXPORT_BYTES + 1024);
    for (let i = 0; i < noise.length; i += 32) createHash('sha256').update(String(i)).digest().copy(noise, i);
    await blobs.put('attachments/ses-1/1-proof.png', noise, 'image/png');
    const exported = await exportCase(deps, { caseId: CASE_ID, agent: risk });
    if (exported.delivery !== 'link') throw new Error('expected a link');
    const key = `${EXPORTS_PREFIX}${CASE_ID}/${exported.manifest.exportId}.zip`;
    expect(exported.url).toBe(`memory://archives/${key}`);
    const stored = drop.archives.get(key)!;
    expect(stored.filename).toBe(exported.filename);
    expect(stored.body.length).toBe(exported.bytes);
    expect(sha(stored.body)).toBe(exported.sha256);
    expect(Buffer.from(unzipSync(stored.body)['attachments/1-__proof.png']!).equals(noise)).toBe(true);
    expect(store.events.get(CASE_ID)!.at(-1)).toMatchObject({ type: 'case.exported', data: { delivery: 'link', sha256: exported.sha256, bytes: exported.bytes } });
  });
});
