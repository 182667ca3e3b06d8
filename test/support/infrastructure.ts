/**
 * Which real backing services the tests can reach. Off CI a missing broker makes the tests that
 * need it report themselves skipped, with the reason; with `CI` set it fails them instead.
 */
import { connect } from "node:net";

export const rabbitUrl = process.env.TEST_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
export const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
export const mongoUrl = process.env.MONGODB_URL;

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

async function availability(name: string, url: string): Promise<boolean> {
  const ok = await reachable(url);
  if (!ok && process.env.CI) throw new Error(`${name} at ${url} is unreachable, and CI requires it`);
  if (!ok) console.warn(`skipped: ${name} tests — ${url} is unreachable`);
  return ok;
}

export const rabbitAvailable = await availability("RabbitMQ", rabbitUrl);
export const redisAvailable = await availability("Redis", redisUrl);

/** A name unique to this test run, so parallel runs and live deployments never share queues or keys. */
export function testNamespace(label: string): string {
  return `test-${label}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
