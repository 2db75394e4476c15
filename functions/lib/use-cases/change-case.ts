// One change to a case made by something that is not an agent (inbound mail, SES's feedback): read the
// case, let the domain apply the change, save it with its idempotency claim — reading again when another
// write won the version, answering the earlier result when the claim was already taken (a redelivery).
import type { CaseRecord } from '#domain/case.ts';
import type { Change } from '#domain/lifecycle.ts';
import { BusyError } from '../errors.ts';
import type { CaseStore, IdempotencyClaim } from '../ports.ts';

const MAX_ATTEMPTS = 4;

export interface SavedChange {
  caseId: string;
  reference: string;
  version: number;
  /** The claim was taken before: this change had been saved already and nothing was written now. */
  replayed: boolean;
}

/** Saves `apply`'s change to the case; undefined when the case is gone. */
export async function saveCaseChange(
  store: Pick<CaseStore, 'getCase' | 'saveChange'>,
  caseId: string,
  idempotency: () => IdempotencyClaim,
  apply: (current: CaseRecord) => Change,
  messageIds: string[] = [],
): Promise<SavedChange | undefined> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await store.getCase(caseId);
    if (!current) return undefined;
    const { record: next, event } = apply(current);
    const outcome = await store.saveChange({ record: next, event, idempotency: idempotency(), messageIds });
    if (outcome.kind === 'saved') return { caseId: next.caseId, reference: next.reference, version: next.version, replayed: false };
    if (outcome.kind === 'replay') return { caseId: outcome.caseId, reference: outcome.reference, version: current.version, replayed: true };
  }
  throw new BusyError();
}
