// A fake of the Cognito Identity Provider API for the console's sign-in tests: one user pool as the stack
// configures it (MFA required, TOTP only, 1-hour tokens, 12-hour refresh tokens that can be revoked), its
// clock under the test's control, real RFC 6238 TOTP codes.
import { createHmac, randomBytes } from 'node:crypto';
import { CognitoError, type CognitoApi } from '../../web/src/console/cognito.ts';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const base32 = (bytes: Buffer) => {
  let bits = '';
  for (const b of bytes) bits += b.toString(2).padStart(8, '0');
  return (bits.match(/.{1,5}/g) ?? []).map((chunk) => BASE32[Number.parseInt(chunk.padEnd(5, '0'), 2)]).join('');
};
const unbase32 = (text: string) => {
  const bits = [...text].map((c) => BASE32.indexOf(c).toString(2).padStart(5, '0')).join('');
  return Buffer.from((bits.match(/.{8}/g) ?? []).map((byte) => Number.parseInt(byte, 2)));
};
/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s), what authenticator apps compute. */
export const totp = (secret: string, at: number) => {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30_000)));
  const mac = createHmac('sha1', unbase32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
};

export const HOUR = 3_600_000;
const jwt = (claims: Record<string, unknown>) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
export const expOf = (token: string) => Number(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp) * 1000;

/** One user pool with MFA required (TOTP only), one app client, its clock under the test's control. */
export class FakeCognito implements CognitoApi {
  now = Date.parse('2026-12-03T08:00:00Z');
  calls: string[] = [];
  /** The ID token to hand out (a browser test mints one the local cloud's API accepts). */
  constructor(private readonly idToken?: (claims: { exp: number }) => Promise<string>) {}
  private user = { username: 'alice@example.com', password: 'Temp-Passw0rd!', mustChange: true, secret: undefined as string | undefined, pendingSecret: undefined as string | undefined };
  private sessions = new Map<string, string>(); // Cognito session → what it is for
  private refreshTokens = new Map<string, { expiresAt: number; revoked: boolean }>();
  private issued = 0;

  async call<T>(target: string, body: Record<string, unknown>): Promise<T> {
    this.calls.push(target);
    if ((body.ClientId ?? 'client-1') !== 'client-1') throw new CognitoError('ResourceNotFoundException', 'User pool client does not exist.');
    const answer = this.handle(target, body) as Record<string, unknown>;
    const result = answer.AuthenticationResult as { IdToken: string } | undefined;
    if (result && this.idToken) result.IdToken = await this.idToken({ exp: Math.floor((this.now + HOUR) / 1000) });
    return answer as T;
  }

  private session(purpose: string) {
    const id = randomBytes(8).toString('hex');
    this.sessions.set(id, purpose);
    return id;
  }

  private take(id: unknown, purpose: string) {
    if (this.sessions.get(String(id)) !== purpose) throw new CognitoError('NotAuthorizedException', 'Invalid session for the user, session is expired.');
    this.sessions.delete(String(id));
  }

  private tokens(withRefresh: boolean) {
    const n = ++this.issued;
    const exp = Math.floor((this.now + HOUR) / 1000);
    const refresh = `refresh-${n}`;
    if (withRefresh) this.refreshTokens.set(refresh, { expiresAt: this.now + 12 * HOUR, revoked: false });
    return {
      AuthenticationResult: {
        IdToken: jwt({ sub: 'u-alice', email: this.user.username, 'cognito:groups': ['agent'], exp, n }),
        AccessToken: jwt({ sub: 'u-alice', exp }),
        ...(withRefresh && { RefreshToken: refresh }),
      },
    };
  }

  private afterPassword() {
    if (this.user.mustChange) return { ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: this.session('new-password') };
    if (!this.user.secret) return { ChallengeName: 'MFA_SETUP', Session: this.session('mfa-setup') };
    return { ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: this.session('mfa') };
  }

  private handle(target: string, body: Record<string, unknown>): unknown {
    const params = (body.AuthParameters ?? {}) as Record<string, string>;
    const responses = (body.ChallengeResponses ?? {}) as Record<string, string>;
    switch (`${target}:${String(body.AuthFlow ?? body.ChallengeName ?? '')}`) {
      case 'InitiateAuth:USER_PASSWORD_AUTH':
        if (params.USERNAME !== this.user.username || params.PASSWORD !== this.user.password) throw new CognitoError('NotAuthorizedException', 'Incorrect username or password.');
        return this.afterPassword();
      case 'InitiateAuth:REFRESH_TOKEN_AUTH': {
        const r = this.refreshTokens.get(params.REFRESH_TOKEN ?? '');
        if (!r || r.revoked) throw new CognitoError('NotAuthorizedException', 'Refresh Token has been revoked');
        if (r.expiresAt <= this.now) throw new CognitoError('NotAuthorizedException', 'Refresh Token has expired');
        return this.tokens(false);
      }
      case 'RespondToAuthChallenge:NEW_PASSWORD_REQUIRED':
        this.take(body.Session, 'new-password');
        if ((responses.NEW_PASSWORD ?? '').length < 12) throw new CognitoError('InvalidPasswordException', 'Password does not conform to policy.');
        this.user.password = responses.NEW_PASSWORD!;
        this.user.mustChange = false;
        return this.afterPassword();
      case 'AssociateSoftwareToken:':
        this.take(body.Session, 'mfa-setup');
        this.user.pendingSecret = base32(randomBytes(20));
        return { SecretCode: this.user.pendingSecret, Session: this.session('associated') };
      case 'VerifySoftwareToken:':
        this.take(body.Session, 'associated');
        if (body.UserCode !== totp(this.user.pendingSecret!, this.now)) throw new CognitoError('CodeMismatchException', 'Invalid code received for user');
        this.user.secret = this.user.pendingSecret;
        return { Status: 'SUCCESS', Session: this.session('verified') };
      case 'RespondToAuthChallenge:MFA_SETUP':
        this.take(body.Session, 'verified');
        return this.tokens(true);
      case 'RespondToAuthChallenge:SOFTWARE_TOKEN_MFA':
        if (this.sessions.get(String(body.Session)) !== 'mfa') throw new CognitoError('NotAuthorizedException', 'Invalid session for the user, session is expired.');
        if (responses.SOFTWARE_TOKEN_MFA_CODE !== totp(this.user.secret!, this.now)) throw new CognitoError('CodeMismatchException', 'Invalid code received for user');
        this.sessions.delete(String(body.Session));
        return this.tokens(true);
      case 'RevokeToken:': {
        const r = this.refreshTokens.get(String(body.Token));
        if (r) r.revoked = true;
        return {};
      }
      default:
        throw new CognitoError('InvalidParameterException', `fake: ${target} ${JSON.stringify(body)}`);
    }
  }
}

