// The cases table's item layout and the writes intake makes. The web intake bundles only this module;
// every other function uses DynamoCaseStore (./dynamodb.ts), which extends it.
import {
  DynamoDBClient,
  GetItemCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  type AttributeValue,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { CaseEvent, CaseRecord, PriorComplaint, UserProfile } from '#domain/case.ts';
import { batchGetAll } from './dynamodb-helpers.ts';
import type { CreateOutcome, IdempotencyClaim, IntakeContext, IntakeStore, NewCaseWrite, Replay } from '../ports.ts';

export const dynamodb = new DynamoDBClient({});

export type Item = Record<string, AttributeValue>;

export const keys = {
  case: (caseId: string) => ({ pk: `CASE#${caseId}`, sk: 'CASE' }),
  event: (caseId: string, version: number) => ({ pk: `CASE#${caseId}`, sk: `EVENT#${String(version).padStart(10, '0')}` }),
  notice: (caseId: string, notice: string) => ({ pk: `CASE#${caseId}`, sk: `NOTICE#${notice}` }),
  idempotency: (key: string) => ({ pk: `IDEMPOTENCY#${key}`, sk: 'IDEMPOTENCY' }),
  /** A bulk action's answer, by its agent-scoped Idempotency-Key (no stream consumer reads itemType bulk). */
  bulk: (key: string) => ({ pk: `BULK#${key}`, sk: 'BULK' }),
  reference: (reference: string) => ({ pk: `REF#${reference}`, sk: 'REF' }),
  /** Search: a requester's account and a payment name their cases (one item per case, newest first by sk). */
  byUser: (userId: string) => ({ pk: `BYUSER#${userId}` }),
  byTransaction: (transactionId: string) => ({ pk: `BYTXN#${transactionId}` }),
  /** A creator an internal (agency) case names: the creator's 360 view lists the case. */
  byCreator: (userId: string) => ({ pk: `BYCREATOR#${userId}` }),
  caseUnder: (partition: { pk: string }, r: Pick<CaseRecord, 'openedAt' | 'caseId'>) => ({ pk: partition.pk, sk: `CASE#${r.openedAt}#${r.caseId}` }),
  requester: (email: string) => ({ pk: `REQUESTER#${email}`, sk: 'SUMMARY' }),
  messageId: (messageId: string) => ({ pk: `MSGID#${messageId}`, sk: 'MSGID' }),
  quarantine: (messageId: string) => ({ pk: `QUARANTINE#${messageId}`, sk: 'QUARANTINE' }),
  workflowWait: (caseId: string, workflow: string) => ({ pk: `CASE#${caseId}`, sk: `WAIT#${workflow}` }),
  /** Openings of a confidential case: a partition of their own, so reading the case's timeline never reads them. */
  views: (caseId: string) => ({ pk: `VIEWS#${caseId}` }),
  view: (caseId: string, at: string, viewId: string) => ({ pk: `VIEWS#${caseId}`, sk: `VIEW#${at}#${viewId}` }),
  sentEmail: (providerId: string) => ({ pk: `SENT#${providerId}`, sk: 'SENT' }),
  acknowledgements: (email: string, hour: string) => ({ pk: `ACKS#${email}`, sk: hour }),
  undeliverable: (email: string) => ({ pk: `ADDRESS#${email}`, sk: 'UNDELIVERABLE' }),
};

const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'itemType'] as const;
export const toItem = (value: object): Item => marshall(value, { removeUndefinedValues: true, convertClassInstanceToMap: false });
export function fromItem<T>(item: Item): T {
  const plain = unmarshall(item);
  for (const k of KEY_ATTRIBUTES) delete plain[k];
  return plain as T;
}

/**
 * The byOpened index's partitions (issue 15 point 4). One key for every case would take every case write's
 * index copy on one partition (1,000 WCU/s at most); a case's partition is derived from its id instead, so
 * the writes spread over OPENED_SHARDS and every reader queries them all and merges by `gsi1sk` (opened
 * time, then id), which keeps the order one partition had. `CASES`, the one partition before the shards,
 * is read too, so cases written before them stay listed on a table that already holds some.
 */
