import { AuthorizationType, CognitoUserPoolsAuthorizer, LambdaIntegration, MethodLoggingLevel, RestApi, type IResource } from 'aws-cdk-lib/aws-apigateway';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/**
 * The one REST API (v1: it supports WAF, usage throttling and Cognito authorizers). Capabilities add
 * their routes through `publicRoute` and `agentRoute` so the API's shape stays in one place.
 */
export class TrustdeskApi extends Construct {
  readonly restApi: RestApi;
  private readonly authorizer: CognitoUserPoolsAuthorizer;

  constructor(scope: Construct, id: string, props: { userPool: IUserPool }) {
    super(scope, id);
    this.restApi = new RestApi(this, 'Api', {
      description: 'trustdesk: public intake and the agent API',
      deployOptions: {
        stageName: 'v1',
        throttlingRateLimit: 200,
        throttlingBurstLimit: 400,
        tracingEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        metricsEnabled: true,
      },
      cloudWatchRole: false,
    });
    this.authorizer = new CognitoUserPoolsAuthorizer(this, 'AgentAuthorizer', {
      cognitoUserPools: [props.userPool],
      identitySource: 'method.request.header.Authorization',
    });
  }

  private resourceFor(path: string): IResource {
    return this.restApi.root.resourceForPath(path);
  }

  /** A route anyone may call (the public form). */
  publicRoute(method: string, path: string, fn: IFunction): void {
    this.resourceFor(path).addMethod(method, new LambdaIntegration(fn), { authorizationType: AuthorizationType.NONE });
  }

  /** A route for signed-in agents; the handler checks the role. */
  agentRoute(method: string, path: string, fn: IFunction): void {
    this.resourceFor(path).addMethod(method, new LambdaIntegration(fn), {
      authorizationType: AuthorizationType.COGNITO,
      authorizer: this.authorizer,
    });
  }
}
