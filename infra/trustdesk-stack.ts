import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StackConfig } from './config.ts';
import { AgentApi } from './constructs/agent-api.ts';
import { TrustdeskApi } from './constructs/api.ts';
import { Identity } from './constructs/identity.ts';
import { Intake } from './constructs/intake.ts';
import { Lifecycle } from './constructs/lifecycle.ts';
import { Reporting } from './constructs/reporting.ts';
import { Storage } from './constructs/storage.ts';
import { IntakeWaf } from './constructs/waf.ts';
import { Web } from './constructs/web.ts';

export const STACK_NAME = 'Trustdesk';

/** The whole system: stateful storage and identity, then one construct per capability. */
export class TrustdeskStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps & { config: StackConfig }) {
    super(scope, id, props);
    const { config } = props;
    const storage = new Storage(this, 'Storage', { retain: config.retainData });
    const identity = new Identity(this, 'Identity', { retain: config.retainData });
    const api = new TrustdeskApi(this, 'Http', { userPool: identity.userPool });
    new IntakeWaf(this, 'Waf', { restApi: api.restApi, limit: config.intakeRateLimit });

    new Intake(this, 'Intake', { storage, api, config });
    new Lifecycle(this, 'Lifecycle', { storage, config });
    new AgentApi(this, 'Agents', { storage, api });
    new Reporting(this, 'Reporting', { storage, api, config });
    const web = new Web(this, 'Web', { api, identity });

    new CfnOutput(this, 'ApiUrl', { value: api.restApi.url });
    new CfnOutput(this, 'SiteUrl', { value: web.url, description: 'The public form; the agent console is at /console' });
    new CfnOutput(this, 'UserPoolId', { value: identity.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: identity.client.userPoolClientId });
    new CfnOutput(this, 'IntakeAddress', { value: config.intakeAddress });
    new CfnOutput(this, 'ProfilesTableName', { value: storage.profilesTable.tableName });
  }
}
