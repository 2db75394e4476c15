import { Construct } from 'constructs';
import type { TrustdeskApi } from './api.ts';
import { AppFunction } from './app-function.ts';
import type { Storage } from './storage.ts';

/**
 * Canned replies (macros): the macros API over the macros table. Applying a macro is a case action in the
 * cases API (which reads this table), so this function only writes macros, never cases.
 */
export class Macros extends Construct {
  readonly api: AppFunction;

  constructor(scope: Construct, id: string, props: { storage: Storage; api: TrustdeskApi }) {
    super(scope, id);
    this.api = new AppFunction(this, 'MacrosApi', { handlerDir: 'macros-api', description: 'Canned replies (macros)' }).useTable(props.storage.macrosTable, 'MACROS_TABLE');
    props.api.agentRoute('GET', '/macros', this.api);
    props.api.agentRoute('POST', '/macros', this.api);
    props.api.agentRoute('PUT', '/macros/{macroId}', this.api);
    props.api.agentRoute('DELETE', '/macros/{macroId}', this.api);
  }
}
