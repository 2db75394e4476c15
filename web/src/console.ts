// The agent console: sign-in, then a hash-routed single page: #/queue, #/cases/<id>, #/search?q=…, #/users/<id>, #/dashboard, #/macros,
// and for other teams' people (role internal) #/mine, their own escalations. The header has one search box.
// On AWS a SessionKeeper (console/cognito.ts) renews the one-hour ID token under the running view and
// brings the agent back to the sign-in page, saying why, when the refresh token is refused.
import * as z from 'zod/mini';
import { byId, h, on, replace } from './dom.ts';
import { Api } from './console/api.ts';
import { agentName, hasRole, loadSession, sessionFromToken, signOut, type Session } from './console/auth.ts';
import { cognitoApi, REFRESH_TOKEN_KEY, SessionKeeper } from './console/cognito.ts';
import { caseView } from './console/case-view.ts';
import { loadConfig, type ConsoleConfig } from './console/config.ts';
import { dashboardView } from './console/dashboard.ts';
import { macrosView } from './console/macros.ts';
import { mineView } from './console/mine.ts';
import { queueView } from './console/queue.ts';
import { searchView } from './console/search.ts';
import { userView } from './console/user-view.ts';
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
  [/^\/macros$/, macrosView],
  [/^\/mine$/, mineView],
  [/^\/search$/, searchView],
  [/^\/users\/([^/]+)$/, userView],
];

/** Someone of another team only: their own escalations instead of the agents' queue. */
const internalOnly = (s: Session) => hasRole(s, 'internal') && !hasRole(s, 'agent', 'lead', 'risk');

let config: ConsoleConfig;
let session: Session | undefined;
/** AWS only: keeps the Cognito tokens fresh. */
let keeper: SessionKeeper | undefined;
/** Shown on the sign-in page when the session ended by itself. */
let endedBecause: string | undefined;
let leave: (() => void) | undefined;
let generation = 0;

function renderNav(): void {
  if (!session) {
    replace(nav);
    return;
  }
  const out = h('button', { type: 'button', class: 'button subtle' }, 'Sign out');
  on(out, 'click', () => {
    if (keeper) {
      void keeper.signOut();
      return; // onSignedOut routes
    }
    signOut();
    session = undefined;
    route();
  });
  const path = location.hash.slice(1).split('?')[0] ?? '';
  const approvals = path === '/queue' && new URLSearchParams(location.hash.split('?')[1] ?? '').get('status') === 'pending_approval';
  const link = (href: string, text: string, current: boolean) => h('a', { href, 'aria-current': current ? 'page' : null }, text);
  // One box for every exact key; a reference or case id opens the case, anything else lists what it names.
  const searchInput = h('input', { id: 'search', type: 'search', name: 'q', placeholder: 'Reference, case id, email, user id, transaction id', autocomplete: 'off', maxlength: 200 });
  if (path === '/search') searchInput.value = new URLSearchParams(location.hash.split('?')[1] ?? '').get('q') ?? '';
  const search = h('form', { role: 'search', class: 'header-search', 'aria-label': 'Find a case' }, h('label', { for: 'search', class: 'visually-hidden' }, 'Find a case'), searchInput, h('button', { type: 'submit', class: 'button subtle' }, 'Find'));
  on(search, 'submit', (event) => {
    event.preventDefault();
    const q = searchInput.value.trim();
    if (q) location.hash = `#/search?${new URLSearchParams({ q })}`;
  });
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
      hasRole(session, 'lead') ? h('li', {}, link('#/macros', 'Macros', path === '/macros')) : null,
    ),
    internalOnly(session) ? null : search,
    h('p', { class: 'who' }, h('span', {}, agentName(session)), ' ', h('span', { class: 'badge' }, session.roles.join(', ') || 'no role')),
    out,
  );
}

function route(): void {
  leave?.();
  leave = undefined;
  session = loadSession(Date.now());
  renderNav();
  if (!session && keeper && sessionStorage.getItem(REFRESH_TOKEN_KEY)) {
    // The ID token lapsed (a sleeping laptop): renew it, or the keeper signs out and routes here again.
    void keeper.refresh().then((token) => {
      if (token) route();
    });
    return;
  }
  if (!session) {
    const enter = (signedIn: Session) => {
      session = signedIn;
      endedBecause = undefined;
      if (!location.hash || location.hash === '#') location.hash = '#/queue';
      else route();
    };
    renderSignIn(main, config, { local: enter, cognito: (tokens) => enter(sessionFromToken(keeper!.signedIn(tokens))) }, endedBecause);
    return;
  }
  const [path = '', query = ''] = location.hash.replace(/^#/, '').split('?');
  const found = ROUTES.map(([pattern, view]) => ({ match: pattern.exec(path), view })).find((r) => r.match);
  const home = internalOnly(session) ? '#/mine' : '#/queue';
  if (!found || (internalOnly(session) && (path === '/queue' || path === '/dashboard' || path === '/search' || path.startsWith('/users/')))) {
    location.replace(home);
    return;
  }
  const mine = ++generation;
  const api = new Api(
    {
      get token() {
        return session?.token ?? '';
      },
    },
    () => {
      // A 401: on AWS try the refresh token once (the keeper signs out if Cognito refuses it).
      if (keeper) {
        void keeper.refresh().then((token) => {
          if (token && mine === generation) route();
        });
        return;
      }
      signOut();
      if (mine === generation) route();
    },
  );
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
  .then(async (loaded) => {
    config = loaded;
    if (loaded.auth === 'cognito') {
      keeper = new SessionKeeper({
        api: cognitoApi(loaded.region),
        clientId: loaded.clientId,
        storage: sessionStorage,
        now: () => Date.now(),
        setTimer: (run, ms) => {
          const timer = setTimeout(run, ms);
          return () => clearTimeout(timer);
        },
        expiresAt: (token) => sessionFromToken(token).expiresAt,
        onRefreshed: (token) => {
          session = sessionFromToken(token);
        },
        onSignedOut: (reason) => {
          session = undefined;
          endedBecause = reason === 'expired' ? 'Your session has ended; sign in again.' : undefined;
          route();
        },
      });
      await keeper.resume();
    }
    route();
  })
  .catch((error: unknown) => replace(main, notice('error', `The console could not start: ${(error as Error).message}`)));
