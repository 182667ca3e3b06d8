import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy in front of the server that can cut every open connection at once, the way a
 * flaky network or a restarted load balancer does: the browser's streams see a dropped
 * connection (not a clean end) and must reconnect and resume.
 *
 * @example
 * const proxy = await DroppableProxy.start(server.port);
 * await page.goto(proxy.baseUrl);
 * proxy.dropAll();
 */
export class DroppableProxy {
  private readonly sockets = new Set<Socket>();
  /** While set, every new connection is cut at once, as with a server that is down. */
  private refusing = false;
  private readonly server: Server;
  private port = 0;

  private constructor(private readonly targetPort: number) {
    this.server = createServer((client) => this.forward(client));
  }

  static async start(targetPort: number): Promise<DroppableProxy> {
    const proxy = new DroppableProxy(targetPort);
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    const address = proxy.server.address();
    if (address === null || typeof address === "string") throw new Error("the proxy has no port");
    proxy.port = address.port;
    return proxy;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Cuts every open connection (a reset, not a clean close); answers how many there were. */
  dropAll(): number {
    const count = this.sockets.size;
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
    return count;
  }

  /** Cuts every open connection and every new one until `accept`: the target is away. */
  refuse(): void {
    this.refusing = true;
    this.dropAll();
  }

  /** Forwards new connections again. */
  accept(): void {
    this.refusing = false;
  }

  async stop(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(client: Socket): void {
    if (this.refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host: "127.0.0.1", port: this.targetPort });
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on("close", () => {
        this.sockets.delete(socket);
        closeBoth();
      });
      socket.on("error", closeBoth);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
