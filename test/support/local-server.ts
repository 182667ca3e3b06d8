import { connect } from "node:net";
import type { Subprocess } from "bun";

/** Whether something listens on the loopback `port`. */
function portOpen(port: number): Promise<boolean> {
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
async function waitUntilListening(
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

/**
 * A server process of one test's own on a loopback port, which the test can stop and start again
 * on the same port, as a restarted server: the shared one is never touched.
 */
export abstract class LocalServer {
  private process: Subprocess | null = null;

  protected constructor(
    readonly port: number,
    private readonly what: string,
    private readonly startTimeoutMs: number,
  ) {}

  /** Starts the server's process; it listens on `port` once started. */
  protected abstract spawn(): Subprocess;

  /** Stops the server; its clients' connections drop. */
  async stop(): Promise<void> {
    const running = this.process;
    this.process = null;
    if (!running) return;
    running.kill("SIGTERM");
    await running.exited;
  }

  /** Stops the server, waits `downMs`, and starts it again on the same port. */
  async restart(downMs: number): Promise<void> {
    await this.stop();
    await Bun.sleep(downMs);
    await this.boot();
  }

  protected async boot(): Promise<void> {
    this.process = this.spawn();
    await waitUntilListening(this.port, this.process, this.what, this.startTimeoutMs);
  }
}
