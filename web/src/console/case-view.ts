// One case: what the requester wrote (its attachments each a download), its SLA, why it scored the risk it did,
// the requester's earlier complaints, the timeline, and every action of the agent API (acting on the version shown).
// An incident case also lists its linked cases and offers "Resolve all linked"; any other case "Link to incident…".
// A merged case points at the case it went on as; the merge control confirms its target before it acts.
import type { CaseRecord } from '#domain/case.ts';
import type { Consult } from '#domain/consult.ts';
import { OUTCOMES, PRIORITIES } from '#domain/case.ts';
import { mayAct, type ActionType } from '#domain/lifecycle.ts';
import { parseAgentAction } from '#events/agent-action.ts';
import { h, on, replace } from '../dom.ts';
import { ApiError, type CaseSummary, type CaseView, type MacroOption, type ResolveLinkedResult, type SearchHit } from './api.ts';
import { agentName, hasRole, type Session } from './auth.ts';
import { categoryLabel, describeActor, describeEvent, formatAmount, formatDateTime, OUTCOME_LABELS, STATUS_LABELS } from './format.ts';
import { countdown, notice, priorityBadge, statusBadge } from './ui.ts';
import type { View, ViewContext } from './view.ts';

const OPEN = new Set<CaseRecord['status']>(['new', 'investigating', 'waiting_on_user', 'pending_approval']);
const UNDECIDED = new Set<CaseRecord['status']>(['new', 'investigating', 'waiting_on_user']);
export const CONFLICT_MESSAGE = 'Someone else changed this case — reload';

const panel = (title: string, ...children: (Node | string | null)[]) => {
  const id = `panel-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  return h('section', { class: 'panel', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
};

const dl = (rows: [string, Node | string | null | undefined][]) =>
  h('dl', { class: 'facts' }, ...rows.filter(([, v]) => v !== null && v !== undefined && v !== '').flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v!)]));

/** The macros of the case on screen (the picker), loaded with it; none when they cannot be read. */
let macros: MacroOption[] = [];
/** Open incident cases (channel system) a case may be linked to, loaded with it; none when they cannot be read. */
let incidents: CaseSummary[] = [];

export const caseView: View = async (ctx, _params, caseId = '') => {
  let view: CaseView;
  try {
    [view, macros, incidents] = await Promise.all([
      ctx.api.getCase(caseId),
      ctx.api.caseMacros(caseId).then((r) => r.items, () => [] as MacroOption[]),
      ctx.api.listCases({ channel: 'system' }).then((r) => r.items.filter((i) => OPEN.has(i.status) && i.caseId !== caseId), () => [] as CaseSummary[]),
    ]);
  } catch (error) {
    const heading = h('h1', { tabindex: -1 }, 'Case not found');
    replace(ctx.main, backLink(ctx.session), heading, notice('error', error instanceof ApiError && error.status === 404 ? 'There is no such case.' : `Could not load the case: ${(error as Error).message}`));
    ctx.arrive('Case not found', heading);
    return undefined;
  }
  render(ctx, view);
  return undefined;
};

function backLink(session?: Session): HTMLElement {
  const internal = session && hasRole(session, 'internal') && !hasRole(session, 'agent', 'lead', 'risk');
  return h('p', { class: 'back' }, internal ? h('a', { href: '#/mine' }, '← My escalations') : h('a', { href: '#/queue' }, '← Queue'));
}

function render(ctx: ViewContext, view: CaseView, flash?: HTMLElement): void {
  const c = view.case;
  const heading = h('h1', { tabindex: -1 }, h('span', { class: 'case-ref' }, c.reference), ' ', h('span', { class: 'case-subject' }, c.subject));
  const notices = h('div', { class: 'notices', id: 'case-notices' }, flash ?? null);
  const header = h(
    'header',
    { class: 'case-head' },
    backLink(ctx.session),
    heading,
    h(
      'p',
      { class: 'case-meta' },
      statusBadge(c.status),
      priorityBadge(c.priority),
      h('span', { class: 'badge' }, categoryLabel(c.category)),
      c.safetyCritical ? h('span', { class: 'badge breached' }, 'safety critical') : null,
      c.escalation?.status === 'active' ? h('span', { class: 'badge escalated' }, `escalated ${c.escalation.tier ?? c.escalation.startTier}`) : null,
      c.requesterUndeliverable
        ? h('span', { class: 'badge breached', title: c.requesterUndeliverable.diagnosticCode ?? '' }, `${c.requesterUndeliverable.status === 'complaint' ? 'email reported as spam' : `email bounced (${c.requesterUndeliverable.status})`}: no email is sent until the requester writes again`)
        : null,
      h('span', { class: 'muted' }, ` version ${c.version}`),
    ),
    c.mergedInto
      ? h(
          'p',
          { class: 'merged-pointer', 'data-merged-into': c.mergedInto.caseId },
          'Merged into ',
          h('a', { href: `#/cases/${encodeURIComponent(c.mergedInto.caseId)}`, class: 'case-ref' }, c.mergedInto.reference),
          ` on ${formatDateTime(c.mergedInto.at)}: replies to this case land there.`,
        )
      : null,
  );

  const main = h(
    'div',
    { class: 'case-main' },
    requestPanel(ctx, c),
    c.incident || !hasRole(ctx.session, 'agent', 'lead', 'risk') ? null : evidencePanel(ctx, c),
    c.incident ? linkedPanel(view) : null,
    timelinePanel(view),
  );
  const side = h(
    'div',
    { class: 'case-side' },
    actionsPanel(ctx, view, notices),
    slaPanel(c),
    c.satisfaction ? satisfactionPanel(c.satisfaction) : null,
    riskPanel(c),
    consultPanel(c),
    requesterPanel(ctx, c),
    c.escalation ? escalationPanel(c) : null,
  );
  replace(ctx.main, header, notices, h('div', { class: 'case-layout' }, main, side));
  ctx.arrive(`${c.reference} · ${c.subject}`, heading);
}

