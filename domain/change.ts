// One change to a case, as every domain rule makes it: a draft (the event's type and data, the fields it
// changes, whether the lifecycle workflow must look again) committed into the next version of the case and
// the audited event that explains it. Shared by the lifecycle rules and the consult rules.
import type { Actor, CaseEvent, CaseRecord } from './case.ts';

export interface Change {
  record: CaseRecord;
  event: CaseEvent;
}

export interface Draft {
  type: string;
  data: Record<string, unknown>;
  /** The workflow must look again: status or deadlines changed. */
  lifecycle: boolean;
  patch: Partial<CaseRecord>;
}

export function commit(current: CaseRecord, draft: Draft, actor: Actor, now: Date): Change {
  const version = current.version + 1;
  const at = now.toISOString();
  const record: CaseRecord = {
    ...current,
    ...draft.patch,
    updatedAt: at,
    version,
    lifecycleVersion: draft.lifecycle ? version : current.lifecycleVersion,
  };
  return { record, event: { caseId: current.caseId, version, type: draft.type, at, actor, data: draft.data } };
}
