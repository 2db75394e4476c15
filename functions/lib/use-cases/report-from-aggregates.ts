// The scheduled report: built from aggregate rows only (its cost does not grow with the number of cases),
// emailed once per subscriber and period — a retried run skips everyone it already reached.
import { CATEGORIES } from '#domain/case.ts';
import type { AggregateKey } from '#domain/reporting/aggregate.ts';
import { dayKey, hourKey, lastCompletePeriod, weekOf, periodDays, previousPeriod, sameHourPreviousDays, type Cadence } from '#domain/reporting/buckets.ts';
import type { ReportingPolicy } from '#domain/reporting/policy.ts';
import { buildReport, type AggregateRow, type BacklogRow, type IncidentRow, type Report, type TopConsumerCase, type TrendRow } from '#domain/reporting/report.ts';
import { renderCsv, renderHtml, renderSubject, renderText } from '#domain/reporting/render.ts';
import { detectSurge } from '#domain/reporting/trends.ts';
import { COUNTER_PREFIX, reportingKeys } from '../adapters/reporting-store.ts';
import type { CaseStore, Clock, Mailer, OutboundEmail, ReportingStore, Subscription } from '../ports.ts';
import { aggregateItem } from './fold-case-events.ts';

export interface ReportDeps {
  reporting: ReportingStore;
  cases: Pick<CaseStore, 'getCases'>;
  mailer: Mailer;
  clock: Clock;
  policy: ReportingPolicy;
}

export interface ReportRun {
  cadence: Cadence;
  period: string;
  sent: string[];
  skipped: string[];
  failed: { email: string; error: string }[];
}

function countersOf(attributes: Record<string, unknown>): Record<string, number> {
  const counters: Record<string, number> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith(COUNTER_PREFIX) && typeof value === 'number') counters[name.slice(COUNTER_PREFIX.length)] = value;
  }
  return counters;
}

async function dayRows(deps: ReportReadDeps, days: string[]): Promise<AggregateRow[]> {
  const rows: AggregateRow[] = [];
  for (const day of days) {
    for (const item of await deps.reporting.readPartition(aggregateItem.aggregate('day', day))) {
      const a = item.attributes as Record<string, string>;
      const key: AggregateKey = { granularity: 'day', period: day, category: a.category ?? 'other', priority: a.priority ?? 'P4', channel: a.channel ?? 'web' };
      rows.push({ key, counters: countersOf(item.attributes) });
    }
  }
  return rows;
}

/** Everything the report shows, read from the reporting table (and a bounded list of top-consumer cases). */
/** What building a report reads (sending it also needs the mailer). */
export type ReportReadDeps = Omit<ReportDeps, 'mailer'>;

