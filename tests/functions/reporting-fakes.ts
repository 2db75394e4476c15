// An in-memory ReportingStore written against the port alone (it knows no table keys), enforcing what
// the port promises and DynamoDB enforces under it: applyCounts is all or nothing (≤ 100 changes and
// moves, one change per item, every watermark move conditional on the watermark read), so a retried or
// concurrent apply never counts twice; claimIncident records once per key; report claims can be taken
// again while pending, never once sent. Plus a small factory of cases and the events the domain
// produces for them.
import { TransactionCanceledException, type CancellationReason } from '@aws-sdk/client-dynamodb';
import type { CaseEvent, CaseRecord, Category, Channel, ValueTier } from '#domain/case.ts';
import { openIncident } from '#domain/incident.ts';
import { openCase } from '#domain/intake.ts';
import { applyAgentAction, applyRequesterReply, onTimerExpired, type AgentAction, type Change } from '#domain/lifecycle.ts';
import type { AggregateKey, BacklogKey, Counters } from '#domain/reporting/aggregate.ts';
import type { AgentRow } from '#domain/reporting/agents.ts';
import type { AggregateRow, Incident } from '#domain/reporting/report.ts';
import { policies } from '#lib/policies.ts';
import {
  MAX_COUNTS_PER_APPLY,
  type BacklogCount,
  type CountChange,
  type OpenedInHour,
  type ReportingStore,
  type Subscription,
  type TopConsumerListing,
  type WatermarkMove,
} from '#lib/ports.ts';
import type { InMemoryCaseStore } from './fakes.ts';
import { NO_FOUR_EYES } from './lifecycle-fakes.ts';

const copy = <T>(value: T): T => structuredClone(value);
const byText = <T>(text: (value: T) => string) => (a: T, b: T) => (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0);

/** The error DynamoDB answers a malformed request with. */
export class ValidationException extends Error {
  override name = 'ValidationException';
}

export interface PortCall {
  method: keyof ReportingStore;
  args: unknown[];
}

export interface StoredCount<K> {
  key: K;
  shard: number;
  counters: Counters;
}

/** Everything the store holds, in the port's words. */
export interface ReportingState {
  aggregates: Map<string, StoredCount<AggregateKey>>;
  backlog: Map<string, StoredCount<BacklogKey>>;
  openedInHour: Map<string, OpenedInHour>;
  topConsumerCases: Map<string, TopConsumerListing>;
  /** Per-agent counters by day, agent and category. */
  agents: Map<string, AgentRow>;
  watermarks: Map<string, number>;
  incidents: Map<string, Incident>;
  subscriptions: Map<string, Subscription>;
  reports: Map<string, { status: 'pending' | 'sent'; providerId?: string }>;
}

const dims = (k: AggregateKey | BacklogKey) => Object.values(k).join('#');

/** The one item a change is to: two changes with the same identity in one apply are refused. */
function identityOf(c: CountChange): string {
  switch (c.kind) {
    case 'aggregate':
    case 'backlog':
      return `${c.kind}|${dims(c.key)}|${c.shard}`;
    case 'opened-in-hour':
      return `${c.kind}|${c.category}|${c.hour}`;
    case 'top-consumer-case':
      return `${c.kind}|${c.listing.day}|${c.listing.caseId}`;
    case 'agent':
      return `${c.kind}|${c.key.day}|${c.key.agentId}|${c.key.category}`;
  }
}

function addInto(into: Counters, add: Counters): Counters {
  for (const [name, n] of Object.entries(add)) into[name] = (into[name] ?? 0) + n;
  return into;
}

export class InMemoryReportingStore implements ReportingStore {
  /** What the store holds (a test's view; tests read it through the helpers below). */
  readonly state: ReportingState = {
    aggregates: new Map(),
    backlog: new Map(),
    openedInHour: new Map(),
    topConsumerCases: new Map(),
    agents: new Map(),
    watermarks: new Map(),
    incidents: new Map(),
    subscriptions: new Map(),
    reports: new Map(),
  };
  /** Every call of the port, in order. */
  readonly calls: PortCall[] = [];
  /** Every committed applyCounts, as it was asked for. */
  readonly transactions: { changes: CountChange[]; moves: WatermarkMove[] }[] = [];
  /** Runs before an applyCounts is checked: a test can play a concurrent writer here. */
  beforeApply: ((changes: CountChange[], moves: WatermarkMove[]) => void | Promise<void>) | undefined;

  private log(method: keyof ReportingStore, ...args: unknown[]): void {
    this.calls.push({ method, args: copy(args) });
  }

