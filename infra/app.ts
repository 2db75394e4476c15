import { App } from 'aws-cdk-lib';
import { readConfig } from './config.ts';
import { STACK_NAME, TrustdeskStack } from './trustdesk-stack.ts';

const app = new App();
new TrustdeskStack(app, STACK_NAME, {
  config: readConfig(app),
  description: 'trustdesk: trust & risk case system',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
app.synth();
