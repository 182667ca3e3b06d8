import { AppError, type User } from "@chat/contracts";
import type { Logger } from "@chat/runtime";
import { type BucketLimit, type RateLimiter, TokenBucket } from "@chat/state";
import { Elysia } from "elysia";
import type { GatewaySettings } from "../gateway-config.ts";
import { errorBodyFor } from "../http/error-renderer.ts";
import { requestOrigin } from "../http/request-context.ts";
import { requestPath } from "../http/request-url.ts";
import { StreamLease } from "../live/stream-leases.ts";
import { clientNetworkOf } from "./client-network.ts";

export type RateLimitSettings = Pick<
  GatewaySettings,
  | "RATE_LIMIT_IP_PER_MINUTE"
  | "RATE_LIMIT_USER_PER_MINUTE"
  | "RATE_LIMIT_AUTH_PER_MINUTE"
  | "RATE_LIMIT_ACCOUNT_PER_MINUTE"
  | "RATE_LIMIT_WS_FRAMES_PER_MINUTE"
  | "GENERATIONS_PER_USER_PER_MINUTE"
  | "SPEECH_PER_USER_PER_MINUTE"
  | "MAX_STREAMS_PER_USER"
>;

export type RateLimitOptions = {
  logger: Logger;
  /** Seconds the per-minute limits refill over: 60, unless a test shortens the wait. */
  periodSeconds?: number;
  /**
   * How long an open stream's slot lasts unrenewed (it is renewed every third of it): the time a
   * crashed gateway's streams keep counting against their users.
   */
  streamLeaseMs?: number;
  /** The clock of the per-socket frame buckets; tests pass their own. */
  now?: () => number;
};

/** What a refused stream is told to wait: a slot frees when one of the user's streams closes. */
const streamRetryAfterMs = 5_000;

/** The sign-in routes, limited per client address on top of everything else, against guessing. */
const authAttemptPaths = new Set(["/api/auth/login", "/api/auth/register", "/api/auth/refresh"]);

/**
 * 429 RATE_LIMITED, with how long to wait; the HTTP answer carries it as `Retry-After` (whole
 * seconds), a WebSocket `error` frame as `retryAfterMs`.
 */
export class RateLimitedError extends AppError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super("RATE_LIMITED", message, { retryable: true });
  }

  /** The `Retry-After` value. */
  get retryAfterSeconds(): number {
    return wholeSeconds(this.retryAfterMs);
  }
}

/** Whole seconds, at least 1, so a client never retries at once. */
function wholeSeconds(milliseconds: number): number {
  return Math.max(1, Math.ceil(milliseconds / 1_000));
}

/**
 * The one place that knows the gateway's abuse limits (architecture.md §6): token buckets shared by
 * every gateway through the `RateLimiter` (Redis, or memory when embedded) per client network,
 * per sign-in network, per account signed in to, per user and per user's generations; leases for each user's open streams;
 * and a bucket in this process for each WebSocket's frames. A refusal throws `RateLimitedError`.
 * When the limiter cannot be reached a request is let through and a warning logged: limits guard
 * the service, and refusing everything while Redis is down would take it down instead.
 *
 * @example
 * const limits = new RateLimits(actorState.rateLimiter, settings, { logger });
 * await limits.takeGeneration(user.id); // throws RateLimitedError
 */
export class RateLimits {
  private readonly periodSeconds: number;
  /** One object for every stream lease this instance hands out. */
  private readonly streamLeaseOptions: { leaseMs: number; logger: Logger };
  private readonly now: () => number;
  private readonly logger: Logger;

  constructor(
    private readonly limiter: RateLimiter,
    private readonly settings: RateLimitSettings,
    options: RateLimitOptions,
  ) {
    this.periodSeconds = options.periodSeconds ?? 60;
    this.now = options.now ?? Date.now;
    this.logger = options.logger;
    this.streamLeaseOptions = { leaseMs: options.streamLeaseMs ?? 30_000, logger: options.logger };
  }

  /** Every `/api` and `/v1` request, per client network (RATE_LIMIT_IP_PER_MINUTE; see `clientNetworkOf`). */
  takeRequest(clientAddress: string): Promise<void> {
    return this.take(
      `ip:${clientNetworkOf(clientAddress)}`,
      this.settings.RATE_LIMIT_IP_PER_MINUTE,
      (seconds) => `Too many requests from your address; retry in ${seconds} s`,
    );
  }

  /** Sign-in, registration and refresh, per client network (RATE_LIMIT_AUTH_PER_MINUTE). */
  takeAuthAttempt(clientAddress: string): Promise<void> {
    return this.take(
      `auth:${clientNetworkOf(clientAddress)}`,
      this.settings.RATE_LIMIT_AUTH_PER_MINUTE,
      (seconds) => `Too many sign-in attempts from your address; retry in ${seconds} s`,
    );
  }

  /**
   * A password sign-in to the account of `email` (normalized), from any address
   * (RATE_LIMIT_ACCOUNT_PER_MINUTE). Taken before the password is checked, so guesses sent in
   * parallel cannot overshoot it; an unknown email has a bucket like any other, so a refusal tells
   * nothing about whether the account exists. The key holds a hash, not the email.
   */
  takeAccountSignIn(email: string): Promise<void> {
    const account = new Bun.CryptoHasher("sha256").update(email).digest("hex");
    return this.take(
      `account:${account}`,
      this.settings.RATE_LIMIT_ACCOUNT_PER_MINUTE,
      (seconds) => `Too many sign-in attempts for this account; retry in ${seconds} s`,
    );
  }

