// The public inquiry form, enhanced: the same zod schema as the API checks the fields before anything is
// sent (so a form with bad fields posts nothing), errors appear inline and in a summary that takes focus,
// and the case reference is shown in place. Without JavaScript the form posts to /inquiries as it is.
import * as z from 'zod/mini';
import { INQUIRY_LABELS, parseInquiry, type FieldProblem } from '#events/inquiry.ts';
import { byId, h, on, replace } from './dom.ts';

// zod would probe `new Function` (refused by the CSP); tell it not to.
z.config({ jitless: true });

const FIELDS = ['email', 'name', 'userId', 'category', 'subject', 'message', 'amount', 'currency', 'transactionId'] as const;
type Field = (typeof FIELDS)[number];
const LABELS: Record<Field, string> = INQUIRY_LABELS;
const REFERENCE = /^TD-[0-9A-Z]{6}$/;

const form = byId<HTMLFormElement>('inquiry-form');
const summary = byId('error-summary');
const summaryList = byId('error-summary-list');
const status = byId('form-status');
const submitButton = byId<HTMLButtonElement>('submit');
const control = (field: Field) => byId<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(field);
const isField = (name: string): name is Field => (FIELDS as readonly string[]).includes(name);

/** One key per filled-in form, so a retried send (network hiccup, double click) makes one case. */
let idempotencyKey = crypto.randomUUID();
/** Fields the user has left once: they are checked as they change, the others only on send. */
const touched = new Set<Field>();
let sending = false;

function values(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of new FormData(form)) if (typeof value === 'string') out[key] = value;
  return out;
}

function showFieldError(field: Field, message: string | undefined): void {
  const input = control(field);
  const error = byId(`${field}-error`);
  const hint = document.getElementById(`${field}-hint`);
  const describedBy = [hint?.id, message ? error.id : undefined].filter(Boolean).join(' ');
  if (describedBy) input.setAttribute('aria-describedby', describedBy);
  else input.removeAttribute('aria-describedby');
  if (message) {
    error.textContent = `${LABELS[field]} ${message}`;
    error.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.closest('.field')?.classList.add('has-error');
  } else {
    error.textContent = '';
    error.hidden = true;
    input.removeAttribute('aria-invalid');
    input.closest('.field')?.classList.remove('has-error');
  }
}

/** Inline errors on every field; the summary lists them with links that move focus to the field. */
function showProblems(problems: FieldProblem[], { focusSummary }: { focusSummary: boolean }): void {
  const byField = new Map<Field, string>();
  const other: string[] = [];
  for (const p of problems) {
    if (isField(p.field) && !byField.has(p.field)) byField.set(p.field, p.message);
    else if (!isField(p.field)) other.push(`${p.field} ${p.message}`);
  }
  for (const field of FIELDS) showFieldError(field, byField.get(field));
  const items = [
    ...FIELDS.filter((f) => byField.has(f)).map((field) => {
      const link = h('a', { href: `#${field}` }, `${LABELS[field]} ${byField.get(field)}`);
      on(link, 'click', (event) => {
        event.preventDefault();
        control(field).focus();
      });
      return h('li', {}, link);
    }),
    ...other.map((text) => h('li', {}, text)),
  ];
  replace(summaryList, items);
  summary.hidden = items.length === 0;
  if (focusSummary && items.length > 0) summary.focus();
}

function validateTouched(): void {
  const result = parseInquiry(values());
  const problems = result.ok ? [] : result.problems;
  for (const field of touched) showFieldError(field, problems.find((p) => p.field === field)?.message);
  // Once the summary is up, keep it in step with the fields.
  if (!summary.hidden) showProblems(problems.filter((p) => !isField(p.field) || touched.has(p.field)), { focusSummary: false });
}

function showConfirmation(reference: string, push: boolean): void {
  byId('inquiry').hidden = true;
  const confirmation = byId('confirmation');
  byId('reference').textContent = reference;
  confirmation.hidden = false;
  document.title = `Case ${reference} · trustdesk`;
  if (push) history.pushState({ reference }, '', `/?reference=${encodeURIComponent(reference)}`);
  byId('confirmation-title').focus();
}

function showForm(): void {
  byId('confirmation').hidden = true;
  byId('inquiry').hidden = false;
  document.title = 'Contact Trust & Safety · trustdesk';
}

async function send(): Promise<void> {
  const input = values();
  const parsed = parseInquiry(input);
  if (!parsed.ok) {
    for (const p of parsed.problems) if (isField(p.field)) touched.add(p.field);
    showProblems(parsed.problems, { focusSummary: true });
    status.textContent = '';
    return;
  }
  showProblems([], { focusSummary: false });
  sending = true;
  submitButton.disabled = true;
  status.textContent = 'Sending…';
  try {
    // The raw values, as a form would post them: the API parses them with the same schema.
    const body = Object.fromEntries(Object.entries(input).filter(([, v]) => v.trim() !== ''));
    const res = await fetch('/inquiries', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify(body),
    });
    const answer = (await res.json().catch(() => ({}))) as { reference?: string; fields?: FieldProblem[]; message?: string };
    if (res.status === 201 && typeof answer.reference === 'string') {
      status.textContent = '';
      form.reset();
      touched.clear();
      idempotencyKey = crypto.randomUUID();
      showConfirmation(answer.reference, true);
      return;
    }
    if (res.status === 400 && Array.isArray(answer.fields)) {
      showProblems(answer.fields, { focusSummary: true });
      status.textContent = '';
      return;
    }
    status.textContent =
      res.status === 429 || res.status >= 500
        ? 'We could not take your inquiry just now. Please try again in a minute: nothing was lost.'
        : `We could not take your inquiry: ${answer.message ?? `error ${res.status}`}`;
  } catch {
    status.textContent = 'You seem to be offline. Check your connection and send again.';
  } finally {
    sending = false;
    submitButton.disabled = false;
  }
}

// Our checks replace the browser's own bubbles (they cannot be styled or read by every screen reader).
form.noValidate = true;
on(form, 'submit', (event) => {
  event.preventDefault();
  if (!sending) void send();
});
on(form, 'focusout', (event) => {
  const target = event.target as HTMLInputElement | null;
  const name = target?.name ?? '';
  // On the way to Send, leave it to the submit: an error appearing now would move the button from
  // under the pointer between mousedown and mouseup, and the click would be lost.
  if (event.relatedTarget === submitButton) return;
  // Leaving a field the user typed in checks it; tabbing past an empty one does not nag.
  if (isField(name) && (touched.has(name) || (target?.value ?? '').trim() !== '')) {
    touched.add(name);
    validateTouched();
  }
});
on(form, 'input', (event) => {
  const name = (event.target as HTMLInputElement | null)?.name ?? '';
  if (isField(name) && touched.has(name)) validateTouched();
});
window.addEventListener('popstate', () => route(false));

function route(push: boolean): void {
  const reference = new URLSearchParams(location.search).get('reference');
  if (reference && REFERENCE.test(reference)) showConfirmation(reference, push);
  else showForm();
}
route(false);
