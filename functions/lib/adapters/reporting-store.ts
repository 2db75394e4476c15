// The reporting table: aggregates, backlog, trend hours, watermarks, incidents, subscriptions, sent reports.
import {
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  TransactWriteItemsCommand,
  type AttributeValue,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { CounterUpdate, ReportingStore, StoredIncident, Subscription, WatermarkMove } from '../ports.ts';
import { dynamodb } from './dynamodb.ts';
import { batchGetAll, OneOffClaims, queryAll } from './dynamodb-helpers.ts';

type Item = Record<string, AttributeValue>;
const toItem = (value: object): Item => marshall(value, { removeUndefinedValues: true });

export const reportingKeys = {
  watermark: (caseId: string) => ({ pk: `WM#${caseId}`, sk: 'WM' }),
  incident: (key: string) => ({ pk: `INCIDENT#${key}`, sk: 'INCIDENT' }),
  incidentsOfDay: (day: string) => `INCIDENTS#${day}`,
  subscription: (cadence: string, email: string) => ({ pk: 'SUBSCRIPTION', sk: `${cadence}#${email}` }),
  report: (cadence: string, period: string, email: string) => ({ pk: `REPORT#${cadence}#${period}`, sk: email }),
};

/** Counter attributes carry a prefix so they never collide with key or dimension attributes. */
export const COUNTER_PREFIX = 'n_';
const WATERMARK_TTL_SECONDS = 400 * 86_400;

export const subscriptionId = (cadence: string, email: string): string => Buffer.from(`${cadence}#${email}`).toString('base64url');

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
    const found = await batchGetAll(this.client, { [this.tableName]: { Keys: caseIds.map((id) => toItem(reportingKeys.watermark(id))), ConsistentRead: true } });
    return new Map(
      (found[this.tableName] ?? []).map((item) => {
        const { pk, lastVersion } = unmarshall(item) as { pk: string; lastVersion: number };
        return [pk.slice('WM#'.length), lastVersion];
      }),
    );
  }

  async applyCounters(updates: CounterUpdate[], moves: WatermarkMove[]): Promise<void> {
    const items: TransactWriteItem[] = updates.map((u) => {
      const names: Record<string, string> = {};
      const values: Item = {};
      const adds: string[] = [];
      const sets: string[] = [];
      Object.entries(u.counters).forEach(([name, n], i) => {
        names[`#c${i}`] = `${COUNTER_PREFIX}${name}`;
        values[`:c${i}`] = { N: String(n) };
        adds.push(`#c${i} :c${i}`);
      });
      Object.entries(u.attributes).forEach(([name, value], i) => {
        names[`#a${i}`] = name;
        values[`:a${i}`] = { S: value };
        sets.push(`#a${i} = :a${i}`);
      });
      return {
        Update: {
          TableName: this.tableName,
          Key: toItem({ pk: u.pk, sk: u.sk }),
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
          Key: toItem(reportingKeys.watermark(m.caseId)),
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

  async readPartition(pk: string): Promise<{ sk: string; attributes: Record<string, unknown> }[]> {
    const items = await queryAll(this.client, { TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } } });
    return items.map((item) => {
      const { sk, pk: _pk, ...attributes } = unmarshall(item) as { sk: string; pk: string };
      return { sk, attributes };
    });
  }

  async readItems(keys: { pk: string; sk: string }[]): Promise<Map<string, Record<string, unknown>>> {
    if (keys.length === 0) return new Map();
    const found = await batchGetAll(this.client, { [this.tableName]: { Keys: keys.map((k) => toItem(k)) } });
    return new Map(
      (found[this.tableName] ?? []).map((item) => {
        const plain = unmarshall(item) as { pk: string; sk: string };
        return [`${plain.pk}|${plain.sk}`, plain];
      }),
    );
  }

  async claimIncident(incident: StoredIncident): Promise<boolean> {
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: toItem({ ...reportingKeys.incident(incident.key), ...incident }),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                // Listed under the local day of its window (the report's day), not detectedAt's UTC day.
                Item: toItem({ pk: reportingKeys.incidentsOfDay(incident.windowStart.slice(0, 10)), sk: incident.key, ...incident }),
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

  async listSubscriptions(cadence?: Subscription['cadence']): Promise<Subscription[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: cadence ? 'pk = :pk AND begins_with(sk, :cadence)' : 'pk = :pk',
      ExpressionAttributeValues: toItem({ ':pk': 'SUBSCRIPTION', ...(cadence && { ':cadence': `${cadence}#` }) }),
    });
    return items.map((item) => {
      const { pk: _pk, sk: _sk, ...subscription } = unmarshall(item) as Subscription & { pk: string; sk: string };
      return subscription;
    });
  }

  async putSubscription(s: Subscription): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: toItem({ ...reportingKeys.subscription(s.cadence, s.email), ...s }) }));
  }

  async deleteSubscription(id: string): Promise<boolean> {
    const [cadence, ...rest] = Buffer.from(id, 'base64url').toString('utf8').split('#');
    const email = rest.join('#');
    if ((cadence !== 'daily' && cadence !== 'weekly') || !email) return false;
    const out = await this.client.send(
      new DeleteItemCommand({ TableName: this.tableName, Key: toItem(reportingKeys.subscription(cadence, email)), ReturnValues: 'ALL_OLD' }),
    );
    return out.Attributes !== undefined;
  }

  async claimReport(cadence: string, period: string, email: string): Promise<boolean> {
    return this.claims.claim(reportingKeys.report(cadence, period, email));
  }

  async releaseReport(cadence: string, period: string, email: string): Promise<void> {
    await this.claims.release(reportingKeys.report(cadence, period, email));
  }

  async markReportSent(cadence: string, period: string, email: string, providerId: string): Promise<void> {
    await this.claims.markSent(reportingKeys.report(cadence, period, email), providerId);
  }

}
