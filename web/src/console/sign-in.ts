// Sign-in: locally, pick a dev role (the local cloud issues the token); on AWS, the Cognito user pool
// with its TOTP challenge (web/src/console/cognito.ts drives the steps; this file only shows them).
import { h, on, replace } from '../dom.ts';
import { ROLES, signInLocal, type Role, type Session } from './auth.ts';
import { CognitoError, CognitoSignIn, cognitoApi, type SignInStep, type Tokens } from './cognito.ts';
import type { ConsoleConfig } from './config.ts';
import { qrCode } from './qr.ts';
import { notice } from './ui.ts';

const ROLE_TEXT: Record<Role, string> = {
  agent: 'Agent: work the queue and answer requesters',
  lead: 'Lead: also acknowledges escalations, changes priorities, sees the dashboard',
  risk: 'Risk team: the lead’s rights, for fraud and safety cases',
  internal: 'Internal: another team escalating a creator’s or agency’s problem; sees its own escalations',
};

export function renderSignIn(
  main: HTMLElement,
  config: ConsoleConfig,
  done: { local: (session: Session) => void; cognito: (tokens: Tokens) => void },
  /** Why the agent is here again (the session ended), shown above the form. */
  reason?: string,
): void {
  const heading = h('h1', { tabindex: -1 }, 'Sign in to the console');
  const status = h('div', { class: 'notices' }, reason ? notice('info', reason) : null);
  const form = config.auth === 'local' ? localForm(status, done.local) : cognitoForm(config, status, done.cognito);
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

/**
 * AWS: email and password, then whatever Cognito asks next — a new password at the first sign-in, the
 * authenticator's enrolment (QR code and a first code) when none is set up, a TOTP code every time after.
 */
function cognitoForm(config: Extract<ConsoleConfig, { auth: 'cognito' }>, status: HTMLElement, done: (tokens: Tokens) => void): HTMLElement {
  let step: SignInStep | undefined;
  let flow: CognitoSignIn | undefined;
  const field = (id: string, label: string, attrs: Record<string, string | boolean>) =>
    h('div', { class: 'field' }, h('label', { for: id }, label), h('input', { id, name: id, ...attrs }));
  const credentials = h(
    'div',
    { class: 'stack' },
    field('username', 'Email', { type: 'email', autocomplete: 'username', required: true }),
    field('password', 'Password', { type: 'password', autocomplete: 'current-password', required: true }),
  );
  const newPassword = h('div', { hidden: true }, field('new-password', 'Choose a new password', { type: 'password', autocomplete: 'new-password' }));
  const enrol = h('div', { class: 'stack totp-setup', hidden: true });
  const code = h('div', { hidden: true }, field('totp-code', 'Code from your authenticator app', { type: 'text', inputmode: 'numeric', pattern: '[0-9]{6}', maxlength: '6', autocomplete: 'one-time-code' }));
  const submit = h('button', { type: 'submit', class: 'button primary' }, 'Sign in');
  const form = h('form', { class: 'stack' }, credentials, newPassword, enrol, code, submit);
  const input = (name: string) => form.querySelector<HTMLInputElement>(`[name="${name}"]`)!;

  const show = (next: SignInStep) => {
    step = next;
    // A challenge: the email and password are answered.
    credentials.hidden = true;
    newPassword.hidden = next.step !== 'new-password';
    enrol.hidden = next.step !== 'mfa-setup';
    code.hidden = next.step !== 'mfa-setup' && next.step !== 'mfa-code';
    input('totp-code').value = '';
    if (next.step === 'new-password') {
      replace(status, notice('info', 'First sign-in: choose a new password.'));
      input('new-password').focus();
    } else if (next.step === 'mfa-setup') {
      replace(
        enrol,
        h('p', {}, 'Set up two-step sign-in: scan this code with an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password, …), then enter the 6-digit code it shows.'),
        qrCode(next.otpauthUri, 'QR code of your authenticator key'),
        h('p', {}, 'Cannot scan? Enter this key in the app: ', h('code', { class: 'totp-secret' }, next.secret)),
      );
      replace(status, notice('info', 'Two-step sign-in is required for every agent.'));
      input('totp-code').focus();
    } else if (next.step === 'mfa-code') {
      replace(status);
      input('totp-code').focus();
    }
    submit.textContent = next.step === 'mfa-setup' ? 'Verify and sign in' : next.step === 'mfa-code' ? 'Verify' : 'Sign in';
  };

  on(form, 'submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    const totp = input('totp-code').value.trim();
    const run = (): Promise<SignInStep> => {
      if (!step || !flow) {
        flow = new CognitoSignIn(cognitoApi(config.region), config.clientId, input('username').value.trim());
        return flow.start(input('password').value);
      }
      switch (step.step) {
        case 'new-password':
          return flow.newPassword(step.session, input('new-password').value);
        case 'mfa-setup':
          return flow.confirmTotpSetup(step.session, totp);
        case 'mfa-code':
          return flow.totpCode(step.session, totp);
        default:
          return flow.start(input('password').value);
      }
    };
    run()
      .then((next) => (next.step === 'signed-in' ? done(next.tokens) : show(next)))
      .catch((error: unknown) => {
        // A wrong code keeps the step; anything else (wrong password, expired Cognito session) starts over.
        if (!(error instanceof CognitoError && error.code === 'CodeMismatchException')) {
          step = undefined;
          flow = undefined;
          credentials.hidden = false;
          newPassword.hidden = enrol.hidden = code.hidden = true;
          submit.textContent = 'Sign in';
        }
        replace(status, notice('error', (error as Error).message));
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  return form;
}
