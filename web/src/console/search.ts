// Search results (#/search?q=…): the cases an exact key names — reference, case id, requester email, user id,
// transaction id. An exact reference or case id opens its case at once; any other term shows the list.
import { h, replace } from '../dom.ts';
import { ApiError } from './api.ts';
import { categoryLabel, formatDateTime } from './format.ts';
import { notice, priorityBadge, statusBadge } from './ui.ts';
import type { View } from './view.ts';

const KEY_TEXT: Record<string, string> = { reference: 'reference', caseId: 'case id', email: 'requester email', userId: 'user id', transactionId: 'transaction id' };

export const searchView: View = async (ctx, params) => {
  const q = (params.get('q') ?? '').trim();
  const heading = h('h1', { tabindex: -1 }, 'Search');
  replace(ctx.main, heading, h('p', { class: 'muted', role: 'status' }, 'Searching…'));
  ctx.arrive('Search', heading);
  if (!q) {
    replace(ctx.main, heading, notice('info', 'Type a reference, a case id, an email address, a user id or a transaction id in the search box.'));
    return undefined;
  }
  let found: Awaited<ReturnType<typeof ctx.api.searchCases>>;
  try {
    found = await ctx.api.searchCases(q);
  } catch (error) {
    const message = error instanceof ApiError && error.fields.length > 0 ? error.fields.map((f) => `${f.field} ${f.message}`).join('; ') : (error as Error).message;
    replace(ctx.main, heading, notice('error', `The search failed: ${message}`));
    return undefined;
  }
  const only = found.items.length === 1 ? found.items[0] : undefined;
  if (only?.matchedBy.some((by) => by === 'reference' || by === 'caseId')) {
    location.replace(`#/cases/${encodeURIComponent(only.caseId)}`);
    return undefined;
  }
  const summary = h('p', { class: 'muted', role: 'status' }, found.items.length === 0 ? 'No case has that key. ' : `${found.items.length} case${found.items.length === 1 ? '' : 's'} for `, h('q', { class: 'search-term' }, q));
  if (found.items.length === 0) {
    replace(ctx.main, heading, summary);
    return undefined;
  }
  const rows = found.items.map((c) =>
    h(
      'tr',
      { 'data-case-id': c.caseId },
      h('td', { class: 'col-case' }, h('a', { href: `#/cases/${encodeURIComponent(c.caseId)}`, class: 'case-ref' }, c.reference), h('span', { class: 'case-subject' }, c.subject)),
      h('td', {}, priorityBadge(c.priority)),
      h('td', {}, statusBadge(c.status)),
      h('td', {}, categoryLabel(c.category)),
      h('td', {}, c.requesterEmail),
      h('td', {}, c.matchedBy.map((by) => KEY_TEXT[by] ?? by).join(', ')),
      h('td', {}, h('time', { datetime: c.openedAt }, formatDateTime(c.openedAt))),
    ),
  );
  const table = h(
    'table',
    { class: 'queue search-results' },
    h('caption', { class: 'visually-hidden' }, 'Cases found, newest first'),
    h('thead', {}, h('tr', {}, ...['Case', 'Priority', 'Status', 'Category', 'Requester', 'Found by', 'Opened'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows),
  );
  replace(ctx.main, heading, summary, h('div', { class: 'table-wrap' }, table));
  return undefined;
};
