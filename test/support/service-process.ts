import { join } from "node:path";
import type { Subprocess } from "bun";

const repositoryRoot = join(import.meta.dir, "../..");
const bunBinary = process.execPath;

/** A free TCP port on loopback. */
export function freePort(): number {
  const server = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = server.port as number;
  server.stop(true);
  return port;
}

/** One service running as its own process, as in production. */
export class ServiceProcess {
  readonly output: string[] = [];
  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly child: Subprocess,
  ) {}

  /** Starts `bun <entry>` with `environment` and waits until its `/readyz` answers 200. */
  static async start(
    name: string,
    entry: string,
    environment: Record<string, string>,
  ): Promise<ServiceProcess> {
    const port = Number(environment.PORT ?? freePort());
    const child = Bun.spawn([bunBinary, join(repositoryRoot, entry)], {
      cwd: repositoryRoot,
      env: { ...process.env, LOG_LEVEL: "warn", ...environment, PORT: String(port) },
      stdout: "pipe",
      stderr: "pipe",
    });
    const service = new ServiceProcess(name, port, child);
    service.collect(child.stdout as ReadableStream<Uint8Array>);
    service.collect(child.stderr as ReadableStream<Uint8Array>);
    await service.waitUntilReady();
    return service;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get exited(): Promise<number> {
    return this.child.exited;
  }

  async waitUntilReady(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) {
        throw new Error(`${this.name} exited with ${this.child.exitCode}:\n${this.output.join("")}`);
      }
      try {
        const response = await fetch(`${this.baseUrl}/readyz`);
        if (response.status === 200) return;
      } catch {
        // Not listening yet.
      }
      await Bun.sleep(100);
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs} ms:\n${this.output.join("")}`);
  }

  /** Graceful stop (SIGTERM), waiting for the process to exit. */
  async stop(): Promise<number> {
    if (this.child.exitCode === null) this.child.kill("SIGTERM");
    return this.child.exited;
  }

  /** kill -9: the process gets no chance to clean up. */
  async kill(): Promise<void> {
    this.child.kill("SIGKILL");
    await this.child.exited;
  }

  private async collect(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
      this.output.push(decoder.decode(chunk));
      if (this.output.length > 2_000) this.output.splice(0, 1_000);
    }
  }
}