  /** Every request of a signed-in user (RATE_LIMIT_USER_PER_MINUTE). */
  takeUserRequest(userId: string): Promise<void> {
    return this.take(
      `user:${userId}`,
      this.settings.RATE_LIMIT_USER_PER_MINUTE,
      (seconds) => `Too many requests; retry in ${seconds} s`,
    );
  }

  /** A message sent (HTTP or WebSocket) or a /v1 completion (GENERATIONS_PER_USER_PER_MINUTE). */
  takeGeneration(userId: string): Promise<void> {
    const perMinute = this.settings.GENERATIONS_PER_USER_PER_MINUTE;
    return this.take(
      `generations:${userId}`,
      perMinute,
      (seconds) => `Too many messages: at most ${perMinute} a minute; retry in ${seconds} s`,
    );
  }

  /** A transcription or a text read aloud (SPEECH_PER_USER_PER_MINUTE, one bucket for both). */
  takeSpeech(userId: string): Promise<void> {
    const perMinute = this.settings.SPEECH_PER_USER_PER_MINUTE;
    return this.take(
      `speech:${userId}`,
      perMinute,
      (seconds) => `Too many voice requests: at most ${perMinute} a minute; retry in ${seconds} s`,
    );
  }

  /**
   * A slot for one more open stream (SSE or WebSocket) of the user, under MAX_STREAMS_PER_USER;
   * the caller calls `keepAlive` once the stream is open and `release` when it ends.
   */
  async openStream(userId: string): Promise<StreamLease> {
    const limit = this.settings.MAX_STREAMS_PER_USER;
    const lease = await StreamLease.acquire(
      this.limiter,
      `streams:${userId}`,
      limit,
      this.streamLeaseOptions,
    );
    if (lease) return lease;
    throw new RateLimitedError(
      `Too many open streams: at most ${limit} at once; close one first`,
      streamRetryAfterMs,
    );
  }

  /** A new bucket for one WebSocket's client frames (RATE_LIMIT_WS_FRAMES_PER_MINUTE). */
  webSocketFrames(): TokenBucket {
    return new TokenBucket(this.limit(this.settings.RATE_LIMIT_WS_FRAMES_PER_MINUTE), this.now);
  }

  /** Refuses a frame when the socket's bucket is empty. */
  takeFrame(frames: TokenBucket): void {
    const verdict = frames.take();
    if (verdict.allowed) return;
    const perMinute = this.settings.RATE_LIMIT_WS_FRAMES_PER_MINUTE;
    throw new RateLimitedError(
      `Too many frames: at most ${perMinute} a minute; this one was not run`,
      verdict.retryAfterMs,
    );
  }

  /**
   * The same authenticator, but each user it finds also takes from that user's bucket. Every
   * signed-in route finds its user through an authenticator, so this covers them all, routes
   * added later included.
   */
  countPerUser<A extends { authenticate(...args: never[]): Promise<User> }>(authenticator: A): A {
    const counted = Object.create(authenticator) as A;
    const countUserOf = <F>(method: string, userOf: (found: F) => User) => {
      const find = (authenticator as unknown as Record<string, unknown>)[method];
      if (typeof find !== "function") return;
      Object.defineProperty(counted, method, {
        value: async (...args: unknown[]) => {
          const found = (await find.apply(authenticator, args)) as F;
          await this.takeUserRequest(userOf(found).id);
          return found;
        },
      });
    };
    countUserOf<User>("authenticate", (user) => user);
    // Streams find the caller with its sign-in (`Authenticator.identify`), checked again while open.
    countUserOf<{ user: User }>("identify", (caller) => caller.user);
    return counted;
  }

  private limit(perMinute: number): BucketLimit {
    return { capacity: perMinute, perSeconds: this.periodSeconds };
  }

  private async take(key: string, perMinute: number, message: (seconds: number) => string): Promise<void> {
    let verdict: Awaited<ReturnType<RateLimiter["take"]>>;
    try {
      verdict = await this.limiter.take(key, this.limit(perMinute));
    } catch (error) {
      this.logger.warn({ err: error, key }, "rate limiter unavailable; request let through");
      return;
    }
    if (verdict.allowed) return;
    throw new RateLimitedError(message(wholeSeconds(verdict.retryAfterMs)), verdict.retryAfterMs);
  }
}

/** `/api` and `/v1`, the limited areas; health checks, the frontend and /swagger are not. */
function limitedArea(path: string): "api" | "v1" | null {
  if (path === "/api" || path.startsWith("/api/")) return "api";
  if (path === "/v1" || path.startsWith("/v1/")) return "v1";
  return null;
}

/**
 * Limits every `/api` and `/v1` request per client address, and the sign-in routes per address
 * again, before anything else is done for it (routing, parsing, authentication). A refusal answers
 * 429 with `Retry-After` and the typed error body — OpenAI's shape under `/v1`.
 */
export function requestRateLimits(rateLimits: RateLimits, options: { trustProxy: boolean }) {
  return new Elysia({ name: "request-rate-limits" }).onRequest(async ({ request, server, set }) => {
    // CORS preflights are answered without doing anything, and browsers send one per request.
    if (request.method === "OPTIONS") return;
    const path = requestPath(request).replace(/\/+$/, "");
    const area = limitedArea(path);
    if (!area) return;
    const { clientAddress } = requestOrigin(request, server?.requestIP(request)?.address, options.trustProxy);
    try {
      await rateLimits.takeRequest(clientAddress);
      if (request.method === "POST" && authAttemptPaths.has(path)) {
        await rateLimits.takeAuthAttempt(clientAddress);
      }
    } catch (error) {
      if (!(error instanceof RateLimitedError)) throw error;
      set.status = 429;
      set.headers["retry-after"] = String(error.retryAfterSeconds);
      return errorBodyFor(request, 429, error.toBody());
    }
  });
}
