// The internal reporter's view (role internal): the escalations they opened or are named on, newest first,
// with their state and first-response countdown; each opens the case page, where they may escalate it.
import { h, replace } from '../dom.ts';
import { ApiError, type CaseSummary } from './api.ts';
import { categoryLabel, formatDateTime } from './format.ts';
import { notice, priorityBadge, slaCell, statusBadge } from './ui.ts';
import type { View } from './view.ts';

export const mineView: View = async (ctx) => {
  const heading = h('h1', { tabindex: -1 }, 'My escalations');
  const results = h('div', { class: 'queue-results' }, h('p', { class: 'muted' }, 'Loading…'));
  replace(
    ctx.main,
    h('div', { class: 'view-head' }, heading),
    h('p', { class: 'muted' }, 'Cases you escalated to Trust & Experience, or were named on. Open one to follow it or to escalate it further.'),
    results,
  );
  ctx.arrive('My escalations', heading);
  let items: CaseSummary[];
  try {
    items = (await ctx.api.ownCases()).items;
  } catch (error) {
    replace(results, notice('error', error instanceof ApiError ? `Could not load your escalations: ${error.message}` : 'Could not reach the API.'));
    return undefined;
  }
  if (items.length === 0) {
    replace(results, h('p', { class: 'empty' }, 'You have no escalations yet.'));
    return undefined;
  }
  const rows = items.map((c) =>
    h(
      'tr',
      { 'data-case-id': c.caseId },
      h('td', { class: 'col-sla' }, slaCell(c)),
      h('td', {}, priorityBadge(c.priority)),
      h('td', { class: 'col-case' }, h('a', { href: `#/cases/${encodeURIComponent(c.caseId)}`, class: 'case-ref' }, c.reference), h('span', { class: 'case-subject' }, c.subject)),
      h('td', {}, categoryLabel(c.category)),
      h('td', {}, statusBadge(c.status)),
      h('td', {}, h('time', { datetime: c.openedAt }, formatDateTime(c.openedAt))),
    ),
  );
  replace(
    results,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'queue mine' },
        h('caption', { class: 'visually-hidden' }, 'Your escalations, newest first'),
        h('thead', {}, h('tr', {}, ...['SLA', 'Priority', 'Case', 'Category', 'Status', 'Opened'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows),
      ),
    ),
  );
  return undefined;
};
