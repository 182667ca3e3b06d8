import { AppError, type User } from "@chat/contracts";
import type { AccessTokens } from "./access-tokens.ts";
import { sessionTokenFrom } from "./session-cookie.ts";

/** Finds the caller: `Authorization: Bearer <token>` or the session cookie. */
export class Authenticator {
  constructor(private readonly tokens: AccessTokens) {}

  authenticate(headers: Record<string, string | undefined>): Promise<User> {
    const authorization = headers.authorization;
    const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const token = bearer ?? sessionTokenFrom(headers.cookie);
    if (!token) {
      return Promise.reject(
        new AppError("UNAUTHORIZED", "Sign in: send a Bearer token or the session cookie", {
          retryable: false,
        }),
      );
    }
    return this.tokens.verify(token);
  }
}
