import { connect } from "node:net";

/** Whether something listens on the loopback `port`. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** A loopback port that was free a moment ago. */
export function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

/** Waits until `port` listens; throws when `process` exits first or `timeoutMs` passes. */
export async function waitUntilListening(
  port: number,
  process: { exitCode: number | null },
  what: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await portOpen(port))) {
    if (process.exitCode !== null) throw new Error(`${what} exited on start`);
    if (Date.now() > deadline) throw new Error(`${what} did not listen within ${timeoutMs} ms`);
    await Bun.sleep(100);
  }
}
