// A case as the API shows it: consult tokens (the secret an email answer carries) left out. Its own module
// so that every use case answering with a case (actions, incidents, consults, internal cases) shares it.
import type { CaseRecord } from '#domain/case.ts';
import type { Consult } from '#domain/consult.ts';

export type ShownCase = Omit<CaseRecord, 'consults'> & { consults?: Omit<Consult, 'token'>[] };

export function withoutSecrets(record: CaseRecord): ShownCase {
  if (!record.consults) return record;
  return { ...record, consults: record.consults.map(({ token: _token, ...consult }) => consult) };
}
