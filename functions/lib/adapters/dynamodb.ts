// The one DynamoDB adapter: every item layout of the cases table lives here and in ./dynamodb-intake.ts.
import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { CaseEvent, CaseRecord } from '#domain/case.ts';
import type { CaseView } from '#domain/confidentiality.ts';
import { summarizeCase } from '../case-summary.ts';
import { batchGetAll, OneOffClaims, queryAll } from './dynamodb-helpers.ts';
import { caseItem, dynamodb, DynamoIntakeStore, eventItem, fromItem, IS_NEW, keys, OPENED_PARTITIONS, searchKeysOf, toItem, type Item, type NamedWrite } from './dynamodb-intake.ts';
import { ValidationError } from '../errors.ts';
import type {
  BulkResults,
  CaseErasureWrite,
  CaseFilter,
  CaseKey,
  CasePage,
  CaseQuery,
  CaseStore,
  ChangeOutcome,
  ChangeWrite,
  ErasureStore,
  ErasureSubject,
  Quarantined,
  StoredBulk,
  SentEmail,
  UndeliverableAddress,
  WorkflowWait,
} from '../ports.ts';

const QUARANTINE_KINDS: readonly Quarantined['kind'][] = ['verdict', 'sender', 'automatic'];

/** How long a bounce can still be matched to the email it is about (bounces come within days). */
const SENT_EMAIL_TTL_SECONDS = 30 * 86_400;

export { caseItem, dynamodb, eventItem, keys } from './dynamodb-intake.ts';

export class DynamoCaseStore extends DynamoIntakeStore implements CaseStore, ErasureStore, BulkResults {
  private readonly claims: OneOffClaims;

  constructor(tableName: string, profilesTable: string | undefined, client: DynamoDBClient = dynamodb) {
    super(tableName, profilesTable, client);
    this.claims = new OneOffClaims(client, tableName);
  }

  async saveChange(w: ChangeWrite): Promise<ChangeOutcome> {
    return this.saveChanges([w]);
  }

  async saveChanges(ws: ChangeWrite[]): Promise<ChangeOutcome> {
    const outcome = await this.transactWrites(ws.flatMap((w) => this.changeWrites(w)));
    if (outcome.kind === 'written') return { kind: 'saved' };
    // Whichever write lost (a case moved on, or another change was in flight): read the cases again.
    return outcome.kind === 'lost-race' ? { kind: 'stale' } : outcome;
  }

  /** One case's change: its version (checked), its event, its idempotency claim and Message-IDs. */
  private changeWrites(w: ChangeWrite): NamedWrite[] {
    const r = w.record;
    return [
      {
        name: 'case version',
        write: this.put(caseItem(r), { expression: 'version = :expected', values: { ':expected': { N: String(r.version - 1) } } }),
        ifConditionFails: 'retry',
      },
      { name: 'event', write: this.put(eventItem(w.event), { expression: IS_NEW }), ifConditionFails: 'retry' },
      ...(w.idempotency ? [this.idempotencyClaim(w.idempotency, r, Math.floor(Date.parse(r.updatedAt) / 1000))] : []),
      ...this.messageIdWrites(w.messageIds ?? [], r.caseId),
    ];
  }

