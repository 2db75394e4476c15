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