  /** How many times a port method was called. */
  count(method: keyof ReportingStore): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  /** A copy of everything held (a test's view: not recorded as a call). */
  snapshot(): ReportingState {
    return copy(this.state);
  }

  /** A copy of everything held but the watermarks: what the counts are. */
  counts(): Omit<ReportingState, 'watermarks'> {
    const { watermarks: _watermarks, ...counts } = this.snapshot();
    return counts;
  }

  /** Every stored aggregate (day and hour buckets, every shard). */
  aggregateCounts(): StoredCount<AggregateKey>[] {
    return [...this.state.aggregates.values()].map(copy);
  }

  /** Every stored backlog count (every shard). */
  backlogCounts(): StoredCount<BacklogKey>[] {
    return [...this.state.backlog.values()].map(copy);
  }

  /** Cases of a category counted as opened in a local hour. */
  openedIn(category: string, hour: string): number {
    return this.state.openedInHour.get(`${category}|${hour}`)?.opened ?? 0;
  }

  /** The top consumers' cases listed on a day, by case id. */
  topConsumerCasesListedOn(day: string): TopConsumerListing[] {
    return [...this.state.topConsumerCases.values()].filter((l) => l.day === day).sort(byText((l) => l.caseId)).map(copy);
  }

  /** The incidents whose window starts on a day, by key. */
  incidentsListedOn(day: string): Incident[] {
    return [...this.state.incidents.values()].filter((i) => i.windowStart.slice(0, 10) === day).sort(byText((i) => i.key)).map(copy);
  }

  /** A case's stored watermark (a test's view). */
  watermarkOf(caseId: string): number | undefined {
    return this.state.watermarks.get(caseId);
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

  async applyCounts(changes: CountChange[], moves: WatermarkMove[]): Promise<void> {
    this.log('applyCounts', changes, moves);
    if (changes.length + moves.length === 0) return;
    await this.beforeApply?.(changes, moves);
    if (changes.length + moves.length > MAX_COUNTS_PER_APPLY) {
      throw new ValidationException(`Member must have length less than or equal to ${MAX_COUNTS_PER_APPLY}`);
    }
    const items = [...changes.map(identityOf), ...moves.map((m) => `watermark|${m.caseId}`)];
    if (new Set(items).size !== items.length) throw new ValidationException('Transaction request cannot include multiple operations on one item');

    // Every condition first: one failure cancels the whole apply.
    const reasons: CancellationReason[] = [
      ...changes.map((): CancellationReason => ({ Code: 'None' })),
      ...moves.map((m): CancellationReason => {
        const current = this.watermarkOf(m.caseId);
        const ok = m.from === 0 ? current === undefined : current === m.from;
        return ok ? { Code: 'None' } : { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' };
      }),
    ];
    if (reasons.some((r) => r.Code !== 'None')) {
      throw new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons });
    }

    for (const change of changes) {
      const id = identityOf(change);
      switch (change.kind) {
        case 'aggregate':
        case 'backlog': {
          const into = this.state[change.kind === 'aggregate' ? 'aggregates' : 'backlog'] as Map<string, StoredCount<AggregateKey | BacklogKey>>;
          const stored = into.get(id) ?? { key: copy(change.key), shard: change.shard, counters: {} };
          addInto(stored.counters, change.counters);
          into.set(id, stored);
          break;
        }
        case 'opened-in-hour': {
          const key = `${change.category}|${change.hour}`;
          const opened = (this.state.openedInHour.get(key)?.opened ?? 0) + change.opened;
          this.state.openedInHour.set(key, { category: change.category, hour: change.hour, opened });
          break;
        }
        case 'top-consumer-case':
          this.state.topConsumerCases.set(id, copy(change.listing));
          break;
        case 'agent': {
          const stored = this.state.agents.get(id) ?? { key: copy(change.key), counters: {} };
          addInto(stored.counters, change.counters);
          this.state.agents.set(id, stored);
          break;
        }
      }
    }
    for (const m of moves) this.state.watermarks.set(m.caseId, m.to);
    this.transactions.push(copy({ changes, moves }));
  }

  async dayAggregates(days: readonly string[]): Promise<AggregateRow[]> {
    this.log('dayAggregates', days);
    const all = [...this.state.aggregates.values()].filter((a) => a.key.granularity === 'day');
    return days.flatMap((day) =>
      all
        .filter((a) => a.key.period === day)
        .sort(byText((a) => `${a.key.category}#${a.key.priority}#${a.key.channel}#${a.shard}`))
        .map((a) => ({ key: copy(a.key), counters: copy(a.counters) })),
    );
  }

