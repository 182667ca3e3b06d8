import type { User } from "@chat/contracts";
import { AppError } from "@chat/contracts";
import { jwtVerify, SignJWT } from "jose";

const issuer = "chat-gateway";
const audience = "chat-api";

/** Signs and checks the short-lived access tokens (HS256, alg pinned, iss/aud/exp checked). */
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
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(user.id)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  async verify(token: string): Promise<User> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer, audience, algorithms: ["HS256"] });
      const { sub, email, name, role } = payload;
      if (typeof sub !== "string" || typeof email !== "string" || typeof name !== "string")
        throw new Error("claims");
      return { id: sub, email, name, role: role === "admin" ? "admin" : "user" };
    } catch (error) {
      throw new AppError("UNAUTHORIZED", "The access token is invalid or expired", {
        cause: error,
        retryable: false,
      });
    }
  }
}
