import type { RevocationList } from "@chat/state";
import { checkTtlSeconds } from "@chat/state";
import type { CredentialRepository } from "./credential-repository.ts";

/**
 * The RevocationList kept in the store's database: the embedded mode's list of ended sign-ins,
 * which the in-memory actor state would forget on a restart, bringing signed-out access tokens
 * back. (With Redis, the actor state's own list is shared and kept there.)
 *
 * @example
 * const state = new MemoryActorState({ ...options, revocations: new RepositoryRevocationList(repository.credentials) });
 */
export class RepositoryRevocationList implements RevocationList {
  constructor(
    private readonly repository: Pick<CredentialRepository, "revokeSignIn" | "isSignInRevoked">,
    /** The clock TTLs are counted by, in epoch milliseconds; tests pass their own. */
    private readonly now: () => number = Date.now,
  ) {}

  async revoke(id: string, ttlSeconds: number): Promise<void> {
    checkTtlSeconds(ttlSeconds);
    const now = this.now();
    await this.repository.revokeSignIn(
      id,
      new Date(now).toISOString(),
      new Date(now + ttlSeconds * 1_000).toISOString(),
    );
  }

  isRevoked(id: string): Promise<boolean> {
    return this.repository.isSignInRevoked(id, new Date(this.now()).toISOString());
  }
}
