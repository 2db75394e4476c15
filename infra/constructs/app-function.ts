import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface AppFunctionProps extends Omit<NodejsFunctionProps, 'entry' | 'runtime' | 'architecture'> {
  /** Folder under functions/ holding handler.ts. */
  readonly handlerDir: string;
}

/**
 * Every trustdesk Lambda: Node 22 on arm64, X-Ray tracing, JSON logs kept 30 days, one minified ESM
 * bundle per function (the same bundle the local cloud imports from cdk.out).
 */
export class AppFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    const { handlerDir, environment, bundling, ...rest } = props;
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      entry: path.join(projectRoot, 'functions', handlerDir, 'handler.ts'),
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      loggingFormat: LoggingFormat.JSON,
      logGroup,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      projectRoot,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'trustdesk',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        // Some CommonJS dependencies (mailparser's) call require(); give the ESM bundle one.
        banner: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
        externalModules: [],
        tsconfig: path.join(projectRoot, 'tsconfig.json'),
        ...bundling,
      },
      ...rest,
    });
  }

  /** Read/write access to a table, with its name in the given environment variable. */
  useTable(table: ITable, envName: string, access: 'read' | 'readWrite' = 'readWrite'): this {
    if (access === 'read') table.grantReadData(this);
    else table.grantReadWriteData(this);
    this.addEnvironment(envName, table.tableName);
    return this;
  }

  /** Access to a bucket, with its name in the given environment variable. */
  useBucket(bucket: IBucket, envName: string, access: 'read' | 'readWrite' = 'readWrite'): this {
    if (access === 'read') bucket.grantRead(this);
    else bucket.grantReadWrite(this);
    this.addEnvironment(envName, bucket.bucketName);
    return this;
  }
}
