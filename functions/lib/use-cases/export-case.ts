// Evidence export (issue 14 point 4): one case as one zip a payment partner or law enforcement can check on
// its own — case.json, timeline.json, the attachments' original bytes from the mail bucket, a readable
// case.html (every value escaped by domain/html.ts), evidence.json when the case carries evidence, and
// manifest.json with the SHA-256 of every other file. Every export is audited before it is handed over: a
// `case.exported` event naming who exported it, saved with the case's version check (re-read on a race), so
// no archive leaves unrecorded. An archive too big for one API answer — API Gateway returns at most 10 MB and
// Lambda at most 6 MB of synchronous response, which a base64-encoded body reaches at about 4.5 MB — is left in
// the mail bucket (deleted a day later by its lifecycle rule) and handed over as a short-lived presigned link.
import { createHash, randomUUID } from 'node:crypto';
import { zipSync, type Zippable } from 'fflate';
import type { CaseEvent, CaseRecord } from '#domain/case.ts';
import { html, type SafeHtml } from '#domain/html.ts';
import { recordExport } from '#domain/lifecycle.ts';
import { BusyError, NotFoundError } from '../errors.ts';
import type { Agent } from '../http.ts';
import type { ArchiveDrop, BlobStore, CaseStore, Clock } from '../ports.ts';
import { isCaseId } from './read-cases.ts';

/** The largest archive answered inline: its base64 (4/3) plus the response envelope stays under Lambda's 6 MB. */
export const MAX_INLINE_EXPORT_BYTES = 4 * 1024 * 1024;
const MAX_ATTEMPTS = 4;
/** Where a large archive is left in the mail bucket (its own lifecycle rule deletes it a day later). */
export const EXPORTS_PREFIX = 'exports/';

export interface ExportDeps {
  store: Pick<CaseStore, 'getCaseWithTimeline' | 'saveChange'>;
  blobs: Pick<BlobStore, 'get'>;
  /** Large archives: stored, and handed over as a link. */
  drop: ArchiveDrop;
  clock: Clock;
}

export interface ManifestEntry {
  path: string;
  bytes: number;
  sha256: string;
}

export interface CaseArchive {
  filename: string;
  zip: Uint8Array;
  manifest: { caseId: string; reference: string; version: number; exportId: string; exportedAt: string; exportedBy: { id: string; email?: string }; files: ManifestEntry[] };
}

/** The export as handed over: the archive itself, or (too big for one answer) a link to it. */
export type CaseExport =
  | ({ delivery: 'inline' } & CaseArchive)
  | { delivery: 'link'; url: string; expiresAt: string; filename: string; bytes: number; sha256: string; manifest: CaseArchive['manifest'] };

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const jsonBytes = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
/** A name safe in a zip on every system: no path separators, no control characters. */
const safeName = (name: string) => name.replace(/[\\/\p{Cc}]/gu, '_').replace(/^\.+/, '_').slice(0, 180) || 'attachment';

export async function exportCase(deps: ExportDeps, request: { caseId: string; agent: Agent }): Promise<CaseExport> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const found = isCaseId(request.caseId) ? await deps.store.getCaseWithTimeline(request.caseId) : undefined;
    if (!found) throw new NotFoundError('No such case');
    const now = deps.clock.now();
    const exportId = randomUUID();
    const archive = await buildArchive(deps, found.record, found.events, { exportId, at: now.toISOString(), agent: request.agent });
    const digest = sha256(archive.zip);
    // Stored before it is audited (the link needs the object); a race lost leaves an unaudited object that no
    // link was ever given for, and the lifecycle rule deletes it.
    const link = archive.zip.length > MAX_INLINE_EXPORT_BYTES ? await deps.drop.drop(`${EXPORTS_PREFIX}${found.record.caseId}/${exportId}.zip`, archive.zip, archive.filename) : undefined;
    const actor = { kind: 'agent' as const, id: request.agent.id, role: 'risk' };
    const change = recordExport(found.record, { exportId, files: archive.manifest.files.length, bytes: archive.zip.length, sha256: digest, delivery: link ? 'link' : 'inline' }, actor, now);
    const outcome = await deps.store.saveChange(change);
    if (outcome.kind !== 'saved') continue;
    return link
      ? { delivery: 'link', ...link, filename: archive.filename, bytes: archive.zip.length, sha256: digest, manifest: archive.manifest }
      : { delivery: 'inline', ...archive };
  }
  throw new BusyError();
}

