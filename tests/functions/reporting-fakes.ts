// An in-memory ReportingStore, faithful to DynamoReportingStore and to what DynamoDB enforces:
// applyCounters is one transaction (≤ 100 items, one operation per item, watermark conditions, all
// or nothing); claimIncident writes once per key; report claims can be taken again while pending,
// never once sent. Plus a small factory of cases and the events the domain produces for them.
import { TransactionCanceledException, type CancellationReason } from '@aws-sdk/client-dynamodb';
import type { CaseEvent, CaseRecord, Category, Channel, ValueTier } from '#domain/case.ts';
import { openIncident } from '#domain/incident.ts';
import { openCase } from '#domain/intake.ts';
import { applyAgentAction, applyRequesterReply, onTimerExpired, type AgentAction, type Change } from '#domain/lifecycle.ts';
import { COUNTER_PREFIX, reportingKeys } from '#lib/adapters/reporting-store.ts';
import { policies } from '#lib/policies.ts';
import type { CounterUpdate, ReportingStore, StoredIncident, Subscription, WatermarkMove } from '#lib/ports.ts';
import type { InMemoryCaseStore } from './fakes.ts';

type Stored = Record<string, unknown> & { pk: string; sk: string };

const MAX_TRANSACTION_ITEMS = 100;
const copy = <T>(value: T): T => structuredClone(value);
const itemKey = (pk: string, sk: string) => `${pk}|${sk}`;

/** The error DynamoDB answers a malformed request with. */
export class ValidationException extends Error {
  override name = 'ValidationException';
}

export interface PortCall {
  method: keyof ReportingStore;
  args: unknown[];
}

export class InMemoryReportingStore implements ReportingStore {
  /** Every item of the table, by `pk|sk`, as DynamoDB would hold it (pk and sk included). */
  readonly items = new Map<string, Stored>();
  /** Every call of the port, in order. */
  readonly calls: PortCall[] = [];
  /** Every committed applyCounters transaction, as it was asked for. */
  readonly transactions: { updates: CounterUpdate[]; moves: WatermarkMove[] }[] = [];
  /** Runs before an applyCounters is checked: a test can play a concurrent writer here. */
  beforeApply: ((updates: CounterUpdate[], moves: WatermarkMove[]) => void | Promise<void>) | undefined;

  private log(method: keyof ReportingStore, ...args: unknown[]): void {
    this.calls.push({ method, args: copy(args) });
  }

