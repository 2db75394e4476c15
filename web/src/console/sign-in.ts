// Sign-in: locally, pick a dev role (the local cloud issues the token); on AWS, the Cognito user pool.
import { h, on, replace } from '../dom.ts';
import { ROLES, signInCognito, signInLocal, type Role, type Session } from './auth.ts';
import type { ConsoleConfig } from './config.ts';
import { notice } from './ui.ts';

const ROLE_TEXT: Record<Role, string> = {
  agent: 'Agent: work the queue and answer requesters',
  lead: 'Lead: also acknowledges escalations, changes priorities, sees the dashboard',
  risk: 'Risk team: the lead’s rights, for fraud and safety cases',
  internal: 'Internal: another team escalating a creator’s or agency’s problem; sees its own escalations',
};

export function renderSignIn(main: HTMLElement, config: ConsoleConfig, done: (session: Session) => void): void {
  const heading = h('h1', { tabindex: -1 }, 'Sign in to the console');
  const status = h('div', { class: 'notices' });
  const form = config.auth === 'local' ? localForm(status, done) : cognitoForm(config, status, done);
  replace(main, h('div', { class: 'sign-in panel' }, heading, status, form));
  document.title = 'Sign in · trustdesk console';
  heading.focus();
}

function localForm(status: HTMLElement, done: (session: Session) => void): HTMLElement {
  const form = h(
    'form',
    { class: 'stack' },
    h(
      'fieldset',
      {},
      h('legend', {}, 'Local cloud: choose a dev role'),
      ...ROLES.map((role, i) =>
        h('div', { class: 'choice' }, h('input', { type: 'radio', name: 'role', id: `role-${role}`, value: role, checked: i === 0 }), h('label', { for: `role-${role}` }, ROLE_TEXT[role])),
      ),
    ),
    h('button', { type: 'submit', class: 'button primary' }, 'Sign in'),
  );
  on(form, 'submit', (event) => {
    event.preventDefault();
    const role = String(new FormData(form).get('role') ?? 'agent') as Role;
    signInLocal(role).then(done, (error: unknown) => replace(status, notice('error', (error as Error).message)));
  });
  return form;
}

function cognitoForm(config: Extract<ConsoleConfig, { auth: 'cognito' }>, status: HTMLElement, done: (session: Session) => void): HTMLElement {
  let challenge: string | undefined;
  const newPassword = h('div', { class: 'field', hidden: true }, h('label', { for: 'new-password' }, 'Choose a new password'), h('input', { id: 'new-password', name: 'newPassword', type: 'password', autocomplete: 'new-password' }));
  const submit = h('button', { type: 'submit', class: 'button primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'stack' },
    h('div', { class: 'field' }, h('label', { for: 'username' }, 'Email'), h('input', { id: 'username', name: 'username', type: 'email', autocomplete: 'username', required: true })),
    h('div', { class: 'field' }, h('label', { for: 'password' }, 'Password'), h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    newPassword,
    submit,
  );
  on(form, 'submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const username = String(data.get('username') ?? '');
    const password = String(data.get('password') ?? '');
    submit.disabled = true;
    signInCognito(config, username, password, challenge ? { password: String(data.get('newPassword') ?? ''), cognitoSession: challenge } : undefined)
      .then((result) => {
        if ('session' in result) return done(result.session);
        challenge = result.cognitoSession;
        newPassword.hidden = false;
        replace(status, notice('info', 'First sign-in: choose a new password.'));
        newPassword.querySelector('input')?.focus();
      })
      .catch((error: unknown) => replace(status, notice('error', (error as Error).message)))
      .finally(() => {
        submit.disabled = false;
      });
  });
  return form;
}
