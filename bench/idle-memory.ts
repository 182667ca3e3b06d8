/**
 * `npm run bench:idle`: memory per idle SSE connection, alone (a minute or two instead of the
 * whole stream benchmark). Starts our system embedded (`services/all-in-one`) and/or distributed
 * (the five services over the local RabbitMQ and Redis, under a namespace of their own, removed at
 * the end), creates the chats, and measures as `bench:stream` does: RSS growth of the process
 * holding the connections from before to 3 s after opening N idle authenticated streams (after a
 * warm-up of 200), divided by N; KB = 1 000 bytes.
 *
 * Flags: --connections 10000, --mode embedded|gateway|both (both), --users 20, --heap (also
 * print the JavaScriptCore object types that grew, per connection, from `bench/heap-probe.ts`).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeClusterNamespace } from "../test/support/cluster-namespace.ts";
import { ChatSystemWorkload } from "./chat-system-workload.ts";
import { MeasuredProcess } from "./measured-process.ts";
import { WallClock } from "./wall-clock.ts";

type Mode = "embedded" | "gateway";

const bun = process.execPath;
const rabbitUrl = process.env.BENCH_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const redisUrl = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const partitions = 8;

/** Streams per user and sign-in rates are not what is measured here. */
const unlimited: Record<string, string> = {
  RATE_LIMIT_IP_PER_MINUTE: "100000000",
  RATE_LIMIT_USER_PER_MINUTE: "100000000",
  RATE_LIMIT_AUTH_PER_MINUTE: "100000000",
  RATE_LIMIT_ACCOUNT_PER_MINUTE: "100000000",
  MAX_STREAMS_PER_USER: "1000000",
};

function readSettings(argv: string[]) {
  const flag = (name: string, fallback: string): string => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 ? (argv[index + 1] as string) : fallback;
  };
  const mode = flag("mode", "both");
  if (!["embedded", "gateway", "both"].includes(mode))
    throw new Error(`--mode ${mode}: embedded|gateway|both`);
  return {
    connections: Number(flag("connections", "10000")),
    users: Number(flag("users", "20")),
    modes: (mode === "both" ? ["embedded", "gateway"] : [mode]) as Mode[],
    heap: argv.includes("--heap"),
  };
}