  async getBulk(key: string): Promise<StoredBulk | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: toItem(keys.bulk(key)), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { fingerprint, results, expiresAt } = fromItem<StoredBulk>(out.Item);
    // TTL deletes lazily: an answer past its time is gone as far as callers know.
    return expiresAt < Math.floor(Date.now() / 1000) ? undefined : { fingerprint, results, expiresAt };
  }

  async putBulk(key: string, stored: StoredBulk): Promise<void> {
    await this.client
      .send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem({ ...keys.bulk(key), itemType: 'bulk', ...stored }),
          ConditionExpression: `${IS_NEW} OR expiresAt < :now`,
          ExpressionAttributeValues: { ':now': { N: String(Math.floor(Date.now() / 1000)) } },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof Error) || error.name !== 'ConditionalCheckFailedException') throw error;
      });
  }

  async claimTaken(claim: { key: string; fingerprint: string }): Promise<boolean> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: toItem(keys.idempotency(claim.key)), ConsistentRead: true }));
    if (!out.Item) return false;
    const held = fromItem<{ fingerprint: string; expiresAt: number }>(out.Item);
    return held.fingerprint === claim.fingerprint && held.expiresAt >= Math.floor(Date.now() / 1000);
  }

  async putWorkflowWait(caseId: string, workflow: string, wait: WorkflowWait): Promise<void> {
    await this.client.send(
      new PutItemCommand({ TableName: this.tableName, Item: toItem({ ...keys.workflowWait(caseId, workflow), itemType: 'wait', ...wait, at: new Date().toISOString() }) }),
    );
  }

  async getWorkflowWait(caseId: string, workflow: string): Promise<WorkflowWait | undefined> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: toItem(keys.workflowWait(caseId, workflow)), ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    const { token, knownVersion, waitFor } = unmarshall(out.Item) as WorkflowWait;
    return { token, knownVersion, waitFor };
  }

  async findThread(q: { reference?: string; messageIds: string[] }): Promise<string | undefined> {
    // In order of preference: the reference in the subject, then the nearest Message-ID of the thread.
    const wanted = [...(q.reference ? [keys.reference(q.reference)] : []), ...q.messageIds.slice(0, 50).map(keys.messageId)];
    if (wanted.length === 0) return undefined;
    const found = await batchGetAll(this.client, { [this.tableName]: { Keys: wanted.map((k) => toItem(k)), ConsistentRead: true } });
    const caseIdByKey = new Map((found[this.tableName] ?? []).map((item) => [item.pk?.S, item.caseId?.S]));
    return wanted.map((k) => caseIdByKey.get(k.pk)).find((caseId) => caseId !== undefined);
  }

  async getCase(caseId: string): Promise<CaseRecord | undefined> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: toItem(keys.case(caseId)), ConsistentRead: true }),
    );
    return out.Item ? fromItem<CaseRecord>(out.Item) : undefined;
  }

  async getCases(caseIds: string[]): Promise<Map<string, CaseRecord>> {
    const unique = [...new Set(caseIds)];
    if (unique.length === 0) return new Map();
    const found = await batchGetAll(this.client, { [this.tableName]: { Keys: unique.map((id) => toItem(keys.case(id))), ConsistentRead: true } });
    return new Map((found[this.tableName] ?? []).map((item) => fromItem<CaseRecord>(item)).map((r) => [r.caseId, r]));
  }

  async caseIdsOpenedBetween(q: { from: string; to: string; category?: string; limit: number }): Promise<string[]> {
    // Newest first across the byOpened partitions: each gives its newest `limit`, the merge keeps the newest of all.
    const items = await queryOpened(this.client, (partition) => ({
      TableName: this.tableName,
      IndexName: 'byOpened',
      KeyConditionExpression: 'gsi1pk = :all AND gsi1sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':all': { S: partition },
        ':from': { S: q.from },
        ':to': { S: q.to },
        ...(q.category && { ':category': { S: q.category } }),
      },
      ...(q.category && { FilterExpression: 'category = :category' }),
      ProjectionExpression: 'caseId, gsi1sk',
      ScanIndexForward: false,
    }), { stopAfter: q.limit, newestFirst: true });
    return items.flatMap((item) => (item.caseId?.S ? [item.caseId.S] : [])).slice(0, q.limit);
  }

  async getCaseWithTimeline(caseId: string): Promise<{ record: CaseRecord; events: CaseEvent[] } | undefined> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: keys.case(caseId).pk } },
      ConsistentRead: true,
    });
    const record = items.find((item) => item.sk?.S === 'CASE');
    const events = items.filter((item) => item.sk?.S?.startsWith('EVENT#')).map((item) => fromItem<CaseEvent>(item));
    return record ? { record: fromItem<CaseRecord>(record), events } : undefined;
  }

  async listCases(q: CaseQuery): Promise<CasePage> {
    // One page across the byOpened partitions, newest first. Each partition is read from where the cursor left
    // it, `limit` items; an item is given only if no partition with more to read could hold a newer one (it
    // is not older than any such partition's last evaluated key), so the order is the single index's order.
    const { expression, names, values } = filterExpression(q.filter ?? {});
    const state = q.cursor ? decodeListCursor(q.cursor) : new Map(OPENED_PARTITIONS.map((p) => [p, undefined] as [string, Item | undefined]));
    const pages = await Promise.all(
      [...state].map(async ([partition, start]) => {
        const out = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: 'byOpened',
            KeyConditionExpression: 'gsi1pk = :all',
            ExpressionAttributeValues: { ':all': { S: partition }, ...values },
            ...(expression && { FilterExpression: expression, ExpressionAttributeNames: names }),
            ScanIndexForward: false,
            Limit: q.limit,
            ExclusiveStartKey: start,
          }),
        );
        return { partition, start, items: out.Items ?? [], last: out.LastEvaluatedKey };
      }),
    );
    const sortKey = (item: Item) => item.gsi1sk?.S ?? '';
    const frontier = pages.flatMap((p) => (p.last ? [sortKey(p.last)] : [])).reduce<string | undefined>((max, k) => (max === undefined || k > max ? k : max), undefined);
    const given = pages
      .flatMap((p) => p.items)
      .filter((item) => frontier === undefined || sortKey(item) >= frontier)
      .sort((a, b) => (sortKey(a) < sortKey(b) ? 1 : sortKey(a) > sortKey(b) ? -1 : 0))
      .slice(0, q.limit);
    const givenSet = new Set(given);
    const next = new Map<string, Item | undefined>();
    for (const p of pages) {
      const mine = p.items.filter((item) => givenSet.has(item));
      if (mine.length === p.items.length) {
        if (p.last) next.set(p.partition, p.last); // everything it read was given (or filtered out): go on after it
      } else next.set(p.partition, mine.length > 0 ? keyOf(mine.at(-1)!) : p.start);
    }
    return { items: given.map((i) => summarizeCase(fromItem<CaseRecord>(i))), ...(next.size > 0 && { cursor: encodeListCursor(next) }) };
  }

  async findCaseIds(key: CaseKey, limit: number): Promise<string[]> {
    const one = async (k: { pk: string; sk: string }) => {
      const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: toItem(k), ProjectionExpression: 'caseId' }));
      return out.Item?.caseId?.S ? [out.Item.caseId.S] : [];
    };
    const newestFirst = async (query: { index?: string; keyName: string; value: string }) => {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          ...(query.index && { IndexName: query.index }),
          KeyConditionExpression: '#k = :v',
          ExpressionAttributeNames: { '#k': query.keyName },
          ExpressionAttributeValues: { ':v': { S: query.value } },
          ProjectionExpression: 'caseId',
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return (out.Items ?? []).flatMap((item) => (item.caseId?.S ? [item.caseId.S] : []));
    };
    switch (key.by) {
      case 'reference':
        return one(keys.reference(key.value));
      case 'caseId':
        return one(keys.case(key.value));
      case 'email':
        return newestFirst({ index: 'byRequester', keyName: 'gsi2pk', value: `REQUESTER#${key.value}` });
      case 'userId':
        return newestFirst({ keyName: 'pk', value: keys.byUser(key.value).pk });
      case 'transactionId':
        return newestFirst({ keyName: 'pk', value: keys.byTransaction(key.value).pk });
      case 'creator':
        return newestFirst({ keyName: 'pk', value: keys.byCreator(key.value).pk });
    }
  }

  async quarantine(q: Quarantined): Promise<void> {
    // On the byOpened index under its kind, newest first, for the leads' list.
    const listed = { gsi1pk: `QUARANTINE#${q.kind}`, gsi1sk: `${q.receivedAt}#${q.messageId}` };
    await this.client.send(
      new PutItemCommand({ TableName: this.tableName, Item: toItem({ ...keys.quarantine(q.messageId), itemType: 'quarantine', ...listed, ...q }) }),
    );
  }

  async listQuarantined(q: { kind: Quarantined['kind']; limit: number; cursor?: string }): Promise<{ items: Quarantined[]; cursor?: string }> {
    const partition = `QUARANTINE#${q.kind}`;
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byOpened',
        KeyConditionExpression: 'gsi1pk = :kind',
        ExpressionAttributeValues: { ':kind': { S: partition } },
        ScanIndexForward: false,
        Limit: q.limit,
        ExclusiveStartKey: q.cursor ? decodeCursor(q.cursor, partition) : undefined,
      }),
    );
    const items = (out.Items ?? []).map((i) => {
      const { messageId, mailFrom, kind, reasons, mailKey, receivedAt } = fromItem<Quarantined>(i);
      return { messageId, mailFrom, kind, reasons, mailKey, receivedAt };
    });
    return { items, ...(out.LastEvaluatedKey && { cursor: encodeCursor(out.LastEvaluatedKey) }) };
  }

  async claimNotice(caseId: string, notice: string): Promise<boolean> {
    return this.claims.claim(keys.notice(caseId, notice), { itemType: 'notice' });
  }

  async releaseNotice(caseId: string, notice: string): Promise<void> {
    await this.claims.release(keys.notice(caseId, notice));
  }

  async markNoticeSent(caseId: string, notice: string, providerId: string, to?: string): Promise<void> {
    // The notice and the way back from its bounce, side by side (one round trip of time).
    await Promise.all([
      this.claims.markSent(keys.notice(caseId, notice), providerId),
      to && providerId
        ? this.client.send(
            new PutItemCommand({
              TableName: this.tableName,
              Item: toItem({ ...keys.sentEmail(providerId), itemType: 'sent-email', caseId, notice, to, expiresAt: Math.floor(Date.now() / 1000) + SENT_EMAIL_TTL_SECONDS }),
            }),
          )
        : undefined,
    ]);
  }

  async markNoticeWithheld(caseId: string, notice: string, reason: string): Promise<void> {
    await this.claims.markWithheld(keys.notice(caseId, notice), reason);
  }

  async findSentEmail(providerId: string): Promise<SentEmail | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: toItem(keys.sentEmail(providerId)), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { caseId, notice, to } = unmarshall(out.Item) as SentEmail;
    return { caseId, notice, to };
  }

  async countAcknowledgement(email: string, hour: string): Promise<number> {
    const out = await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: toItem(keys.acknowledgements(email, hour)),
        UpdateExpression: 'ADD sent :one SET itemType = :type, expiresAt = if_not_exists(expiresAt, :expires)',
        ExpressionAttributeValues: toItem({ ':one': 1, ':type': 'acknowledgements', ':expires': Math.floor(Date.now() / 1000) + 2 * 86_400 }),
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(out.Attributes?.sent?.N ?? 1);
  }

  async undeliverable(email: string): Promise<UndeliverableAddress | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: toItem(keys.undeliverable(email)), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { since, status, diagnosticCode, caseId } = unmarshall(out.Item) as UndeliverableAddress;
    return { email, since, status, ...(diagnosticCode && { diagnosticCode }), caseId };
  }

  async flagUndeliverable(address: UndeliverableAddress): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: toItem({ ...keys.undeliverable(address.email), itemType: 'undeliverable', ...address }) }));
  }

  async clearUndeliverable(email: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: toItem(keys.undeliverable(email)) }));
  }

  async recordView(view: CaseView): Promise<void> {
    // A fresh key per opening: two openings in the same millisecond are two records.
    await this.client.send(
      new PutItemCommand({ TableName: this.tableName, Item: toItem({ ...keys.view(view.caseId, view.at, randomUUID()), itemType: 'view', ...view }) }),
    );
  }

  async listViews(caseId: string): Promise<CaseView[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: keys.views(caseId).pk } },
      ConsistentRead: true,
    });
    return items.map((item) => {
      const { caseId: id, viewer, at, route } = fromItem<CaseView>(item);
      return { caseId: id, viewer, at, route };
    });
  }

  async caseIdsOf(subject: ErasureSubject): Promise<string[]> {
    // By address: the byRequester index. By account: the cases naming it, read through the byOpened index
    // (no index by account; an erasure is rare and the team's table is small — a GSI is the step beyond).
    const items =
      'email' in subject
        ? await queryAll(this.client, {
            TableName: this.tableName,
            IndexName: 'byRequester',
            KeyConditionExpression: 'gsi2pk = :who',
            ExpressionAttributeValues: { ':who': { S: `REQUESTER#${subject.email}` } },
            ProjectionExpression: 'caseId',
          })
        : await queryOpened(this.client, (partition) => ({
            TableName: this.tableName,
            IndexName: 'byOpened',
            KeyConditionExpression: 'gsi1pk = :all',
            FilterExpression: '#requester.#userId = :who',
            ExpressionAttributeNames: { '#requester': 'requester', '#userId': 'userId' },
            ExpressionAttributeValues: { ':all': { S: partition }, ':who': { S: subject.userId } },
            ProjectionExpression: 'caseId',
          }));
    return [...new Set(items.flatMap((item) => (item.caseId?.S ? [item.caseId.S] : [])))];
  }

  async closedCaseIdsBefore(cutoff: string): Promise<string[]> {
    // A case closed before the cutoff was opened before it: only that end of the newest-first index is read.
    const items = await queryOpened(this.client, (partition) => ({
      TableName: this.tableName,
      IndexName: 'byOpened',
      KeyConditionExpression: 'gsi1pk = :all AND gsi1sk < :cutoff',
      FilterExpression: '#status = :closed AND closedAt < :cutoff AND attribute_not_exists(erased) AND attribute_not_exists(legalHold)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':all': { S: partition }, ':cutoff': { S: cutoff }, ':closed': { S: 'closed' } },
      ProjectionExpression: 'caseId, gsi1sk',
    }), { newestFirst: false });
    return items.flatMap((item) => (item.caseId?.S ? [item.caseId.S] : []));
  }

  async eraseCase(w: CaseErasureWrite): Promise<{ outcome: ChangeOutcome; sentEmails: number }> {
    const caseId = w.record.caseId;
    // The redacted events first (the audit's one exception to append-only; a MODIFY no stream consumer reads),
    // then the records of sent email, then the skeleton: the commit point, so a retry after a failure finds
    // the case unerased and does it all again.
    for (const e of w.redactedEvents) {
      await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: eventItem(e), ConditionExpression: 'attribute_exists(pk)' }));
    }
    const notices = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :notice)',
      ExpressionAttributeValues: { ':pk': { S: keys.case(caseId).pk }, ':notice': { S: 'NOTICE#' } },
      ProjectionExpression: 'providerId',
      ConsistentRead: true,
    });
    let sentEmails = 0;
    for (const providerId of notices.flatMap((n) => (n.providerId?.S ? [n.providerId.S] : []))) {
      if (await this.deleteItem(keys.sentEmail(providerId))) sentEmails++;
    }
    // The search keys name the account and the payment: they go with the personal data (read before it is gone).
    const before = await this.getCase(caseId);
    for (const key of before ? searchKeysOf(before) : []) await this.deleteItem(key);
    return { outcome: await this.saveChange({ record: w.record, event: w.event }), sentEmails };
  }

  async forgetAddress(email: string): Promise<number> {
    const acks = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: keys.acknowledgements(email, '').pk } },
      ProjectionExpression: 'pk, sk',
    });
    // Quarantined mail from the address, by kind on the byOpened index (held mail is few; the raw MIME expires on its rule).
    const held = await Promise.all(
      QUARANTINE_KINDS.map((kind) =>
        queryAll(this.client, {
          TableName: this.tableName,
          IndexName: 'byOpened',
          KeyConditionExpression: 'gsi1pk = :kind',
          FilterExpression: 'mailFrom = :email',
          ExpressionAttributeValues: { ':kind': { S: `QUARANTINE#${kind}` }, ':email': { S: email } },
          ProjectionExpression: 'pk, sk',
        }),
      ),
    );
    const wanted = [keys.requester(email), keys.undeliverable(email), ...[...acks, ...held.flat()].map((a) => ({ pk: a.pk!.S!, sk: a.sk!.S! }))];
    let deleted = 0;
    for (const key of wanted) if (await this.deleteItem(key)) deleted++;
    return deleted;
  }

  /** The account's profile item as ops loaded it (value tier, name, email…), or undefined. */
  async profileOf(userId: string): Promise<Record<string, unknown> | undefined> {
    if (!this.profilesTable) throw new Error('profileOf needs the profiles table');
    const out = await this.client.send(new GetItemCommand({ TableName: this.profilesTable, Key: toItem({ userId }) }));
    return out.Item ? (unmarshall(out.Item) as Record<string, unknown>) : undefined;
  }

  async accountOfEmail(email: string): Promise<string | undefined> {
    if (!this.profilesTable) throw new Error('accountOfEmail needs the profiles table');
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.profilesTable,
        IndexName: 'byEmail',
        KeyConditionExpression: 'email = :email',
        ExpressionAttributeValues: toItem({ ':email': email.toLowerCase() }),
        Limit: 1,
      }),
    );
    const item = out.Items?.[0];
    return item ? String(unmarshall(item).userId) : undefined;
  }

  async forgetProfile(userId: string): Promise<number> {
    if (!this.profilesTable) throw new Error('forgetProfile needs the profiles table');
    const out = await this.client.send(new DeleteItemCommand({ TableName: this.profilesTable, Key: toItem({ userId }), ReturnValues: 'ALL_OLD' }));
    return out.Attributes ? 1 : 0;
  }

  /** Deletes one item; true when it was there. */
  private async deleteItem(key: { pk: string; sk: string }): Promise<boolean> {
    const out = await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: toItem(key), ReturnValues: 'ALL_OLD' }));
    return out.Attributes !== undefined;
  }

}

