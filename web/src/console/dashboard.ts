// The lead's dashboard: today's (or this week's) aggregates as numbers and CSS bar charts, from the
// same report model as the emailed reports (GET /reports/current), with the per-agent table.
import type { Priority } from '#domain/case.ts';
import type { AgentStats, Median } from '#domain/reporting/agents.ts';
import type { Metric, Report } from '#domain/reporting/report.ts';
import { h, on, replace } from '../dom.ts';
import { ApiError } from './api.ts';
import { hasRole } from './auth.ts';
import { categoryLabel, formatDateTime } from './format.ts';
import { notice, priorityBadge } from './ui.ts';
import type { View } from './view.ts';

function formatMetric(m: Metric): string {
  if (m.current === null) return '—';
  const atLeast = m.atLeast?.current ? '≥ ' : '';
  if (m.unit === 'percent') return `${m.current.toFixed(m.current % 1 === 0 ? 0 : 1)}%`;
  if (m.unit === 'minutes') return m.current >= 120 ? `${atLeast}${(m.current / 60).toFixed(1)} h` : `${atLeast}${Math.round(m.current)} min`;
  return String(m.current);
}

function formatChange(m: Metric): string {
  if (m.delta === null) return 'no earlier data';
  if (m.delta === 0) return 'same as before';
  const sign = m.delta > 0 ? '+' : '−';
  const abs = Math.abs(m.delta);
  if (m.unit === 'percent') return `${sign}${abs.toFixed(1)} pts`;
  if (m.changePct !== null) return `${sign}${Math.abs(m.changePct).toFixed(0)}% (${sign}${m.unit === 'minutes' ? `${Math.round(abs)} min` : abs})`;
  return `${sign}${m.unit === 'minutes' ? `${Math.round(abs)} min` : abs}`;
}

function card(label: string, m: Metric): HTMLElement {
  return h('div', { class: 'metric' }, h('p', { class: 'metric-label' }, label), h('p', { class: 'metric-value' }, formatMetric(m)), h('p', { class: 'metric-change' }, formatChange(m)));
}

interface Bar {
  label: string;
  value: number;
  note?: string;
}

