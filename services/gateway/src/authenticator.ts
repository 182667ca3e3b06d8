import { AppError, type User } from "@chat/contracts";
import { traceparentFrom } from "@chat/runtime";
import { sessionTokenFrom } from "./session-cookie.ts";

/**
 * Checks a token and says whose it is; throws AppError UNAUTHORIZED (or UNAVAILABLE when it cannot
 * tell). `AccessTokens` (local accounts) and `IdentityProviderTokens` (AUTH_MODE=jwks) are ones.
 */
export type TokenVerifier = { verify(token: string, traceparent: string): Promise<User> };

/**
 * Finds the caller: `Authorization: Bearer <token>`, or, when `sessionCookie` is on (local accounts),
 * the httpOnly session cookie.
 *
 * @example
 * const authenticator = new Authenticator(accessTokens, { sessionCookie: true });
 * const user = await authenticator.authenticate(headers); // throws UNAUTHORIZED
 */
export class Authenticator {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly options: { sessionCookie: boolean } = { sessionCookie: true },
  ) {}

  authenticate(
    headers: Record<string, string | undefined>,
    traceparent: string = traceparentFrom(headers.traceparent),
  ): Promise<User> {
    const authorization = headers.authorization;
    const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const token = bearer ?? (this.options.sessionCookie ? sessionTokenFrom(headers.cookie) : null);
    if (!token) {
      const how = this.options.sessionCookie
        ? "send a Bearer token or the session cookie"
        : "send a Bearer token";
      return Promise.reject(new AppError("UNAUTHORIZED", `Sign in: ${how}`, { retryable: false }));
    }
    return this.verifier.verify(token, traceparent);
  }
}
