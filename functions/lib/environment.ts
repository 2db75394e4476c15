// The environment contract between infra/ and functions/: for each function (by its folder under
// functions/), the variables its handler reads. `loadEnv` (config.ts) is typed by it, so a handler can only
// read what is declared; `AppFunction` (infra/constructs/app-function.ts) is typed by it and checks at synth
// that the function is given exactly these, so renaming a variable on one side fails the type check or synth.
// Plain data with no imports: it is bundled into every function.

export const FUNCTION_ENV = {
  aggregator: ['CASES_TABLE', 'REPORTING_TABLE'],
  'agents-api': ['CASES_TABLE', 'AGENTS_TABLE'],
  assignment: ['CASES_TABLE', 'AGENTS_TABLE'],
  'bulk-api': ['CASES_TABLE', 'MACROS_TABLE', 'AGENTS_TABLE'],
  'cases-api': ['CASES_TABLE', 'PROFILES_TABLE', 'LEDGER_TABLE', 'MACROS_TABLE', 'AGENTS_TABLE', 'MAIL_BUCKET'],
  'governance-api': ['CASES_TABLE', 'PROFILES_TABLE', 'LEDGER_TABLE', 'MAIL_BUCKET', 'MAIL_PREFIX'],
  'intake-email': ['CASES_TABLE', 'PROFILES_TABLE', 'MAIL_BUCKET', 'MAIL_PREFIX', 'SENDER_ADDRESS', 'CONFIGURATION_SET'],
  'intake-web': ['CASES_TABLE', 'PROFILES_TABLE'],
  'ledger-import': ['LEDGER_TABLE', 'IMPORTS_BUCKET'],
  'ledger-ingest': ['LEDGER_TABLE', 'REJECTED_EVENTS_QUEUE_URL'],
  'macros-api': ['MACROS_TABLE'],
  'mail-feedback': ['CASES_TABLE'],
  outbox: ['CASES_TABLE', 'AGENTS_TABLE', 'LEDGER_TABLE', 'PROFILES_TABLE', 'DOMAIN_EVENTS_BUS', 'SENDER_ADDRESS', 'CONFIGURATION_SET', 'INTAKE_ADDRESS', 'CONSOLE_URL', 'RATINGS_URL', 'RATING_LINK_DAYS', 'RATING_KEY_SECRET', 'LIFECYCLE_STATE_MACHINE_ARN', 'ESCALATION_STATE_MACHINE_ARN', 'CONSULT_STATE_MACHINE_ARN', 'TIMER_STATE_MACHINE_ARN', 'TIMER_SCHEDULE_GROUP', 'TIMER_SCHEDULER_ROLE_ARN'],
  ratings: ['CASES_TABLE', 'RATING_KEY_SECRET'],
  report: ['CASES_TABLE', 'REPORTING_TABLE', 'AGENTS_TABLE', 'SENDER_ADDRESS', 'CONFIGURATION_SET'],
  'reports-api': ['CASES_TABLE', 'REPORTING_TABLE', 'AGENTS_TABLE'],
  retention: ['CASES_TABLE', 'MAIL_BUCKET', 'MAIL_PREFIX'],
  'subscriptions-api': ['REPORTING_TABLE'],
  'users-api': ['CASES_TABLE', 'PROFILES_TABLE', 'LEDGER_TABLE'],
  'workflow-steps': ['CASES_TABLE', 'LIFECYCLE_STATE_MACHINE_ARN', 'ESCALATION_STATE_MACHINE_ARN', 'CONSULT_STATE_MACHINE_ARN', 'TIMER_STATE_MACHINE_ARN', 'TIMER_SCHEDULE_GROUP', 'TIMER_SCHEDULER_ROLE_ARN', 'SENDER_ADDRESS', 'CONFIGURATION_SET', 'CONSOLE_URL'],
} as const satisfies Record<string, readonly string[]>;

/** Read by the runtime and Powertools rather than by a handler; `AppFunction` gives them to every function. */
export const RUNTIME_ENV = ['NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_LOG_LEVEL'] as const;

/** A function's folder under functions/ (its `handlerDir`). */
export type FunctionName = keyof typeof FUNCTION_ENV;
/** The variables one function's handler reads. */
export type EnvName<F extends FunctionName> = (typeof FUNCTION_ENV)[F][number];
