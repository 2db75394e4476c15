import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { ConfigurationSet, EmailSendingEvent, EventDestination } from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AppFunction } from './app-function.ts';
import { parkedRecordsQueue } from './parked-records.ts';
import type { Storage } from './storage.ts';

/**
 * What SES says about the mail trustdesk sends. On AWS a bounce goes to SES's own return path, never to the
 * intake address, so the delivery-report path of inbound mail does not see it: every send names this
 * configuration set (AppFunction.allowSendEmail), whose event destination publishes Bounce and Complaint
 * events to an encrypted, TLS-only SNS topic, and the mail-feedback function subscribed to it marks the
 * email's case and suppresses the address. SNS invokes the function asynchronously: an event that fails
 * Lambda's retries is parked, never dropped.
 */
export class MailFeedback extends Construct {
  readonly configurationSet: ConfigurationSet;
  readonly topic: Topic;
  readonly handler: AppFunction;
  /** Notifications the function failed on after every retry. */
  readonly parked: Queue;

  constructor(scope: Construct, id: string, props: { storage: Storage }) {
    super(scope, id);
    const stack = Stack.of(this);
    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet');
    const configurationSetArn = stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: this.configurationSet.configurationSetName });

    // SES publishes encrypted only with a key whose policy lets it: the AWS-managed SNS key does not.
    const key = new Key(this, 'TopicKey', {
      description: 'trustdesk SES bounce and complaint notifications (SNS encryption at rest)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'SesPublishesEncrypted',
        principals: [new ServicePrincipal('ses.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: { 'aws:SourceArn': configurationSetArn } },
      }),
    );
    this.topic = new Topic(this, 'Topic', { displayName: 'trustdesk SES bounces and complaints', masterKey: key, enforceSSL: true });
    // Adds the topic policy letting this configuration set (only) publish.
    this.configurationSet.addEventDestination('ToTopic', {
      destination: EventDestination.snsTopic(this.topic),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });

    this.parked = parkedRecordsQueue(this, 'ParkedMailFeedback', "the mail-feedback function's asynchronous invocations (SNS)");
    this.handler = new AppFunction(this, 'Function', {
      handlerDir: 'mail-feedback',
      description: 'SES bounce and complaint notifications (SNS): mark the email on its case, suppress the address',
      onFailure: new SqsDestination(this.parked),
    }).useTable(props.storage.casesTable, 'CASES_TABLE');
    this.topic.addSubscription(new LambdaSubscription(this.handler));
  }
}
