// Reading DynamoDB stream records of the cases table.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { CaseEvent, CaseRecord } from '#domain/case.ts';

type Image = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;
const plain = <T>(image: Image | undefined): T | undefined => (image ? (unmarshall(image as Record<string, AttributeValue>) as T) : undefined);

/** A newly appended case event (an erasure rewriting an old one is a MODIFY, never taken for a new event). */
export function insertedEvent(record: DynamoDBRecord): CaseEvent | undefined {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || image?.itemType?.S !== 'event') return undefined;
  return plain<CaseEvent>(image);
}

/** A case item's images before and after the change (before is undefined for a new case). */
export function caseChange(record: DynamoDBRecord): { before?: CaseRecord; after: CaseRecord } | undefined {
  const image = record.dynamodb?.NewImage;
  if (record.eventName === 'REMOVE' || image?.itemType?.S !== 'case') return undefined;
  const after = plain<CaseRecord>(image)!;
  const before = plain<CaseRecord>(record.dynamodb?.OldImage);
  return { after, ...(before && { before }) };
}

/** The case a stream record belongs to (its partition key: a case item and its events share it). */
const caseKeyOf = (record: DynamoDBRecord): string => record.dynamodb?.Keys?.pk?.S ?? record.dynamodb?.SequenceNumber ?? '';

/**
 * Runs a stream batch's records case by case: the records of one case one after another in stream order
 * (so an email of a case never overtakes an earlier one), different cases concurrently. When a record
 * fails, the later records of its case are not tried in this invocation; all of them are reported, and
 * the mapping redelivers from the lowest one (handled records are idempotent, so a redelivery is harmless).
 */
export async function processInCaseOrder(
  records: readonly DynamoDBRecord[],
  handle: (record: DynamoDBRecord) => Promise<void>,
  onError: (record: DynamoDBRecord, error: unknown) => void = () => {},
): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> {
  const byCase = new Map<string, DynamoDBRecord[]>();
  for (const record of records) {
    const key = caseKeyOf(record);
    byCase.set(key, [...(byCase.get(key) ?? []), record]);
  }
  const failed = new Set<DynamoDBRecord>();
  await Promise.all(
    [...byCase.values()].map(async (ofCase) => {
      for (const [i, record] of ofCase.entries()) {
        try {
          await handle(record);
        } catch (error) {
          onError(record, error);
          for (const later of ofCase.slice(i)) failed.add(later);
          return;
        }
      }
    }),
  );
  return { batchItemFailures: records.filter((r) => failed.has(r)).map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? '' })) };
}