function requestPanel(ctx: ViewContext, c: CaseRecord): HTMLElement {
  return panel(
    'Request',
    h('p', { class: 'message' }, c.message),
    dl([
      ['Channel', c.channel === 'web' ? 'Web form' : c.channel === 'email' ? 'Email' : c.channel === 'internal' ? 'Internal escalation' : c.incident?.openedBy ? 'Incident opened by hand' : 'Surge detection'],
      ['Escalated by', c.internal ? `${c.internal.reporter.email ?? c.internal.reporter.id} (internal), for a ${c.internal.onBehalfOf}` : undefined],
      ['Creators', c.internal?.creatorUserIds?.length ? userLinks(ctx, c.internal.creatorUserIds) : undefined],
      ['Opened', formatDateTime(c.openedAt)],
      ['Amount', c.amount !== undefined ? formatAmount(c.amount, c.currency) : undefined],
      ['Transaction', c.transactionId],
      ['Attachments', c.attachments.length ? attachmentList(ctx, c) : undefined],
      ['Merged from', c.mergedFrom?.length ? caseLinks(c.mergedFrom) : undefined],
      ['Incident', c.incident ? incidentFacts(c.incident) : undefined],
      ['Linked to incident', c.incidentCaseId ? h('a', { href: `#/cases/${encodeURIComponent(c.incidentCaseId)}`, class: 'incident-link' }, c.incidentCaseId) : undefined],
    ]),
  );
}

/**
 * Each attachment links to its API route. The route needs the bearer token, which a plain navigation does not
 * send, so a click asks it for the link as JSON and then navigates to the presigned URL: S3 answers with
 * `Content-Disposition: attachment`, so the browser saves the file and the case stays on screen.
 */
function attachmentList(ctx: ViewContext, c: CaseRecord): HTMLElement {
  return h(
    'ul',
    { class: 'attachments' },
    ...c.attachments.map((a, i) => {
      const n = i + 1;
      const link = h('a', { href: `/cases/${encodeURIComponent(c.caseId)}/attachments/${n}`, class: 'attachment-link', 'data-n': n }, a.filename);
      on(link, 'click', (event) => {
        event.preventDefault();
        void ctx.api.attachmentLink(c.caseId, n).then(
          (answer) => window.location.assign(answer.url),
          (error: unknown) => {
            const target = document.getElementById('case-notices');
            if (target) replace(target, notice('error', `Could not download ${a.filename}: ${(error as Error).message}`));
          },
        );
      });
      return h('li', {}, link, ` (${Math.ceil(a.size / 1024)} KB${a.mayContainCardData ? ', may contain card data' : ''})`);
    }),
  );
}

function incidentFacts(i: NonNullable<CaseRecord['incident']>): string {
  const how = i.openedBy ? `Opened by hand by ${i.openedBy}` : `${String(i.lastHour)} cases in the last hour against a baseline of ${String(i.baseline)}`;
  return `${how}; ${i.linkedCaseIds.length} linked`;
}

/** An incident's linked cases, each a link (its reference when the timeline names it), and the last resolve-linked run. */
function linkedPanel(view: CaseView): HTMLElement {
  const info = view.case.incident!;
  const references = new Map<string, string>();
  for (const e of view.timeline) if (e.type === 'incident.case-linked' && typeof e.data.caseId === 'string' && typeof e.data.reference === 'string') references.set(e.data.caseId, e.data.reference);
  const last = info.resolvedLinked;
  return panel(
    'Linked cases',
    info.linkedCaseIds.length
      ? h('ul', { class: 'linked-cases' }, ...info.linkedCaseIds.map((id) => h('li', {}, h('a', { href: `#/cases/${encodeURIComponent(id)}` }, references.get(id) ?? id))))
      : h('p', { class: 'muted' }, 'No case is linked yet: open a case and use "Link to incident…".'),
    last ? h('p', { class: 'hint linked-last-run' }, `Last "Resolve all linked" (${formatDateTime(last.at)}, ${last.by}): ${last.resolved} resolved, ${last.proposed} proposed for approval, ${last.skipped} skipped.`) : null,
  );
}

