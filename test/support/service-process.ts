import { join } from "node:path";
import type { Subprocess } from "bun";
import { type SecretLeak, SecretLeakError, secretRegistry } from "./secret-registry.ts";

const repositoryRoot = join(import.meta.dir, "../..");
const bunBinary = process.execPath;

/** A free TCP port on loopback. */
export function freePort(): number {
  const server = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = server.port as number;
  server.stop(true);
  return port;
}

/** Chunks of output kept for `output`; older ones are kept apart for the secret scan. */
const keptOutputChunks = 2_000;
/**
 * Past this much dropped output (a long soak at debug level), it is scanned at once and let go:
 * only secrets registered by then are caught in it.
 */
const droppedTextLimit = 32 * 1024 * 1024;

/** Processes whose output has not been scanned yet: the exit hook scans what they wrote. */
const unscanned = new Set<ServiceProcess>();
process.once("exit", () => {
  for (const service of unscanned) {
    const leaks = service.leaks();
    if (leaks.length === 0) continue;
    console.error(new SecretLeakError(leaks).message);
    process.exitCode = 1;
  }
});

/**
 * One service running as its own process, as in production. Every secret passed in its
 * environment is registered, and its output is scanned for every registered secret when it stops
 * or is killed (see `secret-registry.ts`): a leak makes `stop()` / `kill()` throw. One never
 * stopped is scanned when the test run exits, which then fails.
 */
export class ServiceProcess {
  readonly output: string[] = [];
  private readonly collecting: Promise<void>[] = [];
  /** Text of chunks dropped from `output`, scanned when the process ends. */
  private droppedText = "";
  /** Leaks found in dropped text that had to be let go early. */
  private readonly earlyLeaks: SecretLeak[] = [];
  private scanned = false;
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
    secretRegistry.addEnvironment(environment, name);
    const port = Number(environment.PORT ?? freePort());
    const child = Bun.spawn([bunBinary, join(repositoryRoot, entry)], {
      cwd: repositoryRoot,
      env: { ...process.env, LOG_LEVEL: "warn", ...environment, PORT: String(port) },
      stdout: "pipe",
      stderr: "pipe",
    });
    const service = new ServiceProcess(name, port, child);
    unscanned.add(service);
    service.collecting.push(
      service.collect(child.stdout as ReadableStream<Uint8Array>),
      service.collect(child.stderr as ReadableStream<Uint8Array>),
    );
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

  /** Graceful stop (SIGTERM), waiting for the process to exit; throws if its output leaked a secret. */
  async stop(): Promise<number> {
    if (this.child.exitCode === null) this.child.kill("SIGTERM");
    const code = await this.child.exited;
    await this.checkOutputForSecrets();
    return code;
  }

  /** kill -9: the process gets no chance to clean up; what it wrote is still scanned for secrets. */
  async kill(): Promise<void> {
    this.child.kill("SIGKILL");
    await this.child.exited;
    await this.checkOutputForSecrets();
  }

  /**
   * Throws if a registered secret appears in anything the process wrote. Runs once, after exit,
   * because a secret is usually registered after the process logged it (the token a response
   * carried is registered when the response arrives).
   */
  async checkOutputForSecrets(): Promise<void> {
    if (this.scanned) return;
    this.scanned = true;
    unscanned.delete(this);
    // The pipes close at exit; a grandchild holding them open must not hang the stop.
    await Promise.race([Promise.all(this.collecting), Bun.sleep(2_000)]);
    const leaks = this.leaks();
    if (leaks.length > 0) throw new SecretLeakError(leaks);
  }

  /** Every registered secret in what the process wrote so far. */
  leaks(): SecretLeak[] {
    const source = `the output of ${this.name}`;
    return [
      ...this.earlyLeaks,
      ...secretRegistry.findIn(`${this.droppedText}${this.output.join("")}`, source),
    ];
  }

  private async collect(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
      this.output.push(decoder.decode(chunk, { stream: true }));
      if (this.output.length > keptOutputChunks) {
        this.droppedText += this.output.splice(0, keptOutputChunks / 2).join("");
        if (this.droppedText.length > droppedTextLimit) {
          this.earlyLeaks.push(...secretRegistry.findIn(this.droppedText, `the output of ${this.name}`));
          this.droppedText = this.droppedText.slice(-64 * 1024);
        }
      }
    }
  }
}
