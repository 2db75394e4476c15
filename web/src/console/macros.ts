// The macros page (leads): the team's canned replies, each editable on the version shown (a 409 says another
// lead saved it first) or deleted, and a form for a new one. The API's own parser (events/macro.ts) checks a
// macro here first, so an unknown placeholder is named next to the body before anything is sent. Every
// value is put on the page as text.
import { CATEGORIES, OUTCOMES, PRIORITIES } from '#domain/case.ts';
import { MACRO_STATUS_ACTIONS, PLACEHOLDERS } from '#domain/macro.ts';
import { parseMacroInput } from '#events/macro.ts';
import { h, on, replace } from '../dom.ts';
import { ApiError, type MacroRecord } from './api.ts';
import { hasRole } from './auth.ts';
import { notice } from './ui.ts';
import type { View, ViewContext } from './view.ts';

let seq = 0;

function field(label: string, control: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, hint?: string): HTMLElement {
  const id = `m${++seq}`;
  control.id = id;
  return h('div', { class: 'field', 'data-field': control.name }, h('label', { for: id }, label), hint ? h('p', { class: 'hint' }, hint) : null, h('p', { class: 'error', hidden: true }), control);
}
const choice = (name: string, values: readonly string[], current?: string) =>
  h('select', { name }, h('option', { value: '' }, '(unchanged)'), ...values.map((v) => h('option', { value: v, selected: v === current }, v)));

/** The macro the form holds, in the API's shape. */
function read(form: HTMLFormElement): Record<string, unknown> {
  const data = new FormData(form);
  const text = (k: string) => String(data.get(k) ?? '').trim();
  const changes: Record<string, string> = {};
  for (const k of ['status', 'outcome', 'category', 'priority', 'assignee']) if (text(k)) changes[k] = text(k);
  const fallbacks: Record<string, string> = {};
  for (const line of text('fallbacks').split('\n')) {
    const [key, ...rest] = line.split('=');
    if (key?.trim() && rest.length) fallbacks[key.trim()] = rest.join('=').trim();
  }
  return { name: text('name'), body: String(data.get('body') ?? ''), fallbacks, changes, categories: data.getAll('categories').map(String) };
}

function showErrors(form: HTMLFormElement, problems: { field: string; message: string }[]): void {
  for (const wrapper of form.querySelectorAll<HTMLElement>('.field')) {
    const name = wrapper.dataset.field ?? '';
    const problem = problems.find((p) => p.field === name || p.field.startsWith(`${name}.`) || (name === 'status' && p.field.startsWith('changes.')));
    const error = wrapper.querySelector<HTMLElement>('.error');
    if (!error) continue;
    error.textContent = problem ? `${problem.field} ${problem.message}` : '';
    error.hidden = !problem;
  }
}

function macroForm(ctx: ViewContext, notices: HTMLElement, macro?: MacroRecord): HTMLFormElement {
  const categories = h('select', { name: 'categories', multiple: true, size: 4 }, ...CATEGORIES.map((c) => h('option', { value: c, selected: macro?.categories.includes(c) ?? false }, c)));
  const submit = h('button', { type: 'submit', class: 'button primary' }, macro ? 'Save' : 'Create macro');
  const form = h(
    'form',
    { class: 'macro-form', 'data-macro-id': macro?.macroId ?? '', novalidate: true },
    field('Name', h('input', { name: 'name', type: 'text', value: macro?.name ?? '' })),
    field('Body', h('textarea', { name: 'body', rows: 5 }, macro?.body ?? ''), `Placeholders: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(' ')}`),
    field('Fallbacks', h('textarea', { name: 'fallbacks', rows: 2 }, Object.entries(macro?.fallbacks ?? {}).map(([k, v]) => `${k}=${v}`).join('\n')), 'One per line: requester.name=there'),
    field('Then', choice('status', MACRO_STATUS_ACTIONS, macro?.changes.status)),
    field('Outcome (with resolve)', choice('outcome', OUTCOMES, macro?.changes.outcome)),
    field('Category', choice('category', CATEGORIES, macro?.changes.category)),
    field('Priority', choice('priority', PRIORITIES, macro?.changes.priority)),
    field('Assignee', h('input', { name: 'assignee', type: 'text', value: macro?.changes.assignee ?? '' })),
    field('Fits the categories', categories),
    submit,
  );
  on(form, 'submit', (event) => {
    event.preventDefault();
    const body = read(form);
    const parsed = parseMacroInput(body);
    showErrors(form, parsed.ok ? [] : parsed.problems);
    if (!parsed.ok) return;
    submit.disabled = true;
    ctx.api.saveMacro(macro ? { ...body, expectedVersion: macro.version } : body, macro?.macroId).then(
      () => ctx.refresh(),
      (error: unknown) => {
        submit.disabled = false;
        if (error instanceof ApiError && error.status === 400) return showErrors(form, error.fields);
        replace(notices, notice('error', error instanceof ApiError && error.status === 409 ? 'Another lead saved this macro first — reload' : `Could not save: ${(error as Error).message}`));
      },
    );
  });
  return form;
}

export const macrosView: View = async (ctx) => {
  const heading = h('h1', { tabindex: -1 }, 'Macros');
  const notices = h('div', { class: 'notices' });
  if (!hasRole(ctx.session, 'lead')) {
    replace(ctx.main, heading, notice('error', 'Only leads manage macros.'));
    ctx.arrive('Macros', heading);
    return undefined;
  }
  let items: MacroRecord[] = [];
  try {
    items = (await ctx.api.listMacros()).items;
  } catch (error) {
    replace(ctx.main, heading, notice('error', `Could not load the macros: ${(error as Error).message}`));
    ctx.arrive('Macros', heading);
    return undefined;
  }
  const list = items.map((m) => {
    const remove = h('button', { type: 'button', class: 'button' }, 'Delete');
    on(remove, 'click', () => {
      ctx.api.deleteMacro(m.macroId).then(
        () => ctx.refresh(),
        (error: unknown) => replace(notices, notice('error', `Could not delete: ${(error as Error).message}`)),
      );
    });
    return h('details', { class: 'macro', 'data-macro-id': m.macroId }, h('summary', {}, `${m.name} (version ${m.version})`), macroForm(ctx, notices, m), remove);
  });
  replace(
    ctx.main,
    heading,
    notices,
    h('section', { class: 'panel' }, h('h2', {}, 'New macro'), macroForm(ctx, notices)),
    h('section', { class: 'panel' }, h('h2', {}, 'The team’s macros'), list.length ? h('div', {}, ...list) : h('p', { class: 'muted' }, 'No macros yet.')),
  );
  ctx.arrive('Macros', heading);
  return undefined;
};
