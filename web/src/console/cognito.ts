// Signing in to the Cognito user pool from the page, with no SDK: the Identity Provider API's JSON calls
// (over TLS, straight to Cognito) driven as a small state machine, so that every step can be tested
// against a fake API (tests/web/cognito.test.ts):
//
//   password ──▶ NEW_PASSWORD_REQUIRED (first sign-in) ──▶ MFA_SETUP (no authenticator yet: the QR code,
//   then a first code) ──▶ signed in;   password ──▶ SOFTWARE_TOKEN_MFA (every later sign-in) ──▶ signed in.
//
// Once signed in, `SessionKeeper` holds the tokens for this tab only (sessionStorage: gone with the tab,
// never shared with other tabs or written to disk by us), refreshes the one-hour ID token silently with the
// refresh token a few minutes before it expires, and signs the agent out — once, cleanly — when Cognito
// refuses the refresh token (expired after 12 hours, or revoked); signing out revokes it.

export interface CognitoApi {
  /** One call (`AWSCognitoIdentityProviderService.<target>`); rejects with a CognitoError. */
  call<T>(target: string, body: Record<string, unknown>): Promise<T>;
}

export class CognitoError extends Error {
  constructor(
    /** Cognito's error type, e.g. NotAuthorizedException, CodeMismatchException. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

export function cognitoApi(region: string, fetchImpl: typeof fetch = fetch): CognitoApi {
  return {
    async call<T>(target: string, body: Record<string, unknown>): Promise<T> {
      const res = await fetchImpl(`https://cognito-idp.${region}.amazonaws.com/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${target}` },
        body: JSON.stringify(body),
      });
      const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      if (!res.ok) {
        const code = String(answer.__type ?? res.headers.get('x-amzn-errortype') ?? 'UnknownError').split('#').pop()!.split(':')[0]!;
        throw new CognitoError(code, typeof answer.message === 'string' ? answer.message : `Sign-in failed (HTTP ${res.status})`);
      }
      return answer as T;
    },
  };
}

export interface Tokens {
  idToken: string;
  accessToken: string;
  refreshToken: string;
}

/** Where a sign-in stands: signed in, or the challenge the agent answers next (with Cognito's session). */
export type SignInStep =
  | { step: 'signed-in'; tokens: Tokens }
  | { step: 'new-password'; session: string }
  | { step: 'mfa-setup'; session: string; secret: string; otpauthUri: string }
  | { step: 'mfa-code'; session: string };

interface AuthAnswer {
  AuthenticationResult?: { IdToken?: string; AccessToken?: string; RefreshToken?: string };
  ChallengeName?: string;
  Session?: string;
}

/** The key URI authenticator apps read from the QR code (issuer and account shown in the app). */
export const otpauthUri = (issuer: string, account: string, secret: string): string =>
  `otpauth://totp/${encodeURIComponent(issuer)}:${encodeURIComponent(account)}?secret=${encodeURIComponent(secret)}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`;

const SIX_DIGITS = /^\d{6}$/;

/** One agent's sign-in, step by step (USER_PASSWORD_AUTH, then the challenges Cognito asks for). */
export class CognitoSignIn {
  constructor(
    private readonly api: CognitoApi,
    private readonly clientId: string,
    private readonly username: string,
    private readonly issuer = 'trustdesk',
  ) {}

  async start(password: string): Promise<SignInStep> {
    return this.next(await this.api.call<AuthAnswer>('InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: this.clientId, AuthParameters: { USERNAME: this.username, PASSWORD: password } }));
  }

  async newPassword(session: string, password: string): Promise<SignInStep> {
    return this.respond('NEW_PASSWORD_REQUIRED', session, { NEW_PASSWORD: password });
  }

  /** The first code of the authenticator just enrolled: verified, then the MFA_SETUP challenge answered. */
  async confirmTotpSetup(session: string, code: string): Promise<SignInStep> {
    if (!SIX_DIGITS.test(code)) throw new CognitoError('CodeMismatchException', 'Enter the 6-digit code your authenticator app shows.');
    const verified = await this.api.call<{ Status?: string; Session?: string }>('VerifySoftwareToken', { Session: session, UserCode: code, FriendlyDeviceName: 'trustdesk console' });
    if (verified.Status !== 'SUCCESS' || !verified.Session) throw new CognitoError('EnableSoftwareTokenMFAException', 'That code did not match; try the next one.');
    return this.respond('MFA_SETUP', verified.Session, {});
  }

  async totpCode(session: string, code: string): Promise<SignInStep> {
    if (!SIX_DIGITS.test(code)) throw new CognitoError('CodeMismatchException', 'Enter the 6-digit code your authenticator app shows.');
    return this.respond('SOFTWARE_TOKEN_MFA', session, { SOFTWARE_TOKEN_MFA_CODE: code });
  }

  private async respond(challenge: string, session: string, responses: Record<string, string>): Promise<SignInStep> {
    return this.next(
      await this.api.call<AuthAnswer>('RespondToAuthChallenge', { ChallengeName: challenge, ClientId: this.clientId, Session: session, ChallengeResponses: { USERNAME: this.username, ...responses } }),
    );
  }

  private async next(answer: AuthAnswer): Promise<SignInStep> {
    const result = answer.AuthenticationResult;
    if (result?.IdToken && result.AccessToken && result.RefreshToken) {
      return { step: 'signed-in', tokens: { idToken: result.IdToken, accessToken: result.AccessToken, refreshToken: result.RefreshToken } };
    }
    const session = answer.Session ?? '';
    switch (answer.ChallengeName) {
      case 'NEW_PASSWORD_REQUIRED':
        return { step: 'new-password', session };
      case 'SOFTWARE_TOKEN_MFA':
        return { step: 'mfa-code', session };
      case 'MFA_SETUP': {
        const associated = await this.api.call<{ SecretCode?: string; Session?: string }>('AssociateSoftwareToken', { Session: session });
        if (!associated.SecretCode || !associated.Session) throw new CognitoError('SoftwareTokenMFANotFoundException', 'Cognito gave no authenticator key; try again.');
        return { step: 'mfa-setup', session: associated.Session, secret: associated.SecretCode, otpauthUri: otpauthUri(this.issuer, this.username, associated.SecretCode) };
      }
      default:
        throw new CognitoError('UnsupportedChallenge', answer.ChallengeName ? `This console cannot answer the ${answer.ChallengeName} challenge` : 'Sign-in failed');
    }
  }
}

/** sessionStorage, or a stand-in for tests. */
export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface KeeperDeps {
  api: CognitoApi;
  clientId: string;
  storage: TokenStorage;
  now: () => number;
  /** Schedules a refresh; returns its cancel. */
  setTimer: (run: () => void, ms: number) => () => void;
  /** The ID token's expiry (epoch ms), read from the token. */
  expiresAt: (idToken: string) => number;
  /** The session has ended (the refresh token expired or was revoked, or the agent signed out). */
  onSignedOut: (reason: 'expired' | 'signed-out') => void;
  /** The ID token was renewed. */
  onRefreshed: (idToken: string) => void;
}

export const ID_TOKEN_KEY = 'trustdesk.session';
export const REFRESH_TOKEN_KEY = 'trustdesk.refresh';
/** Refresh this long before the ID token expires (and not more often than once a minute). */
export const REFRESH_AHEAD_MS = 5 * 60_000;

export class SessionKeeper {
  private cancel: (() => void) | undefined;
  private refreshing: Promise<string | undefined> | undefined;

  constructor(private readonly d: KeeperDeps) {}

  /** After a sign-in: keep both tokens for this tab and schedule the refresh. */
  signedIn(tokens: Tokens): string {
    this.d.storage.setItem(ID_TOKEN_KEY, tokens.idToken);
    this.d.storage.setItem(REFRESH_TOKEN_KEY, tokens.refreshToken);
    this.schedule(tokens.idToken);
    return tokens.idToken;
  }

  /** On page load: the tab's ID token if still good (refresh scheduled), else a refreshed one, else undefined. */
  async resume(): Promise<string | undefined> {
    const idToken = this.d.storage.getItem(ID_TOKEN_KEY);
    if (idToken && this.d.expiresAt(idToken) > this.d.now() + 30_000) {
      this.schedule(idToken);
      return idToken;
    }
    if (!this.d.storage.getItem(REFRESH_TOKEN_KEY)) return undefined;
    return this.refresh();
  }

  /** A new ID token from the refresh token; on refusal the agent is signed out (once) and undefined returned. */
  refresh(): Promise<string | undefined> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<string | undefined> {
    const refreshToken = this.d.storage.getItem(REFRESH_TOKEN_KEY);
    if (!refreshToken) return this.end('expired');
    try {
      const answer = await this.d.api.call<AuthAnswer>('InitiateAuth', { AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: this.d.clientId, AuthParameters: { REFRESH_TOKEN: refreshToken } });
      const idToken = answer.AuthenticationResult?.IdToken;
      if (!idToken) return this.end('expired');
      this.d.storage.setItem(ID_TOKEN_KEY, idToken);
      // With refresh-token rotation Cognito hands out a new one; without, the old one stays valid.
      if (answer.AuthenticationResult?.RefreshToken) this.d.storage.setItem(REFRESH_TOKEN_KEY, answer.AuthenticationResult.RefreshToken);
      this.schedule(idToken);
      this.d.onRefreshed(idToken);
      return idToken;
    } catch (error) {
      // Expired or revoked: Cognito says NotAuthorizedException. Anything else (offline) retries in a minute.
      if (error instanceof CognitoError && error.code === 'NotAuthorizedException') return this.end('expired');
      this.cancel?.();
      this.cancel = this.d.setTimer(() => void this.refresh(), 60_000);
      return undefined;
    }
  }

  /** Sign out: revoke the refresh token (best effort; it and its ID tokens stop working) and forget both. */
  async signOut(): Promise<void> {
    const refreshToken = this.d.storage.getItem(REFRESH_TOKEN_KEY);
    this.end('signed-out');
    if (refreshToken) await this.d.api.call('RevokeToken', { Token: refreshToken, ClientId: this.d.clientId }).catch(() => undefined);
  }

  private schedule(idToken: string): void {
    this.cancel?.();
    const wait = Math.max(60_000, this.d.expiresAt(idToken) - REFRESH_AHEAD_MS - this.d.now());
    this.cancel = this.d.setTimer(() => void this.refresh(), wait);
  }

  private end(reason: 'expired' | 'signed-out'): undefined {
    this.cancel?.();
    this.cancel = undefined;
    const had = this.d.storage.getItem(ID_TOKEN_KEY) !== null || this.d.storage.getItem(REFRESH_TOKEN_KEY) !== null;
    this.d.storage.removeItem(ID_TOKEN_KEY);
    this.d.storage.removeItem(REFRESH_TOKEN_KEY);
    if (had) this.d.onSignedOut(reason);
    return undefined;
  }
}
