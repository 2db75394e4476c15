// The template's tables in DynamoDB Local: every AWS::DynamoDB::Table and GlobalTable created (or, kept
// on disk from a previous run, reconciled) with its keys, indexes, stream and TTL, so the local cloud
// runs on the tables the stack declares.
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type CreateTableCommandInput,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type LocalSecondaryIndex,
  type Projection,
  type ProvisionedThroughput,
  type StreamViewType,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { sleep } from './dynamodb-local.ts';
import type { CfnResource, CfnTemplate } from './template.ts';

export interface LocalTable {
  logicalId: string;
  tableName: string;
  streamArn?: string;
}

/**
 * Creates every AWS::DynamoDB::Table and AWS::DynamoDB::GlobalTable of the template (one local
 * table per GlobalTable, whatever its Replicas). Idempotent: an existing table (dbPath kept
 * between runs) is kept with its data; indexes and a stream the template gained since are added.
 * SSE, PITR, Tags, contributor insights, Kinesis and deletion protection are ignored.
 */
export async function createTablesFromTemplate(
  client: DynamoDBClient,
  template: CfnTemplate,
  tableNameFor: (logicalId: string) => string,
): Promise<LocalTable[]> {
  const tables: LocalTable[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    let spec: TableSpec;
    if (resource.Type === 'AWS::DynamoDB::Table') spec = tableSpec(logicalId, resource);
    else if (resource.Type === 'AWS::DynamoDB::GlobalTable') spec = globalTableSpec(logicalId, resource);
    else continue;
    tables.push(await ensureTable(client, logicalId, tableNameFor(logicalId), spec));
  }
  return tables;
}

interface TableSpec {
  create: Omit<CreateTableCommandInput, 'TableName'>;
  ttlAttribute?: string;
}

function tableSpec(logicalId: string, resource: CfnResource): TableSpec {
  const p = resource.Properties ?? {};
  const where = `${logicalId} (AWS::DynamoDB::Table)`;
  const billingMode = p['BillingMode'] === 'PAY_PER_REQUEST' ? 'PAY_PER_REQUEST' : 'PROVISIONED';
  const create: Omit<CreateTableCommandInput, 'TableName'> = {
    KeySchema: keySchema(p['KeySchema'], `${where} KeySchema`),
    AttributeDefinitions: attributeDefinitions(p['AttributeDefinitions'], where),
    BillingMode: billingMode,
  };
  if (billingMode === 'PROVISIONED') create.ProvisionedThroughput = throughput(p['ProvisionedThroughput']);
  const gsis = list(p['GlobalSecondaryIndexes']).map((g, i): GlobalSecondaryIndex => {
    const gsi = obj(g, `${where} GlobalSecondaryIndexes[${i}]`);
    const index: GlobalSecondaryIndex = {
      IndexName: str(gsi['IndexName'], `${where} GlobalSecondaryIndexes[${i}].IndexName`),
      KeySchema: keySchema(gsi['KeySchema'], `${where} GlobalSecondaryIndexes[${i}].KeySchema`),
      Projection: projection(gsi['Projection']),
    };
    if (billingMode === 'PROVISIONED') index.ProvisionedThroughput = throughput(gsi['ProvisionedThroughput']);
    return index;
  });
  return completeSpec(create, gsis, p, where);
}

