import type { Role, TokenScope, UserStatus } from '../../generated/prisma/enums.js';

// What the auth middleware learns about the caller. It lives on the request so the
// idempotency, audit and rate-limit layers can scope by it without knowing how it was made.
export interface Principal {
  kind: 'session' | 'token';
  /** Stable id for scoping (idempotency keys, rate limits): user id for both kinds. */
  userId: string;
  email: string;
  role: Role;
  status: UserStatus;
  /** The address is confirmed; until then the account may look but not create. */
  emailVerified: boolean;
  /** Two-factor sign-in is on for this user. */
  twoFactor: boolean;
  sessionId?: string;
  tokenId?: string;
  /** For tokens: read (GET only) or full. */
  tokenScope?: TokenScope;
}

export interface AuditNote {
  action?: string;
  targetType?: string;
  targetId?: string;
  /** Actor when the request itself establishes who it is (login, signup). */
  actorId?: string;
  actorEmail?: string;
  details?: Record<string, unknown>;
  /** The refusal or failure the request was answered with (set by the error handler). */
  error?: { code: string; message: string };
  /** A replayed response changed nothing: it is not audited again. */
  skip?: boolean;
  /** Set when a public route (sign-in, sign-up) was reached: only then is an anonymous request audited. */
  publicRoute?: boolean;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      id: string;
      principal?: Principal;
      audit: AuditNote;
      /** Route pattern for metrics/audit (`/api/admin/users/:id`), set by the route helper. */
      routePattern?: string;
      /** The matched route answers with a secret (RouteSpec.returnsSecret): never stored for replay. */
      replySecret?: true | readonly string[];
    }
  }
}

/** Anonymous callers are scoped by address: one client never sees another's stored response. */
export const scopeOf = (principal: Principal | undefined, ip: string | undefined) =>
  principal ? `u:${principal.userId}` : `ip:${ip ?? 'unknown'}`;
