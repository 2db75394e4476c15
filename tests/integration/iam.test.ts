// Least privilege, proven by running: a local cloud of the synthesized stack with grants taken out of two
// functions' roles (the template is changed after it is read, before anything is built from it). The
// calls that need those grants fail as on AWS — AccessDeniedException with AWS's message naming the
// assumed role, the action and the resource — and nothing is half-written; the calls that keep their
// grants still work. The shared cloud of the other integration tests runs the unchanged stack with the
// same enforcement, so every one of them proves the stack's grants suffice.
import { OPENED_PARTITIONS } from '#lib/adapters/dynamodb-intake.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloud } from '#local/cloud.ts';
import { freePort } from '#local/free-port.ts';
import type { PolicyStatement } from '#local/iam.ts';
import type { CfnTemplate } from '#local/template.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let cloud: LocalCloud;
const lines: string[] = [];

const statementsOf = (template: CfnTemplate, rolePrefix: string): PolicyStatement[] => {
  const policy = Object.entries(template.Resources).find(
    ([, r]) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.Roles).includes(`"${rolePrefix}`),
  );
  if (!policy) throw new Error(`no policy for ${rolePrefix}`);
  return (policy[1].Properties!.PolicyDocument as { Statement: PolicyStatement[] }).Statement;
};
const tableStatement = (s: PolicyStatement, table: string) => JSON.stringify(s.Resource).includes(table) && [s.Action].flat().includes('dynamodb:PutItem');

beforeAll(async () => {
  cloud = await startLocalCloud({
    host: '127.0.0.1',
    ports: { api: await freePort(), smtp: await freePort(), ses: await freePort(), dynamodb: await freePort(), s3: await freePort(), sfn: await freePort() },
    dataDir: path.join(root, '.local', 'iam-test'),
    inMemory: true,
    cdkOutDir: path.join(root, 'cdk.out'),
    stackName: 'Trustdesk',
    log: (line) => lines.push(line),
    functionLogLevel: 'ERROR',
    // The functions' errors are what this test provokes: kept in memory (GET /local/logs), not printed.
    captureFunctionLogs: { ringSize: 1000, print: () => false },
    iam: true,
    mutateTemplate: (template) => {
      // The web intake loses dynamodb:PutItem on the cases table (its TransactWriteItems puts the case).
      for (const s of statementsOf(template, 'IntakeWebIntakeRole')) {
        if (tableStatement(s, 'StorageCases')) s.Action = [s.Action ?? []].flat().filter((a) => a !== 'dynamodb:PutItem');
      }
      // The cases API keeps the table but loses its indexes (`…/index/*`): listing queries byOpened.
      for (const s of statementsOf(template, 'AgentsCasesRole')) {
        const resources = s.Resource as unknown;
        if (Array.isArray(resources) && JSON.stringify(resources).includes('/index/*')) s.Resource = resources.filter((r) => !JSON.stringify(r).includes('/index/*'));
      }
    },
  });
}, 120_000);

// The local cloud's own key (`local`) is the account's administrator: not a function's role.
const admin = (() => {
  let client: DynamoDBClient | undefined;
  return { send: (c: ScanCommand) => (client ??= new DynamoDBClient({ region: 'us-east-1', endpoint: cloud.urls.dynamodb, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } })).send(c) };
})();

afterAll(async () => {
  await cloud?.stop();
});

const post = (body: unknown) =>
  fetch(`${cloud.urls.api}/inquiries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('a grant removed from the stack', () => {
  it('denies the transaction item that needs it: the inquiry is not accepted and nothing is written', async () => {
    const res = await post({ email: 'iam@example.com', subject: 'Charge I did not make', message: 'A charge of 12 USD I never made.' });
    expect(res.status).toBe(500);
    const denial = lines.find((l) => l.startsWith('iam: ') && l.includes('dynamodb:PutItem'));
    expect(denial).toMatch(
      /^iam: User: arn:aws:sts::000000000000:assumed-role\/IntakeWebIntakeRole\w+\/IntakeWebIntake\w+ is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table\/StorageCases\w+ because no identity-based policy allows the dynamodb:PutItem action$/,
    );
    // A transaction is all or nothing: the items the role may put (none) were not written either.
    const scan = await admin.send(new ScanCommand({ TableName: cloud.nameOf('StorageCases'), Select: 'COUNT' }));
    expect(scan.Count).toBe(0);
  });

  it('denies a Query on an index once the role names only the table', async () => {
    const token = await cloud.issueToken('agent');
    const res = await fetch(`${cloud.urls.api}/cases?limit=5`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(500);
    expect(lines.some((l) => /^iam: User: \S+assumed-role\/AgentsCasesRole\w+\/AgentsCases\w+ is not authorized to perform: dynamodb:Query on resource: arn:aws:dynamodb:us-east-1:000000000000:table\/StorageCases\w+\/index\/byOpened because/.test(l))).toBe(true);
  });

  it('answers the denied call with AccessDeniedException, which the SDK does not retry', async () => {
    const denials = lines.filter((l) => l.startsWith('iam: '));
    // One denial per request: AccessDeniedException is not retryable, so the SDK asked once.
    expect(denials.filter((l) => l.includes('dynamodb:PutItem'))).toHaveLength(1);
    const res = await fetch(`${cloud.urls.api}/local/iam`);
    const body = (await res.json()) as { enforced: boolean; denials: { action: string }[] };
    expect(body.enforced).toBe(true);
    const actions = body.denials.map((d) => d.action);
    expect([...new Set(actions)]).toEqual(['dynamodb:PutItem', 'dynamodb:Query']);
    // The queue reads every byOpened shard at once: at most one denied Query per shard, none asked twice.
    expect(actions.filter((a) => a === 'dynamodb:Query').length).toBeLessThanOrEqual(OPENED_PARTITIONS.length);
    // What the function itself got from the SDK: the error AWS's would throw.
    const logs = (await (await fetch(`${cloud.urls.api}/local/logs?since=0`)).json()) as { lines: { functionId: string; line: string }[] };
    const intakeError = logs.lines.find((l) => l.functionId.startsWith('IntakeWebIntake') && l.line.includes('"unhandled error"'));
    expect(JSON.parse(intakeError!.line).error).toMatchObject({ name: 'AccessDeniedException', $metadata: { attempts: 1 } });
  });
});
