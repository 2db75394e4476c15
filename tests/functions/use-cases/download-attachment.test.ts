// Attachment downloads: the n-th attachment (1-based) as a link with the download's name, type and disposition;
// 404 for an unknown case or n, 410 once the case is erased, 403 for a role that may not read the case, and a
// view recorded before a confidential case's link is handed over.
import { beforeEach, describe, expect, it } from 'vitest';
import type { AttachmentRef, CaseRecord } from '#domain/case.ts';
import { ForbiddenError, GoneError, NotFoundError } from '#lib/errors.ts';
import { confidentiality } from '#lib/governance-config.ts';
import type { AttachmentLinks } from '#lib/ports.ts';
import { attachmentLink, type AttachmentDeps } from '#lib/use-cases/download-attachment.ts';
import { FixedClock, InMemoryCaseStore, NOW, sampleCase } from '../fakes.ts';

class RecordingLinks implements AttachmentLinks {
  readonly calls: { key: string; contentType: string; contentDisposition: string }[] = [];
  async linkTo(key: string, as: { contentType: string; contentDisposition: string }) {
    this.calls.push({ key, ...as });
    return { url: `https://bucket.example/${encodeURIComponent(key)}?sig`, expiresAt: new Date(NOW.getTime() + 300_000).toISOString() };
  }
}

const attachment = (i: number, filename: string, contentType: string): AttachmentRef => ({ filename, contentType, size: 100 + i, sha256: 'ab'.repeat(32), key: `attachments/m-1/${i}-${filename}` });
const agent = { id: 'agent-1', email: 'a1@trustdesk.example', roles: ['agent'] };
const route = 'GET /cases/{caseId}/attachments/{n}';

let store: InMemoryCaseStore;
let links: RecordingLinks;
let deps: AttachmentDeps;
let record: CaseRecord;

beforeEach(() => {
  store = new InMemoryCaseStore();
  links = new RecordingLinks();
  deps = { store, links, clock: new FixedClock(NOW), confidentiality };
  record = sampleCase({ attachments: [attachment(1, 'statement.pdf', 'application/pdf'), attachment(2, 'ünï "x".html', 'text/html; charset=utf-8')] });
  store.cases.set(record.caseId, record);
});

describe('attachmentLink', () => {
  it('links the n-th attachment, counting from 1, as a download under its name and stored type', async () => {
    const first = await attachmentLink(deps, { caseId: record.caseId, n: 1, viewer: agent, route });
    expect(first).toEqual({ url: expect.stringContaining('1-statement.pdf'), expiresAt: '2026-11-25T18:05:00.000Z', filename: 'statement.pdf', contentType: 'application/pdf', size: 101 });
    const second = await attachmentLink(deps, { caseId: record.caseId, n: 2, viewer: agent, route });
    expect(second).toMatchObject({ filename: 'ünï "x".html', contentType: 'text/html; charset=utf-8', size: 102 });
    expect(links.calls).toEqual([
      { key: 'attachments/m-1/1-statement.pdf', contentType: 'application/pdf', contentDisposition: 'attachment; filename="statement.pdf"' },
      { key: 'attachments/m-1/2-ünï "x".html', contentType: 'text/html; charset=utf-8', contentDisposition: `attachment; filename="_n_ _x_.html"; filename*=UTF-8''%C3%BCn%C3%AF%20%22x%22.html` },
    ]);
  });

  it('is a 404 for an n past the last attachment, an unknown case and a malformed id, and links nothing', async () => {
    await expect(attachmentLink(deps, { caseId: record.caseId, n: 3, viewer: agent, route })).rejects.toThrow(new NotFoundError('This case has 2 attachments'));
    await expect(attachmentLink(deps, { caseId: '00000000-0000-4000-8000-0000000000ff', n: 1, viewer: agent, route })).rejects.toBeInstanceOf(NotFoundError);
    await expect(attachmentLink(deps, { caseId: '../etc', n: 1, viewer: agent, route })).rejects.toBeInstanceOf(NotFoundError);
    expect(links.calls).toEqual([]);
  });

  it('is a 410 once the case was erased (its attachments went with its personal data)', async () => {
    store.cases.set(record.caseId, { ...record, attachments: [], erased: { at: NOW.toISOString(), reason: 'request', erasureId: 'e-1' } } as CaseRecord);
    const refused = await attachmentLink(deps, { caseId: record.caseId, n: 1, viewer: agent, route }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GoneError);
    expect((refused as GoneError).status).toBe(410);
    expect(links.calls).toEqual([]);
  });

  it('records a view of a confidential case before handing its link over, and none for other cases', async () => {
    await attachmentLink(deps, { caseId: record.caseId, n: 1, viewer: agent, route });
    expect(store.views).toEqual([]);
    store.cases.set(record.caseId, { ...record, category: 'fraud_scam' });
    await attachmentLink(deps, { caseId: record.caseId, n: 1, viewer: agent, route });
    expect(store.views).toEqual([{ caseId: record.caseId, viewer: agent, at: NOW.toISOString(), route }]);
  });

  it('links no confidential attachment when its view cannot be recorded', async () => {
    store.cases.set(record.caseId, { ...record, category: 'safety' });
    store.recordView = async () => {
      throw new Error('table unavailable');
    };
    await expect(attachmentLink(deps, { caseId: record.caseId, n: 1, viewer: agent, route })).rejects.toThrow('table unavailable');
    expect(links.calls).toEqual([]);
  });

  it('lets an internal user download only from a case it follows: any other id, unknown too, is the same 403', async () => {
    const internal = { id: 'ops-7', roles: ['internal'] };
    await expect(attachmentLink(deps, { caseId: record.caseId, n: 1, viewer: internal, route })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(attachmentLink(deps, { caseId: '00000000-0000-4000-8000-0000000000ff', n: 1, viewer: internal, route })).rejects.toBeInstanceOf(ForbiddenError);
    store.cases.set(record.caseId, { ...record, internal: { reporter: { id: 'ops-7' }, onBehalfOf: 'user', named: [] } } as unknown as CaseRecord);
    await expect(attachmentLink(deps, { caseId: record.caseId, n: 1, viewer: internal, route })).resolves.toMatchObject({ filename: 'statement.pdf' });
  });

  it('refuses a caller with no reading role', async () => {
    await expect(attachmentLink(deps, { caseId: record.caseId, n: 1, viewer: { id: 'x', roles: ['viewer'] }, route })).rejects.toBeInstanceOf(ForbiddenError);
  });
});
