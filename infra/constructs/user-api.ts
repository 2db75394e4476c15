// The user 360 view (GET /users/{userId}) behind the Cognito authorizer: its own function, the only agent
// route besides the case evidence that reads the ledger, with read-only grants on the cases, profiles and ledger tables.
import { Construct } from 'constructs';
import type { TrustdeskApi } from './api.ts';
import { AppFunction } from './app-function.ts';
import type { Ledger } from './ledger.ts';
import type { Storage } from './storage.ts';

export class UserApi extends Construct {
  readonly users: AppFunction;

  constructor(scope: Construct, id: string, props: { storage: Storage; ledger: Ledger; api: TrustdeskApi }) {
    super(scope, id);
    this.users = new AppFunction(this, 'Users', { handlerDir: 'users-api', description: 'Agent API: a user 360 view' })
      .useTable(props.storage.casesTable, 'CASES_TABLE', 'read')
      .useTable(props.storage.profilesTable, 'PROFILES_TABLE', 'read')
      .useTable(props.ledger.table, 'LEDGER_TABLE', 'read');
    props.api.agentRoute('GET', '/users/{userId}', this.users);
  }
}
