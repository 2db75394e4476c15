// The report as the plain-text part of the email: aligned columns, bars of '#'. Every data string
// goes through oneLine, so a subject cannot break the layout or forge lines.
import { formatChange, formatCount, formatCurrent, formatMinutes, formatPercent, formatPrevious, oneLine } from './format.ts';
import type { AgentStats, Median } from './agents.ts';
import { HEADLINE_LABELS, categoryLabel, type Headline, type Report } from './report.ts';

const BAR_WIDTH = 20;

function bar(value: number, max: number): string {
  const n = max > 0 ? Math.round((Math.max(0, value) / max) * BAR_WIDTH) : 0;
  return '#'.repeat(n).padEnd(BAR_WIDTH, ' ');
}

/** Columns padded to their widest cell; numbers (right) aligned when `right` says so. */
function columns(rows: readonly (readonly string[])[], right: readonly boolean[] = []): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  }
  return rows.map((row) => `  ${row.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')}`.trimEnd());
}

function block(title: string, lines: readonly string[], empty: string): string {
  return [title.toUpperCase(), ...(lines.length > 0 ? lines : [`  ${empty}`])].join('\n');
}

export function renderText(report: Report): string {
  const out: string[] = [];
  const period = report.cadence === 'daily' ? `Day ${report.period}` : `Week ${report.period}, ${report.days[0]} to ${report.days[report.days.length - 1]}`;
  out.push(oneLine(report.title, 200), `${period} (${oneLine(report.timeZone)}). Compared with ${report.previousPeriod}. As of ${report.asOf}.`);

  const headline = (Object.keys(HEADLINE_LABELS) as (keyof Headline)[]).map((k) => {
    const m = report.headline[k];
    return [HEADLINE_LABELS[k], formatCurrent(m), formatPrevious(m), formatChange(m)];
  });
  out.push(block('Headline', columns([['', 'This period', 'Previous', 'Change'], ...headline], [false, true, true, true]), 'No data.'));

  out.push(
    block(
      'Escalations by tier',
      columns(
        [['', 'Reached', '% of opened', 'Change'], ...report.escalationByTier.map((t) => [t.label, formatCurrent(t.count), formatPercent(t.rate.current), formatChange(t.rate)])],
        [false, true, true, true],
      ),
      'No escalations.',
    ),
  );

  const maxChannel = Math.max(0, ...report.byChannel.map((c) => c.opened.current ?? 0));
  out.push(
    block(
      'Volume by channel',
      columns(report.byChannel.map((c) => [oneLine(c.label, 40), bar(c.opened.current ?? 0, maxChannel), formatCurrent(c.opened), formatPercent(c.share), formatChange(c.opened)]), [false, false, true, true, true]),
      'No cases.',
    ),
  );

  out.push(
    block(
      'Escalations from inside the company',
      columns(
        [
          ['Internal escalations opened', formatCurrent(report.internal.opened), formatChange(report.internal.opened)],
          ['Cases escalated by internal teams', formatCurrent(report.internal.escalations), formatChange(report.internal.escalations)],
          ['First responses within the internal target', formatCurrent(report.internal.firstResponseTarget), formatChange(report.internal.firstResponseTarget)],
        ],
        [false, true, true],
      ),
      'No data.',
    ),
    block(
      'Consults per team (business time)',
      report.consults.length === 0
        ? []
        : columns(
            [
              ['', 'Asked', 'Answered', 'Median', 'Within target', 'Overdue'],
              ...report.consults.map((t) => [oneLine(t.team, 40), formatCount(t.asked), formatCount(t.answered), t.medianTurnaroundMinutes === null ? '–' : formatMinutes(t.medianTurnaroundMinutes), formatPercent(t.withinTarget), formatCount(t.escalated)]),
            ],
            [false, true, true, true, true, true],
          ),
      'No consults.',
    ),
    block(
      'Satisfaction (ratings 1–5)',
      report.satisfaction.ratings.current === 0
        ? []
        : columns(
            [
              ['Ratings', formatCurrent(report.satisfaction.ratings), formatChange(report.satisfaction.ratings)],
              ['Average rating', formatCurrent(report.satisfaction.average), formatChange(report.satisfaction.average)],
              ['Per score', report.satisfaction.byScore.map((s) => `${s.score}: ${formatCount(s.count)}`).join(' · '), ''],
              ...report.satisfaction.byCategory.map((c) => [`  ${c.label}`, `${formatCount(c.ratings)} rated`, c.average === null ? '–' : `avg ${formatCount(c.average)}`]),
            ],
            [false, true, true],
          ),
      'No ratings.',
    ),
  );

  const maxCategory = Math.max(0, ...report.byCategory.map((c) => c.opened.current ?? 0));
  out.push(
    block(
      'Volume by category',
      columns(report.byCategory.map((c) => [oneLine(c.label, 40), bar(c.opened.current ?? 0, maxCategory), formatCurrent(c.opened), formatChange(c.opened)]), [false, false, true, true]),
      'No cases.',
    ),
  );

  out.push(
    block(
      'Top repeat-complaint categories',
      columns(report.topRepeatCategories.map((c) => [oneLine(c.label, 40), `${formatCount(c.repeat)} of ${formatCount(c.opened)}`, formatPercent(c.rate)]), [false, true, true]),
      'No repeat complaints.',
    ),
  );

  out.push(block('Resolutions by outcome', columns(report.outcomes.map((o) => [o.label, formatCount(o.count)]), [false, true]), 'No resolutions.'));

  const maxBacklog = Math.max(0, ...report.backlog.buckets.map((b) => b.count));
  out.push(
    block(
      `Backlog by age (${formatCount(report.backlog.total)} open${report.backlog.oldestOpenedDay ? `, oldest opened ${report.backlog.oldestOpenedDay}` : ''})`,
      columns(report.backlog.buckets.map((b) => [b.label, bar(b.count, maxBacklog), formatCount(b.count)]), [false, false, true]),
      'No open cases.',
    ),
  );

  out.push(
    block(
      'Trends',
      columns(
        report.trends.map((t) => [
          oneLine(categoryLabel(t.category), 40),
          oneLine(t.hour, 20),
          `${formatCount(t.lastHour)} vs baseline ${formatCount(t.baseline)}`,
          `x${Number.isFinite(t.factor) ? t.factor.toFixed(1) : 'inf'}`,
          t.surge ? 'SURGE' : '',
        ]),
      ),
      'No trend data.',
    ),
  );

  out.push(
    block(
      'Open incidents',
      columns(report.openIncidents.map((i) => [oneLine(categoryLabel(i.category), 40), oneLine(i.windowStart, 20), `${formatCount(i.lastHour)}/h vs ${formatCount(i.baseline)}`, oneLine(i.status, 40)])),
      'No open incidents.',
    ),
  );

  out.push(
    block(
      'Open top-consumer cases',
      report.topConsumerCases.map(
        (c) =>
          `  ${oneLine(c.reference, 40)}  ${oneLine(c.priority, 8)}  ${oneLine(c.status, 20)}  ${oneLine(c.tier, 20)}  ${oneLine(categoryLabel(c.category), 40)}  opened ${oneLine(c.openedAt, 40)}\n    ${oneLine(c.subject, 100)}${c.requesterName ? ` (${oneLine(c.requesterName, 60)})` : ''}`,
      ),
      'None.',
    ),
  );

  if (report.cadence === 'weekly') out.push(agentBlock(report));

  return `${out.join('\n\n')}\n`;
}

