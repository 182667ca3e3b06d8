import { AppError, type User } from "@chat/contracts";
import { traceparentFrom } from "@chat/runtime";
import { type CookieReading, sessionTokenFrom } from "./session-cookie.ts";

/**
 * Checks a token and says whose it is; throws AppError UNAUTHORIZED (or UNAVAILABLE when it cannot
 * tell). `AccessTokens` (local accounts) and `IdentityProviderTokens` (AUTH_MODE=jwks) are ones.
 */
export type TokenVerifier = { verify(token: string, traceparent: string): Promise<User> };

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

  authenticate(
    headers: Record<string, string | undefined>,
    traceparent: string = traceparentFrom(headers.traceparent),
  ): Promise<User> {
    const authorization = headers.authorization;
    const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const { sessionCookie } = this.options;
    let token: string | null;
    try {
      token = bearer ?? (sessionCookie ? sessionTokenFrom(headers.cookie, sessionCookie) : null);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!token) {
      const how = this.options.sessionCookie
        ? "send a Bearer token or the session cookie"
        : "send a Bearer token";
      return Promise.reject(new AppError("UNAUTHORIZED", `Sign in: ${how}`, { retryable: false }));
    }
    return this.verifier.verify(token, traceparent);
  }
}
