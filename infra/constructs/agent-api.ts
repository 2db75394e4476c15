import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { TrustdeskApi } from './api.ts';
import { AppFunction } from './app-function.ts';
import { ATTACHMENTS_PREFIX } from './governance.ts';
import type { Ledger } from './ledger.ts';
import type { Storage } from './storage.ts';

/**
 * The agent API: cases, their timelines and the actions agents take (one case, or many in bulk), incidents opened
 * by hand, download links to their attachments, and other teams' escalations and consult answers, behind the
 * Cognito authorizer.
 */
export class AgentApi extends Construct {
  readonly cases: AppFunction;
  /** POST /cases/bulk: the same actions on up to 100 cases, with a timeout just inside API Gateway's 29 s. */
  readonly bulk: AppFunction;

  constructor(scope: Construct, id: string, props: { storage: Storage; ledger: Ledger; api: TrustdeskApi }) {
    super(scope, id);
    this.cases = new AppFunction(this, 'Cases', { handlerDir: 'cases-api', description: 'Agent API: cases and actions' })
      .useTable(props.storage.casesTable, 'CASES_TABLE')
      // Cases other teams open are triaged like any: the requester's value tier.
      .useTable(props.storage.profilesTable, 'PROFILES_TABLE', 'read')
      // apply-macro and the macro picker read the macros and the acting agent's name.
      .useTable(props.storage.macrosTable, 'MACROS_TABLE', 'read')
      .useTable(props.storage.agentsTable, 'AGENTS_TABLE', 'read')
      // GET /cases/{caseId}/evidence reads the requester's ledger.
      .useTable(props.ledger.table, 'LEDGER_TABLE', 'read')
      // Presigned attachment links are signed with this role: it may read attachments, nothing else of the mail bucket.
      .readObjectsUnder(props.storage.mailBucket, ATTACHMENTS_PREFIX, 'MAIL_BUCKET');
    this.bulk = new AppFunction(this, 'Bulk', { handlerDir: 'bulk-api', description: 'Agent API: one action on many cases', timeout: Duration.seconds(28) })
      .useTable(props.storage.casesTable, 'CASES_TABLE')
      .useTable(props.storage.macrosTable, 'MACROS_TABLE', 'read')
      .useTable(props.storage.agentsTable, 'AGENTS_TABLE', 'read');
    props.api.agentRoute('POST', '/cases/bulk', this.bulk);
    props.api.agentRoute('GET', '/cases', this.cases);
    props.api.agentRoute('GET', '/cases/{caseId}', this.cases);
    props.api.agentRoute('GET', '/cases/{caseId}/views', this.cases);
    props.api.agentRoute('GET', '/cases/{caseId}/evidence', this.cases);
    props.api.agentRoute('GET', '/cases/{caseId}/macros', this.cases);
    props.api.agentRoute('GET', '/cases/{caseId}/attachments/{n}', this.cases);
    props.api.agentRoute('POST', '/cases/{caseId}/actions', this.cases);
    props.api.agentRoute('POST', '/cases/{caseId}/consults/{consultId}/answer', this.cases);
    props.api.agentRoute('POST', '/incidents', this.cases);
    props.api.agentRoute('GET', '/quarantine', this.cases);
    props.api.agentRoute('POST', '/internal/cases', this.cases);
    props.api.agentRoute('GET', '/internal/cases', this.cases);
  }
}
