// The in-memory Ledger the evidence tests run on keeps the same promises as DynamoLedger
// (the same scenarios run against the local cloud's ledger table in tests/integration/ledger-store.test.ts).
import { describe } from 'vitest';
import { ledgerContract } from './ledger-contract.ts';
import { InMemoryLedger } from './ledger-fakes.ts';

describe('InMemoryLedger keeps the Ledger contract', () => {
  ledgerContract(() => new InMemoryLedger());
});
