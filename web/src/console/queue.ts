// The queue: open cases, most urgent first, with live SLA countdowns and the filters agents use; a checkbox
// per row and a bulk bar (./bulk.ts) act on the ticked rows at once, each row then showing its own result;
// leads and the risk team also open incidents by hand here (incident-form.ts).
import { CASE_STATUSES, CATEGORIES, CHANNELS, PRIORITIES } from '#domain/case.ts';
import { h, on, replace } from '../dom.ts';
import { ApiError, cloudNow, type BulkCaseResult, type CaseSummary } from './api.ts';
import { agentName, hasRole } from './auth.ts';
import { bulkBar, RESULT_TEXT } from './bulk.ts';
import { byUrgency, categoryLabel, DUE_SOON_MS, formatDateTime, slaState, STATUS_LABELS } from './format.ts';
import { incidentForm } from './incident-form.ts';
import { notice, priorityBadge, slaCell, statusBadge } from './ui.ts';
import type { View } from './view.ts';

const REFRESH_MS = 30_000;

interface Filters {
  status: string; // 'open' | 'any' | a status
  priority: string;
  category: string;
  assignee: string; // '' | 'none' | 'me'
  sla: string; // '' | 'breached' | 'soon'
  channel: string; // '' | a channel (internal: escalations from other teams)
  top: string; // '' | 'true': top consumers only
}

const filtersFrom = (p: URLSearchParams): Filters => ({
  status: p.get('status') ?? 'open',
  priority: p.get('priority') ?? '',
  category: p.get('category') ?? '',
  assignee: p.get('assignee') ?? '',
  sla: p.get('sla') ?? '',
  channel: p.get('channel') ?? '',
  top: p.get('top') ?? '',
});

const CHANNEL_TEXT: Record<(typeof CHANNELS)[number], string> = { web: 'Web form', email: 'Email', system: 'Surge detection', internal: 'Internal escalation' };

