// Assignment at shift start: `waiting` unassigned new cases (opened on the Monday and Tuesday before, when
// the Wed–Sun team is off) and `agents` agents on shift with room for all of them, then one run of
// assignWaiting at Wednesday 08:05 Los Angeles — the use case the ShiftStartAssignment schedule's function
// runs (functions/assignment), on the template's cases and agents tables in DynamoDB Local (in memory, a
// free port), in-process so the figure is the use case's own and no Lambda or scheduler time is counted.
// Each repeat gets fresh tables. The figure is cases assigned per second of the run; the run must assign
// every waiting case, or it throws (a faster run that assigns fewer is no result).
import type { AgentRecord } from '#domain/assignment.ts';
import { openCase } from '#domain/intake.ts';
import { DynamoAgentDirectory } from '#lib/adapters/dynamodb-agents.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { assignmentPolicy } from '#lib/assignment-config.ts';
import { newCaseId, newReference } from '#lib/ids.ts';
import { policies } from '#lib/policies.ts';
import { assignWaiting } from '#lib/use-cases/assign-on-shift.ts';
import { createTablesFromTemplate } from '#local/dynamodb-tables.ts';
import type { CfnTemplate } from '#local/template.ts';
import { startReportingDb, statsOf, type Stats } from './reporting.ts';

/** Wednesday 2026-12-02 08:05 in Los Angeles (16:05Z): five minutes into the shift. */
const SHIFT_START = new Date('2026-12-02T16:05:00.000Z');
/** Monday 2026-11-30 09:00 in Los Angeles: off shift. */
const MONDAY = Date.parse('2026-11-30T17:00:00.000Z');
const CATEGORIES = ['gifts_coins', 'payout', 'refund', 'account_access', 'payment_dispute'] as const;

export interface AssignmentFigures {
  waiting: number;
  agents: number;
  /** Cases assigned per second, min / median / max over the repeats. */
  perSecond: Stats;
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function inPool<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function assignmentThroughput(opts: { waiting: number; agents: number; repeats: number }): Promise<AssignmentFigures> {
  const db = await startReportingDb();
  try {
    const logicalId = (prefix: string) => {
      const id = Object.keys(db.template.Resources).find((k) => k.startsWith(prefix) && db.template.Resources[k]!.Type === 'AWS::DynamoDB::Table');
      if (!id) throw new Error(`cdk.out/Trustdesk.template.json has no ${prefix}* table; run \`npm run synth\``);
      return id;
    };
    const [casesId, agentsId] = [logicalId('StorageCases'), logicalId('StorageAgents')];
    const capacity = Math.ceil(opts.waiting / opts.agents);
    const rates: number[] = [];
    for (let r = 0; r < opts.repeats; r++) {
      const names = { [casesId]: `bench-assign-cases-${r}`, [agentsId]: `bench-assign-agents-${r}` };
      const only: CfnTemplate = { Resources: { [casesId]: db.template.Resources[casesId]!, [agentsId]: db.template.Resources[agentsId]! } };
      await createTablesFromTemplate(db.client, only, (id) => names[id]!);
      const store = new DynamoCaseStore(names[casesId]!, undefined, db.client);
      const directory = new DynamoAgentDirectory(names[agentsId]!, db.client);

      // The waiting pool: one requester per case (no repeat links), opened over Monday and Tuesday.
      await inPool(
        Array.from({ length: opts.waiting }, (_, i) => i),
        16,
        async (i) => {
          const now = new Date(MONDAY + i * 60_000);
          const { record, event } = openCase(
            { channel: 'web', requester: { email: `assign-${r}-${i}@bench.example` }, subject: 'Coins missing', message: 'My coins did not arrive after I paid.', categoryHint: CATEGORIES[i % CATEGORIES.length] },
            { caseId: newCaseId(), reference: newReference(), now, priorComplaints: [], policies },
          );
          const created = await store.createCase({
            record,
            event,
            idempotency: { key: `bench:${record.caseId}`, fingerprint: record.caseId, expiresAt: Math.floor(now.getTime() / 1000) + 86_400 },
            requesterVersion: 0,
            recent: [],
            messageIds: [],
          });
          if (created.kind !== 'created') throw new Error(`case ${record.caseId} not created: ${JSON.stringify(created)}`);
        },
      );
      for (let a = 0; a < opts.agents; a++) {
        const agent: AgentRecord = { agentId: `bench-agent-${a}`, name: `Agent ${a}`, role: 'agent', capacity, availability: 'on-shift', updatedAt: new Date(MONDAY).toISOString() };
        await directory.putAgent(agent);
      }

      const t0 = performance.now();
      const run = await assignWaiting({ store, agents: directory, clock: { now: () => SHIFT_START }, sla: policies.sla, policy: assignmentPolicy });
      const seconds = (performance.now() - t0) / 1000;
      if (run.assigned !== opts.waiting) throw new Error(`shift start assigned ${run.assigned} of ${opts.waiting} waiting cases (${run.onShift} agents on shift)`);
      rates.push(run.assigned / seconds);
    }
    return { waiting: opts.waiting, agents: opts.agents, perSecond: statsOf(rates) };
  } finally {
    await db.stop();
  }
}