/**
 * Filters apply to the newest-first index (a page may hold fewer than `limit` items; follow the cursor).
 * Fine at the team's volume; a per-status index is the next step if the open queue grows large.
 */
function filterExpression(f: CaseFilter): { expression?: string; names: Record<string, string>; values: Item } {
  const parts: string[] = [];
  const names: Record<string, string> = {};
  const values: Item = {};
  const equals = (attr: string, value: string) => {
    names[`#${attr}`] = attr;
    values[`:${attr}`] = { S: value };
    parts.push(`#${attr} = :${attr}`);
  };
  if (f.status) equals('status', f.status);
  if (f.priority) equals('priority', f.priority);
  if (f.category) equals('category', f.category);
  if (f.channel) equals('channel', f.channel);
  if (f.follower) {
    // An internal user's own cases: they reported it or are named on it.
    Object.assign(names, { '#internal': 'internal', '#reporter': 'reporter', '#rid': 'id', '#named': 'named' });
    values[':follower'] = { S: f.follower };
    parts.push('(#internal.#reporter.#rid = :follower OR contains(#internal.#named, :follower))');
  }
  if (f.assignee === 'none') {
    names['#assignee'] = 'assignee';
    parts.push('attribute_not_exists(#assignee)');
  } else if (f.assignee) equals('assignee', f.assignee);
  if (f.topConsumer !== undefined) {
    names['#top'] = 'topConsumer';
    parts.push(f.topConsumer ? 'attribute_exists(#top)' : 'attribute_not_exists(#top)');
  }
  if (f.breached !== undefined) {
    names['#sla'] = 'sla';
    names['#fr'] = 'firstResponseBreached';
    names['#res'] = 'resolutionBreached';
    values[':yes'] = { BOOL: true };
    parts.push(f.breached ? '(#sla.#fr = :yes OR #sla.#res = :yes)' : '(NOT (#sla.#fr = :yes OR #sla.#res = :yes))');
  }
  return { ...(parts.length > 0 && { expression: parts.join(' AND ') }), names, values };
}


