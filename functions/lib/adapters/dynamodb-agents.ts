// The agents table: one item per agent record (key agentId), small enough to be read whole at each
// assignment run. Its own table rather than items of the cases table, so the cases stream and its readers
// never see agent changes.
import { GetItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AgentRecord } from '#domain/assignment.ts';
import type { AgentDirectory } from '../ports.ts';
import { scanAll } from './dynamodb-helpers.ts';
import { dynamodb, fromItem, toItem } from './dynamodb-intake.ts';

export class DynamoAgentDirectory implements AgentDirectory {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBClient = dynamodb,
  ) {}

  async listAgents(): Promise<AgentRecord[]> {
    return (await scanAll(this.client, this.tableName)).map((i) => fromItem<AgentRecord>(i)).sort((a, b) => a.agentId.localeCompare(b.agentId));
  }

  async getAgent(agentId: string): Promise<AgentRecord | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: toItem({ agentId }), ConsistentRead: true }));
    return out.Item ? fromItem<AgentRecord>(out.Item) : undefined;
  }

  async putAgent(agent: AgentRecord): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: toItem(agent) }));
  }

  async markAssigned(agentId: string, at: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: toItem({ agentId }),
          UpdateExpression: 'SET lastAssignedAt = :at',
          ConditionExpression: 'attribute_exists(agentId)',
          ExpressionAttributeValues: toItem({ ':at': at }),
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }
}
