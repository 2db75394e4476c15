import { FilterCriteria, FilterRule } from 'aws-cdk-lib/aws-lambda';

/**
 * FilterCriteria of the cases stream's mappings, so a consumer is invoked only for records it handles
 * (the same tests as functions/lib/stream.ts makes in the handler, which keeps them as a second guard).
 * Lambda drops a record no filter matches and counts it handled; the local cloud does the same
 * (local/event-filter.ts).
 */
export const streamFilters = {
  /** A newly appended case event (insertedEvent): what the aggregator counts and the outbox emails about. */
  caseEventInserted: FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT'), dynamodb: { NewImage: { itemType: { S: FilterRule.isEqual('event') } } } }),
  /** A case item created or changed (caseChange): what starts and resumes workflows. */
  caseItemChanged: FilterCriteria.filter({ eventName: FilterRule.or('INSERT', 'MODIFY'), dynamodb: { NewImage: { itemType: { S: FilterRule.isEqual('case') } } } }),
};
