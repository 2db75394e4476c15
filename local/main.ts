// `npm start`: the whole system on this machine. Ports and paths come from the environment.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalCloud } from './cloud.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const port = (name: string, fallback: number) => {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${name} must be a port number, got "${env[name]}"`);
  return value;
};

const started = performance.now();
const log = (line: string) => console.log(`[trustdesk] ${line}`);
log('starting the local cloud…');
const cloud = await startLocalCloud({
  host: env.TRUSTDESK_HOST ?? '127.0.0.1',
  ports: {
    api: port('TRUSTDESK_API_PORT', 3000),
    smtp: port('TRUSTDESK_SMTP_PORT', 2525),
    ses: port('TRUSTDESK_SES_PORT', 8005),
    dynamodb: port('TRUSTDESK_DYNAMODB_PORT', 8000),
    s3: port('TRUSTDESK_S3_PORT', 4569),
    sfn: port('TRUSTDESK_SFN_PORT', 8083),
    events: port('TRUSTDESK_EVENTS_PORT', 4010),
    sqs: port('TRUSTDESK_SQS_PORT', 9324),
  },
  timeScale: Number(env.TRUSTDESK_TIME_SCALE ?? 1),
  ...(env.TRUSTDESK_LOG_LEVEL && { functionLogLevel: env.TRUSTDESK_LOG_LEVEL }),
  dataDir: path.resolve(root, env.TRUSTDESK_DATA_DIR ?? '.local'),
  inMemory: env.TRUSTDESK_IN_MEMORY === 'true' || env.TRUSTDESK_IN_MEMORY === '1',
  cdkOutDir: path.join(root, 'cdk.out'),
  stackName: 'Trustdesk',
  log,
}).catch((error: unknown) => {
  console.error(`[trustdesk] could not start: ${(error as Error).message}`);
  process.exit(1);
});

const { urls } = cloud;
console.log(`
  trustdesk local cloud is up (${((performance.now() - started) / 1000).toFixed(1)} s)

  Web form        ${urls.web}
  Agent console   ${urls.console}   (sign in with a dev role)
  API             ${urls.api}          POST /inquiries · GET /cases · GET /cases/{caseId}
  Health          ${urls.health}
  Dev token       ${urls.token}   (role=agent|lead|risk)
  Intake email    ${cloud.intakeAddresses.join(', ')} via ${urls.smtp}
  SES mailbox     ${urls.mailbox}          (GET /store for JSON)
  DynamoDB Local  ${urls.dynamodb}
  S3 (mail)       ${urls.s3}
  Step Functions  ${urls.sfn}          (executions: ${urls.api}/local/executions)
  EventBridge     ${urls.events}          (published: ${urls.api}/local/events)
  Clock           ${urls.api}/local/clock   (POST {"advanceSeconds": 3600}; time scale ${cloud.clock.timeScale})

  Ctrl-C to stop.
`);

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping…`);
  cloud
    .stop()
    .then(() => {
      log('stopped');
      process.exit(0);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
