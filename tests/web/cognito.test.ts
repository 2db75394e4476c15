// The console's sign-in against a fake Cognito Identity Provider API that behaves like the user pool the
// stack deploys (MFA required, TOTP only): a new agent changes the temporary password, enrols an
// authenticator from the key the QR code carries and signs in with its code; later sign-ins answer the
// TOTP challenge; the ID token is refreshed silently before it expires; a refused refresh token (expired
// or revoked) signs the agent out once; sign-out revokes it. The fake (tests/web/fake-cognito.ts) checks
// real TOTP codes (RFC 6238), so the key shown to the agent is the one the app must use.
import { describe, expect, it } from 'vitest';
import { CognitoSignIn, ID_TOKEN_KEY, REFRESH_TOKEN_KEY, SessionKeeper, type TokenStorage } from '../../web/src/console/cognito.ts';
import { qrPath } from '../../web/src/console/qr-path.ts';
import { expOf, FakeCognito, HOUR, totp } from './fake-cognito.ts';

const memoryStorage = (): TokenStorage & { items: Map<string, string> } => {
  const items = new Map<string, string>();
  return { items, getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v), removeItem: (k) => void items.delete(k) };
};

/** The keeper with a fake clock and timers the test fires. */
function keeperOn(cognito: FakeCognito) {
  const storage = memoryStorage();
  const timers: { at: number; run: () => void; cancelled: boolean }[] = [];
  const signedOut: string[] = [];
  const refreshed: string[] = [];
  const keeper = new SessionKeeper({
    api: cognito,
    clientId: 'client-1',
    storage,
    now: () => cognito.now,
    setTimer: (run, ms) => {
      const t = { at: cognito.now + ms, run, cancelled: false };
      timers.push(t);
      return () => {
        t.cancelled = true;
      };
    },
    expiresAt: expOf,
    onSignedOut: (reason) => signedOut.push(reason),
    onRefreshed: (token) => refreshed.push(token),
  });
  /** Moves the clock to the next pending timer and runs it. */
  const fireNext = async () => {
    const next = timers.filter((t) => !t.cancelled).sort((a, b) => a.at - b.at)[0]!;
    next.cancelled = true;
    cognito.now = next.at;
    next.run();
    await new Promise((r) => setTimeout(r, 0));
    return next.at;
  };
  return { keeper, storage, timers, signedOut, refreshed, fireNext };
}

async function firstSignIn(cognito: FakeCognito) {
  const flow = new CognitoSignIn(cognito, 'client-1', 'alice@example.com');
  const changing = await flow.start('Temp-Passw0rd!');
  expect(changing.step).toBe('new-password');
  if (changing.step !== 'new-password') throw new Error('unreachable');
  const enrolling = await flow.newPassword(changing.session, 'A-much-longer-Passw0rd!');
  if (enrolling.step !== 'mfa-setup') throw new Error(`expected mfa-setup, got ${enrolling.step}`);
  return { flow, enrolling };
}

