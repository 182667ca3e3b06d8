const providerErrorMarker = Symbol.for("chat.ProviderError");

/** What went wrong upstream, in terms the orchestrator acts on. */
export type ProviderErrorKind =
  | "rate_limited"
  | "overloaded"
  | "server"
  | "timeout"
  | "connection"
  | "malformed"
  | "auth"
  | "bad_request";

const retryableKinds = new Set<ProviderErrorKind>([
  "rate_limited",
  "overloaded",
  "server",
  "timeout",
  "connection",
  "malformed",
]);

/**
 * A failure of a model provider. Its `message` is written by us and safe to log or show; the
 * provider's own error text (which can echo a key) stays in `cause` and is never logged as is.
 *
 * @example
 * throw new ProviderError("anthropic", "overloaded", "Anthropic is overloaded (529)", { status: 529 });
 */
export class ProviderError extends Error {
  readonly [providerErrorMarker] = true;
  override readonly name = "ProviderError";
  readonly retryable: boolean;
  readonly status?: number;
  /** From the `retry-after` (or `retry-after-ms`) header, when the provider sent one. */
  readonly retryAfterMs?: number;

  constructor(
    readonly provider: string,
    readonly kind: ProviderErrorKind,
    message: string,
    options: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.retryable = retryableKinds.has(kind);
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }

  static isInstance(error: unknown): error is ProviderError {
    return typeof error === "object" && error !== null && providerErrorMarker in error;
  }
}
