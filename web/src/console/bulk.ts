// The queue's bulk bar: one action (BULK_ACTION_TYPES, the API's own list) for the rows an agent ticked, sent
// as one POST /cases/bulk with each row's version. The body is checked in the page by the API's own parser
// (events/bulk-action.ts), so a bad field is named before anything is sent; each row then shows its own
// result (applied, or why not). One Idempotency-Key per body: pressing Apply again after a lost answer
// (a timeout, a dropped connection) is answered from the first attempt and applies nothing twice.
import { OUTCOMES } from '#domain/case.ts';
import { ACTION_FIELDS } from '#events/agent-action.ts';
import { BULK_ACTION_TYPES, type BulkActionType, MAX_BULK_CASES, parseBulkRequest } from '#events/bulk-action.ts';
import { h, on, replace } from '../dom.ts';
import { ApiError, type Api, type BulkCaseResult, type CaseSummary, type MacroRecord } from './api.ts';
import { OUTCOME_LABELS } from './format.ts';
import { notice } from './ui.ts';

const ACTION_LABELS: Record<BulkActionType, string> = { assign: 'Assign', 'apply-macro': 'Apply macro', note: 'Add a note', resolve: 'Resolve', 'link-incident': 'Link to incident' };

/** What a row's result says (the API's status words, for people). */
export const RESULT_TEXT: Record<BulkCaseResult['status'], string> = {
  applied: 'done',
  conflict: 'changed by someone else meanwhile — check it, then apply again',
  forbidden: 'not allowed',
  refused: 'refused',
  not_found: 'no such case',
  failed: 'failed — try again',
};

let seq = 0;
const field = (label: string, control: HTMLElement) => {
  const id = `bulk-f${++seq}`;
  control.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), control);
};

export interface BulkBar {
  element: HTMLElement;
  /** Redraw for the rows ticked now (hidden when none). */
  update(selected: CaseSummary[]): void;
}

export function bulkBar(api: Api, onResults: (results: BulkCaseResult[]) => void): BulkBar {
  let selected: CaseSummary[] = [];
  let macros: MacroRecord[] | undefined;
  let lastBody = '';
  let lastKey = '';
  const count = h('strong', { class: 'bulk-count' });
  const type = h('select', { name: 'type' }, ...BULK_ACTION_TYPES.map((t) => h('option', { value: t }, ACTION_LABELS[t])));
  const fields = h('div', { class: 'bulk-fields' });
  const message = h('div', { class: 'bulk-message', 'aria-live': 'polite' });
  const apply = h('button', { type: 'submit', class: 'button primary' }, 'Apply to selected');
  const form = h('form', { class: 'bulk-bar', 'aria-label': 'Act on the selected cases', novalidate: true, hidden: true }, count, field('Action', type), fields, apply, message);

  const drawFields = () => {
    const t = type.value as BulkActionType;
    // A type without its own fields below (one added to BULK_ACTION_TYPES later): a text box per field.
    if (!(['assign', 'note', 'resolve', 'apply-macro'] as string[]).includes(t)) replace(fields, ...Object.keys(ACTION_FIELDS[t]).map((name) => field(name, h('input', { name, autocomplete: 'off' }))));
    if (t === 'assign') replace(fields, field('Assignee', h('input', { name: 'assignee', autocomplete: 'off' })));
    if (t === 'note') replace(fields, field('Note', h('textarea', { name: 'note', rows: 2 })));
    if (t === 'resolve') {
      replace(
        fields,
        field('Outcome', h('select', { name: 'outcome' }, ...OUTCOMES.map((o) => h('option', { value: o }, OUTCOME_LABELS[o] ?? o)))),
        field('Summary (optional, emailed)', h('textarea', { name: 'summary', rows: 2 })),
      );
    }
    if (t === 'apply-macro') {
      const select = h('select', { name: 'macroId' }, ...(macros ?? []).map((m) => h('option', { value: m.macroId }, m.name)));
      replace(fields, field('Macro', select));
      if (!macros) {
        void api
          .listMacros()
          .then((page) => {
            macros = page.items;
            if (type.value === 'apply-macro') drawFields();
          })
          .catch(() => replace(message, notice('error', 'Could not load the macros.')));
      }
    }
  };
  on(type, 'change', drawFields);
  drawFields();

  on(form, 'submit', (event) => {
    event.preventDefault();
    const action: Record<string, unknown> = { type: type.value };
    for (const control of fields.querySelectorAll<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>('input, textarea, select')) {
      if (control.value.trim() !== '' || control.name !== 'summary') action[control.name] = control.value;
    }
    const cases = selected.map((c) => ({ caseId: c.caseId, expectedVersion: c.version }));
    const parsed = parseBulkRequest({ action, cases }, undefined);
    if (!parsed.ok) {
      replace(message, notice('error', parsed.problems.map((p) => `${p.field.replace(/^action\./, '')} ${p.message}`).join('; ')));
      return;
    }
    const body = JSON.stringify(parsed.request);
    if (body !== lastBody) {
      lastBody = body;
      lastKey = crypto.randomUUID();
    }
    apply.disabled = true;
    replace(message, `Applying to ${cases.length} case${cases.length === 1 ? '' : 's'}…`);
    api
      .bulk(parsed.request, lastKey)
      .then(({ results }) => {
        const applied = results.filter((r) => r.status === 'applied').length;
        replace(message, notice(applied === results.length ? 'success' : 'info', `${applied} of ${results.length} applied${applied < results.length ? '; each other row says why' : ''}.`));
        onResults(results);
      })
      .catch((error: unknown) => replace(message, notice('error', error instanceof ApiError ? `Nothing applied: ${error.message}` : 'Could not reach the API; Apply again to retry (nothing is applied twice).')))
      .finally(() => {
        apply.disabled = false;
      });
  });

  return {
    element: form,
    update(now) {
      selected = now;
      form.hidden = now.length === 0;
      count.textContent = `${now.length} selected${now.length > MAX_BULK_CASES ? ` (at most ${MAX_BULK_CASES} at once)` : ''}`;
    },
  };
}