describe('first sign-in: new password, then the authenticator’s enrolment', () => {
  it('shows the key as an otpauth URI for the QR code, verifies a code the app computes from it, and signs in', async () => {
    const cognito = new FakeCognito();
    const { flow, enrolling } = await firstSignIn(cognito);
    const uri = new URL(enrolling.otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/trustdesk:alice@example.com');
    expect(uri.searchParams.get('secret')).toBe(enrolling.secret);
    expect(uri.searchParams.get('issuer')).toBe('trustdesk');
    const done = await flow.confirmTotpSetup(enrolling.session, totp(enrolling.secret, cognito.now));
    expect(done.step).toBe('signed-in');
    expect(cognito.calls).toEqual(['InitiateAuth', 'RespondToAuthChallenge', 'AssociateSoftwareToken', 'VerifySoftwareToken', 'RespondToAuthChallenge']);
  });

  it('keeps the enrolment step on a wrong code, and refuses anything but six digits before asking Cognito', async () => {
    const cognito = new FakeCognito();
    const { flow, enrolling } = await firstSignIn(cognito);
    await expect(flow.confirmTotpSetup(enrolling.session, '12345')).rejects.toMatchObject({ code: 'CodeMismatchException' });
    expect(cognito.calls).not.toContain('VerifySoftwareToken');
    const wrong = String((Number(totp(enrolling.secret, cognito.now)) + 1) % 1_000_000).padStart(6, '0');
    await expect(flow.confirmTotpSetup(enrolling.session, wrong)).rejects.toMatchObject({ code: 'CodeMismatchException' });
  });

  it('draws the QR code of the URI: a square of modules with a quiet zone', () => {
    const { size, d } = qrPath('otpauth://totp/trustdesk:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=trustdesk');
    expect(size).toBeGreaterThanOrEqual(21 + 8);
    expect(d).toMatch(/^M4 4h7v1h-7z/); // the top-left finder pattern starts after the 4-module border
  });
});

describe('every later sign-in: the TOTP challenge', () => {
  it('asks for the code after the password and signs in with the current one', async () => {
    const cognito = new FakeCognito();
    const { flow, enrolling } = await firstSignIn(cognito);
    await flow.confirmTotpSetup(enrolling.session, totp(enrolling.secret, cognito.now));
    cognito.now += 24 * HOUR;
    const again = new CognitoSignIn(cognito, 'client-1', 'alice@example.com');
    const challenge = await again.start('A-much-longer-Passw0rd!');
    if (challenge.step !== 'mfa-code') throw new Error(`expected mfa-code, got ${challenge.step}`);
    // Yesterday's code is refused; today's works.
    await expect(again.totpCode(challenge.session, totp(enrolling.secret, cognito.now - 24 * HOUR))).rejects.toMatchObject({ code: 'CodeMismatchException' });
    const done = await again.totpCode(challenge.session, totp(enrolling.secret, cognito.now));
    expect(done.step).toBe('signed-in');
    await expect(again.start('wrong password')).rejects.toMatchObject({ code: 'NotAuthorizedException' });
  });
});

async function signedIn(cognito: FakeCognito) {
  const { flow, enrolling } = await firstSignIn(cognito);
  const done = await flow.confirmTotpSetup(enrolling.session, totp(enrolling.secret, cognito.now));
  if (done.step !== 'signed-in') throw new Error('not signed in');
  return done.tokens;
}

describe('the session: silent refresh, clean sign-out', () => {
  it('keeps both tokens for the tab and renews the ID token five minutes before it expires', async () => {
    const cognito = new FakeCognito();
    const k = keeperOn(cognito);
    const tokens = await signedIn(cognito);
    const first = k.keeper.signedIn(tokens);
    expect(k.storage.items.get(REFRESH_TOKEN_KEY)).toBe(tokens.refreshToken);
    const at = await k.fireNext();
    expect(at).toBe(expOf(first) - 5 * 60_000);
    expect(k.refreshed).toHaveLength(1);
    const second = k.storage.items.get(ID_TOKEN_KEY)!;
    expect(second).not.toBe(first);
    expect(expOf(second)).toBe(Math.floor((at + HOUR) / 1000) * 1000);
    // Cognito did not rotate the refresh token: the same one stays.
    expect(k.storage.items.get(REFRESH_TOKEN_KEY)).toBe(tokens.refreshToken);
    expect(k.signedOut).toEqual([]);
  });

  it('signs the agent out once when the refresh token expires (12 hours), forgetting both tokens', async () => {
    const cognito = new FakeCognito();
    const k = keeperOn(cognito);
    k.keeper.signedIn(await signedIn(cognito));
    for (let i = 0; i < 20 && k.signedOut.length === 0; i++) await k.fireNext();
    expect(k.signedOut).toEqual(['expired']);
    expect(cognito.now).toBeGreaterThan(Date.parse('2026-12-03T08:00:00Z') + 11 * HOUR);
    expect(k.storage.items.size).toBe(0);
    expect(k.timers.filter((t) => !t.cancelled)).toEqual([]);
    // Asked again (a 401 from the API), it stays signed out without a second notice.
    expect(await k.keeper.refresh()).toBeUndefined();
    expect(k.signedOut).toEqual(['expired']);
  });

  it('signs out when the refresh token was revoked elsewhere; sign-out revokes it', async () => {
    const cognito = new FakeCognito();
    const k = keeperOn(cognito);
    const tokens = await signedIn(cognito);
    k.keeper.signedIn(tokens);
    await cognito.call('RevokeToken', { Token: tokens.refreshToken, ClientId: 'client-1' });
    expect(await k.keeper.refresh()).toBeUndefined();
    expect(k.signedOut).toEqual(['expired']);

    const pool = new FakeCognito();
    const other = keeperOn(pool);
    const mine = await signedIn(pool);
    other.keeper.signedIn(mine);
    await other.keeper.signOut();
    expect(other.signedOut).toEqual(['signed-out']);
    expect(pool.calls.at(-1)).toBe('RevokeToken');
    expect(other.storage.items.size).toBe(0);
    // The revoked token no longer refreshes anything, wherever it was copied to.
    await expect(pool.call('InitiateAuth', { AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: 'client-1', AuthParameters: { REFRESH_TOKEN: mine.refreshToken } })).rejects.toMatchObject({ code: 'NotAuthorizedException' });
  });

  it('on page load resumes a valid ID token, renews a lapsed one, and asks one refresh for concurrent callers', async () => {
    const cognito = new FakeCognito();
    const k = keeperOn(cognito);
    const tokens = await signedIn(cognito);
    k.keeper.signedIn(tokens);
    expect(await k.keeper.resume()).toBe(tokens.idToken);
    cognito.now += 2 * HOUR; // the laptop slept
    const before = cognito.calls.length;
    const [a, b] = await Promise.all([k.keeper.resume(), k.keeper.refresh()]);
    expect(a).toBeDefined();
    expect(a).toBe(b);
    expect(cognito.calls.slice(before)).toEqual(['InitiateAuth']);
  });

  it('keeps the session through a network failure and tries again in a minute', async () => {
    const cognito = new FakeCognito();
    const k = keeperOn(cognito);
    k.keeper.signedIn(await signedIn(cognito));
    const real = cognito.call.bind(cognito);
    cognito.call = async () => {
      throw new TypeError('Failed to fetch');
    };
    const failedAt = await k.fireNext();
    expect(k.signedOut).toEqual([]);
    cognito.call = real;
    expect(await k.fireNext()).toBe(failedAt + 60_000);
    expect(k.refreshed).toHaveLength(1);
  });
});