/** Links to other cases by reference (the cases merged into this one). */
function caseLinks(links: readonly { caseId: string; reference: string }[]): HTMLElement {
  const span = h('span', { class: 'merged-from' });
  for (const [i, l] of links.entries()) span.append(...(i > 0 ? [', '] : []), h('a', { href: `#/cases/${encodeURIComponent(l.caseId)}`, class: 'case-ref' }, l.reference));
  return span;
}

function timelinePanel(view: CaseView): HTMLElement {
  const events = [...view.timeline].sort((a, b) => a.version - b.version);
  return panel(
    'Timeline',
    h(
      'ol',
      { class: 'timeline' },
      ...events.map((e) => {
        const { title, detail } = describeEvent(e);
        return h(
          'li',
          { class: `event event-${e.type.replace(/[^a-z-]/gi, '-')}`, 'data-type': e.type },
          h('p', { class: 'event-title' }, title),
          h('p', { class: 'event-meta' }, h('time', { datetime: e.at }, formatDateTime(e.at)), ` · ${describeActor(e.actor)} · v${e.version}`),
          detail ? h('p', { class: 'event-detail' }, detail) : null,
        );
      }),
    ),
  );
}

function slaPanel(c: CaseRecord): HTMLElement {
  const closed = !OPEN.has(c.status);
  /** One deadline: a live countdown while it runs, else when it was met (or missed). */
  const row = (label: string, dueIso: string, metAt: string | undefined, breached: boolean) => {
    const due = Date.parse(dueIso);
    const state = metAt
      ? h('span', {}, `${Date.parse(metAt) <= due ? 'met' : 'late'}: ${formatDateTime(metAt)}`, h('span', { class: 'muted' }, ` (due ${formatDateTime(dueIso)})`))
      : closed
        ? h('span', { class: 'muted' }, `stopped (was due ${formatDateTime(dueIso)})`)
        : c.status === 'waiting_on_user'
          ? h('span', { class: 'sla-paused' }, `paused (due ${formatDateTime(dueIso)} before the pause)`)
          : countdown(due);
    return h('li', {}, h('span', { class: 'sla-label' }, label), ' ', state, breached ? h('span', { class: 'badge breached' }, 'breached') : null);
  };
  return panel(
    'SLA',
    h(
      'ul',
      { class: 'plain' },
      row('First response', c.deadlines.firstResponseDue, c.firstRespondedAt, c.sla.firstResponseBreached),
      row('Resolution', c.deadlines.resolutionDue, c.resolvedAt, c.sla.resolutionBreached),
    ),
    c.pauses.length ? h('p', { class: 'muted' }, `Waited on the requester ${c.pauses.length} time${c.pauses.length === 1 ? '' : 's'} (not counted)`) : null,
  );
}

/** The requester's rating of the latest rated resolution (from the resolution email's link); the comment is their text. */
function satisfactionPanel(s: NonNullable<CaseRecord['satisfaction']>): HTMLElement {
  return panel(
    'Satisfaction',
    h('p', { class: 'satisfaction', 'data-rating': String(s.rating) }, `${s.rating} out of 5`, h('span', { class: 'muted' }, ` · resolution ${s.resolution} · rated ${formatDateTime(s.ratedAt)}`)),
    s.comment ? h('blockquote', { class: 'satisfaction-comment' }, s.comment) : null,
  );
}

const FINDING_LABELS: Record<string, string> = {
  duplicate_charge: 'Duplicate charge',
  gift_not_received: 'Gift not received',
  payout_failed: 'Payout failed',
  payout_overdue: 'Payout overdue',
  refund_issued: 'Refund already issued',
  chargeback_open: 'Chargeback open',
  amount_mismatch: 'Amount differs',
  possible_ring: 'Possible ring',
};

/**
 * The evidence from the ledger (GET /cases/{caseId}/evidence, loaded after the case): the findings with their
 * explanation, the requester's transactions in the window with the ones they named highlighted, and the accounts
 * sharing their instruments or devices, each with its cases.
 */
