// Small pieces the console's views share: badges, live countdowns, notices.
import type { CaseRecord } from '#domain/case.ts';
import { cloudNow } from './api.ts';
import { h } from '../dom.ts';
import { DUE_SOON_MS, formatDateTime, formatDuration, PRIORITY_LABELS, slaState, STATUS_LABELS } from './format.ts';

export const priorityBadge = (p: CaseRecord['priority']) => h('span', { class: `badge priority-${p.toLowerCase()}`, title: PRIORITY_LABELS[p] }, p);
export const statusBadge = (s: CaseRecord['status']) => h('span', { class: `badge status-${s}` }, STATUS_LABELS[s]);

/** A <time> that counts down to `dueAt` on the cloud's clock; one timer updates them all. */
export function countdown(dueAt: number, label?: string): HTMLTimeElement {
  const el = h('time', { class: 'countdown', datetime: new Date(dueAt).toISOString(), 'data-due': dueAt, title: `Due ${formatDateTime(new Date(dueAt).toISOString())}` });
  if (label) el.dataset.label = label;
  paint(el, cloudNow());
  return el;
}

function paint(el: HTMLElement, now: number): void {
  const due = Number(el.dataset.due);
  const left = due - now;
  const label = el.dataset.label ? `${el.dataset.label} ` : '';
  el.textContent = left >= 0 ? `${label}due in ${formatDuration(left)}` : `${label}overdue by ${formatDuration(left)}`;
  el.classList.toggle('overdue', left < 0);
  el.classList.toggle('soon', left >= 0 && left < DUE_SOON_MS);
}

setInterval(() => {
  const now = cloudNow();
  for (const el of document.querySelectorAll<HTMLElement>('time.countdown[data-due]')) paint(el, now);
}, 1000);

/** The SLA cell of a queue row or the case header. */
export function slaCell(c: Pick<CaseRecord, 'status' | 'deadlines' | 'sla' | 'firstRespondedAt'>): HTMLElement {
  const s = slaState(c);
  if (s.state === 'done') return h('span', { class: 'sla-done' }, '—');
  if (s.state === 'paused') return h('span', { class: 'sla-paused' }, 'paused (waiting on requester)');
  return h('span', { class: 'sla' }, countdown(s.dueAt, s.which === 'first response' ? 'first response' : 'resolution'), s.breached ? h('span', { class: 'badge breached' }, 'breached') : null);
}

export type NoticeKind = 'info' | 'error' | 'success';

/** A message in a region screen readers announce. */
export function notice(kind: NoticeKind, ...children: (Node | string)[]): HTMLElement {
  return h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status', tabindex: -1 }, ...children);
}
