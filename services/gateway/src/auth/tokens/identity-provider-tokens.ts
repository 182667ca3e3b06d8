import type { StoreClient } from "@chat/bus";
import type { AdminEmails } from "@chat/contracts";
import { AppError, emailAddressProblem, type StoredUser, type User } from "@chat/contracts";
import { requireSetting } from "@chat/runtime";
import {
  createRemoteJWKSet,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  jwtVerify,
} from "jose";
import type { Logger } from "pino";
import type { Caller, SignIn } from "../authenticator.ts";

/**
 * The only algorithms an identity provider's token may use: asymmetric ones, so its public keys can
 * never serve as an HMAC secret (HS*), and never `none`.
 */
export const identityProviderAlgorithms = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
];

/** Where the identity provider's keys are and what its tokens must say (AUTH_MODE=jwks). */
export type IdentityProviderSettings = { jwksUrl: URL; issuer: string; audience: string };

/**
 * The identity provider's settings; a missing one throws a ConfigError naming the variable, so the
 * gateway refuses to start in AUTH_MODE=jwks without them.
 */
export function identityProviderSettings(settings: {
  JWKS_URL?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
}): IdentityProviderSettings {
  const why = "AUTH_MODE=jwks needs it";
  return {
    jwksUrl: new URL(requireSetting(settings.JWKS_URL, "JWKS_URL", `${why} (the identity provider's JWKS)`)),
    issuer: requireSetting(
      settings.JWT_ISSUER,
      "JWT_ISSUER",
      `${why} (the \`iss\` of the provider's tokens)`,
    ),
    audience: requireSetting(settings.JWT_AUDIENCE, "JWT_AUDIENCE", `${why} (the \`aud\` this API expects)`),
  };
}

/** The provider's key set could not be fetched: not the token's fault, so not a 401. */
class KeySetUnavailable extends Error {
  override readonly name = "KeySetUnavailable";
}

const maxSubjectLength = 1024;
const maxNameLength = 100;

/**
 * The token's email when the provider vouches for it (`email_verified` is the boolean true: not a
 * string, not missing, since anyone may type any email into a provider's profile) and it is a
 * well-formed email; otherwise "".
 */
function verifiedEmailOf(claims: JWTPayload): string {
  const { email } = claims;
  if (typeof email !== "string" || claims.email_verified !== true) return "";
  return emailAddressProblem(email) === null ? email.trim() : "";
}

/** How long a user found for an identity is remembered, so not every request asks the store. */
const userCacheMilliseconds = 60_000;
const userCacheSize = 10_000;

/**
 * Checks the JWTs of an external identity provider (AUTH_MODE=jwks) against its JWKS, issuer and
 * audience, with asymmetric algorithms only; `exp` and `sub` are required. Only the configured JWKS
 * is used: `jku`, `x5u` and `jwk` headers are ignored. The user of (issuer, subject) is created on
 * first sight, with the token's `email` (only when `email_verified` is true) and `name`; ADMIN_EMAILS
 * makes it admin when the token's verified email is listed.
 *
 * A new key of the provider (a `kid` not seen yet) makes it fetch the JWKS again, at most once per
 * `cooldownMs`. When the JWKS cannot be fetched the caller gets 503 UNAVAILABLE, not 401.
 *
 * @example
 * const verifier = new IdentityProviderTokens({ ...identityProviderSettings(settings), store, adminEmails, logger });
 * const user = await verifier.verify(bearerToken, traceparent);
 */
export class IdentityProviderTokens {
  private readonly keys: JWTVerifyGetKey;
  private readonly verifyOptions: JWTVerifyOptions;
  private readonly users = new Map<string, { user: StoredUser; until: number }>();
  private readonly newId: () => string;
  private readonly now: () => Date;

  constructor(
    private readonly options: IdentityProviderSettings & {
      store: StoreClient;
      adminEmails: AdminEmails;
      logger: Logger;
      newId: () => string;
      now?: () => Date;
      /** Least time between two fetches of the JWKS for an unknown `kid`; jose's default is 30 s. */
      cooldownMs?: number;
      /** Longest wait for the JWKS; jose's default is 5 s. */
      timeoutMs?: number;
    },
  ) {
    this.newId = options.newId;
    this.now = options.now ?? (() => new Date());
    const remote = createRemoteJWKSet(options.jwksUrl, {
      cooldownDuration: options.cooldownMs,
      timeoutDuration: options.timeoutMs,
    });
    this.keys = async (header, token) => {
      try {
        return await remote(header, token);
      } catch (error) {
        // These say something about the token; anything else is the key set failing to load.
        if (
          error instanceof errors.JWKSNoMatchingKey ||
          error instanceof errors.JWKSMultipleMatchingKeys ||
          error instanceof errors.JOSENotSupported
        ) {
          throw error;
        }
        throw new KeySetUnavailable("The identity provider's JWKS could not be fetched", { cause: error });
      }
    };
    this.verifyOptions = {
      issuer: options.issuer,
      audience: options.audience,
      algorithms: identityProviderAlgorithms,
      requiredClaims: ["exp", "sub"],
    };
  }

