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
  private kept = false;
  private released = false;

  private constructor(
    private readonly limiter: RateLimiter,
    private readonly key: string,
    private leaseId: string | null,
    private readonly limit: number,
    /** Shared by the leases of one caller: an open stream keeps no copy of its own. */
    private readonly options: { leaseMs: number; logger: Logger },
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
    return new StreamLease(limiter, key, leaseId, limit, options);
  }

  /** Renews the lease every third of its length until `release`. */
  keepAlive(): void {
    if (this.released || this.kept) return;
    this.kept = true;
    renewalsOf(this.options.leaseMs).add(this);
  }

  /** Frees the slot; later calls do nothing. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.kept) renewalsOf(this.options.leaseMs).delete(this);
    const leaseId = this.leaseId;
    if (leaseId === null) return;
    try {
      await this.limiter.releaseLease(this.key, leaseId);
    } catch (error) {
      this.options.logger.warn({ err: error, key: this.key }, "stream lease not released; it expires");
    }
  }

  /** Renews now; the shared renewal timer calls it. */
  async renew(): Promise<void> {
    const { limit } = this;
    const { leaseMs, logger } = this.options;
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

/**
 * Renews every kept lease of one length from one timer: an open stream costs no timer of its own
 * (10 000 idle streams would otherwise be 10 000 intervals). Each lease is renewed a third of its
 * length after it was kept or last renewed, so renewals stay spread out as the streams opened.
 */
class LeaseRenewals {
  private readonly due = new Map<StreamLease, number>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly everyMs: number;

  constructor(leaseMs: number) {
    this.everyMs = Math.max(1, Math.floor(leaseMs / 3));
  }

  add(lease: StreamLease): void {
    this.due.set(lease, Date.now() + this.everyMs);
    if (this.timer) return;
    this.timer = setInterval(
      () => this.renewDue(),
      Math.max(1, Math.min(1_000, Math.floor(this.everyMs / 10))),
    );
    this.timer.unref?.();
  }

  delete(lease: StreamLease): void {
    this.due.delete(lease);
    if (this.due.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
  }

  private renewDue(): void {
    const now = Date.now();
    for (const [lease, dueAt] of this.due) {
      if (dueAt > now) continue;
      this.due.set(lease, now + this.everyMs);
      void lease.renew();
    }
  }
}

const renewalsByLength = new Map<number, LeaseRenewals>();

function renewalsOf(leaseMs: number): LeaseRenewals {
  let renewals = renewalsByLength.get(leaseMs);
  if (!renewals) {
    renewals = new LeaseRenewals(leaseMs);
    renewalsByLength.set(leaseMs, renewals);
  }
  return renewals;
}
