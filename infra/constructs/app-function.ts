import { execFileSync } from 'node:child_process';
import { AssetHashType, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type CfnFunction, Code, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IConfigurationSet } from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FUNCTION_ENV, RUNTIME_ENV, type EnvName, type FunctionName } from '#lib/environment.ts';
import { BUNDLER } from '../function-bundle.ts';
import { acknowledge, arnToken } from '../nag.ts';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The Lambda code of one handler: its bundle, built by infra/function-bundle.ts in a child process when the
 * stack synthesizes (an asset whose hash is its output's, as NodejsFunction's own).
 */
function functionCode(handlerDir: string): Code {
  const entry = path.join('functions', handlerDir, 'handler.ts');
  return Code.fromAsset(projectRoot, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never used: local bundling always runs (esbuild is a dependency) and fails the synth if it fails.
      image: Runtime.NODEJS_22_X.bundlingImage,
      // Part of the asset's cache key: one bundle per entry.
      command: ['function-bundle', entry],
      local: {
        tryBundle(outputDir) {
          execFileSync(process.execPath, ['--import', 'tsx', BUNDLER, entry, outputDir], { cwd: projectRoot, stdio: 'inherit' });
          return true;
        },
      },
    },
  });
}

export interface AppFunctionProps<F extends FunctionName> extends Omit<NodejsFunctionProps, 'entry' | 'code' | 'handler' | 'bundling' | 'runtime' | 'architecture' | 'environment'> {
  /** Folder under functions/ holding handler.ts; its declared variables are FUNCTION_ENV[handlerDir]. */
  readonly handlerDir: F;
  /** Variables given as values; the rest come from useTable/useBucket. */
  readonly environment?: Partial<Record<EnvName<F>, string>>;
}

/**
 * Every trustdesk Lambda: Node 22 on arm64, X-Ray tracing in pass-through mode (it joins a trace its
 * caller sampled: infra/constructs/tracing.ts), JSON logs kept 30 days, one minified ESM
 * bundle per function (the same bundle the local cloud imports from cdk.out), built by
 * infra/function-bundle.ts rather than NodejsFunction's CLI bundling. Its environment is the
 * contract in functions/lib/environment.ts: only declared names type-check, and synth fails unless the
 * function ends up with exactly its declared set (plus RUNTIME_ENV).
 */
export class AppFunction<F extends FunctionName = FunctionName> extends NodejsFunction {
  /** Its folder under functions/, which names its environment contract. */
  readonly handlerDir: F;

