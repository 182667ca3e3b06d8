import { AppError, type User } from "@chat/contracts";
import { traceparentFrom } from "@chat/runtime";
import { type Static, Type } from "@sinclair/typebox";
import { type CookieReading, sessionTokenFrom } from "./tokens/session-cookie.ts";

/**
 * The sign-in a token proved, kept by a connection that outlives its request (a WebSocket) and by
 * a stream ticket, to ask again later whether it still holds.
 */
export const SignIn = Type.Object({
  /** The local sign-in (the token's `sid`, its refresh family); null for an identity provider's token, which only expires. */
  id: Type.Union([Type.String(), Type.Null()]),
  /** When the token expires, in epoch milliseconds. */
  expiresAt: Type.Number(),
});
export type SignIn = Static<typeof SignIn>;

/**
 * A verified caller: the user, and the sign-in of the token that proved it. `listedAdmin`, set by
 * an identity provider's token, says whether ADMIN_EMAILS lists the email that token verified
 * (its user's stored email does not count); a local token leaves it out, since a local account
 * owns its stored email.
 */
export type Caller = { user: User; signIn: SignIn; listedAdmin?: boolean };

/**
 * Checks a token and says whose it is; throws AppError UNAUTHORIZED (or UNAVAILABLE when it cannot
 * tell). `AccessTokens` (local accounts) and `IdentityProviderTokens` (AUTH_MODE=jwks) are ones.
 */
export type TokenVerifier = {
  identify(token: string, traceparent: string): Promise<Caller>;
  /** Throws UNAUTHORIZED once the sign-in has expired or ended (signed out), UNAVAILABLE when it cannot tell. */
  checkSignIn(signIn: SignIn): Promise<void>;
};

/**
 * Finds the caller: `Authorization: Bearer <token>`, or, when `sessionCookie` is set (local
 * accounts), the httpOnly session cookie read that way (two of them answer DUPLICATE_COOKIE).
 *
 * @example
 * const authenticator = new Authenticator(accessTokens, { sessionCookie: { secureOnly: true } });
 * const user = await authenticator.authenticate(headers); // throws UNAUTHORIZED
 */
export class Authenticator {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly options: { sessionCookie: CookieReading | null },
  ) {}

  async authenticate(
    headers: Record<string, string | undefined>,
    traceparent: string = traceparentFrom(headers.traceparent),
  ): Promise<User> {
    return (await this.identify(headers, traceparent)).user;
  }

  /** The caller and the sign-in of its token, for a connection that checks it again while open. */
  identify(
    headers: Record<string, string | undefined>,
    traceparent: string = traceparentFrom(headers.traceparent),
  ): Promise<Caller> {
    let token: string | null;
    try {
      token = this.tokenOf(headers);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!token) {
      const how = this.options.sessionCookie
        ? "send a Bearer token or the session cookie"
        : "send a Bearer token";
      return Promise.reject(new AppError("UNAUTHORIZED", `Sign in: ${how}`, { retryable: false }));
    }
    return this.verifier.identify(token, traceparent);
  }

  checkSignIn(signIn: SignIn): Promise<void> {
    return this.verifier.checkSignIn(signIn);
  }

  /**
   * The token the request carries, unchecked: the Bearer token, else the session cookie's (two
   * session cookies throw DUPLICATE_COOKIE).
   */
  tokenOf(headers: Record<string, string | undefined>): string | null {
    const bearer = headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const { sessionCookie } = this.options;
    return bearer ?? (sessionCookie ? sessionTokenFrom(headers.cookie, sessionCookie) : null);
  }
}
