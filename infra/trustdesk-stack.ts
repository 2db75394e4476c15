import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StackConfig } from './config.ts';
import { AgentApi } from './constructs/agent-api.ts';
import { Assignment } from './constructs/assignment.ts';
import { TrustdeskApi } from './constructs/api.ts';
import { DomainEvents } from './constructs/domain-events.ts';
import { Governance } from './constructs/governance.ts';
import { Identity } from './constructs/identity.ts';
import { Intake } from './constructs/intake.ts';
import { Lifecycle } from './constructs/lifecycle.ts';
import { MailFeedback } from './constructs/mail-feedback.ts';
import { Macros } from './constructs/macros.ts';
import { Outbox } from './constructs/outbox.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { Reporting } from './constructs/reporting.ts';
import { Ledger } from './constructs/ledger.ts';
import { LedgerImport } from './constructs/ledger-import.ts';
import { LedgerIngest } from './constructs/ledger-ingest.ts';
import { UserApi } from './constructs/user-api.ts';
import { Storage } from './constructs/storage.ts';
import { Tracing } from './constructs/tracing.ts';
import { Ratings } from './constructs/ratings.ts';
import { IntakeWaf } from './constructs/waf.ts';
import { Web } from './constructs/web.ts';

export const STACK_NAME = 'Trustdesk';

/** The whole system: stateful storage and identity, then one construct per capability. */
export class TrustdeskStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps & { config: StackConfig }) {
    super(scope, id, props);
    const { config } = props;
    new Tracing(this, 'Tracing');
    const storage = new Storage(this, 'Storage', { retain: config.retainData });
    const ledger = new Ledger(this, 'Ledger', { key: storage.key, retain: config.retainData });
    const ledgerIngest = new LedgerIngest(this, 'LedgerIngest', { ledger });
    const ledgerImport = new LedgerImport(this, 'LedgerImport', { ledger, accessLogs: storage.accessLogs, retain: config.retainData });
    const identity = new Identity(this, 'Identity', { retain: config.retainData });
    const api = new TrustdeskApi(this, 'Http', { userPool: identity.userPool });
    new IntakeWaf(this, 'Waf', { restApi: api.restApi, limit: config.intakeRateLimit });

    const mailFeedback = new MailFeedback(this, 'MailFeedback', { storage });
    const intake = new Intake(this, 'Intake', { storage, mailFeedback, api, config });
    const lifecycle = new Lifecycle(this, 'Lifecycle', { storage, mailFeedback, config });
    const domainEvents = new DomainEvents(this, 'DomainEvents', { retain: config.retainData });
    const outbox = new Outbox(this, 'Outbox', { storage, ledger, mailFeedback, lifecycle, domainEvents, config });
    new Ratings(this, 'Ratings', { storage, api, config }).allowSigning(outbox.consumer, config);
    new AgentApi(this, 'Agents', { storage, ledger, api });
    new UserApi(this, 'Users', { storage, ledger, api });
    const assignment = new Assignment(this, 'Assignment', { storage, api });
    new Macros(this, 'Macros', { storage, api });
    const governance = new Governance(this, 'Governance', { storage, api, ledger });
    const reporting = new Reporting(this, 'Reporting', { storage, mailFeedback, api, config });
    const web = new Web(this, 'Web', { api, identity });

    const monitoring = new Monitoring(this, 'Monitoring', {
      ...(config.alarmEmail && { alarmEmail: config.alarmEmail }),
      api: api.restApi,
      parkedQueues: { ParkedInboundMail: intake.parkedMail, ParkedOutbox: outbox.parked, ParkedStreamRecords: reporting.parked, ParkedMailFeedback: mailFeedback.parked, ParkedRetentionRuns: governance.parked, ParkedShiftStarts: assignment.parked, ParkedLedgerEvents: ledgerIngest.parked },
      streamConsumers: { Outbox: outbox.consumer, Aggregator: reporting.aggregator },
      workflows: { CaseLifecycle: lifecycle.caseLifecycle, Escalation: lifecycle.escalation, Consult: lifecycle.consult, CaseTimer: lifecycle.caseTimer },
      asyncFunctions: {
        EmailIntake: { fn: intake.emailIntake, lost: 'an inbound email did not become a case (its raw message is still in the mail bucket)' },
        Report: { fn: reporting.report, lost: 'a scheduled report did not reach every subscriber' },
        ShiftStart: { fn: assignment.shiftStart, lost: "a shift start's assignment run did not finish (the waiting cases stay in the pool for the next run or a lead)" },
        Retention: { fn: governance.retention, lost: 'a daily retention run did not finish (the next run erases what it left)' },
        LedgerIngest: { fn: ledgerIngest.ingest, lost: 'a transaction event of the payment systems did not reach the ledger (it is parked in ParkedLedgerEvents)' },
        LedgerImport: { fn: ledgerImport.importer, lost: 'a file dropped under imports/ was not imported (no report under reports/; drop it again)' },
        MailFeedback: { fn: mailFeedback.handler, lost: 'an SES bounce or complaint notification was not applied to its case (it is parked)' },
      },
    });

    new CfnOutput(this, 'ApiUrl', { value: api.restApi.url });
    new CfnOutput(this, 'SiteUrl', { value: web.url, description: 'The public form; the agent console is at /console' });
    new CfnOutput(this, 'UserPoolId', { value: identity.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: identity.client.userPoolClientId });
    new CfnOutput(this, 'IntakeAddress', { value: config.intakeAddress });
    new CfnOutput(this, 'ReceiptRuleSetName', { value: intake.receiptRuleSet.receiptRuleSetName, description: 'Activate once: aws ses set-active-receipt-rule-set --rule-set-name <this>' });
    new CfnOutput(this, 'ProfilesTableName', { value: storage.profilesTable.tableName });
    new CfnOutput(this, 'LedgerTableName', { value: ledger.table.tableName });
    new CfnOutput(this, 'LedgerBusName', { value: ledgerIngest.bus.eventBusName, description: 'The payment systems PutEvents their transaction events here (source platform.payments)' });
    new CfnOutput(this, 'LedgerImportsBucketName', { value: ledgerImport.bucket.bucketName, description: 'Drop CSV or JSONL transaction files under imports/ (npm run ledger:load -- <file> --bucket <this>); reports appear under reports/' });
    new CfnOutput(this, 'AlarmTopicArn', { value: monitoring.topic.topicArn, description: 'Every alarm notifies this topic; subscribe on-call (or set -c alarmEmail=…)' });
    new CfnOutput(this, 'MailFeedbackTopicArn', { value: mailFeedback.topic.topicArn, description: "SES bounces and complaints of the configuration set every email is sent with" });
    new CfnOutput(this, 'DomainEventsBusName', { value: domainEvents.bus.eventBusName, description: 'The case domain events (source trustdesk.cases): subscribe with a rule on this bus' });
    new CfnOutput(this, 'DashboardName', { value: monitoring.dashboard.dashboardName });
  }
}
