import { describe, expect, test } from "bun:test";
import { StormGate } from "./storm-gate.ts";

const window = 60_000;

describe("StormGate", () => {
  test("lets the first alert through, holds the rest of the window and sums them up when it closes", () => {
    const gate = new StormGate<string>({ windowMs: window });
    expect(gate.admit("k", { alertId: "a0", line: "down 0" }, "ctx", 0)).toBe("send");
    for (let index = 1; index <= 5; index++) {
      expect(gate.admit("k", { alertId: `a${index}`, line: `down ${index}` }, "ctx", index * 1_000)).toBe(
        "hold",
      );
    }
    expect(gate.held()).toBe(5);
    expect(gate.due(window - 1)).toEqual([]);

    expect(gate.due(window)).toEqual([
      {
        key: "k",
        context: "ctx",
        count: 5,
        samples: ["down 1", "down 2", "down 3"],
        windowStartedAt: 0,
        windowEndedAt: window,
      },
    ]);
    expect(gate.held()).toBe(0);
  });

  test("a storm that goes on gets one summary per window; a quiet window ends it", () => {
    const gate = new StormGate<string>({ windowMs: window });
    gate.admit("k", { alertId: "a0", line: "0" }, "ctx", 0);
    gate.admit("k", { alertId: "a1", line: "1" }, "ctx", 1_000);
    expect(gate.due(window)).toHaveLength(1);
    // Still inside the storm: the next window holds alerts back too.
    expect(gate.admit("k", { alertId: "a2", line: "2" }, "ctx", window + 1_000)).toBe("hold");
    expect(gate.due(2 * window)).toEqual([expect.objectContaining({ count: 1, windowStartedAt: window })]);
    // A window without alerts ends the storm: the next alert goes out at once.
    expect(gate.due(3 * window)).toEqual([]);
    expect(gate.admit("k", { alertId: "a3", line: "3" }, "ctx", 3 * window + 1)).toBe("send");
  });

  test("keys are independent, and a redelivered alert that was let through is let through again", () => {
    const gate = new StormGate<string>({ windowMs: window });
    expect(gate.admit("r1.sms.critical_error", { alertId: "a0", line: "" }, "ctx", 0)).toBe("send");
    expect(gate.admit("r1.email.critical_error", { alertId: "a0", line: "" }, "ctx", 0)).toBe("send");
    expect(gate.admit("r1.sms.system_alert", { alertId: "a1", line: "" }, "ctx", 0)).toBe("send");
    expect(gate.admit("r1.sms.critical_error", { alertId: "a0", line: "" }, "ctx", 10)).toBe("send");
    expect(gate.admit("r1.sms.critical_error", { alertId: "a2", line: "" }, "ctx", 10)).toBe("hold");
  });
});
