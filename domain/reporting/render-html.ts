// The report as an HTML email: nested tables, inline styles, bars as table cells of a computed width.
// No images, scripts, links, classes or <style> blocks — the subset that Gmail, Outlook (Word engine)
// and Apple Mail all render. Every interpolated value goes through the `html` tag of domain/html.ts,
// which escapes it; only fragments the tag itself produced are inserted as they are.
import { html, type Interpolation, type SafeHtml } from '../html.ts';
import { formatChange, formatCount, formatCurrent, formatMinutes, formatPercent, formatPrevious, oneLine } from './format.ts';
import type { AgentStats, Median } from './agents.ts';
import { HEADLINE_LABELS, categoryLabel, type Headline, type Metric, type Report } from './report.ts';

// ── building blocks ───────────────────────────────────────────────────────────────────────────────

const FONT = 'font-family:Arial,Helvetica,sans-serif;';
const TH = `${FONT}font-size:12px;color:#6b7280;padding:6px 8px;border-bottom:1px solid #e5e7eb;font-weight:bold;`;
const TD = `${FONT}font-size:13px;color:#111827;padding:6px 8px;border-bottom:1px solid #f3f4f6;vertical-align:top;`;
const NUM = `${TD}text-align:right;white-space:nowrap;`;
const MUTED = `${FONT}font-size:12px;color:#6b7280;`;

function section(title: string, body: SafeHtml, note?: string): SafeHtml {
  return html`<tr><td style="padding:16px 24px 4px 24px;">
<h2 style="${FONT}font-size:16px;color:#111827;margin:0 0 8px 0;">${title}</h2>
${note ? html`<p style="${MUTED}margin:0 0 8px 0;">${note}</p>` : null}${body}
</td></tr>
`;
}

function table(headers: readonly { label: string; numeric?: boolean }[], rows: readonly SafeHtml[], empty: string): SafeHtml {
  if (rows.length === 0) return html`<p style="${MUTED}margin:0;">${empty}</p>`;
  const head = headers.map((h) => html`<th style="${TH}text-align:${h.numeric ? 'right' : 'left'};">${h.label}</th>`);
  return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;width:100%;">
<tr>${head}</tr>
${rows}</table>`;
}

const cell = (value: Interpolation) => html`<td style="${TD}">${value}</td>`;
const num = (value: Interpolation) => html`<td style="${NUM}">${value}</td>`;

/** A horizontal bar: `pct` (0–100) of the cell's width, as two table cells. */
function bar(pct: number | null, color = '#2563eb'): SafeHtml {
  const w = Math.round(Math.min(100, Math.max(0, pct ?? 0)));
  const fill = `height:10px;line-height:10px;font-size:1px;background-color:${color};`;
  const rest = 'height:10px;line-height:10px;font-size:1px;background-color:#f3f4f6;';
  const cells =
    w === 0
      ? html`<td width="100%" style="${rest}">&nbsp;</td>`
      : w === 100
        ? html`<td width="100%" style="${fill}">&nbsp;</td>`
        : html`<td width="${w}%" style="${fill}">&nbsp;</td><td width="${100 - w}%" style="${rest}">&nbsp;</td>`;
  return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;width:100%;"><tr>${cells}</tr></table>`;
}

const barCell = (pct: number | null, color?: string) => html`<td width="40%" style="${TD}">${bar(pct, color)}</td>`;

/** Largest value → full bar. */
const scale = (values: readonly number[]) => {
  const max = Math.max(0, ...values);
  return (v: number) => (max > 0 ? (v / max) * 100 : 0);
};