  async agentAggregates(days: readonly string[]): Promise<AgentRow[]> {
    this.log('agentAggregates', days);
    const all = [...this.state.agents.values()];
    return days.flatMap((day) =>
      all
        .filter((a) => a.key.day === day)
        .sort(byText((a) => `${a.key.agentId}#${a.key.category}`))
        .map(copy),
    );
  }

  async backlog(): Promise<BacklogCount[]> {
    this.log('backlog');
    return [...this.state.backlog.values()]
      .sort(byText((b) => `${b.key.openedDay}#${b.key.category}#${b.key.channel}#${b.shard}`))
      .map((b) => ({ key: copy(b.key), open: b.counters.open ?? 0 }));
  }

  async openedPerHour(categories: readonly string[], hours: readonly string[]): Promise<OpenedInHour[]> {
    this.log('openedPerHour', categories, hours);
    if (new Set(categories).size !== categories.length || new Set(hours).size !== hours.length) throw new ValidationException('Provided list of item keys contains duplicates');
    return categories.flatMap((category) => hours.flatMap((hour) => this.state.openedInHour.get(`${category}|${hour}`) ?? [])).map(copy);
  }

  async claimIncident(incident: Incident): Promise<boolean> {
    this.log('claimIncident', incident);
    if (this.state.incidents.has(incident.key)) return false;
    this.state.incidents.set(incident.key, copy(incident));
    return true;
  }

  async incidentsOn(days: readonly string[]): Promise<Incident[]> {
    this.log('incidentsOn', days);
    // Listed under the local day of its window, the day the report of that period shows it.
    return days.flatMap((day) => this.incidentsListedOn(day));
  }

  async topConsumerCasesOn(days: readonly string[], q: { limit: number; categories?: readonly string[] }): Promise<TopConsumerListing[]> {
    this.log('topConsumerCasesOn', days, q);
    return days
      .flatMap((day) => this.topConsumerCasesListedOn(day))
      .filter((l) => !q.categories || q.categories.includes(l.category))
      .slice(0, q.limit);
  }

  async listSubscriptions(cadence?: Subscription['cadence']): Promise<Subscription[]> {
    this.log('listSubscriptions', cadence);
    return [...this.state.subscriptions.entries()]
      .filter(([, s]) => !cadence || s.cadence === cadence)
      .sort(byText(([id]) => id))
      .map(([, s]) => copy(s));
  }

  async putSubscription(s: Subscription): Promise<void> {
    this.log('putSubscription', s);
    // One subscription per cadence and email: subscribing again replaces it.
    this.state.subscriptions.set(`${s.cadence}#${s.email}`, copy(s));
  }

  async deleteSubscription(subscriptionId: string): Promise<boolean> {
    this.log('deleteSubscription', subscriptionId);
    const found = [...this.state.subscriptions].find(([, s]) => s.subscriptionId === subscriptionId);
    return found !== undefined && this.state.subscriptions.delete(found[0]);
  }

  /** The state of one report email: undefined (never claimed or released), 'pending' or 'sent'. */
  reportStatus(cadence: string, period: string, email: string): string | undefined {
    return this.state.reports.get(`${cadence}|${period}|${email}`)?.status;
  }

  async claimReport(cadence: string, period: string, email: string): Promise<boolean> {
    this.log('claimReport', cadence, period, email);
    const key = `${cadence}|${period}|${email}`;
    const existing = this.state.reports.get(key);
    if (existing && existing.status !== 'pending') return false;
    this.state.reports.set(key, { status: 'pending' });
    return true;
  }

  async releaseReport(cadence: string, period: string, email: string): Promise<void> {
    this.log('releaseReport', cadence, period, email);
    const key = `${cadence}|${period}|${email}`;
    if (this.state.reports.get(key)?.status === 'pending') this.state.reports.delete(key);
  }

  async markReportSent(cadence: string, period: string, email: string, providerId: string): Promise<void> {
    this.log('markReportSent', cadence, period, email, providerId);
    this.state.reports.set(`${cadence}|${period}|${email}`, { status: 'sent', providerId });
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

  async act(caseId: string, action: AgentAction, at: Date, actor: typeof AGENT = AGENT): Promise<CaseEvent> {
    return this.save(applyAgentAction(await this.current(caseId), action, actor, at, policies.sla, NO_FOUR_EYES));
  }

  async requesterReply(caseId: string, at: Date): Promise<CaseEvent> {
    const current = await this.current(caseId);
    return this.save(applyRequesterReply(current, { email: current.requester.email, subject: 'Re: problem', message: 'Any news?', attachments: [] }, at, policies.sla, NO_FOUR_EYES));
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
