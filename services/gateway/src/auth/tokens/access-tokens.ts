import type { User } from "@chat/contracts";
import { AppError } from "@chat/contracts";
import type { RevocationList } from "@chat/state";
import { jwtVerify, SignJWT } from "jose";
import type { Caller, SignIn } from "../authenticator.ts";

const issuer = "chat-gateway";
const audience = "chat-api";
/** RFC 9068's type of access tokens: a JWT of another kind signed with the same key is refused. */
const tokenType = "at+jwt";

/**
 * Signs and checks the short-lived access tokens of local accounts: HS256 with JWT_SECRET, the
 * algorithm pinned (so `alg: none` and RS/HS confusion fail), `typ`, `iss`, `aud`, `exp`, `nbf`
 * checked, `sub` the user id, a `jti` of its own, `sid` the sign-in (the refresh-token family).
 * Only the configured key is ever used: `jku`, `x5u`, `jwk` and `kid` headers are ignored.
 * A sign-in that ended (sign-out, refresh-token reuse) is revoked for one token lifetime, so its
 * access tokens stop at once instead of at expiry.
 *
 * @example
 * const tokens = new AccessTokens(settings.JWT_SECRET, settings.ACCESS_TOKEN_TTL_SECONDS, actorState.revocations);
 * const user = await tokens.verify(await tokens.issue(user, familyId)); // throws UNAUTHORIZED
 * await tokens.endSignIn(familyId);
 */
export class AccessTokens {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
    private readonly revocations: RevocationList,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  get lifetimeSeconds(): number {
    return this.ttlSeconds;
  }

  issue(user: User, signInId: string): Promise<string> {
    return new SignJWT({ email: user.email, name: user.name, role: user.role, sid: signInId })
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
    return (await this.identify(token)).user;
  }

  /** The token's user and sign-in; throws UNAUTHORIZED as `verify` does. */
  async identify(token: string): Promise<Caller> {
    const caller = await this.read(token);
    await this.checkSignIn(caller.signIn);
    return caller;
  }

  /** Throws UNAUTHORIZED once the token of `signIn` has expired or its sign-in has ended. */
  async checkSignIn(signIn: SignIn): Promise<void> {
    if (Date.now() >= signIn.expiresAt) {
      throw new AppError("UNAUTHORIZED", "The access token has expired: refresh it or sign in again", {
        retryable: false,
      });
    }
    if (signIn.id !== null && (await this.hasEnded(signIn.id))) {
      throw new AppError("UNAUTHORIZED", "This sign-in has ended: sign in again", { retryable: false });
    }
  }

  /**
   * The sign-in and user of a token this gateway signed and that has not expired, whether its
   * sign-in ended or not; null for anything else. Signing out with only an access token ends its
   * sign-in this way.
   */
  async signInOf(token: string): Promise<{ signInId: string; userId: string } | null> {
    try {
      const { user, signIn } = await this.read(token);
      return signIn.id === null ? null : { signInId: signIn.id, userId: user.id };
    } catch {
      return null;
    }
  }

  /** Stops every access token of the sign-in `signInId` (the refresh-token family), now. */
  async endSignIn(signInId: string): Promise<void> {
    await this.revocations.revoke(signInId, this.ttlSeconds);
  }

  private async read(token: string): Promise<Caller> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer,
        audience,
        algorithms: ["HS256"],
        typ: tokenType,
        requiredClaims: ["exp", "iat", "sub", "jti", "sid"],
      });
      const { sub, email, name, role, sid, exp } = payload;
      if (typeof sub !== "string" || typeof email !== "string" || typeof name !== "string")
        throw new Error("The token lacks the user's claims");
      if (typeof sid !== "string" || sid === "") throw new Error("The token names no sign-in");
      return {
        // Informational: staff routes decide by the role stored now (`StaffAccess`).
        user: { id: sub, email, name, role: role === "admin" || role === "agent" ? role : "user" },
        signIn: { id: sid, expiresAt: (exp as number) * 1_000 },
      };
    } catch (error) {
      throw new AppError("UNAUTHORIZED", "The access token is invalid or expired", {
        cause: error,
        retryable: false,
      });
    }
  }

  private async hasEnded(signInId: string): Promise<boolean> {
    try {
      return await this.revocations.isRevoked(signInId);
    } catch (error) {
      throw new AppError("UNAVAILABLE", "Cannot tell whether this sign-in has ended", { cause: error });
    }
  }
}
