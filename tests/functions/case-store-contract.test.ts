// The in-memory CaseStore the use-case tests run on keeps the same promises as DynamoCaseStore
// (the same scenarios run against DynamoDB Local in tests/integration/case-store.test.ts).
import { describe } from 'vitest';
import { caseStoreContract } from './case-store-contract.ts';
import { InMemoryCaseStore } from './fakes.ts';

describe('InMemoryCaseStore keeps the CaseStore contract', () => {
  caseStoreContract(() => new InMemoryCaseStore());
});