const metricCells = (m: Metric) => [num(formatCurrent(m)), num(formatPrevious(m)), num(formatChange(m))];
const localTime = (iso: string) => oneLine(iso.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z'), 40);

// ── sections ──────────────────────────────────────────────────────────────────────────────────────

function headlineSection(r: Report): SafeHtml {
  const rows = (Object.keys(HEADLINE_LABELS) as (keyof Headline)[]).map(
    (k) => html`<tr>${cell(HEADLINE_LABELS[k])}${metricCells(r.headline[k])}</tr>`,
  );
  const headers = [{ label: 'Metric' }, { label: 'This period', numeric: true }, { label: 'Previous', numeric: true }, { label: 'Change', numeric: true }];
  return section('Headline', table(headers, rows, 'No data.'), `Compared with ${r.previousPeriod}.`);
}

function escalationSection(r: Report): SafeHtml {
  const rows = r.escalationByTier.map(
    (t) => html`<tr>${cell(t.label)}${num(formatCurrent(t.count))}${num(formatChange(t.count))}${num(formatPercent(t.rate.current))}${num(formatChange(t.rate))}</tr>`,
  );
  const headers = [{ label: 'Tier' }, { label: 'Reached', numeric: true }, { label: 'Change', numeric: true }, { label: '% of opened', numeric: true }, { label: 'Change', numeric: true }];
  return section('Escalations by tier', table(headers, rows, 'No escalations.'));
}

function channelSection(r: Report): SafeHtml {
  const w = scale(r.byChannel.map((c) => c.opened.current ?? 0));
  const rows = r.byChannel.map(
    (c) => html`<tr>${cell(c.label)}${barCell(w(c.opened.current ?? 0))}${num(formatCurrent(c.opened))}${num(formatPercent(c.share))}${num(formatChange(c.opened))}</tr>`,
  );
  const headers = [{ label: 'Channel' }, { label: '' }, { label: 'Opened', numeric: true }, { label: 'Share', numeric: true }, { label: 'Change', numeric: true }];
  return section('Volume by channel', table(headers, rows, 'No cases.'));
}

function internalSection(r: Report): SafeHtml {
  const rows = [
    html`<tr>${cell('Internal escalations opened')}${metricCells(r.internal.opened)}</tr>`,
    html`<tr>${cell('Cases escalated by internal teams')}${metricCells(r.internal.escalations)}</tr>`,
    html`<tr>${cell('First responses within the internal target')}${metricCells(r.internal.firstResponseTarget)}</tr>`,
  ];
  const headers = [{ label: 'Metric' }, { label: 'This period', numeric: true }, { label: 'Previous', numeric: true }, { label: 'Change', numeric: true }];
  return section('Escalations from inside the company', table(headers, rows, 'No data.'));
}

function satisfactionSection(r: Report): SafeHtml {
  const s = r.satisfaction;
  const headers = [{ label: 'Metric' }, { label: 'This period', numeric: true }, { label: 'Previous', numeric: true }, { label: 'Change', numeric: true }];
  const rows =
    s.ratings.current === 0
      ? []
      : [
          html`<tr>${cell('Ratings')}${metricCells(s.ratings)}</tr>`,
          html`<tr>${cell('Average rating')}${metricCells(s.average)}</tr>`,
          ...s.byScore.map((b) => html`<tr>${cell(`Rated ${b.score}`)}${num(formatCount(b.count))}${num('')}${num('')}</tr>`),
          ...s.byCategory.map((c) => html`<tr>${cell(c.label)}${num(`${formatCount(c.ratings)} rated`)}${num(c.average === null ? '–' : `avg ${formatCount(c.average)}`)}${num('')}</tr>`),
        ];
  return section('Satisfaction', table(headers, rows, 'No ratings.'), 'Ratings 1–5 from the resolution email, counted on the day they were given.');
}

function consultSection(r: Report): SafeHtml {
  const rows = r.consults.map(
    (t) =>
      html`<tr>${cell(t.team)}${num(formatCount(t.asked))}${num(formatCount(t.answered))}${num(t.medianTurnaroundMinutes === null ? '–' : formatMinutes(t.medianTurnaroundMinutes))}${num(formatPercent(t.withinTarget))}${num(formatCount(t.escalated))}</tr>`,
  );
  const headers = [
    { label: 'Team' },
    { label: 'Asked', numeric: true },
    { label: 'Answered', numeric: true },
    { label: 'Median turnaround', numeric: true },
    { label: 'Within target', numeric: true },
    { label: 'Overdue', numeric: true },
  ];
  return section('Consults per team', table(headers, rows, 'No consults.'), 'Turnaround in business time, question to answer.');
}

function categorySection(r: Report): SafeHtml {
  const w = scale(r.byCategory.map((c) => c.opened.current ?? 0));
  const rows = r.byCategory.map(
    (c) =>
      html`<tr>${cell(c.label)}${barCell(w(c.opened.current ?? 0))}${num(formatCurrent(c.opened))}${num(formatChange(c.opened))}${num(formatCount(c.resolved))}${num(formatCount(c.repeat))}</tr>`,
  );
  const headers = [
    { label: 'Category' },
    { label: '' },
    { label: 'Opened', numeric: true },
    { label: 'Change', numeric: true },
    { label: 'Resolved', numeric: true },
    { label: 'Repeat', numeric: true },
  ];
  return section('Volume by category', table(headers, rows, 'No cases.'));
}

function repeatSection(r: Report): SafeHtml {
  const rows = r.topRepeatCategories.map(
    (c) => html`<tr>${cell(c.label)}${num(formatCount(c.repeat))}${num(formatCount(c.opened))}${num(formatPercent(c.rate))}</tr>`,
  );
  const headers = [{ label: 'Category' }, { label: 'Repeat', numeric: true }, { label: 'Opened', numeric: true }, { label: 'Repeat rate', numeric: true }];
  return section('Top repeat-complaint categories', table(headers, rows, 'No repeat complaints.'));
}

function outcomeSection(r: Report): SafeHtml {
  const rows = r.outcomes.map((o) => html`<tr>${cell(o.label)}${num(formatCount(o.count))}</tr>`);
  return section('Resolutions by outcome', table([{ label: 'Outcome' }, { label: 'Cases', numeric: true }], rows, 'No resolutions.'));
}

function backlogSection(r: Report): SafeHtml {
  const w = scale(r.backlog.buckets.map((b) => b.count));
  const rows = r.backlog.buckets.map((b) => html`<tr>${cell(b.label)}${barCell(w(b.count), b.minDays > 7 ? '#dc2626' : '#2563eb')}${num(formatCount(b.count))}</tr>`);
  const note = `${formatCount(r.backlog.total)} open (not yet resolved) cases${r.backlog.oldestOpenedDay ? `; oldest opened ${r.backlog.oldestOpenedDay}` : ''}. Age in days since the opening day.`;
  return section('Backlog by age', table([{ label: 'Age' }, { label: '' }, { label: 'Open', numeric: true }], rows, 'No open cases.'), note);
}

function trendSection(r: Report): SafeHtml {
  const rows = r.trends.map(
    (t) =>
      html`<tr>${cell(categoryLabel(t.category))}${cell(oneLine(t.hour, 20))}${num(formatCount(t.lastHour))}${num(formatCount(t.baseline))}${num(`×${Number.isFinite(t.factor) ? t.factor.toFixed(1) : '∞'}`)}${cell(
        t.surge ? html`<strong style="color:#dc2626;">Surge</strong>` : 'normal',
      )}</tr>`,
  );
  const headers = [{ label: 'Category' }, { label: 'Hour' }, { label: 'Cases', numeric: true }, { label: 'Baseline', numeric: true }, { label: 'Factor', numeric: true }, { label: '' }];
  return section('Trends', table(headers, rows, 'No trend data.'));
}

function incidentSection(r: Report): SafeHtml {
  const rows = r.openIncidents.map(
    (i) =>
      html`<tr>${cell(categoryLabel(i.category))}${cell(oneLine(i.windowStart, 20))}${cell(localTime(i.detectedAt))}${num(formatCount(i.lastHour))}${num(formatCount(i.baseline))}${cell(oneLine(i.status, 40))}</tr>`,
  );
  const headers = [{ label: 'Category' }, { label: 'Window' }, { label: 'Detected' }, { label: 'Cases/h', numeric: true }, { label: 'Baseline', numeric: true }, { label: 'Status' }];
  return section('Open incidents', table(headers, rows, 'No open incidents.'));
}

function topConsumerSection(r: Report): SafeHtml {
  const rows = r.topConsumerCases.map(
    (c) =>
      html`<tr>${cell(oneLine(c.reference, 40))}${cell(oneLine(c.subject, 120))}${cell(oneLine(c.requesterName ?? '', 60))}${cell(oneLine(c.tier, 20))}${cell(categoryLabel(oneLine(c.category, 40)))}${cell(oneLine(c.priority, 8))}${cell(oneLine(c.status, 20))}${cell(localTime(c.openedAt))}</tr>`,
  );
  const headers = [{ label: 'Case' }, { label: 'Subject' }, { label: 'Requester' }, { label: 'Tier' }, { label: 'Category' }, { label: 'Priority' }, { label: 'Status' }, { label: 'Opened' }];
  return section('Open top-consumer cases', table(headers, rows, 'None.'));
}

const medianText = (m: Median | null) => (m === null ? '–' : `${m.atLeast ? '> ' : ''}${formatMinutes(m.minutes)}`);
const ratingText = (s: AgentStats['satisfaction']) => (s.average === null ? '–' : `${s.average.toFixed(1)} (${formatCount(s.count)})`);
const agentCells = (a: AgentStats) => [
  num(formatCount(a.handled)),
  num(formatPercent(a.firstResponseSla)),
  num(formatPercent(a.resolutionSla)),
  num(medianText(a.medianFirstResponse)),
  num(medianText(a.medianResolution)),
  num(formatPercent(a.reopenRate)),
  num(ratingText(a.satisfaction)),
];

/** Per agent (named by their agent record), then their categories in muted rows under them. */
function agentSection(r: Report): SafeHtml {
  const rows = r.agents.flatMap((a) => [
    html`<tr>${cell(html`<strong>${oneLine(a.name, 80)}</strong>`)}${agentCells(a)}</tr>`,
    ...a.byCategory.map((c) => html`<tr><td style="${TD}color:#6b7280;padding-left:20px;">${c.label}</td>${agentCells(c)}</tr>`),
  ]);
  const headers = [
    { label: 'Agent / category' },
    { label: 'Handled', numeric: true },
    { label: 'First response in SLA', numeric: true },
    { label: 'Resolution in SLA', numeric: true },
    { label: 'Median first response', numeric: true },
    { label: 'Median resolution', numeric: true },
    { label: 'Reopened', numeric: true },
    { label: 'Satisfaction', numeric: true },
  ];
  return section(
    'Per agent',
    table(headers, rows, 'No agent handled a case this period.'),
    'Handled = cases the agent resolved. Reopened = reopens of their resolutions ÷ handled. Satisfaction = average rating 1–5 (ratings).',
  );
}

export function renderHtml(report: Report): string {
  const periodText =
    report.cadence === 'daily' ? `Day ${report.period}` : `Week ${report.period}, ${report.days[0]} to ${report.days[report.days.length - 1]}`;
  const doc = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${report.title}</title>
</head>
<body style="margin:0;padding:0;background-color:#f3f4f6;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f3f4f6;">
<tr><td align="center" style="padding:16px 8px;">
<table role="presentation" width="680" cellpadding="0" cellspacing="0" border="0" style="width:680px;max-width:100%;background-color:#ffffff;border:1px solid #e5e7eb;">
<tr><td style="padding:20px 24px 8px 24px;">
<h1 style="${FONT}font-size:20px;color:#111827;margin:0 0 4px 0;">${report.title}</h1>
<p style="${MUTED}margin:0;">${periodText} (${report.timeZone}). As of ${localTime(report.asOf)}.</p>
</td></tr>
${headlineSection(report)}${escalationSection(report)}${channelSection(report)}${internalSection(report)}${consultSection(report)}${satisfactionSection(report)}${categorySection(report)}${repeatSection(report)}${outcomeSection(report)}${backlogSection(report)}${trendSection(report)}${incidentSection(report)}${topConsumerSection(report)}${report.cadence === 'weekly' ? agentSection(report) : null}<tr><td style="padding:16px 24px 20px 24px;">
<p style="${MUTED}margin:0;">Times are elapsed time from opening; SLA attainment is against each case's due time. Percentiles are estimated from histogram buckets.</p>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
  return doc.toString();
}