export const OPENED_SHARDS = 8;
export const OPENED_PARTITIONS: readonly string[] = ['CASES', ...Array.from({ length: OPENED_SHARDS }, (_, i) => `CASES#${i}`)];
/** FNV-1a of the case id, modulo the shard count: stable, and even over random ids. */
export function openedPartition(caseId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < caseId.length; i++) hash = Math.imul(hash ^ caseId.charCodeAt(i), 0x01000193) >>> 0;
  return `CASES#${hash % OPENED_SHARDS}`;
}

export const caseItem = (r: CaseRecord): Item =>
  toItem({
    ...keys.case(r.caseId),
    itemType: 'case',
    gsi1pk: openedPartition(r.caseId),
    gsi1sk: `${r.openedAt}#${r.caseId}`,
    // An erased case has no requester left: it leaves the byRequester index (a sparse index skips it).
    ...(r.requester.email && { gsi2pk: `REQUESTER#${r.requester.email}`, gsi2sk: r.openedAt }),
    ...r,
  });
export const eventItem = (e: CaseEvent): Item => toItem({ ...keys.event(e.caseId, e.version), itemType: 'event', ...e });

/** The keys of the lookup items that find a case by its requester's account, its transaction and each creator an internal case names. */
export const searchKeysOf = (r: CaseRecord): { pk: string; sk: string }[] => [
  ...(r.requester.userId ? [keys.caseUnder(keys.byUser(r.requester.userId), r)] : []),
  ...(r.transactionId ? [keys.caseUnder(keys.byTransaction(r.transactionId), r)] : []),
  ...[...new Set(r.internal?.creatorUserIds ?? [])].map((userId) => keys.caseUnder(keys.byCreator(userId), r)),
];

/** The condition of a write that creates an item: nothing may be there yet. */
export const IS_NEW = 'attribute_not_exists(pk)';

/**
 * One write of a transaction, named for what it is. DynamoDB answers a cancelled transaction with one
 * reason per write, in the order of the writes; `transactWrites` pairs them back with these names in one
 * place, so that no store method counts positions.
 */
export interface NamedWrite {
  /** What the write is ('case id', 'idempotency claim', …): the reason a lost race reports. */
  name: string;
  write: TransactWriteItem;
  /**
   * What a failed condition on this write means. `replay`: the idempotency claim is held, so the writes it
   * guards were made before. `retry`: another writer won a race for the item, and the whole write may be
   * decided again. Unset: the condition fails only together with another one (or through a bug), so a
   * cancellation by it alone is rethrown.
   */
  ifConditionFails?: 'replay' | 'retry';
}

/** A transaction's outcome: written, replayed (its idempotency claim was held), or a race lost on a named write. */
export type TransactionOutcome = { kind: 'written' } | Replay | { kind: 'lost-race'; on: string };

export class DynamoIntakeStore implements IntakeStore {
  constructor(
    protected readonly tableName: string,
    protected readonly profilesTable: string | undefined,
    protected readonly client: DynamoDBClient = dynamodb,
  ) {}

  async loadIntakeContext(q: { email: string; userId?: string }): Promise<IntakeContext> {
    const found = await batchGetAll(this.client, {
      [this.tableName]: { Keys: [toItem(keys.requester(q.email))], ConsistentRead: true },
      ...(q.userId && this.profilesTable && { [this.profilesTable]: { Keys: [toItem({ userId: q.userId })] } }),
    });
    const requester = found[this.tableName]?.[0];
    const profileItem = this.profilesTable ? found[this.profilesTable]?.[0] : undefined;
    const summary = requester ? (unmarshall(requester) as { recent?: PriorComplaint[]; version?: number }) : undefined;
    const profile = profileItem ? (unmarshall(profileItem) as UserProfile) : undefined;
    return {
      ...(profile && { profile }),
      recent: summary?.recent ?? [],
      requesterVersion: summary?.version ?? 0,
    };
  }

