// The macros table: one item per canned reply (key macroId), read whole when the console lists them (a
// team keeps tens, not thousands). Its own table so the cases stream and its readers never see macro edits;
// each save is conditional on the version the lead saw, so two leads editing one macro cannot lose a change.
import { DeleteItemCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Macro } from '#domain/macro.ts';
import { ConflictError } from '../errors.ts';
import type { MacroStore } from '../ports.ts';
import { scanAll } from './dynamodb-helpers.ts';
import { dynamodb, fromItem, toItem } from './dynamodb-intake.ts';

export class DynamoMacroStore implements MacroStore {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBClient = dynamodb,
  ) {}

  async listMacros(): Promise<Macro[]> {
    return (await scanAll(this.client, this.tableName)).map((i) => fromItem<Macro>(i)).sort((a, b) => a.name.localeCompare(b.name));
  }

  async getMacro(macroId: string): Promise<Macro | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: toItem({ macroId }), ConsistentRead: true }));
    return out.Item ? fromItem<Macro>(out.Item) : undefined;
  }

  async saveMacro(macro: Macro, expectedVersion: number | undefined): Promise<void> {
    const condition =
      expectedVersion === undefined
        ? { ConditionExpression: 'attribute_not_exists(macroId)' }
        : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: toItem({ ':expected': expectedVersion }) };
    try {
      await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: toItem(macro), ...condition }));
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') throw new ConflictError(`The macro changed since version ${expectedVersion ?? 0}; reload it and try again`);
      throw error;
    }
  }

  async deleteMacro(macroId: string): Promise<boolean> {
    const out = await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: toItem({ macroId }), ReturnValues: 'ALL_OLD' }));
    return out.Attributes !== undefined;
  }
}