function globalTableSpec(logicalId: string, resource: CfnResource): TableSpec {
  const p = resource.Properties ?? {};
  const where = `${logicalId} (AWS::DynamoDB::GlobalTable)`;
  const billingMode = p['BillingMode'] === 'PROVISIONED' ? 'PROVISIONED' : 'PAY_PER_REQUEST';
  const replicas = list(p['Replicas']).map((r) => (isObj(r) ? r : {}));
  const create: Omit<CreateTableCommandInput, 'TableName'> = {
    KeySchema: keySchema(p['KeySchema'], `${where} KeySchema`),
    AttributeDefinitions: attributeDefinitions(p['AttributeDefinitions'], where),
    BillingMode: billingMode,
  };
  // Capacities do not matter locally; take them from the first replica that states any.
  const readOf = (settings: unknown): number | undefined => {
    if (!isObj(settings)) return undefined;
    if (settings['ReadCapacityUnits'] !== undefined) return Number(settings['ReadCapacityUnits']);
    return autoScalingSeed(settings['ReadCapacityAutoScalingSettings']);
  };
  const tableWrite = autoScalingSeed(obj(p['WriteProvisionedThroughputSettings'] ?? {}, where)['WriteCapacityAutoScalingSettings']) ?? 5;
  if (billingMode === 'PROVISIONED') {
    const read = replicas.map((r) => readOf(r['ReadProvisionedThroughputSettings'])).find((n) => n !== undefined) ?? 5;
    create.ProvisionedThroughput = { ReadCapacityUnits: read, WriteCapacityUnits: tableWrite };
  }
  const gsis = list(p['GlobalSecondaryIndexes']).map((g, i): GlobalSecondaryIndex => {
    const gsi = obj(g, `${where} GlobalSecondaryIndexes[${i}]`);
    const name = str(gsi['IndexName'], `${where} GlobalSecondaryIndexes[${i}].IndexName`);
    const index: GlobalSecondaryIndex = {
      IndexName: name,
      KeySchema: keySchema(gsi['KeySchema'], `${where} GlobalSecondaryIndexes[${i}].KeySchema`),
      Projection: projection(gsi['Projection']),
    };
    if (billingMode === 'PROVISIONED') {
      const write =
        autoScalingSeed(obj(gsi['WriteProvisionedThroughputSettings'] ?? {}, where)['WriteCapacityAutoScalingSettings']) ?? tableWrite;
      const read =
        replicas
          .flatMap((r) => list(r['GlobalSecondaryIndexes']))
          .filter((rg): rg is Record<string, unknown> => isObj(rg) && rg['IndexName'] === name)
          .map((rg) => readOf(rg['ReadProvisionedThroughputSettings']))
          .find((n) => n !== undefined) ?? 5;
      index.ProvisionedThroughput = { ReadCapacityUnits: read, WriteCapacityUnits: write };
    }
    return index;
  });
  // A multi-region global table needs NEW_AND_OLD_IMAGES; the table-level spec is what a
  // replica's stream delivers.
  return completeSpec(create, gsis, p, where);
}

/** What a Table and a GlobalTable declare the same way: the indexes, the stream and the TTL attribute. */
function completeSpec(
  create: Omit<CreateTableCommandInput, 'TableName'>,
  gsis: GlobalSecondaryIndex[],
  p: Record<string, unknown>,
  where: string,
): TableSpec {
  if (gsis.length > 0) create.GlobalSecondaryIndexes = gsis;
  const lsis = localIndexes(p['LocalSecondaryIndexes'], where);
  if (lsis.length > 0) create.LocalSecondaryIndexes = lsis;
  const viewType = streamViewType(p['StreamSpecification']);
  if (viewType) create.StreamSpecification = { StreamEnabled: true, StreamViewType: viewType };
  const spec: TableSpec = { create };
  const ttl = ttlAttribute(p['TimeToLiveSpecification']);
  if (ttl) spec.ttlAttribute = ttl;
  return spec;
}

async function ensureTable(client: DynamoDBClient, logicalId: string, tableName: string, spec: TableSpec): Promise<LocalTable> {
  let table = await describe(client, tableName);
  if (!table) {
    try {
      table = (await client.send(new CreateTableCommand({ ...spec.create, TableName: tableName }))).TableDescription;
    } catch (err) {
      if ((err as Error).name !== 'ResourceInUseException') {
        throw new Error(`Creating table ${tableName} for ${logicalId} failed: ${(err as Error).message}`, { cause: err });
      }
    }
    table = await waitActive(client, tableName);
    if (spec.ttlAttribute) await enableTtl(client, tableName, spec.ttlAttribute);
  } else {
    table = await reconcile(client, logicalId, tableName, table, spec);
  }
  const out: LocalTable = { logicalId, tableName };
  if (table.StreamSpecification?.StreamEnabled && table.LatestStreamArn) out.streamArn = table.LatestStreamArn;
  return out;
}

/** An existing table: keep data; add what the template gained (GSIs, stream, TTL). */
async function reconcile(
  client: DynamoDBClient,
  logicalId: string,
  tableName: string,
  table: TableDescription,
  spec: TableSpec,
): Promise<TableDescription> {
  const wantKeys = JSON.stringify(spec.create.KeySchema);
  const haveKeys = JSON.stringify((table.KeySchema ?? []).map((k) => ({ AttributeName: k.AttributeName, KeyType: k.KeyType })));
  if (wantKeys !== haveKeys) {
    throw new Error(
      `Table ${tableName} (${logicalId}) exists with key schema ${haveKeys} but the template says ${wantKeys}; ` +
        'delete the local database directory to recreate it',
    );
  }
  const existing = new Set((table.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
  for (const gsi of spec.create.GlobalSecondaryIndexes ?? []) {
    if (existing.has(gsi.IndexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: spec.create.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: gsi }],
      }),
    );
    table = await waitActive(client, tableName);
  }
  const want = spec.create.StreamSpecification;
  const have = table.StreamSpecification;
  if (want && (!have?.StreamEnabled || have.StreamViewType !== want.StreamViewType)) {
    if (have?.StreamEnabled) {
      await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: false } }));
      await waitActive(client, tableName);
    }
    await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: want }));
    table = await waitActive(client, tableName);
  }
  if (spec.ttlAttribute) await enableTtl(client, tableName, spec.ttlAttribute);
  return table;
}

