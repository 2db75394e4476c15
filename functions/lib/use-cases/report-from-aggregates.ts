// The scheduled report: built from aggregate rows only (its cost does not grow with the number of cases),
// emailed once per subscriber and period — a retried run skips everyone it already reached.
import { CATEGORIES } from '#domain/case.ts';
import { agentReport } from '#domain/reporting/agents.ts';
import { dayKey, hourKey, lastCompletePeriod, weekOf, periodDays, previousPeriod, type Cadence } from '#domain/reporting/buckets.ts';
import type { ReportingPolicy } from '#domain/reporting/policy.ts';
import { buildReport, type AggregateRow, type BacklogRow, type IncidentRow, type Report, type TopConsumerCase } from '#domain/reporting/report.ts';
import { renderCsv, renderHtml, renderSubject, renderText } from '#domain/reporting/render.ts';
import type { AgentDirectory, CaseStore, Clock, Mailer, OutboundEmail, ReportingStore, Subscription } from '../ports.ts';
import { judgeHours } from './judge-surges.ts';

export interface ReportDeps {
  reporting: ReportingStore;
  cases: Pick<CaseStore, 'getCases'>;
  /** The agent records: the per-agent report names agents by them. */
  agents: Pick<AgentDirectory, 'listAgents'>;
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

/** What building a report reads (sending it also needs the mailer). */
export type ReportReadDeps = Omit<ReportDeps, 'mailer'>;

/** Everything the report shows, read from the reporting store (and a bounded list of top-consumer cases). */
export async function reportFor(deps: ReportReadDeps, cadence: Cadence, period: string, categories?: readonly string[]): Promise<Report> {
  const tz = deps.policy.timeZone;
  const days = periodDays(cadence, period);
  const wanted = (category: unknown) => !categories || categories.includes(String(category));
  const [current, previous] = (await Promise.all([deps.reporting.dayAggregates(days), deps.reporting.dayAggregates(periodDays(cadence, previousPeriod(cadence, period)))])).map((rows) =>
    rows.filter((r) => wanted(r.key.category)),
  ) as [AggregateRow[], AggregateRow[]];

  const backlogByDay = new Map<string, number>();
  for (const { key, open } of await deps.reporting.backlog()) {
    if (!wanted(key.category)) continue;
    backlogByDay.set(key.openedDay, (backlogByDay.get(key.openedDay) ?? 0) + open);
  }
  const backlog: BacklogRow[] = [...backlogByDay].map(([openedDay, open]) => ({ openedDay, open }));

  // The hour before the report, per category, against the same hour on previous days.
  const hour = hourKey(new Date(deps.clock.now().getTime() - 3_600_000), tz);
  const trends = (await judgeHours(deps.reporting, deps.policy.surge, CATEGORIES.filter(wanted).map((category) => ({ category, hour })))).filter((t) => t.lastHour > 0 || t.surge);

  const incidents = (await deps.reporting.incidentsOn(days)).filter((i) => wanted(i.category));
  const listed = await deps.reporting.topConsumerCasesOn(days, { limit: 100, ...(categories && { categories }) });
  const cases = await deps.cases.getCases([...incidents.map((i) => i.caseId), ...listed.map((l) => l.caseId)]);
  const openIncidents: IncidentRow[] = incidents.map(({ caseId, ...incident }) => ({ ...incident, status: cases.get(caseId)?.status ?? 'unknown' }));
  const topConsumerCases: TopConsumerCase[] = listed.flatMap((listing) => {
    const record = cases.get(listing.caseId);
    // The report lists the top consumers' cases that are still open.
    if (!record || record.status === 'resolved' || record.status === 'closed') return [];
    return [
      {
        caseId: record.caseId,
        reference: record.reference,
        subject: record.subject,
        ...(record.requester.name && { requesterName: record.requester.name }),
        tier: record.valueTier ?? listing.tier,
        category: record.category,
        priority: record.priority,
        status: record.status,
        openedAt: record.openedAt,
      },
    ];
  });
  // Per agent: their day items of the period (of the wanted categories), named by their agent records.
  const [agentRows, agentRecords] = await Promise.all([deps.reporting.agentAggregates(days), deps.agents.listAgents()]);
  const agents = agentReport(
    agentRows.filter((r) => wanted(r.key.category)),
    days,
    new Map(agentRecords.map((a) => [a.agentId, a.name])),
  );
  return buildReport({
    agents,
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
