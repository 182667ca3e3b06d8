import type { Bus } from "@chat/bus";
import { newEnvelope, type StaffAlert, staffAlertKey } from "@chat/contracts";
import { type Logger, traceparentFrom } from "@chat/runtime";
import type { FailoverStep } from "./failover-stream.ts";

export type ProviderFailureAlertSettings = {
  /** Failures of one provider within `windowMs` that raise an alert; 0 turns alerts off. */
  threshold: number;
  windowMs: number;
};

/**
 * Raises a critical_error staff alert when a provider fails repeatedly: `threshold` failures
 * (before the first token: each retry and fail-over counts) within `windowMs`, at most once per
 * provider and window. The notifier's storm suppression then keeps a long outage to one alert and
 * summaries. Publishing never fails a generation: a lost alert is logged.
 *
 * @example
 * const alerts = new ProviderFailureAlerts(bus, logger, { threshold: 5, windowMs: 60_000 }, { now, newId });
 * new ModelCaller({ ..., onProviderFailure: (step) => alerts.observe(step) });
 */
export class ProviderFailureAlerts {
  private readonly failures = new Map<string, number[]>();
  private readonly alertedAt = new Map<string, number>();

  constructor(
    private readonly bus: Pick<Bus, "publishEvent">,
    private readonly logger: Logger,
    private readonly settings: ProviderFailureAlertSettings,
    private readonly clock: { now: () => Date; newId: () => string },
  ) {}

  /** Counts one failure; publishes the alert when it is the threshold's. */
  observe(step: FailoverStep): void {
    if (this.settings.threshold <= 0) return;
    const now = this.clock.now().getTime();
    const since = now - this.settings.windowMs;
    const recent = (this.failures.get(step.provider) ?? []).filter((at) => at > since);
    recent.push(now);
    this.failures.set(step.provider, recent);
    const alerted = this.alertedAt.get(step.provider);
    if (recent.length < this.settings.threshold || (alerted !== undefined && alerted > since)) return;
    this.alertedAt.set(step.provider, now);
    const alert = this.alertOf(step, recent.length);
    this.bus
      .publishEvent(staffAlertKey(alert.kind), alert, { durable: true })
      .catch((error: unknown) =>
        this.logger.warn(
          { err: error, provider: step.provider },
          "could not publish a provider failure alert",
        ),
      );
  }

  private alertOf(step: FailoverStep, count: number): StaffAlert {
    const seconds = Math.round(this.settings.windowMs / 1_000);
    return {
      ...newEnvelope("staff_alert", "", {
        id: this.clock.newId(),
        traceparent: traceparentFrom(),
        now: this.clock.now(),
      }),
      kind: "critical_error",
      summary: `Provider ${step.provider} failed ${count} times in ${seconds} s`,
      source: "orchestrator",
      error: {
        code: "PROVIDER_ERROR",
        message: step.error.message.slice(0, 2_000),
        details: `model ${step.modelId}, error kind ${step.error.kind}${step.error.status ? `, HTTP ${step.error.status}` : ""}, then ${step.action === "retry" ? "retried" : "failed over"}`,
      },
    };
  }
}
