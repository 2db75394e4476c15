// The local cloud: the synthesized template (cdk.out) run on real emulators in one process tree.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { freePort } from './free-port.ts';
import { createAsyncInvoker } from './async-invoker.ts';
import { installVirtualClock, type VirtualClock } from './clock.ts';
import { rearmFromFunctionEnvironment } from './rearm.ts';
import { startLocalSchedulerApi, startScheduler } from './scheduler.ts';
import { startLocalStepFunctions, stateMachineArn } from './stepfunctions.ts';
import { binaryMediaTypesFromTemplate, handleApiRequest, routesFromTemplate } from './api-gateway.ts';
import { startDurableWriteProxy } from './dynamodb-durable-proxy.ts';
import { startDynamoDbLocal } from './dynamodb-local.ts';
import { createTablesFromTemplate, type LocalTable } from './dynamodb-tables.ts';
import { LocalFaults, startSesFaultProxy } from './faults.ts';
import { sesFeedbackPublisher, snsEventDestinations, type SesFeedbackFault } from './ses-bounces.ts';
import { startLocalSns } from './sns.ts';
import { controlRoutes } from './control-routes.ts';
import { createLocalIssuer, type Role } from './jwt-issuer.ts';
import { captureFunctionLogs, loadFunctions, type FunctionLogCaptureOptions } from './lambda-runtime.ts';
import { expirationRules, startS3Lifecycle } from './s3-lifecycle.ts';
import { startS3Notifications } from './s3-notifications.ts';
import { startS3Server } from './s3-server.ts';
import { secretArn, secretsFromTemplate, startLocalSecretsManager } from './secrets-manager.ts';
import { deliverByReceiptRules, receiptRulesFromTemplate } from './ses-receipt.ts';
import { startSesMailbox } from './ses-mailbox.ts';
import { startSmtpIntake } from './smtp-intake.ts';
import { staticSiteFromTemplate } from './static-site.ts';
import { createLocalWaf } from './waf.ts';
import { startEventSourceMappings } from './event-source-mappings.ts';
import { startLocalEventBridge } from './eventbridge.ts';
import { localQueueUrl, startLocalSqs } from './sqs.ts';
import { eventSourceMappingDenials, iamEnforcedByDefault, accessKeyOf, localIamFromTemplate, signingAccessKey, type LocalIam } from './iam-roles.ts';
import { eventBridgeRequests, dynamodbAccessDenied, dynamodbRequests, lambdaInvokeRequest, s3ListRequest, s3Requests, sesAccessDenied, sesQueryRequests, sesV2AccessDenied, sesV2Requests, schedulerRequests, sfnRequests, tableArn } from './iam-requests.ts';
import { loadTemplate, resourcesOfType, type CfnTemplate, type IntrinsicContext } from './template.ts';

export interface LocalCloudOptions {
  host: string;
  /** `events`, `sqs`: the EventBridge and SQS emulators' (free ports when omitted). */
  ports: { api: number; smtp: number; ses: number; dynamodb: number; s3: number; sfn: number; events?: number; sqs?: number };
  /** Virtual ms per real ms (1 = real time); the clock can also be moved with POST /local/clock. */
  timeScale?: number;
  /** Where data lives between runs; ignored when inMemory. */
  dataDir: string;
  inMemory: boolean;
  cdkOutDir: string;
  stackName: string;
  log: (line: string) => void;
  /** Log level of the functions (POWERTOOLS_LOG_LEVEL); the template's when unset. */
  functionLogLevel?: string;
  /** Delays between async-invocation retries (AWS retries twice). */
  asyncRetryDelaysMs?: number[];
  /**
   * Multiplies the template's WAF rate limits for this machine's own requests (no X-Forwarded-For): the
   * integration suite and the bench post many inquiries from 127.0.0.1. A client named by X-Forwarded-For
   * always gets the template's limit. Default 1.
   */
  rateLimitScale?: number;
  /** Sees every DynamoDB request (its X-Amz-Target and parsed body) before it is forwarded: the bench counts writes per partition key with it. */
  onDynamoDbRequest?: (target: string, body: unknown) => void;
  /** Keep the functions' log lines in memory, served at GET /local/logs (tests look for leaks in them). */
  captureFunctionLogs?: FunctionLogCaptureOptions;
  /**
   * Check every AWS call a function makes against its role's policies in the template (local/iam-roles.ts);
   * default on, unless TRUSTDESK_IAM=off.
   */
  iam?: boolean;
  /** Change the template after it is read and before anything is built from it (tests: a stack with a grant removed). */
  mutateTemplate?: (template: CfnTemplate) => void;
}

