// GET /users/{userId}: an account's 360 view for agents, leads and the risk team — profile, every case it is
// on, a ledger summary. Its own function, with read-only grants. Composition root only: the view is
// built in use-cases/user-360.ts.
import { parseUserPath, parseUserQuery } from '#events/user-query.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { DynamoLedger } from '#lib/adapters/dynamodb-ledger.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { agentFrom, httpApi, json, requireRole, valid } from '#lib/http.ts';
import { userView } from '#lib/use-cases/user-360.ts';

const env = loadEnv('users-api');
const store = new DynamoCaseStore(env.CASES_TABLE, env.PROFILES_TABLE);
const ledger = new DynamoLedger(env.LEDGER_TABLE);
const READERS = ['agent', 'lead', 'risk'] as const;

export const handler = httpApi(
  {
    'GET /users/{userId}': async (event) => {
      requireRole(agentFrom(event), READERS);
      const { userId } = valid(parseUserPath(event.pathParameters)).value;
      const { days } = valid(parseUserQuery(event.queryStringParameters)).value;
      return json(200, await userView({ store, profiles: store, ledger, clock: systemClock }, { userId, days }));
    },
  },
  { roles: READERS },
);