const medianText = (m: Median | null) => (m === null ? '–' : `${m.atLeast ? '> ' : ''}${formatMinutes(m.minutes)}`);
const agentCells = (a: AgentStats) => [
  formatCount(a.handled),
  formatPercent(a.firstResponseSla),
  formatPercent(a.resolutionSla),
  medianText(a.medianFirstResponse),
  medianText(a.medianResolution),
  formatPercent(a.reopenRate),
  a.satisfaction.average === null ? '–' : `${a.satisfaction.average.toFixed(1)} (${formatCount(a.satisfaction.count)})`,
];

/** Per agent (named by their agent record), their categories indented under them. */
function agentBlock(report: Report): string {
  const rows = report.agents.flatMap((a) => [[oneLine(a.name, 60), ...agentCells(a)], ...a.byCategory.map((c) => [`  ${oneLine(c.label, 40)}`, ...agentCells(c)])]);
  return block(
    'Per agent (handled = resolved; reopened = reopens / handled; satisfaction = average 1-5 (ratings))',
    rows.length === 0 ? [] : columns([['', 'Handled', 'FR in SLA', 'Res. in SLA', 'Median FR', 'Median res.', 'Reopened', 'Satisfaction'], ...rows], [false, true, true, true, true, true, true, true]),
    'No agent handled a case this period.',
  );
}
