import type { Logger } from "@chat/runtime";
import type { RateLimiter } from "@chat/state";

/**
 * One open stream's slot under its user's limit (MAX_STREAMS_PER_USER), shared by every gateway.
 * The lease lasts `leaseMs`; while the stream is open `keepAlive` renews it, so a gateway that
 * crashes frees its streams' slots within `leaseMs` instead of never.
 *
 * @example
 * const lease = await StreamLease.acquire(limiter, "streams:user-1", 20, { leaseMs: 30_000, logger });
 * if (!lease) refuse();
 * lease.keepAlive();
 * connection.onClose(() => void lease.release());
 */
export class StreamLease {
  private renewal: ReturnType<typeof setInterval> | null = null;
  private released = false;

  private constructor(
    private readonly limiter: RateLimiter,
    private readonly key: string,
    private leaseId: string | null,
    private readonly options: { limit: number; leaseMs: number; logger: Logger },
  ) {}

  /**
   * A lease when `key` holds fewer than `limit`, else null. When the limiter cannot be reached
   * the stream is let through without a lease: the limit protects the service, and failing every
   * stream while Redis is down would take the service down instead.
   */
  static async acquire(
    limiter: RateLimiter,
    key: string,
    limit: number,
    options: { leaseMs: number; logger: Logger },
  ): Promise<StreamLease | null> {
    let leaseId: string | null;
    try {
      leaseId = await limiter.acquireLease(key, limit, options.leaseMs);
      if (leaseId === null) return null;
    } catch (error) {
      options.logger.warn({ err: error, key }, "stream limit unavailable; stream let through");
      leaseId = null;
    }
    return new StreamLease(limiter, key, leaseId, { ...options, limit });
  }

  /** Renews the lease every third of its length until `release`. */
  keepAlive(): void {
    if (this.released || this.renewal) return;
    this.renewal = setInterval(() => void this.renew(), Math.max(1, Math.floor(this.options.leaseMs / 3)));
    this.renewal.unref?.();
  }

  /** Frees the slot; later calls do nothing. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.renewal) clearInterval(this.renewal);
    this.renewal = null;
    const leaseId = this.leaseId;
    if (leaseId === null) return;
    try {
      await this.limiter.releaseLease(this.key, leaseId);
    } catch (error) {
      this.options.logger.warn({ err: error, key: this.key }, "stream lease not released; it expires");
    }
  }

  private async renew(): Promise<void> {
    const { limit, leaseMs, logger } = this.options;
    try {
      if (this.leaseId !== null && (await this.limiter.renewLease(this.key, this.leaseId, leaseMs))) return;
      // Lost (the process stalled past leaseMs, or Redis lost it): take a slot again if one is free,
      // else the stream goes on uncounted rather than being cut.
      const leaseId = await this.limiter.acquireLease(this.key, limit, leaseMs);
      if (this.released) {
        if (leaseId !== null) await this.limiter.releaseLease(this.key, leaseId);
        return;
      }
      this.leaseId = leaseId;
    } catch (error) {
      logger.warn({ err: error, key: this.key }, "stream lease not renewed");
    }
  }
}
