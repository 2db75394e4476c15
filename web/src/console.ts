// The agent console: sign-in, then a hash-routed single page: #/queue, #/cases/<id>, #/dashboard, and for other
// teams' people (role internal) #/mine, their own escalations.
import * as z from 'zod/mini';
import { byId, h, on, replace } from './dom.ts';
import { Api } from './console/api.ts';
import { agentName, hasRole, loadSession, signOut, type Session } from './console/auth.ts';
import { caseView } from './console/case-view.ts';
import { loadConfig, type ConsoleConfig } from './console/config.ts';
import { dashboardView } from './console/dashboard.ts';
import { mineView } from './console/mine.ts';
import { queueView } from './console/queue.ts';
import { renderSignIn } from './console/sign-in.ts';
import { notice } from './console/ui.ts';
import type { View, ViewContext } from './console/view.ts';

z.config({ jitless: true });

const main = byId('main');
const nav = byId('nav');

const ROUTES: [RegExp, View][] = [
  [/^\/queue$/, queueView],
  [/^\/cases\/([^/]+)$/, caseView],
  [/^\/dashboard$/, dashboardView],
  [/^\/mine$/, mineView],
];

/** Someone of another team only: their own escalations instead of the agents' queue. */
const internalOnly = (s: Session) => hasRole(s, 'internal') && !hasRole(s, 'agent', 'lead', 'risk');

let config: ConsoleConfig;
let session: Session | undefined;
let leave: (() => void) | undefined;
let generation = 0;

function renderNav(): void {
  if (!session) {
    replace(nav);
    return;
  }
  const out = h('button', { type: 'button', class: 'button subtle' }, 'Sign out');
  on(out, 'click', () => {
    signOut();
    session = undefined;
    route();
  });
  const path = location.hash.slice(1).split('?')[0] ?? '';
  const approvals = path === '/queue' && new URLSearchParams(location.hash.split('?')[1] ?? '').get('status') === 'pending_approval';
  const link = (href: string, text: string, current: boolean) => h('a', { href, 'aria-current': current ? 'page' : null }, text);
  replace(
    nav,
    h(
      'ul',
      {},
      internalOnly(session)
        ? h('li', {}, link('#/mine', 'My escalations', path === '/mine' || path.startsWith('/cases')))
        : h('li', {}, link('#/queue', 'Queue', !approvals && (path === '/queue' || path === '' || path.startsWith('/cases')))),
      // Four-eyes: leads and the risk team decide proposals; their queue is the list filtered by the status.
      hasRole(session, 'lead', 'risk') ? h('li', {}, link('#/queue?status=pending_approval', 'Pending approvals', approvals)) : null,
      hasRole(session, 'lead', 'risk') ? h('li', {}, link('#/dashboard', 'Dashboard', path === '/dashboard')) : null,
    ),
    h('p', { class: 'who' }, h('span', {}, agentName(session)), ' ', h('span', { class: 'badge' }, session.roles.join(', ') || 'no role')),
    out,
  );
}

function route(): void {
  leave?.();
  leave = undefined;
  session = loadSession(Date.now());
  renderNav();
  if (!session) {
    renderSignIn(main, config, (signedIn) => {
      session = signedIn;
      if (!location.hash || location.hash === '#') location.hash = '#/queue';
      else route();
    });
    return;
  }
  const [path = '', query = ''] = location.hash.replace(/^#/, '').split('?');
  const found = ROUTES.map(([pattern, view]) => ({ match: pattern.exec(path), view })).find((r) => r.match);
  const home = internalOnly(session) ? '#/mine' : '#/queue';
  if (!found || (internalOnly(session) && (path === '/queue' || path === '/dashboard'))) {
    location.replace(home);
    return;
  }
  const mine = ++generation;
  const api = new Api(session, () => {
    signOut();
    if (mine === generation) route();
  });
  const ctx: ViewContext = {
    api,
    session,
    main,
    navigate: (hash) => {
      if (location.hash === hash) route();
      else location.hash = hash;
    },
    refresh: () => route(),
    arrive: (title, heading) => {
      document.title = `${title} · trustdesk console`;
      heading.focus();
    },
  };
  found
    .view(ctx, new URLSearchParams(query), ...found.match!.slice(1).map((s) => decodeURIComponent(s)))
    .then((cleanup) => {
      if (mine === generation) leave = cleanup;
      else cleanup?.();
    })
    .catch((error: unknown) => replace(main, notice('error', `Something went wrong: ${(error as Error).message}`)));
}

window.addEventListener('hashchange', () => route());

loadConfig()
  .then((loaded) => {
    config = loaded;
    route();
  })
  .catch((error: unknown) => replace(main, notice('error', `The console could not start: ${(error as Error).message}`)));