/**
 * Every byOpened partition queried (all pages, or until `stopAfter` match in each), merged by `gsi1sk` —
 * newest first, oldest first, or as read when no order is asked for.
 */
async function queryOpened(
  client: DynamoDBClient,
  input: (partition: string) => Parameters<typeof queryAll>[1],
  options: { stopAfter?: number; newestFirst?: boolean } = {},
): Promise<Item[]> {
  const parts = await Promise.all(OPENED_PARTITIONS.map((p) => queryAll(client, input(p), options.stopAfter === undefined ? {} : { stopAfter: options.stopAfter })));
  const items = parts.flat();
  if (options.newestFirst === undefined) return items;
  const sign = options.newestFirst ? -1 : 1;
  return items.sort((a, b) => sign * ((a.gsi1sk?.S ?? '') < (b.gsi1sk?.S ?? '') ? -1 : (a.gsi1sk?.S ?? '') > (b.gsi1sk?.S ?? '') ? 1 : 0));
}

/** An item's key on the byOpened index (what ExclusiveStartKey takes). */
const keyOf = (item: Item): Item => Object.fromEntries(CURSOR_KEYS.map((k) => [k, item[k]!]));

/** The list cursor: for each byOpened partition with more to read, where it resumes (null: from its start). */
function encodeListCursor(next: Map<string, Item | undefined>): string {
  const at = Object.fromEntries([...next].map(([partition, key]) => [partition, key ? [key.pk?.S ?? '', key.sk?.S ?? '', key.gsi1sk?.S ?? ''] : null]));
  return Buffer.from(JSON.stringify({ at })).toString('base64url');
}

