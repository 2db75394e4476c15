// The report as a CSV attachment (RFC 4180: CRLF line ends, fields with a comma, quote, CR or LF
// quoted, quotes doubled), one row per metric and dimension:
//   section,metric,dimension,value,previous,delta,change_pct,unit,detail
// Spreadsheets run a cell that starts with = + - @ (or a tab / CR) as a formula, so every TEXT cell
// that does is prefixed with a single quote (OWASP "CSV injection"). Numeric cells are written from
// numbers by us — a negative number stays a number — and are never prefixed.
import type { Metric, Report } from './report.ts';

type Cell = string | number | null | undefined;

const HEADER = ['section', 'metric', 'dimension', 'value', 'previous', 'delta', 'change_pct', 'unit', 'detail'] as const;

/** A text cell that a spreadsheet will not evaluate. */
export function neutralise(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

function field(cell: Cell): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(Math.round(cell * 10_000) / 10_000) : '';
  const text = neutralise(cell);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: readonly Cell[]): string {
  return cells.map(field).join(',');
}

export function renderCsv(report: Report): string {
  const rows: Cell[][] = [];
  const info = (metric: string, detail: string) => rows.push(['report', metric, '', null, null, null, null, '', detail]);
  const m = (section: string, metric: string, dimension: string, x: Metric) =>
    rows.push([section, metric, dimension, x.current, x.previous, x.delta, x.changePct, x.unit, x.atLeast?.current ? 'at least' : '']);
  const v = (section: string, metric: string, dimension: string, value: number | null, unit: string, detail = '') =>
    rows.push([section, metric, dimension, value, null, null, null, unit, detail]);
  const t = (section: string, metric: string, dimension: string, detail: string) => rows.push([section, metric, dimension, null, null, null, null, '', detail]);

  info('title', report.title);
  info('cadence', report.cadence);
  info('period', report.period);
  info('previous_period', report.previousPeriod);
  info('time_zone', report.timeZone);
  info('range_start', report.range.start);
  info('range_end', report.range.end);
  info('as_of', report.asOf);

  for (const [name, metric] of Object.entries(report.headline)) m('headline', name, '', metric);
  for (const tier of report.escalationByTier) {
    m('escalation', 'reached', tier.id, tier.count);
    m('escalation', 'rate_of_opened', tier.id, tier.rate);
  }
  for (const c of report.byChannel) {
    m('channel', 'opened', c.id, c.opened);
    v('channel', 'share', c.id, c.share, 'percent');
  }
  m('internal', 'opened', '', report.internal.opened);
  m('internal', 'escalations', '', report.internal.escalations);
  m('internal', 'first_response_target', '', report.internal.firstResponseTarget);
  for (const t of report.consults) {
    v('consult', 'asked', t.team, t.asked, 'count');
    v('consult', 'answered', t.team, t.answered, 'count');
    v('consult', 'median_turnaround', t.team, t.medianTurnaroundMinutes, 'minutes');
    v('consult', 'within_target', t.team, t.withinTarget, 'percent');
    v('consult', 'overdue', t.team, t.escalated, 'count');
  }
  for (const c of report.byCategory) {
    m('category', 'opened', c.id, c.opened);
    v('category', 'resolved', c.id, c.resolved, 'count');
    v('category', 'repeat', c.id, c.repeat, 'count');
    v('category', 'share', c.id, c.share, 'percent');
  }
  for (const c of report.topRepeatCategories) {
    v('top_repeat_category', 'repeat', c.id, c.repeat, 'count');
    v('top_repeat_category', 'rate', c.id, c.rate, 'percent');
  }
  for (const o of report.outcomes) v('outcome', 'resolved', o.id, o.count, 'count');
  v('backlog', 'open', 'total', report.backlog.total, 'count', report.backlog.oldestOpenedDay ?? '');
  for (const b of report.backlog.buckets) v('backlog', 'open', b.label, b.count, 'count');
  for (const tr of report.trends) {
    v('trend', 'last_hour', tr.category, tr.lastHour, 'count', tr.hour);
    v('trend', 'baseline', tr.category, tr.baseline, 'count', tr.hour);
    v('trend', 'factor', tr.category, Number.isFinite(tr.factor) ? tr.factor : null, 'ratio', tr.hour);
    v('trend', 'surge', tr.category, tr.surge ? 1 : 0, 'flag', tr.hour);
  }
  for (const i of report.openIncidents) {
    v('incident', 'last_hour', i.category, i.lastHour, 'count', i.key);
    v('incident', 'baseline', i.category, i.baseline, 'count', i.key);
    t('incident', 'status', i.category, i.status);
    t('incident', 'detected_at', i.category, i.detectedAt);
  }
  for (const c of report.topConsumerCases) {
    for (const [metric, detail] of [
      ['subject', c.subject],
      ['requester', c.requesterName ?? ''],
      ['tier', c.tier],
      ['category', c.category],
      ['priority', c.priority],
      ['status', c.status],
      ['opened_at', c.openedAt],
    ] as const) {
      t('top_consumer_case', metric, c.reference, detail);
    }
  }
  // Per agent (weekly, as in the email): dimension the agent id, or `<agentId>/<category>`; detail the agent's name.
  if (report.cadence === 'weekly') {
    for (const a of report.agents) {
      for (const [dimension, x] of [[a.agentId, a] as const, ...a.byCategory.map((c) => [`${a.agentId}/${c.id}`, c] as const)]) {
        v('agent', 'handled', dimension, x.handled, 'count', a.name);
        v('agent', 'first_responses', dimension, x.firstResponses, 'count', a.name);
        v('agent', 'first_response_sla', dimension, x.firstResponseSla, 'percent', a.name);
        v('agent', 'resolution_sla', dimension, x.resolutionSla, 'percent', a.name);
        v('agent', 'median_first_response', dimension, x.medianFirstResponse?.minutes ?? null, 'minutes', x.medianFirstResponse?.atLeast ? 'at least' : a.name);
        v('agent', 'median_resolution', dimension, x.medianResolution?.minutes ?? null, 'minutes', x.medianResolution?.atLeast ? 'at least' : a.name);
        v('agent', 'reopened', dimension, x.reopened, 'count', a.name);
        v('agent', 'reopen_rate', dimension, x.reopenRate, 'percent', a.name);
        v('agent', 'satisfaction_average', dimension, x.satisfaction.average, 'rating', a.name);
        v('agent', 'satisfaction_count', dimension, x.satisfaction.count, 'count', a.name);
      }
    }
  }
  return `${[HEADER, ...rows].map(csvLine).join('\r\n')}\r\n`;
}
