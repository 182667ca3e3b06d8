/** The form of every refresh token: 32 random bytes in base64url. */
const refreshTokenPattern = /^[A-Za-z0-9_-]{43}$/;

/** A new refresh token: the secret for the client, its hash and times for the store. */
export type NewRefreshToken = { token: string; hash: string; createdAt: string; expiresAt: string };

/** The SHA-256 of a refresh token, in hex: the only form of it the store keeps. */
export function hashRefreshToken(token: string): string {
  return new Bun.CryptoHasher("sha256").update(token).digest("hex");
}

/**
 * Makes the rotating refresh tokens: 32 random bytes each, living `ttlSeconds` from their own
 * creation (each refresh issues a successor, so an active session slides forward).
 *
 * @example
 * const refresh = new RefreshTokens(settings.REFRESH_TOKEN_TTL_SECONDS);
 * const { token, hash, expiresAt } = refresh.next();
 */
export class RefreshTokens {
  constructor(
    private readonly ttlSeconds: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get lifetimeSeconds(): number {
    return this.ttlSeconds;
  }

  next(): NewRefreshToken {
    const token = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
    const createdAt = this.now();
    return {
      token,
      hash: hashRefreshToken(token),
      createdAt: createdAt.toISOString(),
      expiresAt: new Date(createdAt.getTime() + this.ttlSeconds * 1_000).toISOString(),
    };
  }

  /** Whether `token` has the form of a refresh token; anything else need not be looked up. */
  isWellFormed(token: string): boolean {
    return refreshTokenPattern.test(token);
  }
}
