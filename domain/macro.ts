// Canned replies (macros): the closed list of placeholders a lead may write in a macro's body, the check
// that refuses a macro naming any other, and the rendering of a body for one case. Pure: the values come
// from the case and the acting agent, a missing value renders as the fallback the macro states (or as
// nothing), and the HTML form escapes every value through domain/html.ts so a requester's name or a
// lead's wording can never inject markup into an email or the console's preview.
import type { FourEyes } from './approval-policy.ts';
import type { Actor, CaseRecord, Category, Outcome, Priority } from './case.ts';
import type { Change } from './change.ts';
import { type SafeHtml, html } from './html.ts';
import { type ActionType, applyAgentAction, type AgentAction } from './lifecycle.ts';
import type { SlaPolicy } from './sla/policy.ts';

/** Every placeholder a macro may use; anything else is refused when the macro is saved. */
export const PLACEHOLDERS = [
  'requester.name',
  'requester.email',
  'case.reference',
  'case.subject',
  'case.category',
  'case.amount',
  'case.currency',
  'case.transactionId',
  'agent.name',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** How applying a macro moves the case: a reply, a request for information, or a resolution with an outcome. */
export const MACRO_STATUS_ACTIONS = ['reply', 'request-info', 'resolve'] as const;
export type MacroStatusAction = (typeof MACRO_STATUS_ACTIONS)[number];

export interface MacroChanges {
  status?: MacroStatusAction;
  outcome?: Outcome; // required when status is resolve
  category?: Category;
  priority?: Priority;
  assignee?: string;
}

export interface Macro {
  macroId: string;
  name: string;
  body: string;
  fallbacks: Partial<Record<Placeholder, string>>;
  changes: MacroChanges;
  categories: Category[]; // the categories it fits; the console offers fitting macros first
  version: number;
  updatedAt: string;
  updatedBy: string;
}

// `{{ name }}` with optional spaces inside the braces; the name is whatever sits between them.
const TOKEN = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The placeholders a body names, in order of first use, known or not. */
export function placeholdersIn(body: string): string[] {
  const seen: string[] = [];
  for (const m of body.matchAll(TOKEN)) if (!seen.includes(m[1]!)) seen.push(m[1]!);
  return seen;
}

export function isPlaceholder(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

/** The names a body uses that are not in the closed list (empty when the macro may be saved). */
export function unknownPlaceholders(body: string): string[] {
  return placeholdersIn(body).filter((n) => !isPlaceholder(n));
}

export type PlaceholderValues = Partial<Record<Placeholder, string>>;

/** The values of one case as the acting agent sees it; absent fields stay absent so the fallback applies. */
export function valuesFor(c: Pick<CaseRecord, 'requester' | 'reference' | 'subject' | 'category' | 'amount' | 'currency' | 'transactionId'>, agent: { name?: string }): PlaceholderValues {
  const v: PlaceholderValues = {
    'requester.email': c.requester.email,
    'case.reference': c.reference,
    'case.subject': c.subject,
    'case.category': c.category,
  };
  if (c.requester.name?.trim()) v['requester.name'] = c.requester.name.trim();
  if (c.amount !== undefined) v['case.amount'] = c.currency ? `${c.amount.toFixed(2)} ${c.currency}` : c.amount.toFixed(2);
  if (c.currency) v['case.currency'] = c.currency;
  if (c.transactionId) v['case.transactionId'] = c.transactionId;
  if (agent.name?.trim()) v['agent.name'] = agent.name.trim();
  return v;
}

function rendered(name: string, values: PlaceholderValues, fallbacks: Macro['fallbacks']): string {
  if (!isPlaceholder(name)) return '';
  const value = values[name];
  return value !== undefined && value !== '' ? value : (fallbacks[name] ?? '');
}

/** The body as plain text for one case (the email template escapes it when it writes HTML). */
export function renderText(macro: Pick<Macro, 'body' | 'fallbacks'>, values: PlaceholderValues): string {
  return macro.body.replace(TOKEN, (_, name: string) => rendered(name, values, macro.fallbacks));
}

/** The body as HTML for one case: the lead's text and every value escaped, line breaks kept. */
export function renderHtml(macro: Pick<Macro, 'body' | 'fallbacks'>, values: PlaceholderValues): SafeHtml {
  const lines = renderText(macro, values).split(/\r?\n/);
  return html`<p>${lines.map((l, i) => (i === 0 ? html`${l}` : html`<br>${l}`))}</p>`;
}

/** Macros ordered for a case: those naming its category first, then the rest, each group by name. */
export function orderForCase<M extends Pick<Macro, 'name' | 'categories'>>(macros: readonly M[], category: Category): M[] {
  const byName = (a: M, b: M) => a.name.localeCompare(b.name);
  const fits = macros.filter((m) => m.categories.includes(category)).sort(byName);
  const rest = macros.filter((m) => !m.categories.includes(category)).sort(byName);
  return [...fits, ...rest];
}

/** Why a macro's changes cannot be saved, by field (resolve needs an outcome; an outcome needs resolve). */
export function changeProblems(changes: MacroChanges): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (changes.status === 'resolve' && !changes.outcome) problems.push({ field: 'changes.outcome', message: 'is required when status is resolve' });
  if (changes.outcome && changes.status !== 'resolve') problems.push({ field: 'changes.outcome', message: 'is only allowed when status is resolve' });
  return problems;
}

/** The agent actions a macro's changes amount to, so each is checked against the agent's role (priority is a lead's). */
export function impliedActions(changes: MacroChanges): ActionType[] {
  return [changes.status ?? 'reply', ...(changes.priority ? (['change-priority'] as const) : []), ...(changes.assignee ? (['assign'] as const) : [])];
}

/**
 * Applies a macro to a case as ONE change: its field changes (priority re-plans the deadlines, as
 * change-priority does; category and assignee are set), then its status action (reply by default,
 * request-info, or resolve with the outcome) with the rendered body as the message or summary. The steps
 * run through the lifecycle's own rules and are folded into one version and one audited event: the status
 * action's event (so the outbox sends its one email and the reports count it as they always did), its data
 * carrying the macro applied and the fields it changed.
 */
export function applyMacro(
  current: CaseRecord,
  macro: Macro,
  agentName: string | undefined,
  actor: Actor & { kind: 'agent' },
  now: Date,
  policy: SlaPolicy,
  fourEyes: FourEyes,
): Change {
  const text = renderText(macro, valuesFor(current, { name: agentName }));
  const { changes } = macro;
  let record = current;
  const changed: Record<string, { from: string | null; to: string }> = {};
  let lifecycle = false;
  if (changes.priority && changes.priority !== record.priority) {
    const step = applyAgentAction(record, { type: 'change-priority', priority: changes.priority }, actor, now, policy, fourEyes);
    changed.priority = { from: record.priority, to: changes.priority };
    lifecycle = true;
    record = step.record;
  }
  if (changes.category && changes.category !== record.category) {
    changed.category = { from: record.category, to: changes.category };
    record = { ...record, category: changes.category };
  }
  if (changes.assignee && changes.assignee !== record.assignee) {
    changed.assignee = { from: record.assignee ?? null, to: changes.assignee };
    record = { ...record, assignee: changes.assignee };
  }
  const status = changes.status ?? 'reply';
  const action: AgentAction =
    status === 'resolve' ? { type: 'resolve', outcome: changes.outcome ?? 'resolved', summary: text } : { type: status, message: text };
  const last = applyAgentAction(record, action, actor, now, policy, fourEyes);
  const version = current.version + 1;
  lifecycle ||= last.record.lifecycleVersion !== record.lifecycleVersion;
  return {
    record: { ...last.record, version, lifecycleVersion: lifecycle ? version : current.lifecycleVersion },
    event: {
      ...last.event,
      version,
      data: { ...last.event.data, macro: { macroId: macro.macroId, name: macro.name, version: macro.version }, ...(Object.keys(changed).length > 0 && { changes: changed }) },
    },
  };
}
