import type { User } from "@chat/contracts";
import { AppError } from "@chat/contracts";
import { jwtVerify, SignJWT } from "jose";

const issuer = "chat-gateway";
const audience = "chat-api";
/** RFC 9068's type of access tokens: a JWT of another kind signed with the same key is refused. */
const tokenType = "at+jwt";

/**
 * Signs and checks the short-lived access tokens of local accounts: HS256 with JWT_SECRET, the
 * algorithm pinned (so `alg: none` and RS/HS confusion fail), `typ`, `iss`, `aud`, `exp`, `nbf`
 * checked, `sub` the user id, a `jti` of its own. Only the configured key is ever used: `jku`,
 * `x5u`, `jwk` and `kid` headers are ignored.
 *
 * @example
 * const tokens = new AccessTokens(settings.JWT_SECRET, settings.ACCESS_TOKEN_TTL_SECONDS);
 * const user = await tokens.verify(await tokens.issue(user)); // throws UNAUTHORIZED
 */
export class AccessTokens {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  get lifetimeSeconds(): number {
    return this.ttlSeconds;
  }

  issue(user: User): Promise<string> {
    return new SignJWT({ email: user.email, name: user.name, role: user.role })
      .setProtectedHeader({ alg: "HS256", typ: tokenType })
      .setSubject(user.id)
      .setIssuer(issuer)
      .setAudience(audience)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  async verify(token: string): Promise<User> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer,
        audience,
        algorithms: ["HS256"],
        typ: tokenType,
        requiredClaims: ["exp", "iat", "sub", "jti"],
      });
      const { sub, email, name, role } = payload;
      if (typeof sub !== "string" || typeof email !== "string" || typeof name !== "string")
        throw new Error("The token lacks the user's claims");
      return { id: sub, email, name, role: role === "admin" ? "admin" : "user" };
    } catch (error) {
      throw new AppError("UNAUTHORIZED", "The access token is invalid or expired", {
        cause: error,
        retryable: false,
      });
    }
  }
}
