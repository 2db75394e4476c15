// Whether a category surged in an hour: its cases opened that hour against the same hour on previous days
// (detectSurge, domain/reporting/trends.ts). The one place that reads the counts for it: the aggregator asks
// to open incidents, the report asks for its trends table, and both get the same answer.
import { sameHourPreviousDays } from '#domain/reporting/buckets.ts';
import type { SurgePolicy } from '#domain/reporting/policy.ts';
import type { TrendRow } from '#domain/reporting/report.ts';
import { detectSurge } from '#domain/reporting/trends.ts';
import type { ReportingStore } from '../ports.ts';

/** Each asked (category, hour) judged, in the order asked, from one read of the hourly counts. */
export async function judgeHours(
  reporting: Pick<ReportingStore, 'openedPerHour'>,
  surge: SurgePolicy,
  asked: readonly { category: string; hour: string }[],
): Promise<TrendRow[]> {
  if (asked.length === 0) return [];
  const hoursOf = (hour: string) => [hour, ...sameHourPreviousDays(hour, surge.baselineDays)];
  const categories = [...new Set(asked.map((a) => a.category))];
  const hours = [...new Set(asked.flatMap((a) => hoursOf(a.hour)))];
  const opened = new Map((await reporting.openedPerHour(categories, hours)).map((o) => [`${o.category}|${o.hour}`, o.opened]));
  return asked.map(({ category, hour }) => {
    const [lastHour = 0, ...previousDays] = hoursOf(hour).map((h) => opened.get(`${category}|${h}`) ?? 0);
    const judged = detectSurge({ category, lastHour, sameHourPreviousDays: previousDays, policy: surge });
    return { category, hour, lastHour: judged.lastHour, baseline: judged.baseline, factor: judged.factor, threshold: judged.threshold, surge: judged.surge };
  });
}
