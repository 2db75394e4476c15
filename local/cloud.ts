// The local cloud: the synthesized template (cdk.out) run on real emulators in one process tree.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { randomUUID } from 'node:crypto';
import { mkdirSync, appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { policies } from '#lib/policies.ts';
import { freePort } from './free-port.ts';
import { createAsyncInvoker } from './async-invoker.ts';
import { installVirtualClock, type VirtualClock } from './clock.ts';
import { rearmOpenCases } from './rearm.ts';
import { startScheduler } from './scheduler.ts';
import { startLocalStepFunctions, stateMachineArn } from './stepfunctions.ts';
import { handleApiRequest, routesFromTemplate } from './api-gateway.ts';
import { createTablesFromTemplate, startDurableWriteProxy, startDynamoDbLocal } from './dynamodb-local.ts';
import { LocalFaults, startSesFaultProxy } from './faults.ts';
import { createLocalIssuer, DEFAULT_EXPIRES_IN_SECONDS, ROLES, type Role } from './jwt-issuer.ts';
import { captureFunctionLogs, loadFunctions, type FunctionLogCaptureOptions } from './lambda-runtime.ts';
import { expirationRules, startS3Lifecycle } from './s3-lifecycle.ts';
import { startS3Server } from './s3-server.ts';
import { newSesMessageId, receiptRulesFromTemplate, sesReceiptEvent } from './ses-receipt.ts';
import { startSesMailbox } from './ses-mailbox.ts';
import { startSmtpIntake } from './smtp-intake.ts';
import { staticSiteFromTemplate } from './static-site.ts';
import { createLocalWaf } from './waf.ts';
import { fileCheckpointStore, memoryCheckpointStore, readParkedBatch, startStreamMapping, type ParkedBatch, type StreamMapping } from './stream-poller.ts';
import { loadTemplate, resourcesOfType, type IntrinsicContext } from './template.ts';

export interface LocalCloudOptions {
  host: string;
  ports: { api: number; smtp: number; ses: number; dynamodb: number; s3: number; sfn: number };
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
  /** Keep the functions' log lines in memory, served at GET /local/logs (tests look for leaks in them). */
  captureFunctionLogs?: FunctionLogCaptureOptions;
}

export interface LocalCloud {
  urls: { api: string; health: string; token: string; mailbox: string; smtp: string; dynamodb: string; s3: string; sfn: string; web: string; console: string };
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
  const javaPort = o.inMemory ? o.ports.dynamodb : await freePort(o.host);
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
  const durable = o.inMemory ? undefined : await startDurableWriteProxy({ upstream: java.endpoint, port: o.ports.dynamodb, host: o.host, log: o.log });
  if (durable) stoppers.push(() => durable.stop());
  const dynamo = { endpoint: durable?.endpoint ?? java.endpoint };
  const s3 = await step(`S3 on ${o.host}:${o.ports.s3}`, () => startS3Server({ port: o.ports.s3, host: o.host, dataDir: dataPath('s3') }));
  stoppers.push(() => s3.stop());
  const mailbox = await step(`SES mailbox on ${o.host}:${o.ports.ses}`, () =>
    startSesMailbox({ port: o.ports.ses, host: o.host, ...(!o.inMemory && { journal: path.join(o.dataDir, 'ses-mailbox.jsonl') }) }),
  );
  stoppers.push(() => mailbox.stop());
  // The functions reach SES through a proxy that can throttle them (/local/faults); tests read the mailbox itself.
  const faults = new LocalFaults();
  const sesProxy = await startSesFaultProxy({ host: o.host, target: mailbox.url, faults, log: o.log });
  stoppers.push(() => sesProxy.stop());

  // Every SDK client the functions create talks to the emulators; nothing in functions/ knows.
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamo.endpoint,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ENDPOINT_URL_SES: sesProxy.url,
    AWS_ENDPOINT_URL_SFN: `http://${o.host}:${o.ports.sfn}`,
  });
  delete process.env.AWS_PROFILE;
  const clientConfig = { region: REGION, endpoint: dynamo.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

  const template = loadTemplate(o.cdkOutDir, o.stackName);
  const tables = await step('tables from the template', () =>
    createTablesFromTemplate(new DynamoDBClient(clientConfig), template, (id) => id),
  );
  const tableById = new Map(tables.map((t) => [t.logicalId, t]));
  const ctx: IntrinsicContext = {
    region: REGION,
    accountId: ACCOUNT,
    partition: 'aws',
    stackName: o.stackName,
    urlSuffix: 'amazonaws.com',
    ref: (id) => {
      const type = template.Resources[id]?.Type;
      if (type === 'AWS::S3::Bucket') return id.toLowerCase();
      if (type === 'AWS::StepFunctions::StateMachine') return stateMachineArn(ctx, machineName(id));
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
      const service = type.split('::')[1]!.toLowerCase();
      return `arn:aws:${service}:${REGION}:${ACCOUNT}:${id}`;
    },
  };
  /** Machines are addressed by their StateMachineName when the template fixes one (as ours does). */
  const machineName = (id: string): string => {
    const name = template.Resources[id]?.Properties?.StateMachineName;
    return typeof name === 'string' ? name : id;
  };

  const functionLogs = o.captureFunctionLogs ? captureFunctionLogs(o.captureFunctionLogs) : undefined;
  if (functionLogs) stoppers.push(async () => functionLogs.stop());
  const functions = await step('functions from cdk.out', () => loadFunctions(template, o.cdkOutDir, ctx, o.functionLogLevel ? { POWERTOOLS_LOG_LEVEL: o.functionLogLevel } : {}));
  const stepFunctions = await step(`Step Functions on ${o.host}:${o.ports.sfn}`, () =>
    startLocalStepFunctions({
      host: o.host,
      port: o.ports.sfn,
      template,
      ctx,
      clock,
      log: o.log,
      resolveFunction: (arnOrName) => functions.get(arnOrName.split(':').at(-1) ?? arnOrName),
    }),
  );
  stoppers.push(() => stepFunctions.stop());
  const machineArnByName = (suffix: string) => {
    const id = resourcesOfType(template, 'AWS::StepFunctions::StateMachine').find(([, r]) => String(r.Properties?.StateMachineName ?? '').endsWith(suffix))?.[0];
    if (!id) throw new Error(`no state machine named *${suffix} in the template`);
    return stateMachineArn(ctx, machineName(id));
  };
  if (!o.inMemory) {
    const casesTable = tables.find((t) => t.logicalId.startsWith('StorageCases'));
    if (casesTable) {
      const machines = { lifecycle: machineArnByName('case-lifecycle'), escalation: machineArnByName('escalation') };
      const rearmed = await rearmOpenCases(new DynamoDBClient(clientConfig), casesTable.tableName, policies.sla, {
        start: async (machine, name, input) => {
          await stepFunctions.startExecution(machines[machine], name, input).catch((e: unknown) => o.log(`re-arm ${name}: ${(e as Error).message}`));
        },
      }, o.log);
      o.log(`✓ re-armed ${rearmed.lifecycles} open case workflow(s) and ${rearmed.escalations} escalation(s)${rearmed.skipped ? `; ${rearmed.skipped} unreadable case(s) skipped` : ''}`);
    }
  }
  const asyncInvoker = createAsyncInvoker({ log: o.log, ...(o.asyncRetryDelaysMs && { retryDelaysMs: o.asyncRetryDelaysMs }) });

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
  const mappings: StreamMapping[] = [];
  const parkedFile = dataPath('parked-stream-records.jsonl');
  const parked: (ParkedBatch & { id: string; mapping: string; functionId: string; at: string })[] = [];
  for (const [id, resource] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
    const p = resource.Properties ?? {};
    const source = p.EventSourceArn as { 'Fn::GetAtt'?: [string, string] };
    const tableId = source['Fn::GetAtt']?.[0];
    const streamArn = tableId ? tableById.get(tableId)?.streamArn : undefined;
    if (!streamArn) continue; // not a DynamoDB stream of this stack
    const functionId = String((p.FunctionName as { Ref?: string }).Ref ?? p.FunctionName);
    const fn = functions.get(functionId);
    if (!fn) throw new Error(`${id}: unknown function ${functionId}`);
    mappings.push(
      startStreamMapping({
        streams,
        streamArn,
        functionName: functionId,
        batchSize: Number(p.BatchSize ?? 100),
        startingPosition: p.StartingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON',
        reportBatchItemFailures: Array.isArray(p.FunctionResponseTypes) && p.FunctionResponseTypes.includes('ReportBatchItemFailures'),
        maximumRetryAttempts: Number(p.MaximumRetryAttempts ?? -1),
        bisectBatchOnFunctionError: p.BisectBatchOnFunctionError === true,
        checkpoints: o.inMemory ? memoryCheckpointStore() : fileCheckpointStore(path.join(o.dataDir, `checkpoints-${id}.json`)),
        invoke: (event) => fn.invoke(event),
        onFailure: async (failure) => {
          const entry = { id: randomUUID(), mapping: id, functionId, at: new Date().toISOString(), ...failure };
          parked.push(entry);
          if (parkedFile) appendFileSync(parkedFile, `${JSON.stringify(entry)}\n`);
          o.log(`${functionId}: parked ${failure.records.length} stream record(s): ${failure.error}`);
        },
        faultAfterSuccess: () => faults.streamFaultFor(functionId),
        log: o.log,
      }),
    );
  }
  stoppers.push(async () => {
    await Promise.all(mappings.map((m) => m.stop()));
  });
  o.log(`✓ ${mappings.length} stream mapping(s)`);

  // Inbound mail: SMTP → the receipt rule's S3 action → its Lambda action.
  const rules = receiptRulesFromTemplate(template, ctx);
  const smtp = await step(`SMTP intake on ${o.host}:${o.ports.smtp}`, () =>
    startSmtpIntake({
      port: o.ports.smtp,
      host: o.host,
      recipients: rules.flatMap((r) => r.recipients),
      maxBytes: 40 * 1024 * 1024, // SES's limit for received mail
      log: o.log,
      onMessage: async (raw, envelope) => {
        const recipients = envelope.rcptTo.map((r) => r.toLowerCase());
        for (const rule of rules.filter((r) => r.recipients.some((x) => recipients.includes(x)))) {
          const messageId = newSesMessageId();
          if (rule.s3) await s3.put(rule.s3.bucket, `${rule.s3.prefix}${messageId}`, raw, 'message/rfc822');
          if (!rule.lambda) continue;
          const fn = functions.get(rule.lambda.functionId);
          if (!fn) throw new Error(`receipt rule ${rule.name}: unknown function ${rule.lambda.functionId}`);
          const event = sesReceiptEvent({ messageId, mailFrom: envelope.mailFrom, recipients, raw, rule, now: new Date() });
          if (rule.lambda.invocationType === 'Event') asyncInvoker.invoke(fn, event);
          else await fn.invoke(event);
        }
      },
    }),
  );
  stoppers.push(() => smtp.stop());

  const routes = routesFromTemplate(template);
  // The web ACL on the API stage: its rate rules on the local clock, before the API adapter.
  const waf = createLocalWaf({ template, now: () => clock.now(), loopbackLimitScale: o.rateLimitScale ?? 1, log: o.log });
  o.log(`✓ WAF: ${waf.rules.map((r) => `${r.name} (${r.limit} per ${r.windowMs / 1000} s per client)`).join(', ') || 'no rate rules'}`);
  // The pages CloudFront serves on AWS; the console signs in with dev tokens here.
  const site = staticSiteFromTemplate({ template, cdkOutDir: o.cdkOutDir, ctx, localFiles: { 'config.json': { auth: 'local' } } });
  if (site) o.log(`✓ web pages: ${site.keys().length} file(s) from the template's bucket deployment`);
  // Work done so far, across every part; settled when a full round of waiting adds none.
  const progress = () =>
    mappings.reduce((n, m) => n + m.stats().delivered, 0) +
    stepFunctions.executions().reduce((n, e) => n + stepFunctions.transitions(e.executionArn), 0);
  const settle = async () => {
    await s3Lifecycle.sweep();
    for (let round = 0; round < 100; round++) {
      const before = progress();
      await asyncInvoker.whenIdle();
      await Promise.all(mappings.map((m) => m.whenIdle()));
      await stepFunctions.whenIdle();
      if (progress() === before) return;
    }
  };

  const localRoutes: Record<string, (req: IncomingMessage, url: URL) => Promise<[number, unknown]>> = {
    'GET /local/health': async () => [200, { status: 'ok', functions: functions.size, routes: routes.length, streamMappings: mappings.length }],
    'GET /local/token': async (_req, url) => {
      const role = url.searchParams.get('role') ?? 'agent';
      if (!ROLES.includes(role as Role)) return [400, { error: 'validation_failed', fields: [{ field: 'role', message: `must be one of ${ROLES.join(', ')}` }] }];
      // Optional lifetime in whole seconds; ≤ 0 gives an already expired token (for testing 401s).
      const rawExpiry = url.searchParams.get('expiresInSeconds');
      const expiresIn = rawExpiry === null ? DEFAULT_EXPIRES_IN_SECONDS : /^-?\d{1,9}$/.test(rawExpiry) ? Number(rawExpiry) : NaN;
      if (!Number.isSafeInteger(expiresIn)) return [400, { error: 'validation_failed', fields: [{ field: 'expiresInSeconds', message: 'must be an integer number of seconds (≤ 0 for an expired token)' }] }];
      const token = await issuer.issue({ role: role as Role, sub: `local-${role}`, email: `${role}@trustdesk.local`, expiresInSeconds: expiresIn });
      return [200, { token, tokenType: 'Bearer', role, expiresIn }];
    },
    'GET /local/issuer/.well-known/jwks.json': async () => [200, issuer.jwks()],
    'POST /local/settle': async () => {
      await settle();
      return [200, { settled: true }];
    },
    'GET /local/parked': async () => [200, { parked, asyncFailures: asyncInvoker.failures() }],
    // A redrive: the parked range read again from the stream, handed to its function, then forgotten.
    'POST /local/parked/replay': async (req) => {
      const body = await readJson(req);
      const entry = parked.find((p) => p.id === body.id);
      if (!entry) return [404, { error: 'not_found', message: 'no parked batch with that id', field: 'id' }];
      try {
        const records = await readParkedBatch(streams, entry.batchInfo, REGION);
        const result = await functions.get(entry.functionId)!.invoke({ Records: records });
        parked.splice(parked.indexOf(entry), 1);
        return [200, { replayed: entry.id, records: records.length, result: result ?? null }];
      } catch (error) {
        return [409, { error: 'replay_failed', functionError: (error as Error).name, message: (error as Error).message }];
      }
    },
    'GET /local/faults': async () => [200, faults.describe()],
    'PUT /local/faults': async (req) => {
      const problems = faults.configure(await readJson(req));
      return problems.length > 0 ? [400, { error: 'validation_failed', fields: problems }] : [200, faults.describe()];
    },
    'DELETE /local/faults': async () => {
      faults.clear();
      return [200, faults.describe()];
    },
    'GET /local/logs': async (_req, url) => {
      if (!functionLogs) return [404, { error: 'not_found', message: 'function logs are not captured (captureFunctionLogs)' }];
      const since = Number(url.searchParams.get('since') ?? 0);
      return [200, { lines: functionLogs.lines(Number.isFinite(since) ? since : 0), dropped: functionLogs.dropped() }];
    },
    'GET /local/schedules': async () => [200, { schedules: scheduler.schedules() }],
    'GET /local/clock': async () => [200, { now: new Date(clock.now()).toISOString(), timeScale: clock.timeScale }],
    'POST /local/clock': async (req) => {
      const body = await readJson(req);
      const to = typeof body.to === 'string' ? Date.parse(body.to) : NaN;
      const advance = typeof body.advanceSeconds === 'number' ? body.advanceSeconds * 1000 : NaN;
      if (Number.isNaN(to) && !(advance >= 0)) {
        return [400, { error: 'validation_failed', fields: [{ field: 'to', message: 'give "to" (ISO instant) or "advanceSeconds" (number ≥ 0)' }] }];
      }
      if (!Number.isNaN(to) && to < clock.now()) return [409, { error: 'conflict', message: 'the clock only moves forward' }];
      if (Number.isNaN(to)) clock.advance(advance);
      else clock.set(to);
      return [200, { now: new Date(clock.now()).toISOString() }];
    },
    'GET /local/executions': async () => [
      200,
      {
        executions: stepFunctions.executions().map((e) => ({
          name: e.name,
          stateMachine: e.stateMachineArn.split(':').at(-1),
          status: e.status,
          transitions: stepFunctions.transitions(e.executionArn),
          startDate: e.startDate,
          ...(e.stopDate && { stopDate: e.stopDate }),
          ...(e.error && { error: e.error, cause: e.cause }),
        })),
      },
    ],
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', apiBase);
    const runMatch = req.method === 'POST' ? /^\/local\/schedules\/([^/]+)\/run$/.exec(url.pathname) : null;
    const invokeMatch = req.method === 'POST' ? /^\/local\/functions\/([^/]+)\/invoke$/.exec(url.pathname) : null;
    const local = invokeMatch
      ? async (): Promise<[number, unknown]> => {
          // Like Lambda's Invoke API (RequestResponse): the function's result, or its error.
          const name = decodeURIComponent(invokeMatch[1]!);
          const fn = functions.get(name) ?? [...functions.values()].find((f) => f.logicalId.toLowerCase().includes(name.toLowerCase()));
          if (!fn) return [404, { error: 'not_found', message: `no function named ${name}` }];
          try {
            return [200, { result: (await fn.invoke(await readJson(req, 6 * 1024 * 1024))) ?? null }];
          } catch (error) {
            return [200, { functionError: (error as Error).name, message: (error as Error).message }];
          }
        }
      : runMatch
      ? async (): Promise<[number, unknown]> => {
          const name = decodeURIComponent(runMatch[1]!);
          if (!scheduler.runNow(name)) return [404, { error: 'not_found', message: `no schedule named ${name}`, schedules: scheduler.schedules().map((x) => x.name) }];
          await settle();
          return [200, { ran: name }];
        }
      : localRoutes[`${req.method} ${url.pathname}`];
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

async function readJson(req: IncomingMessage, maxBytes = 64 * 1024): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return {};
    chunks.push(chunk as Buffer);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
