import type { StoreClient } from "@chat/bus";
import { AppError, type User } from "@chat/contracts";

/** What every API key starts with, so a leaked one is easy to recognise (and to scan for). */
export const apiKeyMarker = "sk-chat-";

/** The SHA-256 of a key, in hex: the only form of it the store keeps. */
export function hashApiKey(key: string): string {
  return new Bun.CryptoHasher("sha256").update(key).digest("hex");
}

function unauthorized(message: string): AppError {
  return new AppError("UNAUTHORIZED", message, { retryable: false });
}

/**
 * Finds the caller of the OpenAI-compatible API by `Authorization: Bearer sk-chat-...`. Every
 * request asks the store, without a cache, so a deleted key stops working at once; the lookup
 * also records the key's `lastUsedAt`.
 *
 * @example
 * const user = await apiKeys.authenticate(headers, traceparent); // throws UNAUTHORIZED
 */
export class ApiKeyAuthenticator {
  constructor(
    private readonly store: StoreClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async authenticate(headers: Record<string, string | undefined>, traceparent: string): Promise<User> {
    const key = headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!key) throw unauthorized("Send an API key: Authorization: Bearer sk-chat-...");
    if (!key.startsWith(apiKeyMarker)) {
      throw unauthorized("This API takes API keys (sk-chat-...), made with POST /api/keys");
    }
    const found = await this.store.call(
      "store.find_api_key",
      { hash: hashApiKey(key), usedAt: this.now().toISOString() },
      traceparent,
    );
    if (!found) throw unauthorized("The API key is unknown or was deleted");
    const { id, email, name, role } = found.user;
    return { id, email, name, role };
  }
}
