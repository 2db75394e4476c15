// npm run profiles:load -- <file.csv> [--local | --table <name>]
// Loads user value tiers into the profiles table: all rows valid or nothing written.
import { BatchWriteItemCommand, DynamoDBClient, type BatchWriteItemCommandOutput, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTemplate, resourcesOfType } from '#local/template.ts';
import { parseProfilesCsv } from './profiles-csv.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--table');
const local = args.includes('--local');
const tableArg = args.includes('--table') ? args[args.indexOf('--table') + 1] : undefined;
if (!file || (!local && !tableArg)) {
  console.error('usage: npm run profiles:load -- <file.csv> (--local | --table <ProfilesTableName>)');
  process.exit(2);
}

const { profiles, problems } = parseProfilesCsv(readFileSync(file, 'utf8'));
if (problems.length > 0) {
  for (const p of problems) console.error(`${file}:${p.line}: ${p.message}`);
  console.error(`nothing written: ${problems.length} problem(s)`);
  process.exit(1);
}

const table =
  tableArg ??
  resourcesOfType(loadTemplate(path.join(root, 'cdk.out'), 'Trustdesk'), 'AWS::DynamoDB::Table').find(([id]) => id.startsWith('StorageProfiles'))?.[0];
if (!table) throw new Error('no profiles table in cdk.out; run npm run synth');
const client = local
  ? new DynamoDBClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${process.env.TRUSTDESK_DYNAMODB_PORT ?? 8000}`,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    })
  : new DynamoDBClient({});

for (let i = 0; i < profiles.length; i += 25) {
  let requests: WriteRequest[] | undefined = profiles.slice(i, i + 25).map((p) => ({ PutRequest: { Item: marshall(p) } }));
  for (let attempt = 0; requests && requests.length > 0; attempt++) {
    if (attempt > 8) throw new Error('DynamoDB keeps throttling; try again later');
    const out: BatchWriteItemCommandOutput = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
    requests = out.UnprocessedItems?.[table];
    if (requests?.length) await new Promise((r) => setTimeout(r, 2 ** attempt * 50));
  }
}
console.log(`loaded ${profiles.length} profile(s) into ${table}`);
