import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccountRecovery, CfnUserPoolGroup, Mfa, UserPool, type UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.ts';

/** The agents' roles, and `internal`: other teams' people, who open escalations and answer consults (functions/cases-api checks what each may do). */
export const USER_POOL_GROUPS = ['agent', 'lead', 'risk', 'internal'] as const;

/** ID and access tokens: an hour; the console refreshes them silently with the refresh token. */
export const TOKEN_VALIDITY = Duration.hours(1);
/** A shift and a half: past it (or once revoked at sign-out) the console signs the agent out. */
export const REFRESH_TOKEN_VALIDITY = Duration.hours(12);

/**
 * Who may act on cases: a user pool whose groups are the roles (the `cognito:groups` claim). Every
 * agent signs in with a password and a TOTP code (MFA required, authenticator apps only: SMS codes can be
 * taken over with the phone number); the console enrols the authenticator at the first sign-in.
 */
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
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { sms: false, otp: true },
    });
    acknowledge(this.userPool, 'AwsSolutions-COG8', 'Plus tier (threat protection) is a paid plan; with no self sign-up and a handful of admin-created agent accounts its adaptive auth adds little here.');
    this.client = this.userPool.addClient('Console', {
      // The console signs in with USER_PASSWORD_AUTH then SOFTWARE_TOKEN_MFA (over TLS, straight to
      // Cognito): no SDK in the page. REFRESH_TOKEN_AUTH is always allowed; sign-out revokes the token.
      authFlows: { userSrp: true, userPassword: true },
      idTokenValidity: TOKEN_VALIDITY,
      accessTokenValidity: TOKEN_VALIDITY,
      refreshTokenValidity: REFRESH_TOKEN_VALIDITY,
      enableTokenRevocation: true,
      preventUserExistenceErrors: true,
    });
    for (const role of USER_POOL_GROUPS) {
      new CfnUserPoolGroup(this, `Group-${role}`, { userPoolId: this.userPool.userPoolId, groupName: role });
    }
  }
}