  async createCase(w: NewCaseWrite): Promise<CreateOutcome> {
    const r = w.record;
    const outcome = await this.transactWrites([
      { name: 'case id', write: this.put(caseItem(r), { expression: IS_NEW }), ifConditionFails: 'retry' },
      { name: 'first event', write: this.put(eventItem(w.event), { expression: IS_NEW }) },
      this.idempotencyClaim(w.idempotency, r, Math.floor(Date.parse(r.openedAt) / 1000)),
      {
        name: 'reference',
        write: this.put(toItem({ ...keys.reference(r.reference), itemType: 'reference', caseId: r.caseId }), { expression: IS_NEW }),
        ifConditionFails: 'retry',
      },
      {
        // The requester's recent complaints as triage read them: unchanged since (or still absent).
        name: 'requester',
        write: this.put(
          toItem({ ...keys.requester(r.requester.email), itemType: 'requester', recent: w.recent, version: w.requesterVersion + 1 }),
          w.requesterVersion === 0 ? { expression: IS_NEW } : { expression: 'version = :v', values: { ':v': { N: String(w.requesterVersion) } } },
        ),
        ifConditionFails: 'retry',
      },
      ...this.messageIdWrites(w.messageIds, r.caseId),
      ...this.searchKeyWrites(r),
    ]);
    if (outcome.kind === 'written') return { kind: 'created' };
    return outcome.kind === 'lost-race' ? { kind: 'retry', reason: outcome.on } : outcome;
  }

  /** A Put into the cases table, under a condition; `returnHeld` brings the item that failed it back with the cancellation. */
  protected put(item: Item, condition?: { expression: string; values?: Item; returnHeld?: boolean }): TransactWriteItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: item,
        ...(condition && { ConditionExpression: condition.expression }),
        ...(condition?.values && { ExpressionAttributeValues: condition.values }),
        ...(condition?.returnHeld && { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const }),
      },
    };
  }

  /** The idempotency claim: taken when free or expired; a held one comes back with the cancellation. */
  protected idempotencyClaim(claim: IdempotencyClaim, r: CaseRecord, nowSeconds: number): NamedWrite {
    const item = toItem({ ...keys.idempotency(claim.key), itemType: 'idempotency', caseId: r.caseId, reference: r.reference, fingerprint: claim.fingerprint, expiresAt: claim.expiresAt });
    return {
      name: 'idempotency claim',
      write: this.put(item, { expression: `${IS_NEW} OR expiresAt < :now`, values: { ':now': { N: String(nowSeconds) } }, returnHeld: true }),
      ifConditionFails: 'replay',
    };
  }

  /** The Message-IDs a case is known by (for threading replies); a later message with the same id overwrites. */
  protected messageIdWrites(messageIds: readonly string[], caseId: string): NamedWrite[] {
    return messageIds.map((id) => ({ name: 'message id', write: this.put(toItem({ ...keys.messageId(id), itemType: 'messageId', caseId })) }));
  }

  /** The lookup items that find the case by account and by transaction (search), written with the case. */
  protected searchKeyWrites(r: CaseRecord): NamedWrite[] {
    return searchKeysOf(r).map((key) => ({ name: 'search key', write: this.put(toItem({ ...key, itemType: 'search-key', caseId: r.caseId })) }));
  }

  /** Every write or none; a cancellation read by the names of the writes that caused it. */
  protected async transactWrites(writes: NamedWrite[]): Promise<TransactionOutcome> {
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: writes.map((w) => w.write) }));
      return { kind: 'written' };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const failed = writes.flatMap((w, i) => (reasons[i]?.Code === 'ConditionalCheckFailed' ? [{ ...w, held: reasons[i]?.Item }] : []));
      const claim = failed.find((w) => w.ifConditionFails === 'replay');
      if (claim) {
        const existing = claim.held ?? (await this.getItem(claim.write.Put!.Item!));
        if (existing) {
          const { caseId, reference, fingerprint } = unmarshall(existing) as { caseId: string; reference: string; fingerprint: string };
          return { kind: 'replay', caseId, reference, fingerprint };
        }
      }
      const lost = failed.find((w) => w.ifConditionFails === 'retry');
      if (lost) return { kind: 'lost-race', on: lost.name };
      if (reasons.some((r) => r.Code === 'TransactionConflict')) return { kind: 'lost-race', on: 'contention' };
      throw error;
    }
  }

  /** The stored item under the key of `item`, read consistently. */
  private async getItem(item: Item): Promise<Item | undefined> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: item.pk!, sk: item.sk! }, ConsistentRead: true }),
    );
    return out.Item;
  }

}