  /** How many times a port method was called. */
  count(method: keyof ReportingStore): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  /** The items under a partition key, sorted by sk (a test's view: not recorded as a call). */
  partition(pk: string): Stored[] {
    return [...this.items.values()].filter((i) => i.pk === pk).sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0)).map(copy);
  }

  /** A case's stored watermark (a test's view). */
  watermarkOf(caseId: string): number | undefined {
    const wm = reportingKeys.watermark(caseId);
    return this.items.get(itemKey(wm.pk, wm.sk))?.lastVersion as number | undefined;
  }

  async watermarks(caseIds: string[]): Promise<Map<string, number>> {
    this.log('watermarks', caseIds);
    if (new Set(caseIds).size !== caseIds.length) throw new ValidationException('Provided list of item keys contains duplicates');
    const found = new Map<string, number>();
    for (const caseId of caseIds) {
      const version = this.watermarkOf(caseId);
      if (version !== undefined) found.set(caseId, version);
    }
    return found;
  }

  async applyCounters(updates: CounterUpdate[], moves: WatermarkMove[]): Promise<void> {
    this.log('applyCounters', updates, moves);
    if (updates.length + moves.length === 0) return;
    await this.beforeApply?.(updates, moves);
    if (updates.length + moves.length > MAX_TRANSACTION_ITEMS) {
      throw new ValidationException(`Member must have length less than or equal to ${MAX_TRANSACTION_ITEMS}`);
    }
    const keys = [...updates.map((u) => itemKey(u.pk, u.sk)), ...moves.map((m) => itemKey(reportingKeys.watermark(m.caseId).pk, reportingKeys.watermark(m.caseId).sk))];
    if (new Set(keys).size !== keys.length) throw new ValidationException('Transaction request cannot include multiple operations on one item');
    for (const u of updates) {
      if (Object.keys(u.counters).length === 0 && Object.keys(u.attributes).length === 0) throw new ValidationException('Invalid UpdateExpression: empty');
    }

    // Every condition first: one failure cancels the whole transaction.
    const reasons: CancellationReason[] = [
      ...updates.map((): CancellationReason => ({ Code: 'None' })),
      ...moves.map((m): CancellationReason => {
        const current = this.watermarkOf(m.caseId);
        const ok = m.from === 0 ? current === undefined : current === m.from;
        return ok ? { Code: 'None' } : { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' };
      }),
    ];
    if (reasons.some((r) => r.Code !== 'None')) {
      throw new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons });
    }

    for (const u of updates) {
      const key = itemKey(u.pk, u.sk);
      const item: Stored = this.items.get(key) ?? { pk: u.pk, sk: u.sk };
      Object.assign(item, u.attributes);
      for (const [name, n] of Object.entries(u.counters)) {
        const attribute = `${COUNTER_PREFIX}${name}`;
        item[attribute] = ((item[attribute] as number | undefined) ?? 0) + n;
      }
      this.items.set(key, item);
    }
    const expiresAt = Math.floor(Date.now() / 1000) + 400 * 86_400;
    for (const m of moves) {
      const { pk, sk } = reportingKeys.watermark(m.caseId);
      this.items.set(itemKey(pk, sk), { pk, sk, lastVersion: m.to, expiresAt });
    }
    this.transactions.push(copy({ updates, moves }));
  }

  async readPartition(pk: string): Promise<{ sk: string; attributes: Record<string, unknown> }[]> {
    this.log('readPartition', pk);
    return this.partition(pk).map(({ pk: _pk, sk, ...attributes }) => ({ sk, attributes }));
  }

  async readItems(keys: { pk: string; sk: string }[]): Promise<Map<string, Record<string, unknown>>> {
    this.log('readItems', keys);
    const ids = keys.map((k) => itemKey(k.pk, k.sk));
    if (new Set(ids).size !== ids.length) throw new ValidationException('Provided list of item keys contains duplicates');
    const found = new Map<string, Record<string, unknown>>();
    for (const id of ids) {
      const item = this.items.get(id);
      if (item) found.set(id, copy(item));
    }
    return found;
  }

  async claimIncident(incident: StoredIncident): Promise<boolean> {
    this.log('claimIncident', incident);
    const key = reportingKeys.incident(incident.key);
    if (this.items.has(itemKey(key.pk, key.sk))) return false;
    this.items.set(itemKey(key.pk, key.sk), { ...key, ...copy(incident) });
    // Listed under the local day of its window, the day the report of that period shows it.
    const day = reportingKeys.incidentsOfDay(incident.windowStart.slice(0, 10));
    this.items.set(itemKey(day, incident.key), { pk: day, sk: incident.key, ...copy(incident) });
    return true;
  }

  async listSubscriptions(cadence?: Subscription['cadence']): Promise<Subscription[]> {
    this.log('listSubscriptions', cadence);
    return this.partition('SUBSCRIPTION')
      .filter((i) => !cadence || i.sk.startsWith(`${cadence}#`))
      .map(({ pk: _pk, sk: _sk, ...s }) => s as unknown as Subscription);
  }

  async putSubscription(s: Subscription): Promise<void> {
    this.log('putSubscription', s);
    const key = reportingKeys.subscription(s.cadence, s.email);
    this.items.set(itemKey(key.pk, key.sk), { ...key, ...copy(s) });
  }

  async deleteSubscription(subscriptionId: string): Promise<boolean> {
    this.log('deleteSubscription', subscriptionId);
    const [cadence, ...rest] = Buffer.from(subscriptionId, 'base64url').toString('utf8').split('#');
    const email = rest.join('#');
    if ((cadence !== 'daily' && cadence !== 'weekly') || !email) return false;
    const key = reportingKeys.subscription(cadence, email);
    return this.items.delete(itemKey(key.pk, key.sk));
  }

  /** The state of one report email: undefined (never claimed or released), 'pending' or 'sent'. */
  reportStatus(cadence: string, period: string, email: string): string | undefined {
    const key = reportingKeys.report(cadence, period, email);
    return this.items.get(itemKey(key.pk, key.sk))?.status as string | undefined;
  }

  async claimReport(cadence: string, period: string, email: string): Promise<boolean> {
    this.log('claimReport', cadence, period, email);
    const key = reportingKeys.report(cadence, period, email);
    const existing = this.items.get(itemKey(key.pk, key.sk));
    if (existing && existing.status !== 'pending') return false;
    this.items.set(itemKey(key.pk, key.sk), { ...key, status: 'pending', claimedAt: new Date().toISOString() });
    return true;
  }

  async releaseReport(cadence: string, period: string, email: string): Promise<void> {
    this.log('releaseReport', cadence, period, email);
    const key = reportingKeys.report(cadence, period, email);
    if (this.items.get(itemKey(key.pk, key.sk))?.status === 'pending') this.items.delete(itemKey(key.pk, key.sk));
  }

  async markReportSent(cadence: string, period: string, email: string, providerId: string): Promise<void> {
    this.log('markReportSent', cadence, period, email, providerId);
    const key = reportingKeys.report(cadence, period, email);
    const item: Stored = this.items.get(itemKey(key.pk, key.sk)) ?? { ...key };
    this.items.set(itemKey(key.pk, key.sk), { ...item, status: 'sent', providerId, sentAt: new Date().toISOString() });
  }
}