function evidencePanel(ctx: ViewContext, c: CaseRecord): HTMLElement {
  const body = h('div', { class: 'evidence-body' }, h('p', { class: 'muted', role: 'status' }, 'Loading…'));
  const section = panel('Evidence', body);
  void ctx.api.caseEvidence(c.caseId).then(
    (e) => {
      if (!e.gatheredAt) {
        replace(body, h('p', { class: 'muted' }, 'No evidence yet: it is gathered from the ledger seconds after the case opens.'));
        return;
      }
      const findings = e.findings.length
        ? h(
            'ul',
            { class: 'findings' },
            ...e.findings.map((f) =>
              h('li', { 'data-finding': f.code }, h('strong', {}, FINDING_LABELS[f.code] ?? f.code), ` (+${f.points}) `, h('span', {}, f.explanation), f.respondBy ? h('span', { class: 'badge breached' }, ` respond by ${formatDateTime(f.respondBy)}`) : null),
            ),
          )
        : h('p', { class: 'muted' }, 'No findings.');
      const rows = e.transactions.map((t) =>
        h(
          'tr',
          { class: t.complained ? 'complained' : '', 'data-transaction-id': t.transactionId },
          h('td', {}, h('time', { datetime: t.occurredAt }, formatDateTime(t.occurredAt))),
          h('td', {}, t.transactionId, t.complained ? h('span', { class: 'badge' }, ' named') : null),
          h('td', {}, t.kind.replace(/_/g, ' ')),
          h('td', { class: 'num' }, formatAmount(t.amount, t.currency)),
          h('td', {}, t.status),
          h('td', {}, [t.network, t.reason, t.instrument].filter(Boolean).join(' · ')),
        ),
      );
      const transactions = rows.length
        ? h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'queue evidence-transactions' },
              h('caption', {}, `Ledger ${formatDateTime(e.window.from)} – ${formatDateTime(e.window.to)}${e.userId ? ` for ${e.userId}` : ''}`),
              h('thead', {}, h('tr', {}, ...['When', 'Transaction', 'Kind', 'Amount', 'Status', 'Details'].map((t) => h('th', { scope: 'col' }, t)))),
              h('tbody', {}, rows),
            ),
          )
        : h('p', { class: 'muted' }, 'No transactions in the window.');
      const linked = e.linkedAccounts.length
        ? h(
            'ul',
            { class: 'linked-accounts' },
            ...e.linkedAccounts.map((l) =>
              h(
                'li',
                { 'data-user-id': l.userId },
                userLinks(ctx, [l.userId]),
                ` shares ${l.via.instrument ? 'a card' : 'a device'}: `,
                l.cases.length ? caseLinks(l.cases.map((k) => ({ caseId: k.caseId, reference: `${k.reference} (${STATUS_LABELS[k.status as CaseRecord['status']] ?? k.status}${k.outcome ? `, ${OUTCOME_LABELS[k.outcome] ?? k.outcome}` : ''})` }))) : 'no cases',
              ),
            ),
          )
        : null;
      replace(
        body,
        findings,
        e.resolveBy ? h('p', { class: 'resolve-by' }, `Resolve by ${formatDateTime(e.resolveBy)} (the chargeback's respond-by less the buffer)`) : null,
        transactions,
        linked ? h('h3', {}, `Linked accounts (${e.linkedAccounts.length})${e.ring ? ` · possible ring of ${e.ring.accounts}` : ''}`) : null,
        linked,
      );
    },
    (error: Error) => replace(body, notice('error', `Could not load the evidence: ${error.message}`)),
  );
  return section;
}

function riskPanel(c: CaseRecord): HTMLElement {
  const factors = [...c.riskFactors].sort((a, b) => b.points - a.points);
  return panel(
    'Risk',
    h('p', { class: 'risk-score' }, h('span', { class: 'risk-number' }, String(c.riskScore)), ' risk score', c.valueTier ? ` · ${c.valueTier} tier` : ''),
    factors.length
      ? h(
          'ul',
          { class: 'factors' },
          ...factors.map((f) => h('li', {}, h('span', { class: 'points' }, `${f.points > 0 ? '+' : ''}${f.points}`), ' ', h('span', {}, f.detail))),
        )
      : h('p', { class: 'muted' }, 'No risk factors.'),
    c.matchedKeywords.length ? h('p', { class: 'muted' }, `Matched keywords: ${c.matchedKeywords.join(', ')}`) : null,
  );
}

/** Accounts as links to their user page (#/users/<id>) for the agent roles; plain text for another team's person, who may not open it. */
function userLinks(ctx: ViewContext, userIds: readonly string[]): Node | string {
  if (!hasRole(ctx.session, 'agent', 'lead', 'risk')) return userIds.join(', ');
  const span = h('span', { class: 'user-links' });
  for (const [i, id] of userIds.entries()) span.append(...(i > 0 ? [', '] : []), h('a', { href: `#/users/${encodeURIComponent(id)}`, class: 'user-link' }, id));
  return span;
}

function requesterPanel(ctx: ViewContext, c: CaseRecord): HTMLElement {
  const earlier = h('div', { class: 'earlier' });
  const section = panel(
    'Requester',
    dl([
      ['Email', c.requester.email],
      ['Name', c.requester.name],
      ['Account', c.requester.userId ? userLinks(ctx, [c.requester.userId]) : c.evidence?.userId ? userLinks(ctx, [c.evidence.userId]) : undefined],
      ['Value tier', c.valueTier],
    ]),
    h('h3', {}, `Earlier complaints (${c.repeatOf.length} in the repeat window)`),
    earlier,
  );
  if (c.repeatOf.length === 0) {
    replace(earlier, h('p', { class: 'muted' }, 'None.'));
    return section;
  }
  replace(earlier, h('p', { class: 'muted' }, 'Loading…'));
  // Each earlier case by id (the list is short: the repeat window is 30 days and capped).
  void Promise.all(
    c.repeatOf.slice(0, 10).map((id) =>
      ctx.api.getCase(id).then(
        (v) => v.case,
        () => undefined,
      ),
    ),
  ).then((cases) => {
    replace(
      earlier,
      h(
        'ul',
        { class: 'earlier-list' },
        ...c.repeatOf.slice(0, 10).map((id, i) => {
          const prior = cases[i];
          if (!prior) return h('li', {}, h('a', { href: `#/cases/${encodeURIComponent(id)}` }, id));
          return h(
            'li',
            {},
            h('a', { href: `#/cases/${encodeURIComponent(prior.caseId)}`, class: 'case-ref' }, prior.reference),
            ' ',
            h('span', {}, prior.subject),
            h('span', { class: 'muted' }, ` · ${categoryLabel(prior.category)} · ${STATUS_LABELS[prior.status]} · ${formatDateTime(prior.openedAt)}`),
          );
        }),
      ),
    );
  });
  return section;
}

