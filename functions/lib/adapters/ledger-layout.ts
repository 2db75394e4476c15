// The ledger table's layout, shared by the construct that creates it (infra/constructs/ledger.ts) and the
// adapter that reads and writes it (dynamodb-ledger.ts), and by nothing above the port:
//
//   table          transactionId                   one item per transaction (its latest status, `rank`)
//   byUser         userId        at               a user's transactions in time order
//   byInstrument   instrument    at               every transaction on one payment-instrument fingerprint (sparse)
//   byDevice       deviceId      at               every transaction from one device (sparse)
//
// `at` is `<occurredAt>#<transactionId>`: time order, and unique within an index partition.
export const LEDGER_INDEX = { byUser: 'byUser', byInstrument: 'byInstrument', byDevice: 'byDevice' } as const;

export const ledgerSortKey = (occurredAt: string, transactionId: string) => `${occurredAt}#${transactionId}`;
