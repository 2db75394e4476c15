// "Open an incident" on the queue, for leads and the risk team: a title, what is going on and the category
// it concerns, checked by the API's own schema (events/incident.ts) before anything is sent, then
// POST /incidents with an Idempotency-Key made once per form (a double click opens one incident) and on
// to the new incident's page, where cases are linked and resolved together.
import { CATEGORIES } from '#domain/case.ts';
import { parseNewIncident } from '#events/incident.ts';
import { h, on, replace } from '../dom.ts';
import { ApiError } from './api.ts';
import { hasRole } from './auth.ts';
import { showFieldErrors } from './case-view.ts';
import { categoryLabel } from './format.ts';
import { notice } from './ui.ts';
import type { ViewContext } from './view.ts';

let seq = 0;
function field(label: string, control: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement): HTMLElement {
  const id = `incident-f${++seq}`;
  control.id = id;
  return h('div', { class: 'field', 'data-field': control.name }, h('label', { for: id }, label), h('p', { class: 'error', id: `${id}-error`, hidden: true }), control);
}

export function incidentForm(ctx: ViewContext): HTMLElement | null {
  if (!hasRole(ctx.session, 'lead', 'risk')) return null;
  const key = crypto.randomUUID();
  const notices = h('div', { class: 'notices' });
  const submit = h('button', { type: 'submit', class: 'button' }, 'Open incident');
  const form = h(
    'form',
    { class: 'action-form incident-form', novalidate: true },
    field('Title', h('input', { name: 'title', type: 'text', required: true })),
    field('What is going on', h('textarea', { name: 'message', rows: 3, required: true })),
    field('Category (optional)', h('select', { name: 'category' }, h('option', { value: '' }, 'None'), ...CATEGORIES.map((c) => h('option', { value: c }, categoryLabel(c))))),
    submit,
  );
  on(form, 'submit', (event) => {
    event.preventDefault();
    const body: Record<string, string> = {};
    for (const [k, v] of new FormData(form)) if (typeof v === 'string' && v.trim() !== '') body[k] = v;
    const parsed = parseNewIncident(body);
    showFieldErrors(form, parsed.ok ? [] : parsed.problems);
    if (!parsed.ok) return;
    submit.disabled = true;
    ctx.api.openIncident(body, key).then(
      (opened) => ctx.navigate(`#/cases/${encodeURIComponent(opened.caseId)}`),
      (error: unknown) => {
        submit.disabled = false;
        if (error instanceof ApiError && error.status === 400 && error.fields.length) return showFieldErrors(form, error.fields);
        replace(notices, notice('error', `Could not open the incident: ${(error as Error).message}`));
      },
    );
  });
  return h('details', { class: 'action open-incident' }, h('summary', {}, 'Open an incident'), notices, form);
}
