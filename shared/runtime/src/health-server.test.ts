import { afterAll, expect, test } from "bun:test";
import { connect } from "node:net";
import { collectProcessMetrics, counter } from "@chat/metrics";
import { startHealthServer } from "./health-server.ts";

const server = startHealthServer({ port: 0, service: "metrics-test", checks: {} });
afterAll(() => server.stop(true));

/** Sends raw bytes and reads until the server closes or the answer's status line arrives. */
function rawRequest(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port: server.port as number });
    let received = "";
    socket.setTimeout(5_000, () => {
      socket.destroy();
      reject(new Error(`no answer to ${JSON.stringify(bytes)}`));
    });
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
      if (received.includes("\r\n\r\n")) socket.end();
    });
    socket.on("close", () => resolve(received));
    socket.on("error", reject);
    socket.write(bytes);
  });
}

test("a malformed or missing Host on the internal port is answered, and the server answers on", async () => {
  for (const request of [
    "GET /healthz HTTP/1.1\r\nHost: a^b\r\nConnection: close\r\n\r\n",
    "GET /readyz HTTP/1.0\r\nHost:\r\n\r\n",
    "GET /metrics HTTP/1.0\r\n\r\n",
  ]) {
    const answer = await rawRequest(request);
    expect(answer).toMatch(/^HTTP\/1\.[01] [0-9]{3} /);
    expect(answer.startsWith("HTTP/1.1 500")).toBe(false);
  }
  const healthy = await fetch(`http://127.0.0.1:${server.port}/healthz`);
  expect(healthy.status).toBe(200);
});

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
