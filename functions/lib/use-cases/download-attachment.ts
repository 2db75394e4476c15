// Attachment downloads (issue 13 point 6): `GET /cases/{caseId}/attachments/{n}` hands out a presigned link to
// the n-th attachment of the case (1-based, as the evidence export numbers them), valid five minutes and served
// as a download under its own name and stored type, never inline. The API function reads no attachment bytes:
// the link is signed with its role's credentials and S3 serves the object when it is used. Access is the case's:
// agents, leads and risk read any case; another team's person (role internal) only a case it follows, any
// other id (unknown too) being the same 403 as GET /cases/{caseId}. A confidential case's download is recorded
// as a view (who, when, through this route) before the link is handed over, so no one downloads one
// unrecorded. A case whose personal data was erased answers 410: its attachments went with it.
import type { AttachmentRef } from '#domain/case.ts';
import { isConfidential, type ConfidentialityPolicy } from '#domain/confidentiality.ts';
import { mayFollow } from '#domain/internal.ts';
import { attachmentDisposition, downloadContentType, downloadName } from '../content-disposition.ts';
import { ForbiddenError, GoneError, NotFoundError } from '../errors.ts';
import { requireRole, type Agent } from '../http.ts';
import { logger } from '../logger.ts';
import type { AttachmentLinks, CaseStore, Clock } from '../ports.ts';
import { isCaseId } from './read-cases.ts';

export interface AttachmentDeps {
  store: Pick<CaseStore, 'getCase' | 'recordView'>;
  links: AttachmentLinks;
  clock: Clock;
  confidentiality: ConfidentialityPolicy;
}

/** What the route answers: the link, until when it works, and what it downloads. */
export interface AttachmentLink {
  url: string;
  expiresAt: string;
  filename: string;
  contentType: string;
  size: number;
}

const READERS = ['agent', 'lead', 'risk'] as const;
const NOT_YOURS = 'You may only see the cases you opened or are named on';
const onlyInternal = (roles: readonly string[]) => roles.includes('internal') && !roles.some((r) => (READERS as readonly string[]).includes(r));

export async function attachmentLink(deps: AttachmentDeps, request: { caseId: string; n: number; viewer: Agent; route: string }): Promise<AttachmentLink> {
  const { viewer } = request;
  const internal = onlyInternal(viewer.roles);
  if (!internal) requireRole(viewer, READERS);
  const record = isCaseId(request.caseId) ? await deps.store.getCase(request.caseId) : undefined;
  if (internal && (!record || !mayFollow(record, viewer.id))) throw new ForbiddenError(NOT_YOURS);
  if (!record) throw new NotFoundError('No such case');
  if (record.erased) throw new GoneError("This case's attachments were erased with its personal data");
  const attachment: AttachmentRef | undefined = record.attachments[request.n - 1];
  if (!attachment) throw new NotFoundError(`This case has ${record.attachments.length === 1 ? '1 attachment' : `${record.attachments.length} attachments`}`);
  if (isConfidential(record, deps.confidentiality)) {
    const { id, email, roles } = viewer;
    await deps.store.recordView({ caseId: record.caseId, viewer: { id, ...(email && { email }), roles }, at: deps.clock.now().toISOString(), route: request.route });
  }
  const filename = downloadName(attachment.filename);
  const contentType = downloadContentType(attachment.contentType);
  const link = await deps.links.linkTo(attachment.key, { contentType, contentDisposition: attachmentDisposition(filename) });
  // Ids and numbers only: the filename may name the person.
  logger.info('attachment link issued', { caseId: record.caseId, n: request.n, confidential: isConfidential(record, deps.confidentiality) });
  return { ...link, filename, contentType, size: attachment.size };
}