export async function reportFor(deps: ReportReadDeps, cadence: Cadence, period: string, categories?: readonly string[]): Promise<Report> {
  const tz = deps.policy.timeZone;
  const days = periodDays(cadence, period);
  const wanted = (category: unknown) => !categories || categories.includes(String(category));
  const [current, previous] = (await Promise.all([dayRows(deps, days), dayRows(deps, periodDays(cadence, previousPeriod(cadence, period)))])).map((rows) =>
    rows.filter((r) => wanted(r.key.category)),
  ) as [AggregateRow[], AggregateRow[]];

  const backlogByDay = new Map<string, number>();
  for (const item of await deps.reporting.readPartition(aggregateItem.backlog)) {
    if (!wanted(item.attributes.category)) continue;
    const day = String(item.attributes.openedDay);
    backlogByDay.set(day, (backlogByDay.get(day) ?? 0) + (countersOf(item.attributes).open ?? 0));
  }
  const backlog: BacklogRow[] = [...backlogByDay].map(([openedDay, open]) => ({ openedDay, open }));

  // The hour before the report, per category, against the same hour on previous days.
  const hour = hourKey(new Date(deps.clock.now().getTime() - 3_600_000), tz);
  const hours = [hour, ...sameHourPreviousDays(hour, deps.policy.surge.baselineDays)];
  const shown = CATEGORIES.filter(wanted);
  const trendItems = await deps.reporting.readItems(shown.flatMap((c) => hours.map((h) => ({ pk: aggregateItem.trend(c), sk: h }))));
  const trends: TrendRow[] = shown.map((category) => {
    const count = (h: string) => Number(trendItems.get(`${aggregateItem.trend(category)}|${h}`)?.[`${COUNTER_PREFIX}opened`] ?? 0);
    const judged = detectSurge({ category, lastHour: count(hour), sameHourPreviousDays: hours.slice(1).map(count), policy: deps.policy.surge });
    return { category, hour, lastHour: judged.lastHour, baseline: judged.baseline, factor: judged.factor, threshold: judged.threshold, surge: judged.surge };
  }).filter((t) => t.lastHour > 0 || t.surge);

  const incidentItems = (await Promise.all(days.map((d) => deps.reporting.readPartition(reportingKeys.incidentsOfDay(d)))))
    .flat()
    .filter((i) => wanted(i.attributes.category));
  const topItems = (await Promise.all(days.map((d) => deps.reporting.readPartition(aggregateItem.topCases(d)))))
    .flat()
    .filter((i) => wanted(i.attributes.category))
    .slice(0, 100);
  const caseIds = [...incidentItems.map((i) => String(i.attributes.caseId)), ...topItems.map((i) => String(i.attributes.caseId))];
  const cases = await deps.cases.getCases(caseIds);
  const openIncidents: IncidentRow[] = incidentItems.map((i) => {
    const a = i.attributes;
    return {
      key: String(a.key),
      category: String(a.category),
      windowStart: String(a.windowStart),
      detectedAt: String(a.detectedAt),
      lastHour: Number(a.lastHour),
      baseline: Number(a.baseline),
      status: cases.get(String(a.caseId))?.status ?? 'unknown',
    };
  });
  const topConsumerCases: TopConsumerCase[] = topItems.flatMap((i) => {
    const record = cases.get(String(i.attributes.caseId));
    // The report lists the top consumers' cases that are still open.
    if (!record || record.status === 'resolved' || record.status === 'closed') return [];
    return [
      {
        caseId: record.caseId,
        reference: record.reference,
        subject: record.subject,
        ...(record.requester.name && { requesterName: record.requester.name }),
        tier: record.valueTier ?? String(i.attributes.tier),
        category: record.category,
        priority: record.priority,
        status: record.status,
        openedAt: record.openedAt,
      },
    ];
  });
  return buildReport({
    cadence,
    period,
    current,
    previous,
    backlog,
    trends,
    openIncidents,
    topConsumerCases,
    asOf: deps.clock.now(),
    timeZone: tz,
    topRepeatCategories: deps.policy.topRepeatCategories,
  });
}

/** The period in progress (today, or this ISO week, in the report's time zone), for the console's dashboard. */
export function currentReport(deps: ReportReadDeps, cadence: Cadence): Promise<Report> {
  const now = deps.clock.now();
  const period = cadence === 'daily' ? dayKey(now, deps.policy.timeZone) : weekOf(now, deps.policy.timeZone);
  return reportFor(deps, cadence, period);
}

export function reportEmail(report: Report, to: string): OutboundEmail {
  return {
    to,
    subject: renderSubject(report),
    text: renderText(report),
    html: renderHtml(report),
    attachments: [{ filename: `trustdesk-${report.cadence}-${report.period}.csv`, contentType: 'text/csv; charset=utf-8', content: renderCsv(report) }],
  };
}

export async function sendScheduledReport(deps: ReportDeps, cadence: Cadence, period?: string): Promise<ReportRun> {
  const forPeriod = period ?? lastCompletePeriod(cadence, deps.clock.now(), deps.policy.timeZone);
  const run: ReportRun = { cadence, period: forPeriod, sent: [], skipped: [], failed: [] };
  const subscribers = await deps.reporting.listSubscriptions(cadence);
  if (subscribers.length === 0) return run;
  // Subscribers with a category filter get the report of their categories only (built once per filter).
  const reports = new Map<string, Promise<Report>>();
  const reportOf = (s: Subscription) => {
    const filter = s.categories?.length ? [...s.categories].sort() : undefined;
    const key = filter?.join(',') ?? '*';
    if (!reports.has(key)) reports.set(key, reportFor(deps, cadence, forPeriod, filter));
    return reports.get(key)!;
  };
  for (const subscriber of subscribers) {
    if (!(await deps.reporting.claimReport(cadence, forPeriod, subscriber.email))) {
      run.skipped.push(subscriber.email);
      continue;
    }
    try {
      const id = await deps.mailer.send(reportEmail(await reportOf(subscriber), subscriber.email));
      await deps.reporting.markReportSent(cadence, forPeriod, subscriber.email, id);
      run.sent.push(subscriber.email);
    } catch (error) {
      await deps.reporting.releaseReport(cadence, forPeriod, subscriber.email);
      run.failed.push({ email: subscriber.email, error: (error as Error).name });
    }
  }
  return run;
}
