// The reporting table's layout: which item holds what (pk/sk), and how a domain value becomes an item and
// back. Private to DynamoReportingStore (reporting-store.ts): nothing else imports it, so a change to the
// layout touches these two files and nothing above the port.
//
//   AGG#<granularity>#<period>   <category>#<priority>#<channel>#<shard>   day/hour flow counters
//   BACKLOG                      <openedDay>#<category>#<channel>#<shard>   open backlog (counter open)
//   TREND#<category>             <hour>                                     cases opened in the hour
//   TOPCASE#<day>                <caseId>                                   a top consumer's case
//   AGENT#<day>                  <agentId>#<category>                       per-agent counters of a local day
//   WM#<caseId>                  WM                                         last counted version
//   INCIDENT#<key>               INCIDENT                                   one incident per key (the claim)
//   INCIDENTS#<window day>       <key>                                      incidents listed by day
//   SUBSCRIPTION                 <cadence>#<email>                          report subscribers
//   REPORT#<cadence>#<period>    <email>                                    one report email (a claim)
//
// Counter attributes carry the prefix `n_`, so they never collide with key or dimension attributes.
import type { AggregateKey, BacklogKey, Counters } from '#domain/reporting/aggregate.ts';
import type { AgentRow } from '#domain/reporting/agents.ts';
import type { AggregateRow } from '#domain/reporting/report.ts';
import type { BacklogCount, CountChange, TopConsumerListing } from '../ports.ts';

export interface ItemKey {
  pk: string;
  sk: string;
}

export const keys = {
  aggregatesOf: (granularity: string, period: string) => `AGG#${granularity}#${period}`,
  backlog: 'BACKLOG',
  trendOf: (category: string) => `TREND#${category}`,
  topCasesOf: (day: string) => `TOPCASE#${day}`,
  agentsOf: (day: string) => `AGENT#${day}`,
  watermark: (caseId: string): ItemKey => ({ pk: `WM#${caseId}`, sk: 'WM' }),
  caseIdOfWatermark: (pk: string) => pk.slice('WM#'.length),
  incident: (key: string): ItemKey => ({ pk: `INCIDENT#${key}`, sk: 'INCIDENT' }),
  incidentsOf: (day: string) => `INCIDENTS#${day}`,
  subscriptions: 'SUBSCRIPTION',
  subscription: (cadence: string, email: string): ItemKey => ({ pk: 'SUBSCRIPTION', sk: `${cadence}#${email}` }),
  report: (cadence: string, period: string, email: string): ItemKey => ({ pk: `REPORT#${cadence}#${period}`, sk: email }),
};

const COUNTER_PREFIX = 'n_';
export const counterAttribute = (name: string) => `${COUNTER_PREFIX}${name}`;

/** The counters of a stored item (its `n_` attributes), by their domain names. */
export function countersOf(attributes: Record<string, unknown>): Counters {
  const counters: Counters = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith(COUNTER_PREFIX) && typeof value === 'number') counters[name.slice(COUNTER_PREFIX.length)] = value;
  }
  return counters;
}

const asStrings = (key: object): Record<string, string> => Object.fromEntries(Object.entries(key).map(([k, v]) => [k, String(v)]));

/** The item a change updates: its key, the attributes it sets, and the counters it adds. */
export function itemOf(change: CountChange): ItemKey & { set: Record<string, string>; add: Counters } {
  switch (change.kind) {
    case 'aggregate': {
      const k = change.key;
      return { pk: keys.aggregatesOf(k.granularity, k.period), sk: [k.category, k.priority, k.channel, change.shard].join('#'), set: asStrings(k), add: change.counters };
    }
    case 'backlog': {
      const k = change.key;
      return { pk: keys.backlog, sk: [k.openedDay, k.category, k.channel, change.shard].join('#'), set: asStrings(k), add: change.counters };
    }
    case 'opened-in-hour':
      return { pk: keys.trendOf(change.category), sk: change.hour, set: { category: change.category, hour: change.hour }, add: { opened: change.opened } };
    case 'top-consumer-case': {
      const { day, ...listed } = change.listing;
      return { pk: keys.topCasesOf(day), sk: listed.caseId, set: listed, add: {} };
    }
    case 'agent': {
      const k = change.key;
      return { pk: keys.agentsOf(k.day), sk: `${k.agentId}#${k.category}`, set: { agentId: k.agentId, category: k.category }, add: change.counters };
    }
  }
}

export function agentRowOf(day: string, attributes: Record<string, unknown>): AgentRow {
  const a = attributes as Record<string, unknown>;
  return { key: { day, agentId: String(a.agentId), category: String(a.category ?? 'other') }, counters: countersOf(attributes) };
}

/** A day aggregate item as a report row (dimensions missing from old items get the defaults they had). */
export function aggregateRowOf(day: string, attributes: Record<string, unknown>): AggregateRow {
  const a = attributes as Record<string, string | undefined>;
  const key: AggregateKey = { granularity: 'day', period: day, category: a.category ?? 'other', priority: a.priority ?? 'P4', channel: a.channel ?? 'web' };
  return { key, counters: countersOf(attributes) };
}

export function backlogCountOf(attributes: Record<string, unknown>): BacklogCount {
  const a = attributes as Record<string, unknown>;
  const key: BacklogKey = { openedDay: String(a.openedDay), category: String(a.category), channel: String(a.channel) };
  return { key, open: countersOf(attributes).open ?? 0 };
}

export function topConsumerListingOf(day: string, attributes: Record<string, unknown>): TopConsumerListing {
  const a = attributes as Record<string, unknown>;
  return {
    day,
    caseId: String(a.caseId),
    reference: String(a.reference),
    tier: String(a.tier),
    category: String(a.category),
    priority: String(a.priority),
    openedAt: String(a.openedAt),
  };
}
