import { Construct } from 'constructs';
import type { TrustdeskApi } from './api.ts';
import { AppFunction } from './app-function.ts';
import { ATTACHMENTS_PREFIX } from './governance.ts';
import type { Storage } from './storage.ts';

/**
 * The agent API: cases, their timelines and the actions agents take, incidents opened by hand, download links to
 * their attachments, and other teams' escalations and consult answers, behind the Cognito authorizer.
 */
export class AgentApi extends Construct {
  readonly cases: AppFunction;

  constructor(scope: Construct, id: string, props: { storage: Storage; api: TrustdeskApi }) {
    super(scope, id);
    this.cases = new AppFunction(this, 'Cases', { handlerDir: 'cases-api', description: 'Agent API: cases and actions' })
      .useTable(props.storage.casesTable, 'CASES_TABLE')
      // Cases other teams open are triaged like any: the requester's value tier.
      .useTable(props.storage.profilesTable, 'PROFILES_TABLE', 'read')
      // apply-macro and the macro picker read the macros and the acting agent's name.
      .useTable(props.storage.macrosTable, 'MACROS_TABLE', 'read')
      .useTable(props.storage.agentsTable, 'AGENTS_TABLE', 'read')
      // Presigned attachment links are signed with this role: it may read attachments, nothing else of the mail bucket.
      .readObjectsUnder(props.storage.mailBucket, ATTACHMENTS_PREFIX, 'MAIL_BUCKET');
    props.api.agentRoute('GET', '/cases', this.cases);
    props.api.agentRoute('GET', '/cases/{caseId}', this.cases);
    props.api.agentRoute('GET', '/cases/{caseId}/views', this.cases);
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
