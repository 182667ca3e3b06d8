/** A storm's summary, due when its window closed with alerts held back. */
export type StormSummary<C> = {
  key: string;
  /** What the key's first alert carried (the recipient and channel to summarise to). */
  context: C;
  /** Alerts held back in the window. */
  count: number;
  /** The first few of them, in one line each. */
  samples: string[];
  windowStartedAt: number;
  windowEndedAt: number;
};

type Window<C> = {
  context: C;
  startedAt: number;
  closesAt: number;
  suppressed: number;
  samples: string[];
  /** The alert let through last, so that its redelivery is let through again. */
  lastSent: string;
};

const samplesKept = 3;

/**
 * Storm suppression per key (a recipient, a channel and an alert kind): the first alert goes out
 * at once and opens a window; alerts in the window are counted, and when it closes one summary of
 * them is due, which opens the next window. A window that closes with nothing held back ends the
 * storm. Pure and clocked by its caller; state is this instance's (see architecture.md §1).
 *
 * @example
 * const gate = new StormGate<string>({ windowMs: 300_000 });
 * gate.admit("r1.sms.critical_error", { alertId: "a1", line: "anthropic failing" }, "r1", Date.now()); // "send"
 * gate.due(Date.now() + 300_000); // summaries of what was held back
 */
export class StormGate<C> {
  private readonly windows = new Map<string, Window<C>>();

  constructor(private readonly settings: { windowMs: number }) {}

  /** Whether this alert goes out now ("send") or is held for the window's summary ("hold"). */
  admit(key: string, alert: { alertId: string; line: string }, context: C, now: number): "send" | "hold" {
    const window = this.windows.get(key);
    if (window?.lastSent === alert.alertId) return "send";
    if (!window || (now >= window.closesAt && window.suppressed === 0)) {
      this.windows.set(key, {
        context,
        startedAt: now,
        closesAt: now + this.settings.windowMs,
        suppressed: 0,
        samples: [],
        lastSent: alert.alertId,
      });
      return "send";
    }
    window.suppressed += 1;
    if (window.samples.length < samplesKept) window.samples.push(alert.line);
    return "hold";
  }

  /** The summaries of the windows closed by `now`; each of them opens a new window. */
  due(now: number): StormSummary<C>[] {
    const summaries: StormSummary<C>[] = [];
    for (const [key, window] of this.windows) {
      if (now < window.closesAt) continue;
      if (window.suppressed === 0) {
        this.windows.delete(key);
        continue;
      }
      summaries.push({
        key,
        context: window.context,
        count: window.suppressed,
        samples: window.samples,
        windowStartedAt: window.startedAt,
        windowEndedAt: now,
      });
      this.windows.set(key, {
        ...window,
        startedAt: now,
        closesAt: now + this.settings.windowMs,
        suppressed: 0,
        samples: [],
      });
    }
    return summaries;
  }

  /** Alerts held back now, over all keys; what a stop would lose. */
  held(): number {
    let count = 0;
    for (const window of this.windows.values()) count += window.suppressed;
    return count;
  }
}
