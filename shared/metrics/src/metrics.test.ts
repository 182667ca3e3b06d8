import { expect, test } from "bun:test";
import { counter, gauge, histogram, renderMetrics } from "./metrics.ts";

test("a metric made twice under one name is the same metric, counting into the same series", async () => {
  const first = counter("chat_test_things_total", "Things", ["kind"]);
  const again = counter("chat_test_things_total", "Things", ["kind"]);
  expect(again).toBe(first);
  first.inc({ kind: "a" });
  again.inc({ kind: "a" }, 2);
  const { body, contentType } = await renderMetrics();
  expect(contentType).toStartWith("text/plain");
  expect(body).toContain('chat_test_things_total{kind="a"} 3');
});

test("gauges go up and down; histograms count into their buckets", async () => {
  const open = gauge("chat_test_open", "Open things", ["transport"]);
  open.inc({ transport: "sse" });
  open.inc({ transport: "sse" });
  open.dec({ transport: "sse" });
  const durations = histogram("chat_test_duration_seconds", "Durations", ["step"], [0.1, 1]);
  durations.observe({ step: "x" }, 0.05);
  durations.observe({ step: "x" }, 0.5);
  const { body } = await renderMetrics();
  expect(body).toContain('chat_test_open{transport="sse"} 1');
  expect(body).toContain('chat_test_duration_seconds_bucket{le="0.1",step="x"} 1');
  expect(body).toContain('chat_test_duration_seconds_bucket{le="1",step="x"} 2');
  expect(body).toContain('chat_test_duration_seconds_count{step="x"} 2');
});