/** A list cursor this API returned, or a 400. */
function decodeListCursor(cursor: string): Map<string, Item | undefined> {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const at = (parsed as { at?: unknown })?.at;
    if (at && typeof at === 'object' && !Array.isArray(at)) {
      const entries = Object.entries(at as Record<string, unknown>);
      const ok = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length < 300;
      if (entries.length > 0 && entries.every(([p, v]) => OPENED_PARTITIONS.includes(p) && (v === null || (Array.isArray(v) && v.length === 3 && v.every(ok))))) {
        return new Map(
          entries.map(([partition, v]) => {
            const key = v as string[] | null;
            return [partition, key ? { pk: { S: key[0]! }, sk: { S: key[1]! }, gsi1pk: { S: partition }, gsi1sk: { S: key[2]! } } : undefined];
          }),
        );
      }
    }
  } catch {
    // fall through to the validation error
  }
  throw new ValidationError([{ field: 'cursor', message: 'is not a cursor this API returned' }]);
}

const CURSOR_KEYS = ['pk', 'sk', 'gsi1pk', 'gsi1sk'] as const;
function encodeCursor(key: Item): string {
  return Buffer.from(JSON.stringify(CURSOR_KEYS.map((k) => key[k]?.S ?? ''))).toString('base64url');
}
/** A cursor this API returned for the quarantine partition being listed (`QUARANTINE#kind`), or a 400. */
function decodeCursor(cursor: string, partition: string): Item {
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.length === CURSOR_KEYS.length && values.every((v) => typeof v === 'string' && v.length > 0 && v.length < 300) && values[2] === partition) {
      return Object.fromEntries(CURSOR_KEYS.map((k, i) => [k, { S: values[i] as string }]));
    }
  } catch {
    // fall through to the validation error
  }
  throw new ValidationError([{ field: 'cursor', message: 'is not a cursor this API returned' }]);
}
