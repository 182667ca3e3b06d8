import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";

const repositoryRoot = join(import.meta.dir, "..");
const clockTicksPerSecond = 100;

/** CPU time (user + system) of a process so far, in milliseconds, from /proc/<pid>/stat. */
export function cpuMillisecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size of a process, in KiB, from /proc/<pid>/status. */
export function residentKibOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

/** Busy CPU time of the whole machine so far (all cores, everything but idle and iowait), in ms. */
export function machineBusyMilliseconds(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] as string;
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return ((total - idle) * 1000) / clockTicksPerSecond;
}

/** A free TCP port on loopback. */
export function freePort(): number {
  const server = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = server.port as number;
  server.stop(true);
  return port;
}

/** The pid of the oldest process whose command line matches `pattern` (pgrep -o), or null. */
export function findPid(pattern: string): number | null {
  const found = Bun.spawnSync(["pgrep", "-o", pattern]);
  const pid = Number(found.stdout.toString().trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/**
 * A server process under measurement (a service of the chat system or a baseline): started with
 * its environment, ready when `readyPath` answers 200, and read for CPU time and RSS by pid.
 */
export class MeasuredProcess {
  private readonly output: string[] = [];

  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly child: Subprocess,
  ) {}

  static async start(options: {
    name: string;
    command: string[];
    port: number;
    environment: Record<string, string>;
    readyPath: string;
  }): Promise<MeasuredProcess> {
    const child = Bun.spawn(options.command, {
      cwd: repositoryRoot,
      env: { ...process.env, LOG_LEVEL: "warn", ...options.environment, PORT: String(options.port) },
      stdout: "pipe",
      stderr: "pipe",
    });
    const started = new MeasuredProcess(options.name, options.port, child);
    started.collect(child.stdout as ReadableStream<Uint8Array>);
    started.collect(child.stderr as ReadableStream<Uint8Array>);
    await started.waitUntilReady(options.readyPath);
    return started;
  }

  get pid(): number {
    return this.child.pid;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  cpuMilliseconds(): number {
    return cpuMillisecondsOf(this.child.pid);
  }

  residentKib(): number {
    return residentKibOf(this.child.pid);
  }

  /** The last lines the process wrote, for error reports. */
  recentOutput(): string {
    return this.output.join("").slice(-4_000);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await this.child.exited;
    clearTimeout(timer);
  }

  private async waitUntilReady(path: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null)
        throw new Error(`${this.name} exited with ${this.child.exitCode}:\n${this.recentOutput()}`);
      try {
        if ((await fetch(`${this.baseUrl}${path}`)).status === 200) return;
      } catch {
        // Not listening yet.
      }
      await Bun.sleep(100);
    }
    await this.stop();
    throw new Error(`${this.name} was not ready within ${timeoutMs} ms:\n${this.recentOutput()}`);
  }

  private async collect(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
      this.output.push(decoder.decode(chunk));
      if (this.output.length > 500) this.output.splice(0, 250);
    }
  }
}
