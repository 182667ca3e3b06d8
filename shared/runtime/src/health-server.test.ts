import { afterAll, expect, test } from "bun:test";
import { collectProcessMetrics, counter } from "@chat/metrics";
import { startHealthServer } from "./health-server.ts";

const server = startHealthServer({ port: 0, service: "metrics-test", checks: {} });
afterAll(() => server.stop(true));

test("the health server answers /metrics with the process's metrics in the Prometheus format", async () => {
  collectProcessMetrics();
  collectProcessMetrics();
  counter("chat_test_served_total", "Served", []).inc();
  const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toStartWith("text/plain");
  const body = await response.text();
  expect(body).toContain("chat_test_served_total 1");
  expect(body).toMatch(/^chat_process_resident_memory_bytes \d+/m);
  expect(body).toContain("# TYPE chat_nodejs_eventloop_lag_seconds gauge");
});