/** Every consult of the case: its team, question, state and a live countdown to its target while open. */
function consultPanel(c: CaseRecord): HTMLElement | null {
  const consults: Omit<Consult, 'token'>[] = c.consults ?? [];
  if (consults.length === 0) return null;
  const state = (k: Omit<Consult, 'token'>) =>
    k.status === 'answered'
      ? h('span', { class: 'badge consult-answered' }, `answered in ${k.turnaroundMinutes ?? '?'} business min${k.withinTarget ? '' : ' (late)'}`)
      : h('span', {}, h('span', { class: `badge consult${k.escalated ? ' breached' : ''}` }, k.escalated ? 'overdue: lead told' : k.reminded ? 'reminded' : 'waiting'), ' ', countdown(Date.parse(k.dueAt), 'answer'));
  return panel(
    'Consults',
    h(
      'ul',
      { class: 'consults' },
      ...consults.map((k) =>
        h(
          'li',
          { class: 'consult-item', 'data-consult-id': k.id, 'data-state': k.status },
          h('p', {}, h('strong', {}, k.team), k.blocking ? h('span', { class: 'badge blocking' }, 'blocking') : null, ' ', state(k)),
          h('p', { class: 'consult-question' }, k.question),
          k.answer ? h('p', { class: 'consult-answer' }, k.answer) : null,
          h('p', { class: 'muted' }, `asked ${formatDateTime(k.askedAt)} by ${k.askedBy}${k.answeredAt ? ` · answered ${formatDateTime(k.answeredAt)} by ${k.answeredBy ?? '?'}` : ''}`),
        ),
      ),
    ),
  );
}

function escalationPanel(c: CaseRecord): HTMLElement {
  const e = c.escalation!;
  const states: Record<typeof e.status, string> = { active: 'Waiting for acknowledgement', acknowledged: 'Acknowledged', unacknowledged: 'Nobody acknowledged', stood_down: 'Stood down' };
  return panel(
    'Escalation',
    dl([
      ['State', states[e.status]],
      ['Tier', e.tier ?? e.startTier],
      ['Reason', e.reason],
      ['Started', formatDateTime(e.startedAt)],
      ['Acknowledged', e.acknowledgedAt ? `${formatDateTime(e.acknowledgedAt)} by ${e.acknowledgedBy ?? '?'}` : undefined],
    ]),
  );
}

// ── actions ─────────────────────────────────────────────────────────────────────────────────────

interface ActionSpec {
  type: ActionType;
  title: string;
  button: string;
  done: string;
  /** What to say once done, from what the API answered (resolve-linked's counts); `done` otherwise. */
  doneWith?(result: ResolveLinkedResult): string;
  /** Whether it fits the case now (the API would answer 409 otherwise). */
  fits(c: CaseRecord, session: Session): boolean;
  fields(c: CaseRecord, session: Session): HTMLElement[];
}

let fieldSeq = 0;
function field(label: string, control: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, hint?: string): HTMLElement {
  const id = `f${++fieldSeq}`;
  control.id = id;
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field', 'data-field': control.name }, h('label', { for: id }, label), hintEl, h('p', { class: 'error', id: `${id}-error`, hidden: true }), control);
}
const textarea = (name: string, required = true) => h('textarea', { name, rows: 4, required });
const input = (name: string, required = true, value = '') => h('input', { name, type: 'text', required, value });
const options = (name: string, values: readonly string[], labels: Record<string, string> = {}) =>
  h('select', { name }, ...values.map((v) => h('option', { value: v }, labels[v] ?? v)));

/** The macro picker: fitting macros first, the selected one's preview shown as text (what will be sent). */
function macroFields(): HTMLElement[] {
  const select = h('select', { name: 'macroId' }, ...macros.map((m) => h('option', { value: m.macroId }, `${m.fits ? '★ ' : ''}${m.name}`)));
  const preview = h('pre', { class: 'macro-preview', 'aria-live': 'polite' });
  const changes = h('p', { class: 'hint macro-changes' });
  const show = () => {
    const m = macros.find((x) => x.macroId === select.value);
    preview.textContent = m?.preview.text ?? '';
    const c = m?.changes ?? {};
    changes.textContent = [`then ${c.status ?? 'reply'}${c.outcome ? ` (${c.outcome})` : ''}`, c.category && `category ${c.category}`, c.priority && `priority ${c.priority}`, c.assignee && `assign ${c.assignee}`].filter(Boolean).join(' · ');
  };
  on(select, 'change', show);
  show();
  return [field('Macro (★ fits this case)', select), h('div', { class: 'field' }, h('p', { class: 'hint' }, 'Preview (emailed to the requester):'), preview, changes)];
}