async function enableTtl(client: DynamoDBClient, tableName: string, attribute: string): Promise<void> {
  try {
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: attribute, Enabled: true } }));
  } catch {
    // Already enabled, or not supported by this DynamoDB Local: TTL is best effort locally.
  }
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

async function waitActive(client: DynamoDBClient, tableName: string): Promise<TableDescription> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const t = await describe(client, tableName);
    const indexesReady = (t?.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === undefined || g.IndexStatus === 'ACTIVE');
    if (t && t.TableStatus === 'ACTIVE' && indexesReady) return t;
    if (Date.now() > deadline) throw new Error(`Table ${tableName} did not become ACTIVE (status ${t?.TableStatus ?? 'missing'})`);
    await sleep(50);
  }
}

function keySchema(v: unknown, where: string): KeySchemaElement[] {
  const items = list(v);
  if (items.length === 0) throw new Error(`${where}: KeySchema is required`);
  return items.map((k, i) => {
    const o = obj(k, `${where}[${i}]`);
    const keyType = str(o['KeyType'], `${where}[${i}].KeyType`);
    if (keyType !== 'HASH' && keyType !== 'RANGE') throw new Error(`${where}[${i}]: KeyType must be HASH or RANGE`);
    return { AttributeName: str(o['AttributeName'], `${where}[${i}].AttributeName`), KeyType: keyType };
  });
}

function attributeDefinitions(v: unknown, where: string): AttributeDefinition[] {
  return list(v).map((a, i) => {
    const o = obj(a, `${where} AttributeDefinitions[${i}]`);
    const type = str(o['AttributeType'], `${where} AttributeDefinitions[${i}].AttributeType`);
    if (type !== 'S' && type !== 'N' && type !== 'B') throw new Error(`${where} AttributeDefinitions[${i}]: AttributeType must be S, N or B`);
    return { AttributeName: str(o['AttributeName'], `${where} AttributeDefinitions[${i}].AttributeName`), AttributeType: type };
  });
}

function localIndexes(v: unknown, where: string): LocalSecondaryIndex[] {
  return list(v).map((l, i) => {
    const o = obj(l, `${where} LocalSecondaryIndexes[${i}]`);
    return {
      IndexName: str(o['IndexName'], `${where} LocalSecondaryIndexes[${i}].IndexName`),
      KeySchema: keySchema(o['KeySchema'], `${where} LocalSecondaryIndexes[${i}].KeySchema`),
      Projection: projection(o['Projection']),
    };
  });
}

function projection(v: unknown): Projection {
  if (!isObj(v)) return { ProjectionType: 'ALL' };
  const type = v['ProjectionType'];
  const out: Projection = { ProjectionType: type === 'KEYS_ONLY' || type === 'INCLUDE' ? type : 'ALL' };
  const nonKey = list(v['NonKeyAttributes']).filter((a): a is string => typeof a === 'string');
  if (out.ProjectionType === 'INCLUDE' && nonKey.length > 0) out.NonKeyAttributes = nonKey;
  return out;
}

function throughput(v: unknown): ProvisionedThroughput {
  const o = isObj(v) ? v : {};
  const n = (x: unknown): number => (x === undefined || Number.isNaN(Number(x)) ? 5 : Number(x));
  return { ReadCapacityUnits: n(o['ReadCapacityUnits']), WriteCapacityUnits: n(o['WriteCapacityUnits']) };
}

function autoScalingSeed(v: unknown): number | undefined {
  if (!isObj(v)) return undefined;
  const n = v['SeedCapacity'] ?? v['MinCapacity'];
  return n === undefined ? undefined : Number(n);
}

function streamViewType(v: unknown): StreamViewType | undefined {
  if (!isObj(v)) return undefined;
  const t = v['StreamViewType'];
  if (t === 'KEYS_ONLY' || t === 'NEW_IMAGE' || t === 'OLD_IMAGE' || t === 'NEW_AND_OLD_IMAGES') return t;
  return undefined;
}

function ttlAttribute(v: unknown): string | undefined {
  if (!isObj(v)) return undefined;
  const enabled = v['Enabled'];
  if (enabled !== true && enabled !== 'true') return undefined;
  return typeof v['AttributeName'] === 'string' ? v['AttributeName'] : undefined;
}

export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, where: string): Record<string, unknown> {
  if (!isObj(v)) throw new Error(`${where}: expected an object, got ${JSON.stringify(v)}`);
  return v;
}

export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function str(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '') throw new Error(`${where}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}
