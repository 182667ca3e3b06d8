import { freePort, LocalServer } from "./local-server.ts";

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
export class RedisNode extends LocalServer {
  private constructor(port: number) {
    super(port, `redis-server on ${port}`, 20_000);
  }

  static async start(): Promise<RedisNode> {
    const node = new RedisNode(freePort());
    await node.boot();
    return node;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  protected spawn() {
    return Bun.spawn(
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
  }
}
