import type { Subprocess } from "bun";
import { freePort, waitUntilListening } from "./local-ports.ts";

/** Whether this machine has a redis-server to start one of a test's own. */
export const redisNodeAvailable = Bun.which("redis-server") !== null;

/**
 * A Redis server of one test's own on a free port, without persistence: a restart brings it back
 * empty, as a Redis without a disk does, and the shared Redis is never touched.
 *
 * @example
 * const redis = await RedisNode.start();
 * // REDIS_URL: redis.url
 * await redis.restart(3_000);
 * await redis.stop();
 */
export class RedisNode {
  private process: Subprocess | null = null;

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisNode> {
    const node = new RedisNode(freePort());
    await node.boot();
    return node;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const running = this.process;
    this.process = null;
    if (!running) return;
    running.kill("SIGTERM");
    await running.exited;
  }

  /** Stops the server, waits `downMs`, and starts it again, empty, on the same port. */
  async restart(downMs: number): Promise<void> {
    await this.stop();
    await Bun.sleep(downMs);
    await this.boot();
  }

  private async boot(): Promise<void> {
    this.process = Bun.spawn(
      [
        "redis-server",
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
      ],
      { stdout: "ignore", stderr: "ignore" },
    );
    await waitUntilListening(this.port, this.process, `redis-server on ${this.port}`, 20_000);
  }
}