export interface LocalCloud {
  urls: { api: string; health: string; token: string; mailbox: string; smtp: string; dynamodb: string; s3: string; sfn: string; secretsManager: string; events: string; sqs: string; web: string; console: string };
  clock: VirtualClock;
  intakeAddresses: string[];
  /** Resolves when every accepted email, async invocation and stream record has been handled. */
  settle(): Promise<void>;
  /**
   * Holds the stream consumers (records wait on the stream) until resumeStreams(): the bench measures the
   * write path without them, as on AWS where they run apart from the API. settle() needs them resumed.
   */
  pauseStreams(): void;
  resumeStreams(): void;
  issueToken(role: Role): Promise<string>;
  /** The local physical name (what Ref gives) of the resource whose logical id starts with the prefix. */
  nameOf(logicalIdPrefix: string): string;
  stop(): Promise<void>;
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const ARNS = { partition: 'aws', region: REGION, accountId: ACCOUNT };

export async function startLocalCloud(o: LocalCloudOptions): Promise<LocalCloud> {
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch((e: unknown) => o.log(`stop: ${(e as Error).message}`));
    stoppers.length = 0;
  };
  try {
    return await start(o, stoppers, stop);
  } catch (error) {
    await stop();
    throw error;
  }
}

async function start(o: LocalCloudOptions, stoppers: (() => Promise<void>)[], stop: () => Promise<void>): Promise<LocalCloud> {
  const step = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const result = await run();
    o.log(`✓ ${label} (${Math.round(performance.now() - t0)} ms)`);
    return result;
  };
  if (!o.inMemory) mkdirSync(o.dataDir, { recursive: true });
  // Lambda runs Node 22; the SDK's notice about Node 20 is noise for the local cloud.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // One clock for every part: timers, tokens and the functions' `new Date()` move together.
  const clock = installVirtualClock({ timeScale: o.timeScale ?? 1 });
  stoppers.push(async () => clock.uninstall());
  const dataPath = (name: string) => (o.inMemory ? undefined : path.join(o.dataDir, name));

  // On disk, an acknowledged write must survive a crash as on AWS: the DynamoDB port is then served by
  // a proxy that answers writes once committed (see startDurableWriteProxy), java on a private port.
  // The same proxy checks each call against the caller's role (IAM), in memory too.
  const iamOn = o.iam ?? iamEnforcedByDefault();
  let iam: LocalIam | undefined;
  const proxied = !o.inMemory || iamOn || o.onDynamoDbRequest !== undefined;
  const javaPort = proxied ? await freePort(o.host) : o.ports.dynamodb;
  // The proxy holds its port from the start (java takes seconds to come up; the port could be taken meanwhile).
  const durable =
    !proxied
      ? undefined
      : await startDurableWriteProxy({
          upstream: `http://${o.host}:${javaPort}`,
          port: o.ports.dynamodb,
          host: o.host,
          log: o.log,
          durable: !o.inMemory,
          authorize: (headers, target, body) => {
            o.onDynamoDbRequest?.(target, body);
            const denied = iam?.authorize(headers, dynamodbRequests(ARNS, target, body));
            return denied && dynamodbAccessDenied(denied.message);
          },
        });
  if (durable) stoppers.push(() => durable.stop());
  const java = await step(`DynamoDB Local on ${o.host}:${o.ports.dynamodb}${o.inMemory ? ' (in memory)' : ''}`, () =>
    startDynamoDbLocal({
      port: javaPort,
      host: o.host,
      dbPath: dataPath('dynamodb'),
      // DynamoDB Local prints its whole configuration; keep only what signals trouble.
      log: (line) => {
        if (/error|exception|fail/i.test(line)) o.log(line);
      },
    }),
  );
  stoppers.push(() => java.stop());
  const dynamo = { endpoint: durable?.endpoint ?? java.endpoint };
  // Objects stored go to the buckets' notifications once the functions are up (set below).
  let objectCreated: (object: { bucket: string; key: string; size: number; etag: string }) => void = () => undefined;
  const s3 = await step(`S3 on ${o.host}:${o.ports.s3}`, () =>
    startS3Server({
      port: o.ports.s3,
      host: o.host,
      dataDir: dataPath('s3'),
      authorize: (req, t) => iam?.authorize(req.headers, s3Requests(ARNS, t.method, t.bucket, t.key), req.url)?.message,
      mayList: (req, bucket) => !iam?.authorize(req.headers, [s3ListRequest(ARNS, bucket)], req.url),
      // Presigned links expire on the local clock (the functions sign with it too).
      now: () => clock.now(),
      onObjectCreated: (object) => objectCreated(object),
    }),
  );
  stoppers.push(() => s3.stop());
  const mailbox = await step(`SES mailbox on ${o.host}:${o.ports.ses}`, () =>
    startSesMailbox({ port: o.ports.ses, host: o.host, ...(!o.inMemory && { journal: path.join(o.dataDir, 'ses-mailbox.jsonl') }) }),
  );
  stoppers.push(() => mailbox.stop());
  // The functions reach SES through a proxy that can throttle them (/local/faults); tests read the mailbox itself.
  const faults = new LocalFaults();
  // Mail it is told to bounce or draw a complaint for (/local/faults) is reported to SNS, once the functions are up.
  let publishFeedback: (fault: SesFeedbackFault) => void = () => undefined;
  const sesProxy = await startSesFaultProxy({
    host: o.host,
    target: mailbox.url,
    faults,
    log: o.log,
    onFeedback: (fault) => publishFeedback(fault),
    authorize: (req, form, body) => {
      if (!iam) return undefined;
      const path = (req.url ?? '/').split('?', 1)[0]!;
      if (form) {
        const denied = iam.authorize(req.headers, sesQueryRequests(ARNS, form));
        return denied && sesAccessDenied(denied.message, randomUUID());
      }
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        json = undefined;
      }
      const denied = iam.authorize(req.headers, sesV2Requests(ARNS, req.method ?? 'GET', path, json));
      return denied && sesV2AccessDenied(denied.message);
    },
  });
  stoppers.push(() => sesProxy.stop());

  const eventsPort = o.ports.events ?? (await freePort(o.host));
  const sqsPort = o.ports.sqs ?? (await freePort(o.host));
  const sqsEndpoint = `http://${o.host}:${sqsPort}`;
  // Kept with the data: after a restart the bundles already imported in this process still call the first port.
  const schedulerPortFile = dataPath('scheduler-port');
  const schedulerPort = schedulerPortFile && existsSync(schedulerPortFile) ? Number(readFileSync(schedulerPortFile, 'utf8')) : await freePort(o.host);
  if (schedulerPortFile) writeFileSync(schedulerPortFile, String(schedulerPort));
  // Every SDK client the functions create talks to the emulators; nothing in functions/ knows.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_EVENTBRIDGE: `http://${o.host}:${eventsPort}`,
    AWS_ENDPOINT_URL_SQS: sqsEndpoint,
    AWS_ENDPOINT_URL_SCHEDULER: `http://${o.host}:${schedulerPort}`,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamo.endpoint,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ENDPOINT_URL_SES: sesProxy.url,
    AWS_ENDPOINT_URL_SESV2: sesProxy.url,
    AWS_ENDPOINT_URL_SFN: `http://${o.host}:${o.ports.sfn}`,
  });
  delete process.env.AWS_PROFILE;
  const clientConfig = { region: REGION, endpoint: dynamo.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

  const template = loadTemplate(o.cdkOutDir, o.stackName);
  o.mutateTemplate?.(template);
  const tables = await step('tables from the template', () =>
    createTablesFromTemplate(new DynamoDBClient(clientConfig), template, (id) => id),
  );
  const tableById = new Map(tables.map((t) => [t.logicalId, t]));
  const ctx = localIntrinsics(template, tableById, o.stackName, sqsEndpoint);
  // Each function's role, from the template: its invocations sign with a key that names it, the emulators check.
  iam = localIamFromTemplate({ template, ctx, enabled: iamOn, log: o.log, now: () => clock.now() });
  o.log(iamOn ? `✓ IAM: ${iam.principals().length} function role(s) enforced` : '! IAM not enforced (TRUSTDESK_IAM=off)');
  // A stream mapping whose function's role cannot read the stream (or park to its destination) fails the deploy on AWS.
  const unreadable = eventSourceMappingDenials(template, ctx, iam);
  if (unreadable.length > 0) throw new Error(`event source mapping(s) AWS would refuse to create:\n${unreadable.join('\n')}`);

  // Secrets Manager: the template's secrets (generated per start in memory, kept with the data dir otherwise).
  const secretsManager = await step('Secrets Manager', () =>
    startLocalSecretsManager({
      host: o.host,
      secrets: secretsFromTemplate(template, ARNS, dataPath('secrets.json')),
      authorize: (headers, requests) => iam?.authorize(headers, requests)?.message,
      now: () => clock.now(),
    }),
  );
  stoppers.push(() => secretsManager.stop());
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = secretsManager.endpoint;

  const functionLogs = o.captureFunctionLogs ? captureFunctionLogs(o.captureFunctionLogs) : undefined;
  if (functionLogs) stoppers.push(async () => functionLogs.stop());
  const functions = await step('functions from cdk.out', () =>
    loadFunctions(template, o.cdkOutDir, ctx, o.functionLogLevel ? { POWERTOOLS_LOG_LEVEL: o.functionLogLevel } : {}, (id) => iam?.credentialsFor(id)),
  );
  const stepFunctions = await step(`Step Functions on ${o.host}:${o.ports.sfn}`, () =>
    startLocalStepFunctions({
      host: o.host,
      port: o.ports.sfn,
      template,
      ctx,
      clock,
      log: o.log,
      resolveFunction: (arnOrName) => functions.get(arnOrName.split(':').at(-1) ?? arnOrName),
      authorize: (req, op, body, machineOfToken) => iam?.authorize(req.headers, sfnRequests(op, body, machineOfToken))?.message,
      // The machine's role invokes its tasks' functions (the role is the last part of its RoleArn).
      authorizeInvoke: (roleArn, executionName, functionName) =>
        iam?.authorizeRole(roleArn.split('/').at(-1) ?? roleArn, executionName, [lambdaInvokeRequest(ARNS, functionName)])?.message,
    }),
  );
  stoppers.push(() => stepFunctions.stop());
  // One-time schedules (cases' alarms) over the Scheduler API; up before the re-arm, whose executions set them.
  const schedulerApi = await step(`Scheduler API on ${o.host}:${schedulerPort}`, () =>
    startLocalSchedulerApi({
      host: o.host,
      port: schedulerPort,
      region: REGION,
      accountId: ACCOUNT,
      clock,
      groups: resourcesOfType(template, 'AWS::Scheduler::ScheduleGroup').map(([id]) => ctx.ref(id)),
      log: o.log,
      startExecution: (machine, name, input) => stepFunctions.startExecution(machine, name, input),
      authorize: (req, method, url, body) => iam?.authorize(req.headers, schedulerRequests(ARNS, method, url, body))?.message,
      authorizeTarget: (roleArn, scheduleName, action, resource) => iam?.authorizeRole(roleArn.split('/').at(-1) ?? roleArn, scheduleName, [{ action, resource }])?.message,
      ...(!o.inMemory && { journal: path.join(o.dataDir, 'schedules.json') }),
    }),
  );
  stoppers.push(() => schedulerApi.stop());
  if (!o.inMemory) {
    const rearmed = await rearmFromFunctionEnvironment({ functions, clientConfig, sfnEndpoint: stepFunctions.endpoint, log: o.log });
    if (rearmed) o.log(`✓ re-armed ${rearmed.lifecycles} open case workflow(s) and ${rearmed.escalations} escalation(s)${rearmed.skipped ? `; ${rearmed.skipped} unreadable case(s) skipped` : ''}`);
  }
  const asyncInvoker = createAsyncInvoker({ log: o.log, ...(o.asyncRetryDelaysMs && { retryDelaysMs: o.asyncRetryDelaysMs }) });
  // SNS topics → their Lambda subscriptions; SES's bounce and complaint notifications reach them by the
  // configuration set's event destination, as on AWS.
  const sns = startLocalSns({ template, ctx, functions, asyncInvoker, now: () => new Date(clock.now()), log: o.log });
  o.log(`✓ SNS: ${sns.topics().length} topic(s), ${sns.subscriptions().length} Lambda subscription(s)`);
  // The buckets' ObjectCreated notifications (CDK's Custom::S3BucketNotifications) → their functions, asynchronously.
  const s3Notifications = startS3Notifications({ template, ctx, functions, asyncInvoker, now: () => new Date(clock.now()), log: o.log });
  objectCreated = (object) => void s3Notifications.objectCreated(object);
  o.log(`✓ S3 notifications: ${s3Notifications.notifications().map((n) => `${n.bucket}/${n.prefix}* → ${n.functionId}`).join(', ') || 'none'}`);
  // Event buses and their rules → Lambda targets; what a function publishes is signed with its role's key.
  const eventBridge = await startLocalEventBridge({
    host: o.host,
    port: eventsPort,
    template,
    ctx,
    functions,
    asyncInvoker,
    now: () => new Date(clock.now()),
    log: o.log,
    callerOf: (req) => {
      const key = signingAccessKey(req.headers);
      return key && [...functions.keys()].find((id) => key === accessKeyOf(id));
    },
    authorize: (req, target, body) => iam?.authorize(req.headers, eventBridgeRequests(ARNS, target, body))?.message,
  });
  stoppers.push(() => eventBridge.stop());
  // The template's queues (where what is refused or fails every retry is parked), for the functions and operators.
  const sqs = await startLocalSqs({
    host: o.host,
    port: sqsPort,
    template,
    region: REGION,
    accountId: ACCOUNT,
    now: () => clock.now(),
    log: o.log,
    authorize: (req, action, queueArn) => iam?.authorize(req.headers, [{ action, resource: queueArn }])?.message,
  });
  stoppers.push(() => sqs.stop());
  // Set once the stream mappings exist: a notification waits for the functions that send to be idle.
  let sendersIdle: () => Promise<void> = async () => undefined;
  const feedback = sesFeedbackPublisher({ destinations: snsEventDestinations(template, ctx), publish: (topic, message) => void sns.publish(topic, message), after: () => sendersIdle(), now: () => new Date(clock.now()), log: o.log });
  publishFeedback = feedback.report;

  const apiBase = `http://${o.host}:${o.ports.api}`;
  const issuer = await createLocalIssuer({
    issuer: `${apiBase}/local/issuer`,
    audience: resourcesOfType(template, 'AWS::Cognito::UserPoolClient')[0]?.[0] ?? 'trustdesk-local',
    ...(!o.inMemory && { keyFile: path.join(o.dataDir, 'jwt-signing-key.json') }),
  });

  // The buckets' lifecycle expiration (the raw inbound mail) on the local clock.
  const s3Lifecycle = startS3Lifecycle({ rules: expirationRules(template, (id) => ctx.ref(id)), s3, clock, log: o.log });
  stoppers.push(async () => s3Lifecycle.stop());

  const scheduler = startScheduler({ template, functions, invoker: asyncInvoker, clock, log: o.log });
  stoppers.push(async () => scheduler.stop());
  o.log(`✓ ${scheduler.schedules().length} schedule(s): ${scheduler.schedules().map((s) => `${s.name} (cron ${s.expression} ${s.timeZone})`).join(', ')}`);

  // Streams → functions, per the template's event source mappings.
  const streams = new DynamoDBStreamsClient(clientConfig);
  const { mappings, parked } = startEventSourceMappings({ template, tableById, functions, streams, faults, dataDir: o.inMemory ? undefined : o.dataDir, log: o.log });
  stoppers.push(async () => {
    await Promise.all(mappings.map((m) => m.stop()));
  });
  o.log(`✓ ${mappings.length} stream mapping(s)`);
  sendersIdle = async () => {
    await Promise.all(mappings.map((m) => m.whenIdle()));
    await stepFunctions.whenIdle();
  };

  // Inbound mail: SMTP → the receipt rule's S3 action → its Lambda action.
  const rules = receiptRulesFromTemplate(template, ctx);
  const deliverInbound = deliverByReceiptRules({ rules, s3, functions, asyncInvoker });
  const smtp = await step(`SMTP intake on ${o.host}:${o.ports.smtp}`, () =>
    startSmtpIntake({
      port: o.ports.smtp,
      host: o.host,
      recipients: rules.flatMap((r) => r.recipients),
      maxBytes: 40 * 1024 * 1024, // SES's limit for received mail
      log: o.log,
      onMessage: deliverInbound,
    }),
  );
  stoppers.push(() => smtp.stop());

  const routes = routesFromTemplate(template);
  const binaryMediaTypes = binaryMediaTypesFromTemplate(template);
  // The web ACL on the API stage: its rate rules on the local clock, before the API adapter.
  const waf = createLocalWaf({ template, now: () => clock.now(), loopbackLimitScale: o.rateLimitScale ?? 1, log: o.log });
  o.log(`✓ WAF: ${waf.rules.map((r) => `${r.name} (${r.limit} per ${r.windowMs / 1000} s per client)`).join(', ') || 'no rate rules'}`);
  // The pages CloudFront serves on AWS; the console signs in with dev tokens here.
  const site = staticSiteFromTemplate({ template, cdkOutDir: o.cdkOutDir, ctx, localFiles: { 'config.json': { auth: 'local' } } });
  if (site) o.log(`✓ web pages: ${site.keys().length} file(s) from the template's bucket deployment`);
  // Work done so far, across every part; settled when a full round of waiting adds none.
  const progress = () =>
    mappings.reduce((n, m) => n + m.stats().delivered, 0) +
    stepFunctions.executions().reduce((n, e) => n + stepFunctions.transitions(e.executionArn), 0) +
    sns.published() +
    s3Notifications.sent() +
    eventBridge.accepted() +
    sqs.sent() +
    schedulerApi.rang();
  const settle = async () => {
    await s3Lifecycle.sweep();
    for (let round = 0; round < 100; round++) {
      const before = progress();
      await asyncInvoker.whenIdle();
      await Promise.all(mappings.map((m) => m.whenIdle()));
      await stepFunctions.whenIdle();
      await feedback.whenIdle();
      if (progress() === before) return;
    }
  };

  const controlRoute = controlRoutes({
    region: REGION,
    functions,
    apiRoutes: routes.length,
    mappings,
    parked,
    streams,
    asyncInvoker,
    issuer,
    faults,
    functionLogs,
    scheduler,
    schedulerApi,
    clock,
    stepFunctions,
    eventBridge,
    sqs,
    iam,
    settle,
  });

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', apiBase);
    const local = controlRoute(req, url);
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const handled = local
      ? local(req, url).then(([status, body]) => {
          reply(status, body);
          return true;
        })
      : waf.handle(req, res, url)
      ? Promise.resolve(true)
      : handleApiRequest(req, res, url, {
          routes,
          functions,
          binaryMediaTypes,
          stage: 'v1',
          accountId: ACCOUNT,
          log: o.log,
          verifyToken: (token) => issuer.verify(token).catch(() => undefined),
        }).then((done) => done || (site?.handle(req, res, url) ?? false));
    handled
      .then((done) => {
        if (!done) reply(404, { message: 'Not Found' });
      })
      .catch((error: unknown) => {
        o.log(`request ${req.method} ${url.pathname} failed: ${(error as Error).stack ?? String(error)}`);
        if (!res.headersSent) reply(500, { message: 'local cloud error' });
        else res.destroy();
      });
  });
  await step(`API on ${apiBase}`, () => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.ports.api, o.host, () => resolve());
  }));
  stoppers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const apiPort = (server.address() as AddressInfo).port;
  const api = `http://${o.host}:${apiPort}`;

  return {
    urls: {
      api,
      health: `${api}/local/health`,
      token: `${api}/local/token?role=agent`,
      mailbox: mailbox.url,
      smtp: `smtp://${o.host}:${smtp.port}`,
      dynamodb: dynamo.endpoint,
      s3: s3.endpoint,
      sfn: stepFunctions.endpoint,
      secretsManager: secretsManager.endpoint,
      events: eventBridge.endpoint,
      sqs: sqs.endpoint,
      web: `${api}/`,
      console: `${api}/console`,
    },
    clock,
    intakeAddresses: rules.flatMap((r) => r.recipients),
    settle,
    pauseStreams: () => {
      for (const m of mappings) m.pause();
    },
    resumeStreams: () => {
      for (const m of mappings) m.resume();
    },
    issueToken: (role) => issuer.issue({ role, sub: `local-${role}`, email: `${role}@trustdesk.local` }),
    nameOf: (prefix) => {
      const id = Object.keys(template.Resources).find((k) => k.startsWith(prefix));
      if (!id) throw new Error(`no resource whose logical id starts with ${prefix}`);
      return ctx.ref(id);
    },
    stop,
  };
}