const ACTIONS: ActionSpec[] = [
  { type: 'reply', title: 'Reply to the requester', button: 'Send reply', done: 'Reply sent.', fits: (c) => UNDECIDED.has(c.status), fields: () => [field('Message (emailed to the requester)', textarea('message'))] },
  {
    type: 'apply-macro',
    title: 'Apply a macro',
    button: 'Apply macro',
    done: 'Macro applied.',
    fits: (c) => UNDECIDED.has(c.status) && macros.length > 0,
    fields: () => macroFields(),
  },
  {
    type: 'request-info',
    title: 'Ask for information',
    button: 'Send and wait',
    done: 'Asked the requester; the SLA is paused until they answer.',
    fits: (c) => c.status === 'new' || c.status === 'investigating',
    fields: () => [field('Question (emailed; the SLA pauses until they answer)', textarea('message'))],
  },
  { type: 'note', title: 'Internal note', button: 'Add note', done: 'Note added.', fits: () => true, fields: () => [field('Note (agents only)', textarea('note'))] },
  {
    type: 'assign',
    title: 'Assign',
    button: 'Assign',
    done: 'Assigned.',
    fits: () => true,
    fields: (c, session) => [field('Assignee', input('assignee', true, c.assignee ?? agentName(session)), 'An agent id or email; yours is filled in.')],
  },
  {
    type: 'escalate',
    title: 'Escalate',
    button: 'Escalate',
    done: 'Escalation started.',
    fits: (c) => OPEN.has(c.status) && c.escalation?.status !== 'active',
    fields: () => [field('Reason', input('reason'))],
  },
  { type: 'acknowledge', title: 'Acknowledge the escalation', button: 'Acknowledge', done: 'Escalation acknowledged.', fits: (c) => c.escalation?.status === 'active', fields: () => [] },
  {
    type: 'change-priority',
    title: 'Change priority',
    button: 'Change priority',
    done: 'Priority changed; deadlines re-planned.',
    fits: (c) => OPEN.has(c.status),
    fields: (c) => {
      const select = options('priority', PRIORITIES.filter((p) => p !== c.priority));
      return [field('New priority', select), field('Reason (optional)', input('reason', false))];
    },
  },
  {
    type: 'resolve',
    title: 'Resolve',
    button: 'Resolve',
    done: 'Case resolved.',
    fits: (c) => UNDECIDED.has(c.status),
    fields: () => [field('Outcome', options('outcome', OUTCOMES, OUTCOME_LABELS)), field('Summary (optional)', textarea('summary', false))],
  },
  {
    type: 'approve',
    title: 'Approve (four-eyes)',
    button: 'Approve',
    done: 'Approved.',
    fits: (c, session) => c.status === 'pending_approval' && c.approval?.proposedBy !== session.sub,
    fields: () => [],
  },
  {
    type: 'reject',
    title: 'Reject (four-eyes)',
    button: 'Reject',
    done: 'Rejected; the case is back to where it was.',
    fits: (c, session) => c.status === 'pending_approval' && c.approval?.proposedBy !== session.sub,
    fields: () => [field('Why (kept on the timeline)', textarea('note'))],
  },
  {
    type: 'link-incident',
    title: 'Link to incident…',
    button: 'Link',
    done: 'Linked to the incident.',
    fits: (c) => !c.incident && !c.incidentCaseId && incidents.length > 0,
    fields: () => [field('Incident', h('select', { name: 'incidentCaseId' }, ...incidents.map((i) => h('option', { value: i.caseId }, `${i.reference} · ${i.subject}`))), 'An open incident case.')],
  },
  {
    type: 'resolve-linked',
    title: 'Resolve all linked',
    button: 'Resolve all linked',
    done: 'Linked cases resolved.',
    doneWith: (r) => `Resolved ${r.resolved} linked case${r.resolved === 1 ? '' : 's'}; ${r.proposed} proposed for approval; ${r.skipped} skipped (already resolved, closed or pending).`,
    fits: (c) => !!c.incident && c.incident.linkedCaseIds.length > 0,
    fields: () => [
      field('Outcome', options('outcome', OUTCOMES, OUTCOME_LABELS)),
      field('Message (emailed to every open linked case\'s requester as its resolution)', textarea('message')),
    ],
  },
  // A merged case goes on as its target: it is not reopened (the API answers 409).
  { type: 'reopen', title: 'Reopen', button: 'Reopen', done: 'Case reopened.', fits: (c) => !OPEN.has(c.status) && !c.mergedInto, fields: () => [field('Reason (optional)', input('reason', false))] },
  {
    type: 'consult',
    title: 'Consult another team',
    button: 'Ask the team',
    done: 'Question sent to the team; its answer will be on the timeline.',
    fits: (c) => OPEN.has(c.status),
    fields: () => {
      const id = `f${++fieldSeq}`;
      const blocking = h('input', { name: 'blocking', type: 'checkbox', value: 'true', id });
      return [
        field('Team', input('team'), 'A team of config/teams.json: payments, creator-operations, product, legal.'),
        field('Question (emailed to the team)', textarea('question')),
        h('div', { class: 'field checkbox' }, blocking, h('label', { for: id }, ' I cannot go on without the answer (blocking)')),
      ];
    },
  },
];