  async verify(token: string, traceparent: string): Promise<User> {
    return (await this.identify(token, traceparent)).user;
  }

  /** The token's user, and its sign-in: the provider's tokens cannot be revoked here, only expire. */
  async identify(token: string, traceparent: string): Promise<Caller> {
    const claims = await this.claimsOf(token);
    const subject = claims.sub;
    if (typeof subject !== "string" || subject.length === 0 || subject.length > maxSubjectLength) {
      throw new AppError("UNAUTHORIZED", "The token's subject is invalid", { retryable: false });
    }
    const issuer = this.options.issuer;
    const email = verifiedEmailOf(claims);
    const name = [claims.name, claims.preferred_username, email, subject].find(
      (value): value is string => typeof value === "string" && value.trim().length > 0,
    );
    const stored = await this.userOf(
      issuer,
      subject,
      { email, name: (name ?? subject).trim().slice(0, maxNameLength) },
      traceparent,
    );
    // Only this token's verified email counts: a stored one may be stale, or predate the rule.
    const role = this.options.adminEmails.roleOf({ email, role: stored.role });
    return {
      user: { id: stored.id, email: stored.email, name: stored.name, role },
      signIn: { id: null, expiresAt: (claims.exp as number) * 1_000 },
      listedAdmin: this.options.adminEmails.includes(email),
    };
  }

  /** Throws UNAUTHORIZED once the provider's token has expired. */
  async checkSignIn(signIn: SignIn): Promise<void> {
    if (this.now().getTime() >= signIn.expiresAt) {
      throw new AppError("UNAUTHORIZED", "The token has expired: get a new one from the identity provider", {
        retryable: false,
      });
    }
  }

  private async claimsOf(token: string): Promise<JWTPayload> {
    try {
      return (await jwtVerify(token, this.keys, this.verifyOptions)).payload;
    } catch (error) {
      if (error instanceof errors.JWKSMultipleMatchingKeys) return this.claimsByAnyKey(token, error);
      throw this.refusal(error);
    }
  }

  /** Several keys of the set fit a token without `kid`: the token is good if one of them verifies it. */
  private async claimsByAnyKey(
    token: string,
    candidates: errors.JWKSMultipleMatchingKeys,
  ): Promise<JWTPayload> {
    let lastError: unknown = candidates;
    for await (const key of candidates) {
      try {
        return (await jwtVerify(token, key, this.verifyOptions)).payload;
      } catch (error) {
        lastError = error;
      }
    }
    throw this.refusal(lastError);
  }

  private refusal(error: unknown): AppError {
    if (error instanceof KeySetUnavailable) {
      this.options.logger.warn({ err: error.cause }, "the identity provider's JWKS could not be fetched");
      return new AppError("UNAVAILABLE", "The identity provider cannot be reached; try again", {
        cause: error,
        retryable: true,
      });
    }
    return new AppError("UNAUTHORIZED", "The token is invalid or expired", {
      cause: error,
      retryable: false,
    });
  }

  private async userOf(
    issuer: string,
    subject: string,
    claims: { email: string; name: string },
    traceparent: string,
  ): Promise<StoredUser> {
    const key = `${issuer}\n${subject}`;
    const cached = this.users.get(key);
    const now = this.now();
    if (cached && cached.until > now.getTime()) return cached.user;
    const user = await this.options.store.call(
      "store.find_or_create_external_user",
      {
        identity: { issuer, subject },
        user: { id: this.newId(), ...claims, role: "user", createdAt: now.toISOString() },
      },
      traceparent,
    );
    this.users.delete(key);
    if (this.users.size >= userCacheSize) {
      const oldest = this.users.keys().next().value;
      if (oldest !== undefined) this.users.delete(oldest);
    }
    this.users.set(key, { user, until: now.getTime() + userCacheMilliseconds });
    return user;
  }
}
