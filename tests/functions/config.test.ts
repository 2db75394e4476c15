// loadEnv: a handler reads exactly the variables declared for its function, once, and a missing one
// stops the cold start with every missing name in the message.
import { describe, expect, it } from 'vitest';
import { loadEnv } from '#lib/config.ts';
import { FUNCTION_ENV } from '#lib/environment.ts';

describe('loadEnv', () => {
  it("returns the declared variables of the function, and nothing else from the environment", () => {
    const env = { CASES_TABLE: 'cases', PROFILES_TABLE: 'profiles', REPORTING_TABLE: 'not-for-intake', PATH: '/bin' };
    expect(loadEnv('intake-web', env)).toEqual({ CASES_TABLE: 'cases', PROFILES_TABLE: 'profiles' });
  });

  it('reads every name the contract declares for the function', () => {
    const env = Object.fromEntries(FUNCTION_ENV['workflow-steps'].map((name) => [name, `value of ${name}`]));
    const loaded = loadEnv('workflow-steps', env);
    expect(Object.keys(loaded).sort()).toEqual([...FUNCTION_ENV['workflow-steps']].sort());
    expect(loaded.CONSOLE_URL).toBe('value of CONSOLE_URL');
  });

  it('names the function and every missing variable', () => {
    expect(() => loadEnv('outbox', { CASES_TABLE: 'cases', CONSOLE_URL: 'https://console' })).toThrow('Missing environment for outbox: AGENTS_TABLE, LEDGER_TABLE, PROFILES_TABLE, DOMAIN_EVENTS_BUS, SENDER_ADDRESS, CONFIGURATION_SET, INTAKE_ADDRESS, RATINGS_URL, RATING_LINK_DAYS, RATING_KEY_SECRET, LIFECYCLE_STATE_MACHINE_ARN, ESCALATION_STATE_MACHINE_ARN, CONSULT_STATE_MACHINE_ARN');
  });

  it('treats an empty variable as missing', () => {
    expect(() => loadEnv('cases-api', { CASES_TABLE: '' })).toThrow('Missing environment for cases-api: CASES_TABLE');
  });

  it('reads process.env by default', () => {
    process.env.REPORTING_TABLE = 'reporting-from-process';
    try {
      expect(loadEnv('subscriptions-api')).toEqual({ REPORTING_TABLE: 'reporting-from-process' });
    } finally {
      delete process.env.REPORTING_TABLE;
    }
  });
});