/** What another team's person may do on a case it follows: escalate it (priority at least the floor). */
const INTERNAL_ESCALATE: ActionSpec = {
  type: 'escalate',
  title: 'Escalate this case',
  button: 'Escalate',
  done: 'Escalated: the case is at least the internal priority and its deadlines were re-planned.',
  fits: (c) => OPEN.has(c.status),
  fields: () => [field('Why it is urgent', input('reason'))],
};

function actionsPanel(ctx: ViewContext, view: CaseView, notices: HTMLElement): HTMLElement {
  const c = view.case;
  const internalOnly = hasRole(ctx.session, 'internal') && !hasRole(ctx.session, 'agent', 'lead', 'risk');
  const available = internalOnly ? [INTERNAL_ESCALATE].filter((a) => a.fits(c, ctx.session)) : ACTIONS.filter((a) => mayAct(ctx.session.roles, a.type) && a.fits(c, ctx.session));
  const forms = available.map((spec) => {
    const submit = h('button', { type: 'submit', class: `button ${spec.type === 'reply' ? 'primary' : ''}` }, spec.button);
    const form = h('form', { class: 'action-form', 'data-action': spec.type, novalidate: true }, ...spec.fields(c, ctx.session), submit);
    on(form, 'submit', (event) => {
      event.preventDefault();
      void perform(ctx, view, spec, form, submit, notices);
    });
    return h('details', { class: 'action', open: spec.type === 'reply' }, h('summary', {}, spec.title), form);
  });
  if (!internalOnly && mayAct(ctx.session.roles, 'merge') && mergeable(c)) forms.push(mergeAction(ctx, view, notices));
  return panel('Actions', forms.length ? h('div', { class: 'actions' }, ...forms) : h('p', { class: 'muted' }, 'Nothing to do on this case with your role.'));
}

async function perform(ctx: ViewContext, view: CaseView, spec: ActionSpec, form: HTMLFormElement, submit: HTMLButtonElement, notices: HTMLElement): Promise<void> {
  const body: Record<string, unknown> = { type: spec.type, expectedVersion: view.case.version };
  for (const [k, v] of new FormData(form)) if (typeof v === 'string' && v.trim() !== '') body[k] = k === 'blocking' ? v === 'true' : v;
  // The API's own schema first: a bad field is shown here and nothing is sent.
  const parsed = parseAgentAction(body);
  showFieldErrors(form, parsed.ok ? [] : parsed.problems);
  if (!parsed.ok) return;
  submit.disabled = true;
  try {
    let answer = await ctx.api.act(view.case.caseId, body);
    // A resolve-linked that stopped at the API's time budget (202): the same request again goes on.
    for (let round = 0; answer.result?.complete === false && round < 20; round++) answer = await ctx.api.act(view.case.caseId, body);
    const fresh = await ctx.api.getCase(view.case.caseId);
    // A resolution or reopening under a four-eyes rule became a proposal: say so rather than "resolved".
    const proposed = fresh.case.status === 'pending_approval' && view.case.status !== 'pending_approval';
    const done = spec.doneWith && answer.result ? spec.doneWith(answer.result) : spec.done;
    render(ctx, fresh, notice('success', proposed ? 'Proposed: a second lead or risk team member must approve it.' : done));
  } catch (error) {
    submit.disabled = false;
    if (!(error instanceof ApiError)) {
      replace(notices, notice('error', 'Could not reach the API; nothing was changed. Try again.'));
      return;
    }
    if (error.status === 409) {
      const reload = h('button', { type: 'button', class: 'button' }, 'Reload');
      on(reload, 'click', () => ctx.refresh());
      const stale = error.message.startsWith('Someone else changed');
      replace(notices, notice('error', h('strong', {}, CONFLICT_MESSAGE), stale ? '' : h('span', { class: 'detail' }, ` (${error.message})`), ' ', reload));
      notices.querySelector<HTMLElement>('.notice')?.focus();
      return;
    }
    if (error.status === 400 && error.fields.length) {
      showFieldErrors(form, error.fields);
      return;
    }
    replace(notices, notice('error', error.status === 403 ? `Your role may not do this: ${error.message}` : `The action failed: ${error.message}`));
  }
}

// ── merge: find the case that carries on, confirm, then merge with both versions ───────────────────

/** A case that may still be merged into another (domain/merge.ts refuses the rest with a 409). */
const mergeable = (c: CaseRecord) => !c.mergedInto && c.status !== 'closed' && c.status !== 'pending_approval';

/**
 * "Merge into…": the target is named by reference or id and looked up first (GET /cases?q=), so the agent
 * confirms the very case (reference, subject, status) and the version they saw of it is the one checked.
 */
