// One local cloud for the whole integration project: in memory, on free ports, from cdk.out.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startLocalCloud } from '#local/cloud.ts';
import { freePort } from '#local/free-port.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CloudUrls {
  api: string;
  mailbox: string;
  smtpHost: string;
  smtpPort: number;
  dynamodb: string;
  s3: string;
  secretsManager: string;
  events: string;
  sqs: string;
  intakeAddress: string;
  casesTable: string;
  reportingTable: string;
  ledgerTable: string;
  profilesTable: string;
  mailBucket: string;
  importsBucket: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    cloud: CloudUrls;
  }
}

export default async function setup(project: TestProject) {
  const cdkOut = path.join(root, 'cdk.out');
  if (!existsSync(path.join(cdkOut, 'Trustdesk.template.json'))) {
    throw new Error('cdk.out is missing: run `npm run synth` first (npm test does it for you)');
  }
  const host = '127.0.0.1';
  const ports = { api: await freePort(), smtp: await freePort(), ses: await freePort(), dynamodb: await freePort(), s3: await freePort(), sfn: await freePort() };
  const lines: string[] = [];
  // The functions' metric lines (EMF on stdout, one per case opened or SLA breached) stay out of the test
  // output like their logs do; TRUSTDESK_TEST_LOG shows both. Powertools reads this when a bundle loads.
  if (!process.env.TRUSTDESK_TEST_LOG) process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const cloud = await startLocalCloud({
    host,
    ports,
    dataDir: path.join(root, '.local', 'test'),
    inMemory: true,
    cdkOutDir: cdkOut,
    stackName: 'Trustdesk',
    log: (line) => {
      lines.push(line);
      if (process.env.TRUSTDESK_TEST_LOG) console.log(line);
    },
    asyncRetryDelaysMs: [100, 200],
    // The suite posts many inquiries from 127.0.0.1; tests/integration/rate-limit.test.ts acts as other
    // clients (X-Forwarded-For) and meets the template's own limit.
    rateLimitScale: 1000,
    // INFO, kept in memory (GET /local/logs) for the privacy tests; printed only from WARN up unless asked.
    functionLogLevel: 'INFO',
    captureFunctionLogs: {
      ringSize: 50_000,
      print: (line) => !!process.env.TRUSTDESK_TEST_LOG || /"level":"(WARN|ERROR|CRITICAL)"/.test(line),
    },
  });
  project.provide('cloud', {
    api: cloud.urls.api,
    mailbox: cloud.urls.mailbox,
    smtpHost: host,
    smtpPort: ports.smtp,
    dynamodb: cloud.urls.dynamodb,
    s3: cloud.urls.s3,
    secretsManager: cloud.urls.secretsManager,
    events: cloud.urls.events,
    sqs: cloud.urls.sqs,
    intakeAddress: cloud.intakeAddresses[0] ?? 'support@trustdesk.local',
    casesTable: cloud.nameOf('StorageCases'),
    reportingTable: cloud.nameOf('ReportingAggregates'),
    ledgerTable: cloud.nameOf('LedgerTransactions'),
    profilesTable: cloud.nameOf('StorageProfiles'),
    mailBucket: cloud.nameOf('StorageMail'),
    importsBucket: cloud.nameOf('LedgerImportBucket'),
  });
  return async () => {
    await cloud.stop();
  };
}
