import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  CognitoUserPoolsAuthorizer,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  type RequestValidator,
  RestApi,
  type IResource,
} from 'aws-cdk-lib/aws-apigateway';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.ts';

/** Response types API Gateway hands over as bytes rather than text. */
export const BINARY_MEDIA_TYPES = ['application/zip'] as const;

/**
 * The one REST API (v1: it supports WAF, usage throttling and Cognito authorizers). Capabilities add
 * their routes through `publicRoute` and `agentRoute` so the API's shape stays in one place.
 */
export class TrustdeskApi extends Construct {
  readonly restApi: RestApi;
  private readonly authorizer: CognitoUserPoolsAuthorizer;
  private readonly validator: RequestValidator;

  constructor(scope: Construct, id: string, props: { userPool: IUserPool }) {
    super(scope, id);
    // One line per request, kept 30 days; no caller IP or identity (personal data stays out of logs).
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    this.restApi = new RestApi(this, 'Api', {
      // API Gateway's metrics are keyed by this name alone: unique per stack, so the alarms see only this API.
      restApiName: `${Stack.of(this).stackName}-api`,
      description: 'trustdesk: public intake and the agent API',
      deployOptions: {
        stageName: 'v1',
        throttlingRateLimit: 200,
        throttlingBurstLimit: 400,
        tracingEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        metricsEnabled: true,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: false,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: false,
        }),
      },
      cloudWatchRole: false,
      // Evidence exports are zips: a function's base64 body (isBase64Encoded) reaches the client as bytes when
      // the request's first Accept type is one of these (API Gateway's rule for Lambda proxy integrations).
      binaryMediaTypes: [...BINARY_MEDIA_TYPES],
    });
    this.authorizer = new CognitoUserPoolsAuthorizer(this, 'AgentAuthorizer', {
      cognitoUserPools: [props.userPool],
      identitySource: 'method.request.header.Authorization',
    });
    // Basic validation on every method (declared parameters, body against a model when one is set).
    // The proxy integrations have no models, so the handlers still validate bodies in depth.
    this.validator = this.restApi.addRequestValidator('Validator', { validateRequestBody: true, validateRequestParameters: true });
  }

  private resourceFor(path: string): IResource {
    return this.restApi.root.resourceForPath(path);
  }

  /** A route anyone may call (the public form). */
  publicRoute(method: string, path: string, fn: IFunction): void {
    const m = this.resourceFor(path).addMethod(method, new LambdaIntegration(fn), { authorizationType: AuthorizationType.NONE, requestValidator: this.validator });
    const why = 'A public route (the inquiry form is for anyone, signed in or not); the WAF rate-limits it per client, the handler validates and deduplicates.';
    acknowledge(m, 'AwsSolutions-APIG4', why);
    acknowledge(m, 'AwsSolutions-COG4', why);
  }

  /** A route for signed-in agents; the handler checks the role. */
  agentRoute(method: string, path: string, fn: IFunction): void {
    this.resourceFor(path).addMethod(method, new LambdaIntegration(fn), {
      authorizationType: AuthorizationType.COGNITO,
      authorizer: this.authorizer,
      requestValidator: this.validator,
    });
  }
}