function mergeAction(ctx: ViewContext, view: CaseView, notices: HTMLElement): HTMLDetailsElement {
  const into = input('intoCaseId');
  const find = h('button', { type: 'submit', class: 'button' }, 'Find case');
  const confirm = h('div', { class: 'merge-confirm', hidden: true, 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'action-form', 'data-action': 'merge', novalidate: true },
    field('Case to merge into (reference or id)', into, 'This case closes as a duplicate; its messages and attachments move to that case, and the requester is emailed once.'),
    find,
    confirm,
  );
  on(form, 'submit', (event) => {
    event.preventDefault();
    void findTarget(ctx, view, form, into.value, confirm, notices);
  });
  return h('details', { class: 'action' }, h('summary', {}, 'Merge into…'), form);
}

async function findTarget(ctx: ViewContext, view: CaseView, form: HTMLFormElement, term: string, confirm: HTMLElement, notices: HTMLElement): Promise<void> {
  confirm.hidden = true;
  // The API's schema first: a malformed reference is named here and nothing is asked.
  const parsed = parseAgentAction({ type: 'merge', intoCaseId: term, intoExpectedVersion: 1, expectedVersion: view.case.version });
  showFieldErrors(form, parsed.ok ? [] : parsed.problems.filter((p) => p.field === 'intoCaseId'));
  if (!parsed.ok || parsed.action.type !== 'merge') return;
  const wanted = parsed.action.intoCaseId;
  let hit: SearchHit | undefined;
  try {
    hit = (await ctx.api.searchCases(wanted)).items.find((row) => row.reference === wanted || row.caseId === wanted);
  } catch (error) {
    replace(notices, notice('error', `Could not look the case up: ${(error as Error).message}`));
    return;
  }
  if (!hit) {
    showFieldErrors(form, [{ field: 'intoCaseId', message: 'names no case' }]);
    return;
  }
  if (hit.caseId === view.case.caseId) {
    showFieldErrors(form, [{ field: 'intoCaseId', message: 'is this case: name the case that carries on' }]);
    return;
  }
  const target = hit;
  const yes = h('button', { type: 'button', class: 'button primary' }, `Merge into ${target.reference}`);
  const no = h('button', { type: 'button', class: 'button' }, 'Cancel');
  replace(
    confirm,
    h('p', {}, 'Merge ', h('strong', {}, view.case.reference), ' into ', h('a', { href: `#/cases/${encodeURIComponent(target.caseId)}`, class: 'case-ref' }, target.reference), ' ', h('span', {}, target.subject), h('span', { class: 'muted' }, ` · ${STATUS_LABELS[target.status]}`), '?'),
    h('p', { class: 'hint' }, `${view.case.reference} will be closed as a duplicate; its requester is told the case continues as ${target.reference}.`),
    h('p', {}, yes, ' ', no),
  );
  confirm.hidden = false;
  on(no, 'click', () => {
    confirm.hidden = true;
    replace(confirm);
  });
  on(yes, 'click', () => {
    yes.disabled = true;
    void (async () => {
      try {
        await ctx.api.act(view.case.caseId, { type: 'merge', intoCaseId: target.caseId, intoExpectedVersion: target.version, expectedVersion: view.case.version });
        const fresh = await ctx.api.getCase(view.case.caseId);
        render(ctx, fresh, notice('success', `Merged into ${target.reference}.`));
      } catch (error) {
        yes.disabled = false;
        if (error instanceof ApiError && error.status === 409) {
          // Which case changed, or why the merge is refused (a closed or merged target), as the API says it.
          const reload = h('button', { type: 'button', class: 'button' }, 'Reload');
          on(reload, 'click', () => ctx.refresh());
          replace(notices, notice('error', h('strong', {}, 'Not merged: '), error.message, ' ', reload));
        } else if (error instanceof ApiError && error.status === 400 && error.fields.length) {
          showFieldErrors(form, error.fields);
        } else {
          replace(notices, notice('error', `The merge failed: ${(error as Error).message}`));
        }
        notices.querySelector<HTMLElement>('.notice')?.focus();
      }
    })();
  });
  yes.focus();
}

export function showFieldErrors(form: HTMLFormElement, problems: { field: string; message: string }[]): void {
  let first: HTMLElement | undefined;
  for (const wrapper of form.querySelectorAll<HTMLElement>('.field')) {
    const name = wrapper.dataset.field ?? '';
    const problem = problems.find((p) => p.field === name);
    const control = wrapper.querySelector<HTMLElement>('input, textarea, select');
    const error = wrapper.querySelector<HTMLElement>('.error');
    if (!control || !error) continue;
    const hint = wrapper.querySelector<HTMLElement>('.hint');
    error.textContent = problem ? `${wrapper.querySelector('label')?.textContent ?? name} ${problem.message}` : '';
    error.hidden = !problem;
    if (problem) control.setAttribute('aria-invalid', 'true');
    else control.removeAttribute('aria-invalid');
    const describedBy = [hint?.id, problem ? error.id : undefined].filter(Boolean).join(' ');
    if (describedBy) control.setAttribute('aria-describedby', describedBy);
    else control.removeAttribute('aria-describedby');
    if (problem && !first) first = control;
  }
  first?.focus();
}
