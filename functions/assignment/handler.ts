// Invoked by EventBridge Scheduler at the start of each shift (the SLA calendar's opening time on its work
// days): the cases that arrived off shift go to the agents on shift. A failed run throws, so the scheduler
// retries; a rerun skips every case assigned already. On a holiday nobody is on shift and nothing happens.
import { DynamoAgentDirectory } from '#lib/adapters/dynamodb-agents.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { assignmentPolicy } from '#lib/assignment-config.ts';
import { systemClock } from '#lib/clock.ts';
import { loadEnv } from '#lib/config.ts';
import { logger } from '#lib/logger.ts';
import { slaPolicy } from '#lib/sla-config.ts';
import { assignWaiting, type AssignDeps, type AssignmentRun } from '#lib/use-cases/assign-on-shift.ts';

const env = loadEnv('assignment');
const deps: AssignDeps = {
  store: new DynamoCaseStore(env.CASES_TABLE, undefined),
  agents: new DynamoAgentDirectory(env.AGENTS_TABLE),
  clock: systemClock,
  sla: slaPolicy,
  policy: assignmentPolicy,
};

export const handler = async (): Promise<AssignmentRun> => {
  const run = await assignWaiting(deps);
  logger.info('shift assignment', { ...run });
  return run;
};
