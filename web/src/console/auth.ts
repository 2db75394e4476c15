// Who is signed in: an ID token (Cognito's on AWS, the local issuer's locally) kept for this tab only.
// On AWS the refresh token sits beside it and web/src/console/cognito.ts renews it; locally a dev token
// simply ends.
import { ID_TOKEN_KEY, REFRESH_TOKEN_KEY } from './cognito.ts';

/** `internal`: another team's person, who follows its own escalations (no agent actions). */
export const ROLES = ['agent', 'lead', 'risk', 'internal'] as const;
export type Role = (typeof ROLES)[number];

export interface Session {
  token: string;
  roles: Role[];
  /** What the API records as the agent (the token's subject). */
  sub: string;
  email?: string;
  /** Epoch ms. */
  expiresAt: number;
}

const KEY = ID_TOKEN_KEY;

function decodePayload(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (!part) throw new Error('not a JWT');
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

/** What the console needs from a token (the API checks it; this only decides what to show). */
export function sessionFromToken(token: string): Session {
  const claims = decodePayload(token);
  const groups = claims['cognito:groups'];
  const list = Array.isArray(groups) ? groups : typeof groups === 'string' ? groups.split(/[\s,]+/) : [];
  const roles = ROLES.filter((r) => list.includes(r));
  return {
    token,
    roles,
    sub: String(claims.sub ?? ''),
    ...(typeof claims.email === 'string' && { email: claims.email }),
    expiresAt: Number(claims.exp ?? 0) * 1000,
  };
}

export function loadSession(now: number): Session | undefined {
  const token = sessionStorage.getItem(KEY);
  if (!token) return undefined;
  try {
    const session = sessionFromToken(token);
    if (session.expiresAt > now) return session;
  } catch {
    // unreadable: sign in again
  }
  sessionStorage.removeItem(KEY);
  return undefined;
}

export function saveSession(token: string): Session {
  const session = sessionFromToken(token);
  sessionStorage.setItem(KEY, token);
  return session;
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(REFRESH_TOKEN_KEY);
}

export const hasRole = (session: Session, ...roles: Role[]): boolean => session.roles.some((r) => roles.includes(r));
/** The name an agent is assigned cases by ("assign to me", "my cases"). */
export const agentName = (session: Session): string => session.email ?? session.sub;

/** Local cloud: a dev token for the chosen role. */
export async function signInLocal(role: Role): Promise<Session> {
  const res = await fetch(`/local/token?role=${encodeURIComponent(role)}`, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`The local cloud refused a ${role} token (HTTP ${res.status})`);
  const { token } = (await res.json()) as { token: string };
  return saveSession(token);
}