function log(message: string): void {
  console.error(`[idle ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

async function freePort(): Promise<number> {
  const server = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = server.port as number;
  server.stop(true);
  return port;
}

type HeapReading = {
  heapSize: number;
  extraMemorySize: number;
  objectCount: number;
  objectTypeCounts: Record<string, number>;
  memory: { rss: number; heapUsed: number; external: number; arrayBuffers: number };
};

/** Asks the process (preloaded with heap-probe.ts) for its heap figures and waits for them. */
async function readHeap(pid: number, file: string): Promise<HeapReading> {
  rmSync(file, { force: true });
  process.kill(pid, "SIGUSR2");
  for (let waited = 0; waited < 10_000; waited += 50) {
    if (existsSync(file)) {
      try {
        return JSON.parse(readFileSync(file, "utf8")) as HeapReading;
      } catch {
        // Still being written.
      }
    }
    await Bun.sleep(50);
  }
  throw new Error("the heap probe did not answer");
}

function describeHeapGrowth(before: HeapReading, after: HeapReading, connections: number): void {
  const per = (value: number) => Math.round((value / connections) * 100) / 100;
  console.log(
    `  JS heap: +${per(after.heapSize - before.heapSize)} B/conn, extra memory +${per(after.extraMemorySize - before.extraMemorySize)} B/conn, ` +
      `objects +${per(after.objectCount - before.objectCount)}/conn`,
  );
  const grown = Object.entries(after.objectTypeCounts)
    .map(([type, count]) => [type, count - (before.objectTypeCounts[type] ?? 0)] as const)
    .filter(([, growth]) => growth >= connections / 2)
    .sort((a, b) => b[1] - a[1]);
  for (const [type, growth] of grown) console.log(`    ${type.padEnd(32)} +${per(growth)}/conn`);
}

/** Starts the system in `mode`; returns where it listens, the pid holding the streams, and its stop. */
async function startSystem(mode: Mode, heapFile: string | null) {
  const dataDirectory = mkdtempSync(join(tmpdir(), "chat-idle-"));
  const preload = heapFile ? ["--preload", join(import.meta.dir, "heap-probe.ts")] : [];
  const probeEnvironment: Record<string, string> = heapFile ? { HEAP_PROBE_FILE: heapFile } : {};
  if (mode === "embedded") {
    const allInOne = await MeasuredProcess.start({
      name: "all-in-one",
      command: [bun, ...preload, "services/all-in-one/main.ts"],
      port: await freePort(),
      environment: {
        AMQP_URL: "",
        REDIS_URL: "",
        MONGODB_URL: "",
        DATA_DIR: dataDirectory,
        ...unlimited,
        ...probeEnvironment,
      },
      readyPath: "/readyz",
    });
    return {
      holder: allInOne,
      stop: async () => {
        await allInOne.stop();
        rmSync(dataDirectory, { recursive: true, force: true });
      },
    };
  }
  const namespace = `idle-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const environment: Record<string, string> = {
    AMQP_URL: rabbitUrl,
    REDIS_URL: redisUrl,
    BUS_PREFIX: namespace,
    REDIS_KEY_PREFIX: namespace,
    SESSION_PARTITIONS: String(partitions),
    JWT_SECRET: `idle-secret-${crypto.randomUUID()}-${crypto.randomUUID()}`,
    DATA_DIR: dataDirectory,
    ...unlimited,
  };
  const services: MeasuredProcess[] = [];
  const stop = async () => {
    for (const service of services.reverse()) await service.stop();
    await removeClusterNamespace({ rabbitUrl, redisUrl, namespace, partitions }, "idle");
    rmSync(dataDirectory, { recursive: true, force: true });
  };
  try {
    for (const name of ["store", "session", "orchestrator", "notifier", "gateway"]) {
      const isGateway = name === "gateway";
      services.push(
        await MeasuredProcess.start({
          name,
          command: [bun, ...(isGateway ? preload : []), `services/${name}/main.ts`],
          port: await freePort(),
          environment: { ...environment, ...(isGateway ? probeEnvironment : {}) },
          readyPath: "/readyz",
        }),
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { holder: services.at(-1) as MeasuredProcess, stop };
}

async function measure(mode: Mode, settings: ReturnType<typeof readSettings>, clock: WallClock) {
  const heapFile = settings.heap ? join(tmpdir(), `chat-idle-heap-${process.pid}.json`) : null;
  log(`${mode}: starting`);
  const system = await startSystem(mode, heapFile);
  try {
    const { holder } = system;
    const workload = new ChatSystemWorkload(
      { host: "127.0.0.1", port: holder.port, gatewayPid: holder.pid, servers: [], infrastructure: [] },
      clock,
    );
    log(`${mode}: creating ${settings.connections} chats`);
    const chats = await workload.prepareChats(settings.connections, settings.users);
    log(`${mode}: opening ${settings.connections} idle streams`);
    const heaps: HeapReading[] = [];
    const probe = heapFile
      ? {
          beforeOpening: async () => void heaps.push(await readHeap(holder.pid, heapFile)),
          whileOpen: async () => void heaps.push(await readHeap(holder.pid, heapFile)),
        }
      : undefined;
    const idle = await workload.idleConnections(chats, 3_000, probe);
    const kilobytes = Math.round(((idle.perConnectionKib * 1024) / 1000) * 100) / 100;
    console.log(
      `${mode}: ${kilobytes} KB per idle SSE connection (${idle.opened} open of ${idle.connections}, ` +
        `RSS ${idle.serverRssBeforeKib} → ${idle.serverRssAfterKib} KiB, opened in ${idle.openMs} ms)`,
    );
    if (heaps.length === 2) describeHeapGrowth(heaps[0] as HeapReading, heaps[1] as HeapReading, idle.opened);
    return kilobytes;
  } finally {
    await system.stop();
    if (heapFile) rmSync(heapFile, { force: true });
  }
}

const settings = readSettings(process.argv.slice(2));
const clock = new WallClock();
for (const mode of settings.modes) await measure(mode, settings, clock);
process.exit(0);
