import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, LocalServer } from "./local-server.ts";

const serverBinary = "/usr/lib/rabbitmq/bin/rabbitmq-server";
const systemCookie = "/var/lib/rabbitmq/.erlang.cookie";

/** Whether this machine can start a RabbitMQ node of a test's own (Debian's rabbitmq-server). */
export const rabbitNodeAvailable = existsSync(serverBinary) && existsSync(systemCookie);

/**
 * A RabbitMQ node of one test's own, on free ports, with its data in a temporary directory: it can
 * be stopped and started again like a restarted broker, and the shared broker is never touched.
 *
 * @example
 * const node = await RabbitNode.start();
 * // AMQP_URL: node.url
 * await node.restart(3_000);
 * await node.remove();
 */
export class RabbitNode extends LocalServer {
  private constructor(
    private readonly directory: string,
    port: number,
    private readonly distributionPort: number,
    private readonly name: string,
  ) {
    super(port, `RabbitMQ node ${name}`, 60_000);
  }

  static async start(): Promise<RabbitNode> {
    const directory = mkdtempSync(join(tmpdir(), "chat-rabbit-node-"));
    mkdirSync(join(directory, "home"));
    copyFileSync(systemCookie, join(directory, "home", ".erlang.cookie"));
    writeFileSync(join(directory, "enabled_plugins"), "[].\n");
    const port = freePort();
    const node = new RabbitNode(directory, port, freePort(), `chattest${port}@localhost`);
    await node.boot();
    return node;
  }

  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.directory, { recursive: true, force: true });
  }

  protected spawn() {
    return Bun.spawn([serverBinary], {
      cwd: this.directory,
      env: {
        ...process.env,
        HOME: join(this.directory, "home"),
        RABBITMQ_NODENAME: this.name,
        RABBITMQ_NODE_PORT: String(this.port),
        RABBITMQ_DIST_PORT: String(this.distributionPort),
        RABBITMQ_MNESIA_BASE: join(this.directory, "mnesia"),
        RABBITMQ_LOG_BASE: join(this.directory, "log"),
        RABBITMQ_ENABLED_PLUGINS_FILE: join(this.directory, "enabled_plugins"),
        RABBITMQ_CONFIG_FILE: join(this.directory, "none"),
      },
      stdout: "ignore",
      stderr: "ignore",
    });
  }
}