function select(name: string, label: string, value: string, options: [string, string][]): HTMLElement {
  const el = h('select', { id: `filter-${name}`, name }, ...options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
  return h('div', { class: 'filter' }, h('label', { for: `filter-${name}` }, label), el);
}

export const queueView: View = async (ctx, params) => {
  const filters = filtersFrom(params);
  const heading = h('h1', { tabindex: -1 }, filters.status === 'pending_approval' ? 'Pending approvals' : 'Queue');
  const status = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
  const results = h('div', { class: 'queue-results' });
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter the queue' },
    select('status', 'Status', filters.status, [
      ['open', 'Open'],
      ['any', 'Any'],
      ...CASE_STATUSES.map((s): [string, string] => [s, STATUS_LABELS[s]]),
    ]),
    select('priority', 'Priority', filters.priority, [['', 'Any'], ...PRIORITIES.map((p): [string, string] => [p, p])]),
    select('category', 'Category', filters.category, [['', 'Any'], ...CATEGORIES.map((c): [string, string] => [c, categoryLabel(c)])]),
    select('assignee', 'Assignee', filters.assignee, [
      ['', 'Anyone'],
      ['none', 'Unassigned'],
      ['me', 'Me'],
    ]),
    select('sla', 'SLA', filters.sla, [
      ['', 'Any'],
      ['breached', 'Breached'],
      ['soon', 'Due within 4 h or overdue'],
    ]),
    select('channel', 'From', filters.channel, [['', 'Anywhere'], ...CHANNELS.map((c): [string, string] => [c, CHANNEL_TEXT[c]])]),
    select('top', 'Requester', filters.top, [
      ['', 'Anyone'],
      ['true', 'Top consumers'],
    ]),
    h('button', { type: 'submit', class: 'button' }, 'Apply'),
  );
  on(form, 'change', () => form.requestSubmit());
  on(form, 'submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const query = new URLSearchParams();
    for (const [k, v] of data) if (typeof v === 'string' && v !== '' && !(k === 'status' && v === 'open')) query.set(k, v);
    ctx.navigate(`#/queue${query.size ? `?${query}` : ''}`);
  });
  const refreshButton = h('button', { type: 'button', class: 'button subtle' }, 'Refresh');
  // Ticked rows (by case id) and the last bulk action's answer per row, kept across refreshes.
  const ticked = new Set<string>();
  const bulkResults = new Map<string, BulkCaseResult>();
  const canBulk = hasRole(ctx.session, 'agent', 'lead', 'risk');
  const bar = bulkBar(ctx.api, (answers) => {
    for (const r of answers) {
      bulkResults.set(r.caseId, r);
      if (r.status === 'applied') ticked.delete(r.caseId);
    }
    void load(false);
  });
  const selectedRows = () => items.filter((c) => ticked.has(c.caseId));
  replace(ctx.main, h('div', { class: 'view-head' }, heading, refreshButton), filters.status === 'pending_approval' ? '' : (incidentForm(ctx) ?? ''), form, status, canBulk ? bar.element : null, results);
  ctx.arrive('Queue', heading);

  // The API filters what it can; "open" and "due soon" are decided here, on the cloud's clock.
  const serverFilter: Record<string, string> = {};
  if (filters.status !== 'open' && filters.status !== 'any') serverFilter.status = filters.status;
  if (filters.priority) serverFilter.priority = filters.priority;
  if (filters.category) serverFilter.category = filters.category;
  if (filters.assignee) serverFilter.assignee = filters.assignee === 'me' ? agentName(ctx.session) : filters.assignee;
  if (filters.sla === 'breached') serverFilter.breached = 'true';
  if (filters.channel) serverFilter.channel = filters.channel;
  if (filters.top === 'true') serverFilter.topConsumer = 'true';
  const keep = (c: CaseSummary) => {
    if (filters.status === 'open' && (c.status === 'resolved' || c.status === 'closed')) return false;
    if (filters.sla === 'soon') {
      const s = slaState(c);
      return s.state === 'running' && s.dueAt - cloudNow() < DUE_SOON_MS;
    }
    return true;
  };

  let items: CaseSummary[] = [];
  let cursor: string | undefined;
  let loading = false;

  const render = () => {
    const shown = items.filter(keep).sort(byUrgency);
    status.textContent = `${shown.length} case${shown.length === 1 ? '' : 's'}${cursor ? ' (more to load)' : ''}, most urgent first`;
    const more = cursor ? h('button', { type: 'button', class: 'button' }, 'Load more') : null;
    if (more) on(more, 'click', () => void load(true));
    if (shown.length === 0) {
      replace(results, h('p', { class: 'empty' }, 'No cases match these filters.'), more);
      return;
    }
    const tick = (c: CaseSummary) => {
      const box = h('input', { type: 'checkbox', class: 'row-select', 'aria-label': `Select ${c.reference}`, checked: ticked.has(c.caseId) });
      on(box, 'change', () => {
        if (box.checked) ticked.add(c.caseId);
        else ticked.delete(c.caseId);
        bar.update(selectedRows());
        all.checked = shown.every((s) => ticked.has(s.caseId));
      });
      return h('td', { class: 'col-select' }, box);
    };
    const all = h('input', { type: 'checkbox', class: 'select-all', 'aria-label': 'Select every case shown', checked: shown.every((c) => ticked.has(c.caseId)) });
    on(all, 'change', () => {
      for (const c of shown) if (all.checked) ticked.add(c.caseId);
      else ticked.delete(c.caseId);
      for (const box of results.querySelectorAll<HTMLInputElement>('input.row-select')) box.checked = all.checked;
      bar.update(selectedRows());
    });
    const resultBadge = (c: CaseSummary) => {
      const r = bulkResults.get(c.caseId);
      if (!r) return null;
      return h('span', { class: `badge bulk-result bulk-${r.status}`, title: r.reason ?? null, 'data-bulk-status': r.status }, RESULT_TEXT[r.status], r.reason && r.status !== 'applied' && r.status !== 'conflict' ? `: ${r.reason}` : null);
    };
    const rows = shown.map((c) =>
      h(
        'tr',
        { 'data-case-id': c.caseId, class: c.sla.firstResponseBreached || c.sla.resolutionBreached ? 'is-breached' : null },
        canBulk ? tick(c) : null,
        h('td', { class: 'col-sla' }, slaCell(c)),
        h('td', {}, priorityBadge(c.priority)),
        h(
          'td',
          { class: 'col-case' },
          h('a', { href: `#/cases/${encodeURIComponent(c.caseId)}`, class: 'case-ref' }, c.reference),
          c.channel === 'internal' ? h('span', { class: 'badge internal', title: `Escalated by ${c.internalReporter ?? 'another team'}` }, 'internal') : null,
          c.topConsumer ? h('span', { class: 'badge top-consumer', title: 'A top consumer: first response due sooner' }, 'top consumer') : null,
          c.openConsults ? h('span', { class: `badge consult${c.blockedOnConsult ? ' blocking' : ''}` }, c.blockedOnConsult ? 'waiting on a team' : `${c.openConsults} consult${c.openConsults === 1 ? '' : 's'} open`) : null,
          h('span', { class: 'case-subject' }, c.subject),
          resultBadge(c),
        ),
        h('td', {}, categoryLabel(c.category)),
        h('td', {}, statusBadge(c.status), c.escalation?.status === 'active' ? h('span', { class: 'badge escalated' }, `escalated ${c.escalation.tier ?? c.escalation.startTier}`) : null, c.requesterUndeliverable ? (c.requesterUndeliverable.status === 'complaint' ? h('span', { class: 'badge breached', title: 'The requester reported an email as spam' }, 'email reported as spam') : h('span', { class: 'badge breached', title: 'Email to the requester bounced' }, 'email bounced')) : null),
        h('td', {}, c.assignee ?? h('span', { class: 'muted' }, 'unassigned')),
        h('td', { class: 'num' }, String(c.riskScore)),
        h('td', {}, h('time', { datetime: c.openedAt }, formatDateTime(c.openedAt))),
      ),
    );
    const table = h(
      'table',
      { class: 'queue' },
      h('caption', { class: 'visually-hidden' }, 'Cases, most urgent first'),
      h(
        'thead',
        {},
        h('tr', {}, canBulk ? h('th', { scope: 'col', class: 'col-select' }, all) : null, ...['SLA', 'Priority', 'Case', 'Category', 'Status', 'Assignee', 'Risk', 'Opened'].map((t) => h('th', { scope: 'col' }, t))),
      ),
      h('tbody', {}, rows),
    );
    replace(results, h('div', { class: 'table-wrap' }, table), more);
    bar.update(selectedRows());
  };

  const load = async (next: boolean) => {
    if (loading) return;
    loading = true;
    try {
      const page = await ctx.api.listCases(serverFilter, next ? cursor : undefined);
      items = next ? [...items, ...page.items] : page.items;
      cursor = page.cursor;
      render();
    } catch (error) {
      replace(results, notice('error', error instanceof ApiError ? `Could not load the queue: ${error.message}` : 'Could not reach the API.'));
    } finally {
      loading = false;
    }
  };
  on(refreshButton, 'click', () => void load(false));
  await load(false);
  const timer = setInterval(() => {
    if (!cursor) void load(false);
  }, REFRESH_MS);
  return () => clearInterval(timer);
};