// ── cases and their events, as the domain produces them ──────────────────────────────────────────

export const AGENT = { kind: 'agent' as const, id: 'agent-7', role: 'lead' };

export interface CaseSpec {
  category: Category;
  at: Date;
  channel?: Channel;
  tier?: ValueTier;
}

/**
 * Opens cases in an InMemoryCaseStore and moves them with the domain's own transitions, keeping
 * every event it stored: the events a stream would deliver. Case ids never collide with
 * sequentialIds() (which the incident code uses).
 */
export class CaseFactory {
  private n = 0;
  constructor(
    readonly store: InMemoryCaseStore,
    private readonly prefix = 'f',
  ) {}

  async open(spec: CaseSpec): Promise<CaseRecord> {
    const i = ++this.n;
    const caseId = `case-${this.prefix}-${String(i).padStart(5, '0')}`;
    const email = `requester-${this.prefix}-${i}@example.com`;
    const { record, event } = openCase(
      {
        channel: spec.channel ?? 'web',
        requester: { email, name: `Requester ${i}`, ...(spec.tier && { userId: `user-${i}` }) },
        subject: `Problem ${i}`,
        message: 'Something went wrong with my account, please look into it.',
        categoryHint: spec.category,
      },
      {
        caseId,
        reference: `TD-${this.prefix.toUpperCase()}${String(i).padStart(5, '0')}`,
        now: spec.at,
        priorComplaints: [],
        policies,
        ...(spec.tier && { profile: { userId: `user-${i}`, tier: spec.tier, lifetimeSpend: 1000 } }),
      },
    );
    await this.create(record, event, email);
    return record;
  }

  /** A surge incident case, opened as the aggregator would (channel 'system', 'incident.opened'). */
  async openIncident(category: Category, at: Date, key: string): Promise<CaseRecord> {
    const i = ++this.n;
    const { record, event } = openIncident(
      { incidentKey: key, category, hour: '2000-01-01T00', lastHour: 1, baseline: 1, linkedCaseIds: [] },
      { caseId: `case-${this.prefix}-${String(i).padStart(5, '0')}`, reference: `TD-${this.prefix.toUpperCase()}${String(i).padStart(5, '0')}`, now: at, policies },
    );
    await this.create(record, event, `incident-${this.prefix}-${i}@trustdesk.local`);
    return record;
  }

  private async create(record: CaseRecord, event: CaseEvent, email: string): Promise<void> {
    const outcome = await this.store.createCase({
      record: { ...record, requester: { ...record.requester, email } },
      event,
      idempotency: { key: `test:${record.caseId}`, fingerprint: record.caseId, expiresAt: Math.floor(Date.parse(record.openedAt) / 1000) + 86_400 },
      requesterVersion: 0,
      recent: [],
      messageIds: [],
    });
    if (outcome.kind !== 'created') throw new Error(`could not create ${record.caseId}: ${JSON.stringify(outcome)}`);
  }

  async act(caseId: string, action: AgentAction, at: Date): Promise<CaseEvent> {
    return this.save(applyAgentAction(await this.current(caseId), action, AGENT, at, policies.sla));
  }

  async requesterReply(caseId: string, at: Date): Promise<CaseEvent> {
    const current = await this.current(caseId);
    return this.save(applyRequesterReply(current, { email: current.requester.email, subject: 'Re: problem', message: 'Any news?', attachments: [] }, at, policies.sla));
  }

  /** The lifecycle timer firing at `at` (a warning, breach or auto-close); throws when nothing is due. */
  async timer(caseId: string, at: Date): Promise<CaseEvent> {
    const change = onTimerExpired(await this.current(caseId), at, policies.sla);
    if (!change) throw new Error(`no timer due for ${caseId} at ${at.toISOString()}`);
    return this.save(change);
  }

  private async current(caseId: string): Promise<CaseRecord> {
    const record = await this.store.getCase(caseId);
    if (!record) throw new Error(`no case ${caseId}`);
    return record;
  }

  private async save(change: Change): Promise<CaseEvent> {
    const outcome = await this.store.saveChange(change);
    if (outcome.kind !== 'saved') throw new Error(`could not save v${change.record.version} of ${change.record.caseId}`);
    return change.event;
  }

  /** The events of some cases (all when none are given), by case then version: a stream's order per case. */
  events(caseIds?: string[]): CaseEvent[] {
    const ids = caseIds ?? [...this.store.events.keys()];
    return ids.flatMap((id) => [...(this.store.events.get(id) ?? [])].sort((a, b) => a.version - b.version)).map(copy);
  }
}

/** Events interleaved across cases (each case's own order kept), as a stream shard mixes them. */
export function interleave(events: CaseEvent[]): CaseEvent[] {
  return [...events].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : a.version - b.version));
}
