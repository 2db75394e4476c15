import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccountRecovery, CfnUserPoolGroup, UserPool, type UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.ts';

/** The agents' roles, and `internal`: other teams' people, who open escalations and answer consults (functions/cases-api checks what each may do). */
export const USER_POOL_GROUPS = ['agent', 'lead', 'risk', 'internal'] as const;

/** Who may act on cases: a user pool whose groups are the roles (the `cognito:groups` claim): the agents' and `internal`. */
export class Identity extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;

  constructor(scope: Construct, id: string, props: { retain: boolean }) {
    super(scope, id);
    this.userPool = new UserPool(this, 'Agents', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      passwordPolicy: { minLength: 12, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledge(this.userPool, 'AwsSolutions-COG2', "MFA is not required yet: the console's sign-in does not handle MFA challenges, so requiring it would lock agents out; pool is admin-created users only with a 12-character password policy.");
    acknowledge(this.userPool, 'AwsSolutions-COG8', 'Plus tier (threat protection) is a paid plan; with no self sign-up and a handful of admin-created agent accounts its adaptive auth adds little here.');
    this.client = this.userPool.addClient('Console', {
      // The console signs in with USER_PASSWORD_AUTH (over TLS, straight to Cognito): no SDK in the page.
      authFlows: { userSrp: true, userPassword: true },
      idTokenValidity: Duration.hours(8),
      preventUserExistenceErrors: true,
    });
    for (const role of USER_POOL_GROUPS) {
      new CfnUserPoolGroup(this, `Group-${role}`, { userPoolId: this.userPool.userPoolId, groupName: role });
    }
  }
}
