import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
const vsize = (v: any): number => v.S !== undefined ? Buffer.byteLength(v.S) : v.N !== undefined ? Math.ceil(v.N.replace(/^-/, '').length / 2) + 1 : v.M ? 3 + Object.entries(v.M).reduce((n: number, [k, x]: any) => n + Buffer.byteLength(k) + vsize(x) + 1, 0) : v.L ? 3 + v.L.reduce((n: number, x: any) => n + vsize(x) + 1, 0) : v.SS ? v.SS.reduce((n: number, x: string) => n + Buffer.byteLength(x), 0) : 1;
const sizeOf = (item: any) => Object.entries(item).reduce((n: number, [k, v]: any) => n + Buffer.byteLength(k) + vsize(v), 0);
import { startReportingDb, generateCases, writeCases, aggregateDeps, aggregateInBatches, seededRandom, FAKE_CREDENTIALS } from './reporting.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { createTablesFromTemplate } from '#local/dynamodb-tables.ts';

const db = await startReportingDb();
const now = new Date(); const from = now.getTime() - 6 * 3_600_000;
const random = seededRandom(7);
const count = 1300;
const openings = Array.from({ length: count }, (_, i) => ({ at: new Date(from + ((i + random()) / count) * (now.getTime() - from)) }));
const g = generateCases(openings, { until: now, seed: 11, maxEvents: 5000 });
await writeCases(new DynamoCaseStore(db.casesTable, undefined, db.client), g.histories);
const client = new DynamoDBClient({ region: 'us-east-1', endpoint: db.endpoint, credentials: FAKE_CREDENTIALS });
const tally: Record<string, number> = {};
client.middlewareStack.add((next, ctx) => async (args: any) => {
  const input = args.input;
  if (ctx.commandName === 'TransactWriteItemsCommand') input.ReturnConsumedCapacity = 'INDEXES';
  const out: any = await next(args);
  if (ctx.commandName === 'TransactWriteItemsCommand') {
    for (const t of input.TransactItems) { const op = t.Update ?? t.Put; const key = op.Key ?? { pk: op.Item.pk, sk: op.Item.sk };
      const got = await db.client.send(new GetItemCommand({ TableName: op.TableName, Key: key }));
      const kb = Math.max(1, Math.ceil(sizeOf(got.Item ?? {}) / 1024)); const k = 'wcu:' + String(key.pk.S).split('#')[0]; tally[k] = (tally[k] ?? 0) + 2 * kb; tally.wcu = (tally.wcu ?? 0) + 2 * kb; }
  }
  const cc = out.output.ConsumedCapacity;
  if (cc) for (const c of (Array.isArray(cc) ? cc : [cc])) tally[ctx.commandName] = (tally[ctx.commandName] ?? 0) + (c.CapacityUnits ?? 0);
  if (ctx.commandName === 'TransactWriteItemsCommand') {
    for (const t of input.TransactItems) { const pk = (t.Update ?? t.Put).Key?.pk?.S ?? (t.Put?.Item?.pk?.S); const k = String(pk).split('#')[0]; tally['items:' + k] = (tally['items:' + k] ?? 0) + 1; }
  }
  return out;
}, { step: 'initialize' });
const only = { Resources: { [db.reportingLogicalId]: db.template.Resources[db.reportingLogicalId]! } };
await createTablesFromTemplate(db.client, only as any, () => 'probe');
const deps = aggregateDeps({ ...db, client }, 'probe');
const r = await aggregateInBatches(deps, g.events);
console.log(g.events.length, 'events', g.histories.length, 'cases', r, tally);
await db.stop();