  constructor(scope: Construct, id: string, props: AppFunctionProps<F>) {
    const { handlerDir, environment, ...rest } = props;
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Our own execution role instead of AWSLambdaBasicExecutionRole (logs:* on every log group):
    // it may write to this function's log group and nothing else.
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    super(scope, id, {
      role,
      code: functionCode(handlerDir),
      handler: 'index.handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.seconds(10),
      tracing: Tracing.PASS_THROUGH,
      loggingFormat: LoggingFormat.JSON,
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'trustdesk',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...environment,
      },
      ...rest,
    });
    this.handlerDir = handlerDir;
    this.node.addValidation({ validate: () => this.environmentMismatch() });
    acknowledge(this, 'AwsSolutions-L1', 'Node.js 22 is the runtime the project targets (bundles built for node22, engines, local cloud); moving to a newer runtime is a deliberate upgrade, not a per-function default.');
    acknowledge(role, 'AwsSolutions-IAM5[Resource::*]', 'xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) and, on a stream consumer, dynamodb:ListStreams (which its event source mapping calls to find the stream) support no resource-level permissions; nothing else is granted on *.');
  }

  /** What differs between the variables this function is given and those declared for it (none: valid). */
  private environmentMismatch(): string[] {
    const { handlerDir } = this;
    const cfn = this.node.defaultChild as CfnFunction;
    const given = Object.keys((Stack.of(this).resolve(cfn.environment) as { variables?: Record<string, unknown> } | undefined)?.variables ?? {});
    const declared: readonly string[] = [...FUNCTION_ENV[handlerDir], ...RUNTIME_ENV];
    const extra = given.filter((name) => !declared.includes(name));
    const missing = declared.filter((name) => !given.includes(name));
    return [
      ...(extra.length > 0 ? [`${handlerDir} is given variables its handler does not declare: ${extra.join(', ')}`] : []),
      ...(missing.length > 0 ? [`${handlerDir} declares variables it is not given: ${missing.join(', ')}`] : []),
    ];
  }

  /**
   * Permission to send email through SES (ses:SendEmail, ses:SendRawEmail) with the configuration set every
   * send names, given in CONFIGURATION_SET (so its bounces and complaints reach trustdesk).
   */
  allowSendEmail(configurationSet: IConfigurationSet): this {
    // SES authorizes a send against identities of this account: the sender's and, in the sandbox, each
    // recipient's (verified identities too), which are not known at deploy time; and against the
    // configuration set it names. Nothing outside them.
    const stack = Stack.of(this);
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [stack.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' }), stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: configurationSet.configurationSetName })],
      }),
    );
    acknowledge(
      this.role!,
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
      "SES checks sending against this account's identities: the sender identity and, in the SES sandbox, every recipient identity, which are not known at deploy time; the action set is send-only.",
    );
    this.addEnvironment('CONFIGURATION_SET', configurationSet.configurationSetName);
    return this;
  }

  /** Read/write access to a table, with its name in the given environment variable. */
  useTable(table: ITable, envName: EnvName<F>, access: 'read' | 'readWrite' = 'readWrite'): this {
    if (access === 'read') table.grantReadData(this);
    else table.grantReadWriteData(this);
    const role = this.role!;
    acknowledge(role, `AwsSolutions-IAM5[Resource::${arnToken(table)}/index/*]`, "CDK's table grant covers the table's own GSIs as <table>/index/*; it cannot reach another table, and the functions query those indexes.");
    if (table.encryptionKey) {
      const why = "CDK's grant on the table's customer-managed key: DynamoDB calls GenerateDataKey/ReEncrypt variants on that one key only (the resource is the key's ARN).";
      acknowledge(role, 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', why);
      acknowledge(role, 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', why);
    }
    this.addEnvironment(envName, table.tableName);
    return this;
  }

  /** Permission to put events on one event bus (events:PutEvents on its ARN), with its name in the given variable. */
  useEventBus(bus: IEventBus, envName: EnvName<F>): this {
    bus.grantPutEventsTo(this);
    this.addEnvironment(envName, bus.eventBusName);
    return this;
  }

  /**
   * s3:GetObject on the bucket's keys under `prefix` and nothing else, with the bucket's name in the given
   * variable: what a function needs to sign presigned download links to those objects (S3 authorizes a
   * presigned GET as the signer's request when it is used).
   */
  readObjectsUnder(bucket: IBucket, prefix: string, envName: EnvName<F>): this {
    this.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${prefix}*`)] }));
    acknowledge(
      this.role!,
      `AwsSolutions-IAM5[Resource::${arnToken(bucket)}/${prefix}*]`,
      `s3:GetObject alone, on the objects under ${prefix} of this one bucket, whose keys (per message and file) are not known at deploy time.`,
    );
    this.addEnvironment(envName, bucket.bucketName);
    return this;
  }

  /** Access to a bucket, with its name in the given environment variable. */
  useBucket(bucket: IBucket, envName: EnvName<F>, access: 'read' | 'readWrite' = 'readWrite'): this {
    if (access === 'read') bucket.grantRead(this);
    else bucket.grantReadWrite(this);
    const role = this.role!;
    const why = "CDK's bucket grant: object actions (s3:GetObject*, s3:DeleteObject*, s3:Abort*, s3:List*, s3:GetBucket*) on this one bucket and its objects (<bucket>/*), where inbound mail keys are not known in advance.";
    acknowledge(role, `AwsSolutions-IAM5[Resource::${arnToken(bucket)}/*]`, why);
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', ...(access === 'read' ? [] : ['s3:DeleteObject*', 's3:Abort*'])]) {
      acknowledge(role, `AwsSolutions-IAM5[Action::${action}]`, why);
    }
    this.addEnvironment(envName, bucket.bucketName);
    return this;
  }
}
