// DynamoLedger on the local cloud's ledger table (the real DynamoDB Local, the template's key schema and
// indexes): its conditional writes and index queries keep the Ledger contract.
import { describe } from 'vitest';
import { DynamoLedger } from '#lib/adapters/dynamodb-ledger.ts';
import { ledgerContract } from '../functions/ledger-contract.ts';
import { cloud, dynamo } from './support.ts';

describe('DynamoLedger keeps the Ledger contract', () => {
  ledgerContract(() => new DynamoLedger(cloud.ledgerTable, dynamo));
});
