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
import type { CreateOutcome, IdempotencyClaim, IntakeContext, IntakeStore, NewCaseWrite } from '../ports.ts';

export const dynamodb = new DynamoDBClient({});

export type Item = Record<string, AttributeValue>;

export const keys = {
  case: (caseId: string) => ({ pk: `CASE#${caseId}`, sk: 'CASE' }),
  event: (caseId: string, version: number) => ({ pk: `CASE#${caseId}`, sk: `EVENT#${String(version).padStart(10, '0')}` }),
  notice: (caseId: string, notice: string) => ({ pk: `CASE#${caseId}`, sk: `NOTICE#${notice}` }),
  idempotency: (key: string) => ({ pk: `IDEMPOTENCY#${key}`, sk: 'IDEMPOTENCY' }),
  reference: (reference: string) => ({ pk: `REF#${reference}`, sk: 'REF' }),
  requester: (email: string) => ({ pk: `REQUESTER#${email}`, sk: 'SUMMARY' }),
  messageId: (messageId: string) => ({ pk: `MSGID#${messageId}`, sk: 'MSGID' }),
  quarantine: (messageId: string) => ({ pk: `QUARANTINE#${messageId}`, sk: 'QUARANTINE' }),
  workflowWait: (caseId: string, workflow: string) => ({ pk: `CASE#${caseId}`, sk: `WAIT#${workflow}` }),
};

const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'itemType'] as const;
export const toItem = (value: object): Item => marshall(value, { removeUndefinedValues: true, convertClassInstanceToMap: false });
export function fromItem<T>(item: Item): T {
  const plain = unmarshall(item);
  for (const k of KEY_ATTRIBUTES) delete plain[k];
  return plain as T;
}

export const caseItem = (r: CaseRecord): Item =>
  toItem({
    ...keys.case(r.caseId),
    itemType: 'case',
    gsi1pk: 'CASES',
    gsi1sk: `${r.openedAt}#${r.caseId}`,
    gsi2pk: `REQUESTER#${r.requester.email}`,
    gsi2sk: r.openedAt,
    ...r,
  });
export const eventItem = (e: CaseEvent): Item => toItem({ ...keys.event(e.caseId, e.version), itemType: 'event', ...e });
export const idempotencyPut = (tableName: string, claim: IdempotencyClaim, caseId: string, reference: string, nowSeconds: number): TransactWriteItem => ({
  Put: {
    TableName: tableName,
    Item: toItem({ ...keys.idempotency(claim.key), itemType: 'idempotency', caseId, reference, fingerprint: claim.fingerprint, expiresAt: claim.expiresAt }),
    ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
    ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  },
});

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
    const nowSeconds = Math.floor(Date.parse(r.openedAt) / 1000);
    const requesterCondition =
      w.requesterVersion === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': { N: String(w.requesterVersion) } } };
    const items: TransactWriteItem[] = [
      { Put: { TableName: this.tableName, Item: caseItem(r), ConditionExpression: 'attribute_not_exists(pk)' } },
      { Put: { TableName: this.tableName, Item: eventItem(w.event), ConditionExpression: 'attribute_not_exists(pk)' } },
      idempotencyPut(this.tableName, w.idempotency, r.caseId, r.reference, nowSeconds),
      {
        Put: {
          TableName: this.tableName,
          Item: toItem({ ...keys.reference(r.reference), itemType: 'reference', caseId: r.caseId }),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: toItem({ ...keys.requester(r.requester.email), itemType: 'requester', recent: w.recent, version: w.requesterVersion + 1 }),
          ...requesterCondition,
        },
      },
      ...w.messageIds.map((id) => ({
        Put: { TableName: this.tableName, Item: toItem({ ...keys.messageId(id), itemType: 'messageId', caseId: r.caseId }) },
      })),
    ];
    return this.transact(items, { idempotency: 2, retryOn: { 0: 'case id', 3: 'reference', 4: 'requester' } });
  }

  protected async transact(items: TransactWriteItem[], roles: { idempotency: number; retryOn: Record<number, string> }): Promise<CreateOutcome> {
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return { kind: 'created' };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const claim = reasons[roles.idempotency];
      if (claim?.Code === 'ConditionalCheckFailed') {
        const existing = claim.Item ?? (await this.getIdempotency(items[roles.idempotency]!.Put!.Item!));
        if (existing) {
          const { caseId, reference, fingerprint } = unmarshall(existing) as { caseId: string; reference: string; fingerprint: string };
          return { kind: 'replay', caseId, reference, fingerprint };
        }
      }
      for (const [index, reason] of reasons.entries()) {
        if (reason.Code === 'ConditionalCheckFailed' && roles.retryOn[index]) return { kind: 'retry', reason: roles.retryOn[index] };
      }
      if (reasons.some((r) => r.Code === 'TransactionConflict')) return { kind: 'retry', reason: 'contention' };
      throw error;
    }
  }

  private async getIdempotency(item: Item): Promise<Item | undefined> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: item.pk!, sk: item.sk! }, ConsistentRead: true }),
    );
    return out.Item;
  }

}
