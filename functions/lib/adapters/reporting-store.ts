// The reporting table: aggregates, per-agent counters, backlog, trend hours, watermarks, incidents, subscriptions, sent reports.
// Speaks the port's domain words; which item holds what is in reporting-layout.ts beside it.
import {
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  TransactWriteItemsCommand,
  type AttributeValue,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { AgentRow } from '#domain/reporting/agents.ts';
import type { AggregateRow, Incident } from '#domain/reporting/report.ts';
import { subscriptionOfId } from '#domain/reporting/subscription.ts';
import type { BacklogCount, CountChange, OpenedInHour, ReportingStore, Subscription, TopConsumerListing, WatermarkMove } from '../ports.ts';
import { dynamodb } from './dynamodb.ts';
import { batchGetAll, OneOffClaims, queryAll } from './dynamodb-helpers.ts';
import { agentRowOf, aggregateRowOf, backlogCountOf, counterAttribute, countersOf, itemOf, keys, topConsumerListingOf } from './reporting-layout.ts';

type Item = Record<string, AttributeValue>;
const toItem = (value: object): Item => marshall(value, { removeUndefinedValues: true });

const WATERMARK_TTL_SECONDS = 400 * 86_400;

export class DynamoReportingStore implements ReportingStore {
  private readonly claims: OneOffClaims;

  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBClient = dynamodb,
  ) {
    this.claims = new OneOffClaims(client, tableName);
  }

  async watermarks(caseIds: string[]): Promise<Map<string, number>> {
    if (caseIds.length === 0) return new Map();
    const found = await batchGetAll(this.client, { [this.tableName]: { Keys: caseIds.map((id) => toItem(keys.watermark(id))), ConsistentRead: true } });
    return new Map(
      (found[this.tableName] ?? []).map((item) => {
        const { pk, lastVersion } = unmarshall(item) as { pk: string; lastVersion: number };
        return [keys.caseIdOfWatermark(pk), lastVersion];
      }),
    );
  }

  async applyCounts(changes: CountChange[], moves: WatermarkMove[]): Promise<void> {
    const items: TransactWriteItem[] = changes.map((change) => {
      const { pk, sk, set, add } = itemOf(change);
      const names: Record<string, string> = {};
      const values: Item = {};
      const adds: string[] = [];
      const sets: string[] = [];
      Object.entries(add).forEach(([name, n], i) => {
        names[`#c${i}`] = counterAttribute(name);
        values[`:c${i}`] = { N: String(n) };
        adds.push(`#c${i} :c${i}`);
      });
      Object.entries(set).forEach(([name, value], i) => {
        names[`#a${i}`] = name;
        values[`:a${i}`] = { S: value };
        sets.push(`#a${i} = :a${i}`);
      });
      return {
        Update: {
          TableName: this.tableName,
          Key: toItem({ pk, sk }),
          UpdateExpression: [sets.length ? `SET ${sets.join(', ')}` : '', adds.length ? `ADD ${adds.join(', ')}` : ''].filter(Boolean).join(' '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      };
    });
    const expiresAt = Math.floor(Date.now() / 1000) + WATERMARK_TTL_SECONDS;
    for (const m of moves) {
      items.push({
        Update: {
          TableName: this.tableName,
          Key: toItem(keys.watermark(m.caseId)),
          UpdateExpression: 'SET lastVersion = :to, expiresAt = :exp',
          // Only from the version we read: a concurrent or repeated apply fails instead of counting twice.
          ConditionExpression: m.from === 0 ? 'attribute_not_exists(pk)' : 'lastVersion = :from',
          ExpressionAttributeValues: toItem({ ':to': m.to, ':exp': expiresAt, ...(m.from !== 0 && { ':from': m.from }) }),
        },
      });
    }
    if (items.length === 0) return;
    await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
  }

  /** Every item under a partition key, without its key attributes. */
  private async partition(pk: string): Promise<Record<string, unknown>[]> {
    const items = await queryAll(this.client, { TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } } });
    return items.map((item) => {
      const { pk: _pk, sk: _sk, ...attributes } = unmarshall(item);
      return attributes;
    });
  }

  async dayAggregates(days: readonly string[]): Promise<AggregateRow[]> {
    // One day after the other: a period's days are few, and one query at a time keeps the table's load flat.
    const rows: AggregateRow[] = [];
    for (const day of days) for (const attributes of await this.partition(keys.aggregatesOf('day', day))) rows.push(aggregateRowOf(day, attributes));
    return rows;
  }

  async agentAggregates(days: readonly string[]): Promise<AgentRow[]> {
    const rows: AgentRow[] = [];
    for (const day of days) for (const attributes of await this.partition(keys.agentsOf(day))) rows.push(agentRowOf(day, attributes));
    return rows;
  }

  async backlog(): Promise<BacklogCount[]> {
    return (await this.partition(keys.backlog)).map(backlogCountOf);
  }

  async openedPerHour(categories: readonly string[], hours: readonly string[]): Promise<OpenedInHour[]> {
    const wanted = categories.flatMap((category) => hours.map((hour) => ({ pk: keys.trendOf(category), sk: hour })));
    if (wanted.length === 0) return [];
    const found = await batchGetAll(this.client, { [this.tableName]: { Keys: wanted.map((k) => toItem(k)) } });
    return (found[this.tableName] ?? []).map((item) => {
      const a = unmarshall(item);
      return { category: String(a.category), hour: String(a.hour), opened: countersOf(a).opened ?? 0 };
    });
  }

  async claimIncident(incident: Incident): Promise<boolean> {
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: toItem({ ...keys.incident(incident.key), ...incident }),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                // Listed under the local day of its window (the report's day), not detectedAt's UTC day.
                Item: toItem({ pk: keys.incidentsOf(incident.windowStart.slice(0, 10)), sk: incident.key, ...incident }),
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'TransactionCanceledException') return false;
      throw error;
    }
  }

  async incidentsOn(days: readonly string[]): Promise<Incident[]> {
    const perDay = await Promise.all(days.map((day) => this.partition(keys.incidentsOf(day))));
    return perDay.flat().map((a) => ({
      key: String(a.key),
      category: String(a.category),
      windowStart: String(a.windowStart),
      detectedAt: String(a.detectedAt),
      lastHour: Number(a.lastHour),
      baseline: Number(a.baseline),
      caseId: String(a.caseId),
    }));
  }

  async topConsumerCasesOn(days: readonly string[], q: { limit: number; categories?: readonly string[] }): Promise<TopConsumerListing[]> {
    const perDay = await Promise.all(days.map(async (day) => (await this.partition(keys.topCasesOf(day))).map((a) => topConsumerListingOf(day, a))));
    return perDay
      .flat()
      .filter((listing) => !q.categories || q.categories.includes(listing.category))
      .slice(0, q.limit);
  }

  async listSubscriptions(cadence?: Subscription['cadence']): Promise<Subscription[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: cadence ? 'pk = :pk AND begins_with(sk, :cadence)' : 'pk = :pk',
      ExpressionAttributeValues: toItem({ ':pk': keys.subscriptions, ...(cadence && { ':cadence': `${cadence}#` }) }),
    });
    return items.map((item) => {
      const { pk: _pk, sk: _sk, ...subscription } = unmarshall(item) as Subscription & { pk: string; sk: string };
      return subscription;
    });
  }

  async putSubscription(s: Subscription): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: toItem({ ...keys.subscription(s.cadence, s.email), ...s }) }));
  }

  async deleteSubscription(id: string): Promise<boolean> {
    const named = subscriptionOfId(id);
    if (!named) return false;
    const out = await this.client.send(
      new DeleteItemCommand({ TableName: this.tableName, Key: toItem(keys.subscription(named.cadence, named.email)), ReturnValues: 'ALL_OLD' }),
    );
    return out.Attributes !== undefined;
  }

  async claimReport(cadence: string, period: string, email: string): Promise<boolean> {
    return this.claims.claim(keys.report(cadence, period, email));
  }

  async releaseReport(cadence: string, period: string, email: string): Promise<void> {
    await this.claims.release(keys.report(cadence, period, email));
  }

  async markReportSent(cadence: string, period: string, email: string, providerId: string): Promise<void> {
    await this.claims.markSent(keys.report(cadence, period, email), providerId);
  }

}