async function buildArchive(deps: ExportDeps, record: CaseRecord, events: CaseEvent[], o: { exportId: string; at: string; agent: Agent }): Promise<CaseArchive> {
  const files: [string, Uint8Array][] = [
    ['case.json', jsonBytes(record)],
    ['timeline.json', jsonBytes(events)],
  ];
  const attachments = record.attachments.map((a, i) => ({ ...a, path: `attachments/${i + 1}-${safeName(a.filename)}` }));
  for (const a of attachments) {
    const body = await deps.blobs.get(a.key);
    // An attachment whose object is gone (erased) is named in case.json but has no file: the manifest says so.
    if (body) files.push([a.path, new Uint8Array(body)]);
  }
  const evidence = (record as CaseRecord & { evidence?: unknown }).evidence;
  if (evidence !== undefined) files.push(['evidence.json', jsonBytes(evidence)]);
  files.push(['case.html', new TextEncoder().encode(renderCase(record, events, attachments, o).toString())]);
  const manifest: CaseArchive['manifest'] = {
    caseId: record.caseId,
    reference: record.reference,
    version: record.version,
    exportId: o.exportId,
    exportedAt: o.at,
    exportedBy: { id: o.agent.id, ...(o.agent.email && { email: o.agent.email }) },
    files: files.map(([path, bytes]) => ({ path, bytes: bytes.length, sha256: sha256(bytes) })),
  };
  const zippable: Zippable = {};
  for (const [path, bytes] of files) zippable[path] = [bytes, { level: path.startsWith('attachments/') ? 0 : 6 }];
  zippable['manifest.json'] = jsonBytes(manifest);
  const mtime = new Date(o.at);
  return { filename: `${record.reference}-${o.exportId.slice(0, 8)}.zip`, zip: zipSync(zippable, { mtime }), manifest };
}

function renderCase(record: CaseRecord, events: CaseEvent[], attachments: (CaseRecord['attachments'][number] & { path: string })[], o: { exportId: string; at: string; agent: Agent }): SafeHtml {
  const row = (label: string, value: unknown) => html`<tr><th scope="row">${label}</th><td>${value === undefined || value === null ? '' : String(value)}</td></tr>`;
  const r = record;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Case ${r.reference}</title>
<style>body{font:14px/1.5 system-ui,sans-serif;margin:2rem;max-width:60rem}th{text-align:left;padding-right:1rem;vertical-align:top}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.25rem .5rem}pre{white-space:pre-wrap}</style></head>
<body>
<h1>Case ${r.reference}</h1>
<p>Exported ${o.at} by ${o.agent.email ?? o.agent.id} (export ${o.exportId}). Every file of this archive and its SHA-256 is in manifest.json.</p>
<h2>Case</h2>
<table>${[
    row('Case id', r.caseId),
    row('Status', r.status),
    row('Outcome', r.outcome),
    row('Category', r.category),
    row('Priority', r.priority),
    row('Risk score', r.riskScore),
    row('Channel', r.channel),
    row('Requester', [r.requester.name, r.requester.email].filter(Boolean).join(' ')),
    row('Account id', r.requester.userId),
    row('Amount', r.amount !== undefined ? `${r.amount} ${r.currency ?? ''}` : undefined),
    row('Transaction id', r.transactionId),
    row('Opened', r.openedAt),
    row('Resolved', r.resolvedAt),
    row('Closed', r.closedAt),
    row('Legal hold', r.legalHold ? `since ${r.legalHold.since} by ${r.legalHold.by}: ${r.legalHold.reason}` : undefined),
    row('Personal data erased', r.erased ? `${r.erased.at} (${r.erased.reason})` : undefined),
  ]}</table>
<h2>Request</h2>
<h3>${r.subject}</h3>
<pre>${r.message}</pre>
<h2>Risk factors</h2>
<ul>${r.riskFactors.map((f) => html`<li>${f.code} (${f.points}): ${f.detail}</li>`)}</ul>
<h2>Attachments</h2>
<ul>${attachments.map((a) => html`<li>${a.path} — ${a.contentType}, ${a.size} bytes, SHA-256 ${a.sha256}</li>`)}</ul>
<h2>Timeline</h2>
<table><tr><th>When</th><th>Version</th><th>What</th><th>Who</th><th>Details</th></tr>${events.map(
    (e) => html`<tr><td>${e.at}</td><td>${e.version}</td><td>${e.type}</td><td>${actorName(e)}</td><td><pre>${JSON.stringify(e.data, null, 1)}</pre></td></tr>`,
  )}</table>
</body></html>
`;
}

const actorName = (e: CaseEvent): string => (e.actor.kind === 'agent' ? `${e.actor.id} (${e.actor.role})` : e.actor.kind === 'requester' ? `requester ${e.actor.email}` : 'trustdesk');