/** A horizontal bar chart made of elements: each bar's width is set through the CSSOM (allowed by the CSP). */
function barChart(title: string, bars: Bar[], unit = ''): HTMLElement {
  const id = `chart-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  const max = Math.max(1, ...bars.map((b) => b.value));
  return h(
    'section',
    { class: 'panel chart', 'aria-labelledby': id },
    h('h2', { id }, title),
    bars.length === 0
      ? h('p', { class: 'muted' }, 'Nothing yet.')
      : h(
          'ul',
          { class: 'bars' },
          ...bars.map((b) => {
            const fill = h('span', { class: 'bar-fill' });
            fill.style.width = `${(b.value / max) * 100}%`;
            return h(
              'li',
              { class: 'bar-row' },
              h('span', { class: 'bar-label' }, b.label),
              h('span', { class: 'bar-track', 'aria-hidden': 'true' }, fill),
              h('span', { class: 'bar-value' }, `${b.value}${unit}`, b.note ? h('span', { class: 'muted' }, ` ${b.note}`) : null),
            );
          }),
        ),
  );
}

const minutesText = (m: Median | null) => (m === null ? '—' : `${m.atLeast ? '> ' : ''}${formatMetric({ unit: 'minutes', current: m.minutes, previous: null, delta: null, changePct: null })}`);
const pct = (n: number | null) => (n === null ? '—' : `${n.toFixed(n % 1 === 0 ? 0 : 1)}%`);
const agentCells = (a: AgentStats) => [
  h('td', {}, String(a.handled)),
  h('td', {}, pct(a.firstResponseSla)),
  h('td', {}, pct(a.resolutionSla)),
  h('td', {}, minutesText(a.medianFirstResponse)),
  h('td', {}, minutesText(a.medianResolution)),
  h('td', {}, pct(a.reopenRate)),
  h('td', {}, a.satisfaction.average === null ? '—' : `${a.satisfaction.average.toFixed(1)} (${a.satisfaction.count})`),
];

/** Per agent, named by their agent record, with their categories as rows under them. */
function agentPanel(report: Report): HTMLElement {
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'agents-title' },
    h('h2', { id: 'agents-title' }, 'Per agent'),
    report.agents.length === 0
      ? h('p', { class: 'muted' }, 'No agent has handled a case yet this period.')
      : h(
          'table',
          { class: 'consult-table agent-table' },
          h(
            'thead',
            {},
            h('tr', {}, ...['Agent / category', 'Handled', 'First response in SLA', 'Resolution in SLA', 'Median first response', 'Median resolution', 'Reopen rate', 'Satisfaction'].map((t) => h('th', { scope: 'col' }, t))),
          ),
          h(
            'tbody',
            {},
            ...report.agents.flatMap((a) => [
              h('tr', { 'data-agent': a.agentId }, h('th', { scope: 'row' }, a.name), ...agentCells(a)),
              ...a.byCategory.map((c) => h('tr', { class: 'agent-category', 'data-agent': a.agentId, 'data-category': c.id }, h('th', { scope: 'row', class: 'muted' }, `↳ ${c.label}`), ...agentCells(c))),
            ]),
          ),
        ),
    h('p', { class: 'muted' }, 'Handled: cases the agent resolved. Reopen rate: reopens of their resolutions ÷ handled. Medians are estimated from histogram buckets.'),
  );
}

export const dashboardView: View = async (ctx, params) => {
  const heading = h('h1', { tabindex: -1 }, 'Dashboard');
  if (!hasRole(ctx.session, 'lead', 'risk')) {
    replace(ctx.main, heading, notice('info', 'The dashboard is for leads and the risk team. Sign in with one of those roles to see it.'));
    ctx.arrive('Dashboard', heading);
    return undefined;
  }
  const cadence = params.get('cadence') === 'weekly' ? 'weekly' : 'daily';
  const toggle = h(
    'nav',
    { class: 'segmented', 'aria-label': 'Period' },
    h('a', { href: '#/dashboard', 'aria-current': cadence === 'daily' ? 'page' : null }, 'Today'),
    h('a', { href: '#/dashboard?cadence=weekly', 'aria-current': cadence === 'weekly' ? 'page' : null }, 'This week'),
  );
  const body = h('div', { class: 'dashboard' }, h('p', { class: 'muted' }, 'Loading…'));
  replace(ctx.main, h('div', { class: 'view-head' }, heading, toggle), body);
  ctx.arrive('Dashboard', heading);

  let report: Report;
  try {
    report = await ctx.api.currentReport(cadence);
  } catch (error) {
    replace(body, notice('error', `Could not load the numbers: ${error instanceof ApiError ? error.message : 'the API is unreachable'}`));
    return undefined;
  }
  const hl = report.headline;
  const refresh = h('button', { type: 'button', class: 'button subtle' }, 'Refresh');
  on(refresh, 'click', () => ctx.refresh());
  replace(
    body,
    h('p', { class: 'muted' }, `${report.title} · as of ${formatDateTime(report.asOf)} (${report.timeZone}) · compared with ${report.previousPeriod} `, refresh),
    h(
      'div',
      { class: 'metrics' },
      card('Cases opened', hl.opened),
      card('Cases resolved', hl.resolved),
      card('First response within SLA', hl.firstResponseSla),
      card('Resolution within SLA', hl.resolutionSla),
      card('First response p50', hl.firstResponseP50),
      card('Resolution p50', hl.resolutionP50),
      card('Repeat complaints', hl.repeatRate),
      card('Escalations started', hl.escalationsStarted),
      card('Internal escalations opened', report.internal.opened),
      card('Internal first response within target', report.internal.firstResponseTarget),
      card('Open backlog', { unit: 'count', current: report.backlog.total, previous: null, delta: null, changePct: null }),
      card('Satisfaction ratings', report.satisfaction.ratings),
      card('Average rating (1–5)', report.satisfaction.average),
    ),
    h(
      'div',
      { class: 'charts' },
      barChart(
        'Opened by category',
        report.byCategory.filter((c) => (c.opened.current ?? 0) > 0).map((c) => ({ label: c.label, value: c.opened.current ?? 0, ...(c.repeat > 0 && { note: `(${c.repeat} repeat)` }) })),
      ),
      barChart('Opened by channel', report.byChannel.map((c) => ({ label: c.label, value: c.opened.current ?? 0 }))),
      barChart('Open backlog by age', report.backlog.buckets.map((b) => ({ label: b.label, value: b.count }))),
      barChart('Escalations by tier', report.escalationByTier.map((t) => ({ label: t.label, value: t.count.current ?? 0 }))),
      barChart('Resolutions by outcome', report.outcomes.map((o) => ({ label: o.label, value: o.count }))),
      barChart('Ratings by score', report.satisfaction.byScore.filter((b) => b.count > 0).map((b) => ({ label: `${b.score} of 5`, value: b.count }))),
      barChart(
        'Last hour by category',
        report.trends.map((t) => ({ label: `${categoryLabel(t.category)}${t.surge ? ' ⚠ surge' : ''}`, value: t.lastHour, note: `(baseline ${t.baseline})` })),
      ),
    ),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'consults-title' },
      h('h2', { id: 'consults-title' }, 'Consults per team'),
      report.consults.length === 0
        ? h('p', { class: 'muted' }, 'No consults yet.')
        : h(
            'table',
            { class: 'consult-table' },
            h('thead', {}, h('tr', {}, ...['Team', 'Asked', 'Answered', 'Median turnaround (business)', 'Within target', 'Overdue'].map((t) => h('th', { scope: 'col' }, t)))),
            h(
              'tbody',
              {},
              ...report.consults.map((t) =>
                h(
                  'tr',
                  { 'data-team': t.team },
                  h('th', { scope: 'row' }, t.team),
                  h('td', {}, String(t.asked)),
                  h('td', {}, String(t.answered)),
                  h('td', {}, t.medianTurnaroundMinutes === null ? '—' : formatMetric({ unit: 'minutes', current: t.medianTurnaroundMinutes, previous: null, delta: null, changePct: null })),
                  h('td', {}, t.withinTarget === null ? '—' : `${t.withinTarget.toFixed(t.withinTarget % 1 === 0 ? 0 : 1)}%`),
                  h('td', {}, String(t.escalated)),
                ),
              ),
            ),
          ),
    ),
    agentPanel(report),
    report.openIncidents.length
      ? h(
          'section',
          { class: 'panel', 'aria-labelledby': 'incidents-title' },
          h('h2', { id: 'incidents-title' }, 'Surge incidents'),
          h('ul', {}, ...report.openIncidents.map((i) => h('li', {}, `${categoryLabel(i.category)}: ${i.lastHour} in an hour (baseline ${i.baseline}), ${i.status}, detected ${formatDateTime(i.detectedAt)}`))),
        )
      : null,
    report.topConsumerCases.length
      ? h(
          'section',
          { class: 'panel', 'aria-labelledby': 'top-title' },
          h('h2', { id: 'top-title' }, 'Top-consumer cases'),
          h(
            'ul',
            { class: 'earlier-list' },
            ...report.topConsumerCases.map((t) =>
              h('li', {}, priorityBadge(t.priority as Priority), ' ', h('a', { href: `#/cases/${encodeURIComponent(t.caseId)}`, class: 'case-ref' }, t.reference), ' ', h('span', {}, t.subject), h('span', { class: 'muted' }, ` · ${t.tier} · ${t.status}`)),
            ),
          ),
        )
      : null,
  );
  return undefined;
};