/** What Ref and Fn::GetAtt give locally: table names and stream ARNs of DynamoDB Local, bucket names, machine ARNs. */
function localIntrinsics(template: CfnTemplate, tableById: Map<string, LocalTable>, stackName: string, sqsEndpoint: string): IntrinsicContext {
  const ctx: IntrinsicContext = {
    region: REGION,
    accountId: ACCOUNT,
    partition: 'aws',
    stackName,
    urlSuffix: 'amazonaws.com',
    ref: (id) => {
      const type = template.Resources[id]?.Type;
      if (type === 'AWS::S3::Bucket') return id.toLowerCase();
      if (type === 'AWS::StepFunctions::StateMachine') return stateMachineArn(ctx, machineName(id));
      // A topic's Ref is its ARN; an event bus's its name.
      if (type === 'AWS::SNS::Topic') return `arn:aws:sns:${REGION}:${ACCOUNT}:${id}`;
      // A secret's Ref is its ARN.
      if (type === 'AWS::SecretsManager::Secret') return secretArn(ARNS, id);
      if (type === 'AWS::Events::EventBus') return String(template.Resources[id]?.Properties?.Name ?? id);
      if (type === 'AWS::Scheduler::ScheduleGroup') return String(template.Resources[id]?.Properties?.Name ?? id);
      // A queue's Ref is its URL.
      if (type === 'AWS::SQS::Queue') return localQueueUrl(sqsEndpoint, ACCOUNT, id);
      return tableById.get(id)?.tableName ?? id;
    },
    getAtt: (id, attribute) => {
      if (attribute === 'StreamArn') {
        const arn = tableById.get(id)?.streamArn;
        if (!arn) throw new Error(`${id} has no stream`);
        return arn;
      }
      const type = template.Resources[id]?.Type ?? 'AWS::Unknown::Resource';
      if (type === 'AWS::StepFunctions::StateMachine') return stateMachineArn(ctx, machineName(id));
      // ARNs shaped as AWS shapes them, so the roles' policies (local/iam-roles.ts) name what the calls do.
      const name = ctx.ref(id);
      if (type === 'AWS::DynamoDB::Table') return tableArn(ARNS, name);
      if (type === 'AWS::S3::Bucket') return `arn:aws:s3:::${name}`;
      if (type === 'AWS::Lambda::Function') return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
      if (type === 'AWS::IAM::Role') return `arn:aws:iam::${ACCOUNT}:role/${name}`;
      if (type === 'AWS::KMS::Key') return `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;
      if (type === 'AWS::Logs::LogGroup') return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}:*`;
      if (type === 'AWS::SNS::Topic') return name;
      if (type === 'AWS::Events::EventBus') return `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${name}`;
      const service = type.split('::')[1]!.toLowerCase();
      return `arn:aws:${service}:${REGION}:${ACCOUNT}:${id}`;
    },
  };
  /** Machines are addressed by their StateMachineName when the template fixes one (as ours does). */
  const machineName = (id: string): string => {
    const name = template.Resources[id]?.Properties?.StateMachineName;
    return typeof name === 'string' ? name : id;
  };
  return ctx;
}
