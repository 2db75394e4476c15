// One account (#/users/<id>): its profile, its ledger summary in the last 90 days, and every case it is on —
// as requester or as a creator an agency case names — each linking to the case. Agent roles only; the
// requester panel and an internal case's creators link here.
import type { ByCurrency } from '#domain/ledger/summary.ts';
import { h, replace } from '../dom.ts';
import { ApiError, type UserView } from './api.ts';
import { categoryLabel, formatAmount, formatDateTime, OUTCOME_LABELS } from './format.ts';
import { notice, priorityBadge, statusBadge } from './ui.ts';
import type { View } from './view.ts';

const money = (sums: ByCurrency): string => {
  const entries = Object.entries(sums);
  return entries.length ? entries.map(([currency, amount]) => formatAmount(amount, currency)).join(' + ') : '—';
};
const counted = (x: { count: number; amount: ByCurrency }) => `${x.count} · ${money(x.amount)}`;

const dl = (rows: [string, string | undefined][]) =>
  h('dl', { class: 'facts' }, ...rows.filter(([, v]) => v !== undefined && v !== '').flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v!)]));

export const userView: View = async (ctx, _params, userId = '') => {
  const heading = h('h1', { tabindex: -1 }, `Account ${userId}`);
  replace(ctx.main, heading, h('p', { class: 'muted', role: 'status' }, 'Loading…'));
  ctx.arrive(`Account ${userId}`, heading);
  let view: UserView;
  try {
    view = await ctx.api.getUser(userId);
  } catch (error) {
    const message = error instanceof ApiError && error.fields.length > 0 ? error.fields.map((f) => `${f.field} ${f.message}`).join('; ') : (error as Error).message;
    replace(ctx.main, heading, notice('error', `The account could not be read: ${message}`));
    return undefined;
  }
  const p = view.profile;
  const text = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
  const profile = h(
    'section',
    { class: 'panel user-profile', 'aria-label': 'Profile' },
    h('h2', {}, 'Profile'),
    p
      ? dl([
          ['Name', text(p.name)],
          ['Email', text(p.email)],
          ['Value tier', text(p.tier)],
          ['Lifetime spend', typeof p.lifetimeSpend === 'number' ? formatAmount(p.lifetimeSpend, 'USD') : undefined],
        ])
      : h('p', { class: 'muted' }, 'No profile for this account.'),
  );
  const l = view.ledger;
  const payouts = Object.entries(l.payouts.byStatus).map(([status, x]) => `${status} ${counted(x!)}`);
  const ledger = h(
    'section',
    { class: 'panel user-ledger', 'aria-label': 'Ledger' },
    h('h2', {}, 'Ledger'),
    h('p', { class: 'muted' }, `Since ${formatDateTime(l.since)}`),
    dl([
      ['Spend', money(l.spend)],
      ['Refunds', counted(l.refunds)],
      ['Chargebacks open', counted(l.chargebacks.open)],
      ['Chargebacks closed', counted(l.chargebacks.closed)],
      ['Payouts', payouts.length ? payouts.join('; ') : '—'],
      ['Last payout failure', l.payouts.lastFailureReason ?? undefined],
    ]),
  );
  const rows = view.cases.map((c) =>
    h(
      'tr',
      { 'data-case-id': c.caseId },
      h('td', { class: 'col-case' }, h('a', { href: `#/cases/${encodeURIComponent(c.caseId)}`, class: 'case-ref' }, c.reference)),
      h('td', {}, c.role === 'creator' ? 'creator' : 'requester'),
      h('td', {}, priorityBadge(c.priority)),
      h('td', {}, statusBadge(c.status)),
      h('td', {}, categoryLabel(c.category)),
      h('td', {}, c.channel),
      h('td', {}, c.outcome ? (OUTCOME_LABELS[c.outcome] ?? c.outcome) : '—'),
      h('td', {}, h('time', { datetime: c.openedAt }, formatDateTime(c.openedAt))),
    ),
  );
  const cases = h(
    'section',
    { class: 'panel user-cases', 'aria-label': 'Cases' },
    h('h2', {}, `Cases (${view.cases.length})`),
    view.cases.length
      ? h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'queue user-cases-table' },
            h('caption', { class: 'visually-hidden' }, 'Cases of this account, newest first'),
            h('thead', {}, h('tr', {}, ...['Case', 'Role', 'Priority', 'Status', 'Category', 'Channel', 'Outcome', 'Opened'].map((t) => h('th', { scope: 'col' }, t)))),
            h('tbody', {}, rows),
          ),
        )
      : h('p', { class: 'muted' }, 'No cases.'),
  );
  replace(ctx.main, h('p', { class: 'back' }, h('a', { href: '#/queue' }, '← Queue')), heading, profile, ledger, cases);
  return undefined;
};
