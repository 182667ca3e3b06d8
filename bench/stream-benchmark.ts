/**
 * `npm run bench:stream`: the stream benchmark. Runs, on this machine, in one go:
 *
 * 1. our system distributed — five services as separate Bun processes over the local RabbitMQ
 *    and Redis, under a namespace of their own (removed at the end): idle SSE connections, then
 *    N concurrent chats on the demo model at a fixed token rate for each N of the ladder until
 *    the p99 chunk latency passes the limit or errors appear, then one step at the reference N
 *    with CHUNK_FLUSH_MS=1;
 * 2. our system embedded (all-in-one process, in-process bus) at the reference N;
 * 3. baseline (a), a single-process Bun relay of the same demo stream straight to SSE (the floor);
 * 4. baseline (b), a Vercel AI SDK `streamText` route on Node relaying an OpenAI-compatible
 *    upstream that emits the same demo tokens at the same rate.
 *
 * Writes bench/results/stream-<time>.json and bench/results/latest.json and prints a markdown
 * summary. Flags (or env): --steps 25,50,… (BENCH_STEPS), --step-seconds 8 (BENCH_STEP_SECONDS),
 * --rate 40 (BENCH_TOKENS_PER_SECOND), --idle 10000 (BENCH_IDLE_CONNECTIONS), --flush-ms 20
 * (BENCH_FLUSH_MS), --reference-streams 200, --p99-limit-ms 50, --skip-embedded, --skip-baselines,
 * --skip-low-flush. See bench/README.md for the definitions.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { removeClusterNamespace } from "../test/support/cluster-namespace.ts";
import { type BenchChat, ChatSystemWorkload } from "./chat-system-workload.ts";
import type { MeteredProcess } from "./cpu-meter.ts";
import { findPid, MeasuredProcess } from "./measured-process.ts";
import { RelayWorkload } from "./relay-workload.ts";
import type { IdleConnectionsResult, StreamStepResult } from "./stream-step-result.ts";
import { WallClock } from "./wall-clock.ts";

type Settings = {
  steps: number[];
  stepSeconds: number;
  tokensPerSecond: number;
  idleConnections: number;
  flushMs: number;
  referenceStreams: number;
  p99LimitMs: number;
  embedded: boolean;
  baselines: boolean;
  lowFlush: boolean;
};

/** One system's ladder: every step run, and the largest N that stayed within the limit. */
type SystemRun = {
  description: string;
  idle?: IdleConnectionsResult;
  steps: StreamStepResult[];
  largestStreamsWithinLimit: number | null;
  stoppedBecause: string;
  extra?: Record<string, StreamStepResult>;
};

const repositoryRoot = join(import.meta.dir, "..");
const bun = process.execPath;
const rabbitUrl = process.env.BENCH_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const redisUrl = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const partitions = 8;

function readSettings(argv: string[]): Settings {
  const flag = (name: string, environment: string, fallback: string): string => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 ? (argv[index + 1] as string) : (process.env[environment] ?? fallback);
  };
  const has = (name: string) => argv.includes(`--${name}`);
  return {
    steps: flag("steps", "BENCH_STEPS", "25,50,100,200,400,800").split(",").map(Number),
    stepSeconds: Number(flag("step-seconds", "BENCH_STEP_SECONDS", "8")),
    tokensPerSecond: Number(flag("rate", "BENCH_TOKENS_PER_SECOND", "40")),
    idleConnections: Number(flag("idle", "BENCH_IDLE_CONNECTIONS", "10000")),
    flushMs: Number(flag("flush-ms", "BENCH_FLUSH_MS", "20")),
    referenceStreams: Number(flag("reference-streams", "BENCH_REFERENCE_STREAMS", "200")),
    p99LimitMs: Number(flag("p99-limit-ms", "BENCH_P99_LIMIT_MS", "50")),
    embedded: !has("skip-embedded"),
    baselines: !has("skip-baselines"),
    lowFlush: !has("skip-low-flush"),
  };
}

function machine() {
  const version = (command: string[]) => {
    try {
      return Bun.spawnSync(command).stdout.toString().trim().split("\n")[0] ?? "";
    } catch {
      return "";
    }
  };
  const packageVersion = (name: string) =>
    (
      JSON.parse(readFileSync(join(repositoryRoot, "node_modules", name, "package.json"), "utf8")) as {
        version: string;
      }
    ).version;
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: version(["uname", "-sr"]),
    bun: Bun.version,
    node: version(["node", "--version"]),
    ai: packageVersion("ai"),
    aiSdkOpenAICompatible: packageVersion("@ai-sdk/openai-compatible"),
    loadAverageAtStart: readFileSync("/proc/loadavg", "utf8").trim(),
  };
}

function log(message: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

function describeStep(name: string, step: StreamStepResult): void {
  log(
    `${name} N=${step.streams}: chunk p50 ${step.chunkLatencyMs.p50} p99 ${step.chunkLatencyMs.p99} ms, ` +
      `TTFT p50 ${step.ttftMs.p50} p99 ${step.ttftMs.p99} ms, ${step.deliveredChunksPerSecond} chunks/s, ` +
      `${step.serverCpuPerChunkUs} µs CPU/chunk, errors ${step.errors}, machine busy ${Math.round(
        (step.cpu.machineBusyMs / step.cpu.elapsedMs) * 100,
      )}% of 1 core`,
  );
}

/** Runs the ladder: each N until the p99 passes the limit or a step has errors. */
async function ladder(
  name: string,
  settings: Settings,
  step: (streams: number) => Promise<StreamStepResult>,
): Promise<Pick<SystemRun, "steps" | "largestStreamsWithinLimit" | "stoppedBecause" | "extra">> {
  const steps: StreamStepResult[] = [];
  let largest: number | null = null;
  let stoppedBecause = "every step stayed within the limit";
  for (const streams of settings.steps) {
    const result = await step(streams);
    describeStep(name, result);
    steps.push(result);
    if (result.errors > 0) {
      stoppedBecause = `${result.errors} errors at N=${streams}`;
      break;
    }
    if (result.chunkLatencyMs.p99 >= settings.p99LimitMs) {
      stoppedBecause = `p99 ${result.chunkLatencyMs.p99} ms ≥ ${settings.p99LimitMs} ms at N=${streams}`;
      break;
    }
    largest = streams;
  }
  const extra: Record<string, StreamStepResult> = {};
  if (!steps.some((result) => result.streams === settings.referenceStreams)) {
    // The goals are stated at the reference N: measure it even when the ladder stopped before.
    extra.reference = await step(settings.referenceStreams);
    describeStep(`${name} (reference)`, extra.reference);
  }
  return { steps, largestStreamsWithinLimit: largest, stoppedBecause, extra };
}

function infrastructureProcesses(): MeteredProcess[] {
  const found: MeteredProcess[] = [];
  const rabbit = findPid("beam.smp");
  const redis = findPid("redis-server");
  if (rabbit) found.push({ name: "rabbitmq", pid: rabbit });
  if (redis) found.push({ name: "redis", pid: redis });
  return found;
}

/** The benchmark measures streaming, not the abuse limits: both systems run with them out of the way. */
const unlimited: Record<string, string> = {
  RATE_LIMIT_IP_PER_MINUTE: "100000000",
  RATE_LIMIT_USER_PER_MINUTE: "100000000",
  RATE_LIMIT_AUTH_PER_MINUTE: "100000000",
  RATE_LIMIT_ACCOUNT_PER_MINUTE: "100000000",
  GENERATIONS_PER_USER_PER_MINUTE: "100000000",
  MAX_STREAMS_PER_USER: "1000000",
};

async function runDistributed(settings: Settings, clock: WallClock): Promise<SystemRun> {
  const namespace = `bench-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const dataDirectory = mkdtempSync(join(tmpdir(), "chat-bench-"));
  const maxStreams = Math.max(...settings.steps, settings.referenceStreams);
  const environment: Record<string, string> = {
    AMQP_URL: rabbitUrl,
    REDIS_URL: redisUrl,
    BUS_PREFIX: namespace,
    REDIS_KEY_PREFIX: namespace,
    SESSION_PARTITIONS: String(partitions),
    JWT_SECRET: `bench-secret-${crypto.randomUUID()}-${crypto.randomUUID()}`,
    ...unlimited,
    DATA_DIR: dataDirectory,
    DEMO_TOKENS_PER_SECOND: String(settings.tokensPerSecond),
    ORCHESTRATOR_CONCURRENCY: String(maxStreams * 2),
    CHUNK_FLUSH_MS: String(settings.flushMs),
  };
  const services = new Map<string, MeasuredProcess>();
  const start = async (name: string, extra: Record<string, string> = {}) => {
    const service = await MeasuredProcess.start({
      name,
      command: [bun, `services/${name}/main.ts`],
      port: await freePort(),
      environment: { ...environment, ...extra },
      readyPath: "/readyz",
    });
    services.set(name, service);
    return service;
  };
  log(`distributed: starting five services under namespace ${namespace}`);
  try {
    for (const name of ["store", "session", "orchestrator", "notifier", "gateway"]) await start(name);
    const gateway = services.get("gateway") as MeasuredProcess;
    const target = () => ({
      host: "127.0.0.1",
      port: gateway.port,
      gatewayPid: gateway.pid,
      servers: [...services.values()].map((service) => ({ name: service.name, pid: service.pid })),
      infrastructure: infrastructureProcesses(),
    });
    let workload = new ChatSystemWorkload(target(), clock);
    const chatCount = Math.max(settings.idleConnections, maxStreams, 200);
    log(`distributed: creating ${chatCount} chats`);
    const chats: BenchChat[] = await workload.prepareChats(chatCount, 20);
    let idle: IdleConnectionsResult | undefined;
    if (settings.idleConnections > 0) {
      log(`distributed: ${settings.idleConnections} idle SSE connections`);
      idle = await workload.idleConnections(chats.slice(0, settings.idleConnections));
      log(`distributed: ${idle.perConnectionKib} KiB per idle connection (${idle.opened} open)`);
      await Bun.sleep(2_000);
    }
    await workload.streamingStep(chats.slice(0, 20), 3_000, "warm-up");
    const run = await ladder("distributed", settings, (streams) =>
      workload.streamingStep(chats.slice(0, streams), settings.stepSeconds * 1000, `step ${streams}`),
    );
    const extra: Record<string, StreamStepResult> = { ...run.extra };
    if (settings.lowFlush) {
      await services.get("orchestrator")?.stop();
      await start("orchestrator", { CHUNK_FLUSH_MS: "1" });
      workload = new ChatSystemWorkload(target(), clock);
      await workload.streamingStep(chats.slice(0, 20), 2_000, "warm-up");
      const streams = settings.referenceStreams;
      const step = await workload.streamingStep(
        chats.slice(0, streams),
        settings.stepSeconds * 1000,
        `flush-1 ${streams}`,
      );
      describeStep("distributed CHUNK_FLUSH_MS=1", step);
      extra.chunkFlushMs1 = step;
      // TTFT of our own hops without queueing: the lightest step again, with CHUNK_FLUSH_MS=1.
      const light = Math.min(...settings.steps);
      extra.chunkFlushMs1Light = await workload.streamingStep(
        chats.slice(0, light),
        settings.stepSeconds * 1000,
        `flush-1 ${light}`,
      );
      describeStep("distributed CHUNK_FLUSH_MS=1", extra.chunkFlushMs1Light);
    }
    return {
      description:
        "five services as separate Bun processes (gateway, session, store, orchestrator, notifier) over the local RabbitMQ and Redis, SQLite store",
      idle,
      ...run,
      extra,
    };
  } finally {
    const gateway = services.get("gateway");
    await gateway?.stop();
    await Promise.all([...services.values()].filter((service) => service !== gateway).map((s) => s.stop()));
    await removeClusterNamespace({ rabbitUrl, redisUrl, namespace, partitions }, "bench");
    rmSync(dataDirectory, { recursive: true, force: true });
    log("distributed: stopped, queues and keys removed");
  }
}

async function runEmbedded(settings: Settings, clock: WallClock): Promise<SystemRun> {
  const dataDirectory = mkdtempSync(join(tmpdir(), "chat-bench-embedded-"));
  const streams = settings.referenceStreams;
  const allInOne = await MeasuredProcess.start({
    name: "all-in-one",
    command: [bun, "services/all-in-one/main.ts"],
    port: await freePort(),
    environment: {
      AMQP_URL: "",
      REDIS_URL: "",
      MONGODB_URL: "",
      DATA_DIR: dataDirectory,
      ...unlimited,
      DEMO_TOKENS_PER_SECOND: String(settings.tokensPerSecond),
      ORCHESTRATOR_CONCURRENCY: String(streams * 2),
      CHUNK_FLUSH_MS: String(settings.flushMs),
    },
    readyPath: "/readyz",
  });
  try {
    const workload = new ChatSystemWorkload(
      {
        host: "127.0.0.1",
        port: allInOne.port,
        gatewayPid: allInOne.pid,
        servers: [{ name: "all-in-one", pid: allInOne.pid }],
        infrastructure: [],
      },
      clock,
    );
    const chats = await workload.prepareChats(streams, 4);
    await workload.streamingStep(chats.slice(0, 20), 3_000, "warm-up");
    const step = await workload.streamingStep(chats, settings.stepSeconds * 1000, `embedded ${streams}`);
    describeStep("embedded", step);
    return {
      description:
        "all five services in one Bun process (services/all-in-one), in-process bus, in-memory actor state",
      steps: [step],
      largestStreamsWithinLimit: null,
      stoppedBecause: "one step at the reference N only",
    };
  } finally {
    await allInOne.stop();
    rmSync(dataDirectory, { recursive: true, force: true });
  }
}

async function runBunRelay(settings: Settings, clock: WallClock): Promise<SystemRun> {
  const relay = await MeasuredProcess.start({
    name: "bun-relay",
    command: [bun, "bench/bun-relay-baseline.ts"],
    port: await freePort(),
    environment: { DEMO_TOKENS_PER_SECOND: String(settings.tokensPerSecond) },
    readyPath: "/healthz",
  });
  try {
    const workload = new RelayWorkload(
      {
        kind: "bun-relay",
        host: "127.0.0.1",
        port: relay.port,
        relayPid: relay.pid,
        servers: [{ name: "bun-relay", pid: relay.pid }],
        infrastructure: [],
      },
      clock,
    );
    let idle: IdleConnectionsResult | undefined;
    if (settings.idleConnections > 0) {
      idle = await workload.idleConnections(settings.idleConnections);
      log(`bun relay: ${idle.perConnectionKib} KiB per idle connection`);
    }
    await workload.streamingStep(20, 3_000, "warm-up");
    const run = await ladder("bun relay", settings, (streams) =>
      workload.streamingStep(streams, settings.stepSeconds * 1000, `step ${streams}`),
    );
    return {
      description:
        "baseline (a): one Bun process running the demo model and writing each token straight to SSE",
      idle,
      ...run,
    };
  } finally {
    await relay.stop();
  }
}

async function runAiSdkRelay(settings: Settings, clock: WallClock): Promise<SystemRun> {
  const upstream = await MeasuredProcess.start({
    name: "openai-compatible-upstream",
    command: [bun, "bench/openai-compatible-upstream.ts"],
    port: await freePort(),
    environment: { DEMO_TOKENS_PER_SECOND: String(settings.tokensPerSecond) },
    readyPath: "/healthz",
  });
  let relay: MeasuredProcess | undefined;
  try {
    relay = await MeasuredProcess.start({
      name: "ai-sdk-relay",
      command: ["node", "bench/ai-sdk-relay-baseline.mjs"],
      port: await freePort(),
      environment: { UPSTREAM_URL: upstream.baseUrl },
      readyPath: "/healthz",
    });
    const workload = new RelayWorkload(
      {
        kind: "ai-sdk",
        host: "127.0.0.1",
        port: relay.port,
        relayPid: relay.pid,
        servers: [{ name: "ai-sdk-relay", pid: relay.pid }],
        infrastructure: [{ name: "openai-compatible-upstream", pid: upstream.pid }],
        emitsUrl: `${upstream.baseUrl}/emits`,
      },
      clock,
    );
    let idle: IdleConnectionsResult | undefined;
    if (settings.idleConnections > 0) {
      idle = await workload.idleConnections(settings.idleConnections);
      log(`ai sdk relay: ${idle.perConnectionKib} KiB per idle connection`);
    }
    await workload.streamingStep(20, 3_000, "warm-up");
    const run = await ladder("ai sdk relay", settings, (streams) =>
      workload.streamingStep(streams, settings.stepSeconds * 1000, `step ${streams}`),
    );
    return {
      description:
        "baseline (b): Node http route calling the Vercel AI SDK streamText on an OpenAI-compatible upstream (Bun, same demo tokens and rate), piped to the client as the AI SDK SSE UI message stream",
      idle,
      ...run,
    };
  } finally {
    await relay?.stop();
    await upstream.stop();
  }
}

async function freePort(): Promise<number> {
  const server = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = server.port as number;
  server.stop(true);
  return port;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** The step at `streams` (from the ladder or the extra reference step), else the last step run. */
function stepAt(run: SystemRun | undefined, streams: number): StreamStepResult | undefined {
  if (!run) return undefined;
  const reference = run.extra?.reference;
  if (reference?.streams === streams) return reference;
  return run.steps.find((step) => step.streams === streams) ?? run.steps.at(-1);
}

function kilobytes(kib: number | undefined): number | null {
  return kib === undefined ? null : round(kib * 1.024);
}

function summarize(settings: Settings, systems: Record<string, SystemRun>) {
  const ours = systems.distributed as SystemRun;
  const reference = stepAt(ours, settings.referenceStreams) as StreamStepResult;
  const light = ours.steps[0] as StreamStepResult;
  const lowFlush = ours.extra?.chunkFlushMs1Light;
  const floor = stepAt(systems.bunRelay, reference.streams);
  const aiSdk = stepAt(systems.aiSdkRelay, reference.streams);
  const withinLimit = ours.steps.filter(
    (step) => step.errors === 0 && step.chunkLatencyMs.p99 < settings.p99LimitMs,
  );
  const peakChunks = Math.max(0, ...withinLimit.map((step) => step.deliveredChunksPerSecond));
  const peakChunksAny = Math.max(0, ...ours.steps.map((step) => step.deliveredChunksPerSecond));
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined || b === 0 ? null : round(a / b);
  const perIdle = kilobytes(ours.idle?.perConnectionKib);
  const goals = [
    {
      goal: "added TTFT from our own hops p50 ≤ 5 ms (lightest step, no queueing)",
      atStreams: light.streams,
      measured: light.ttftMs.p50,
      withChunkFlushMs1: lowFlush?.ttftMs.p50 ?? null,
      atReferenceStreams: reference.ttftMs.p50,
      met: light.ttftMs.p50 <= 5,
    },
    {
      goal: "added TTFT from our own hops p99 ≤ 15 ms (lightest step, no queueing)",
      atStreams: light.streams,
      measured: light.ttftMs.p99,
      withChunkFlushMs1: lowFlush?.ttftMs.p99 ?? null,
      atReferenceStreams: reference.ttftMs.p99,
      met: light.ttftMs.p99 <= 15,
    },
    {
      goal: `added latency per chunk p50 ≤ 1 ms at ${settings.referenceStreams} streams`,
      measured: reference.chunkLatencyMs.p50,
      atStreams: reference.streams,
      met: reference.streams === settings.referenceStreams && reference.chunkLatencyMs.p50 <= 1,
    },
    {
      goal: `added latency per chunk p99 ≤ 5 ms at ${settings.referenceStreams} streams`,
      measured: reference.chunkLatencyMs.p99,
      atStreams: reference.streams,
      met: reference.streams === settings.referenceStreams && reference.chunkLatencyMs.p99 <= 5,
    },
    { goal: "≤ 15 KB per idle SSE connection", measured: perIdle, met: perIdle !== null && perIdle <= 15 },
    {
      goal: "≥ 25 000 delivered chunks/s with the broker in the path",
      measured: peakChunks,
      peakAnyLatency: peakChunksAny,
      met: peakChunks >= 25_000,
    },
    {
      goal: "CPU per delivered chunk ≤ 2× the single-process floor",
      measured: ratio(reference.serverCpuPerChunkUs, floor?.serverCpuPerChunkUs),
      withBrokerAndRedis: ratio(reference.serverAndInfrastructureCpuPerChunkUs, floor?.serverCpuPerChunkUs),
      met:
        (ratio(reference.serverCpuPerChunkUs, floor?.serverCpuPerChunkUs) ?? Number.POSITIVE_INFINITY) <= 2,
    },
  ];
  const ratios = Object.fromEntries(
    (
      [
        ["bunRelay", floor],
        ["aiSdkRelay", aiSdk],
      ] as const
    ).map(([name, baseline]) => [
      name,
      {
        atStreams: baseline?.streams ?? null,
        chunkLatencyP50: ratio(reference.chunkLatencyMs.p50, baseline?.chunkLatencyMs.p50),
        chunkLatencyP99: ratio(reference.chunkLatencyMs.p99, baseline?.chunkLatencyMs.p99),
        ttftP50: ratio(reference.ttftMs.p50, baseline?.ttftMs.p50),
        ttftP99: ratio(reference.ttftMs.p99, baseline?.ttftMs.p99),
        cpuPerChunk: ratio(reference.serverCpuPerChunkUs, baseline?.serverCpuPerChunkUs),
        idleConnectionMemory: ratio(ours.idle?.perConnectionKib, systems[name]?.idle?.perConnectionKib),
        largestStreamsWithinLimit: [
          ours.largestStreamsWithinLimit,
          systems[name]?.largestStreamsWithinLimit ?? null,
        ],
      },
    ]),
  );
  return {
    referenceStreams: reference.streams,
    brokerMessagesPerToken: {
      chunkPublishesPerToken: round(reference.chunks / reference.tokens, 3),
      chatEventPublishesPerToken: round(reference.events / reference.tokens, 3),
      tokensPerMessage: round(reference.tokens / reference.messages, 1),
      chunksPerMessage: round(reference.chunks / reference.messages, 1),
    },
    goals,
    ratios,
  };
}

function markdown(result: ReturnType<typeof summarize>, systems: Record<string, SystemRun>): string {
  const rows: string[] = [
    "| system | N | chunk latency p50 / p99 ms | TTFT p50 / p99 ms | chunks/s | server CPU µs/chunk | largest N, p99 < limit | idle KB/conn |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const [name, run] of Object.entries(systems)) {
    const steps =
      name === "distributed" ? run.steps : [stepAt(run, result.referenceStreams) as StreamStepResult];
    for (const step of steps) {
      rows.push(
        `| ${name} | ${step.streams} | ${step.chunkLatencyMs.p50} / ${step.chunkLatencyMs.p99} | ${step.ttftMs.p50} / ${step.ttftMs.p99} | ${step.deliveredChunksPerSecond} | ${step.serverCpuPerChunkUs}${name === "distributed" ? ` (${step.serverAndInfrastructureCpuPerChunkUs} with RabbitMQ+Redis)` : ""} | ${run.largestStreamsWithinLimit ?? "—"} | ${kilobytes(run.idle?.perConnectionKib) ?? "—"} |`,
      );
    }
    const beyond = run.extra?.reference;
    if (beyond && name === "distributed")
      rows.push(
        `| ${name} (beyond the ladder's stop) | ${beyond.streams} | ${beyond.chunkLatencyMs.p50} / ${beyond.chunkLatencyMs.p99} | ${beyond.ttftMs.p50} / ${beyond.ttftMs.p99} | ${beyond.deliveredChunksPerSecond} | ${beyond.serverCpuPerChunkUs} | — | — |`,
      );
    for (const low of [run.extra?.chunkFlushMs1Light, run.extra?.chunkFlushMs1].filter(
      (step): step is StreamStepResult => step !== undefined,
    ))
      rows.push(
        `| distributed, CHUNK_FLUSH_MS=1 | ${low.streams} | ${low.chunkLatencyMs.p50} / ${low.chunkLatencyMs.p99} | ${low.ttftMs.p50} / ${low.ttftMs.p99} | ${low.deliveredChunksPerSecond} | ${low.serverCpuPerChunkUs} (${low.serverAndInfrastructureCpuPerChunkUs}) | — | — |`,
      );
  }
  return rows.join("\n");
}

async function main(): Promise<void> {
  const settings = readSettings(process.argv.slice(2));
  const clock = new WallClock();
  const startedAt = new Date();
  log(`settings ${JSON.stringify(settings)}`);
  const systems: Record<string, SystemRun> = {};
  systems.distributed = await runDistributed(settings, clock);
  if (settings.embedded) systems.embedded = await runEmbedded(settings, clock);
  if (settings.baselines) {
    systems.bunRelay = await runBunRelay(settings, clock);
    systems.aiSdkRelay = await runAiSdkRelay(settings, clock);
  }
  const summary = summarize(settings, systems);
  const result = {
    benchmark: "stream",
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command: `npm run bench:stream -- ${process.argv.slice(2).join(" ")}`.trim(),
    machine: machine(),
    settings,
    definitions: {
      chunkLatency:
        "client receive time − the chunk's emit stamp. Ours: the millisecond in the chunk's replay-log id (Redis XADD time, taken as the orchestrator publishes the chunk, after coalescing). Bun relay: Date.now() as the relay writes the token. AI SDK relay: Date.now() as the upstream writes the token. Emit stamps are whole milliseconds (truncated) in all three, so every figure reads ~0.5 ms high on average; receive times are sub-millisecond, calibrated to Date.now().",
      ttft: "client request sent → first chunk received (ours: POST /api/chats/:id/messages on an already open SSE stream; baselines: the POST that returns the stream, timed from its write on an open socket). The demo model's first token is due at 0, so this is all overhead; ours includes CHUNK_FLUSH_MS.",
      cpu: "utime+stime from /proc/<pid>/stat (10 ms ticks) of the server processes over the step, divided by chunks delivered. RabbitMQ and Redis are read separately and may include other users of them; the AI SDK upstream (the 'model') is listed under infrastructure.",
      idleMemory:
        "RSS growth (VmRSS) of the process holding the connections (our gateway) from before to 3 s after opening N authenticated idle SSE streams, one per chat, divided by N; KB = 1000 bytes.",
      brokerMessagesPerToken:
        "counted from what clients receive: each delivered chat event (message_created, message_start, message_chunk, message_complete) is one publish to chat.events; per-turn commands, generation requests and store requests are extra and not counted.",
      machineShared:
        "load client and servers share the machine's cores; cpu.machineBusyMs shows everything that ran.",
    },
    systems,
    ...summary,
  };
  const directory = join(import.meta.dir, "results");
  mkdirSync(directory, { recursive: true });
  const json = `${JSON.stringify(result, null, 2)}\n`;
  writeFileSync(join(directory, `stream-${startedAt.toISOString().replace(/[:.]/g, "-")}.json`), json);
  writeFileSync(join(directory, "latest.json"), json);
  console.log(markdown(summary, systems));
  console.log(
    JSON.stringify(
      { goals: summary.goals, ratios: summary.ratios, broker: summary.brokerMessagesPerToken },
      null,
      2,
    ),
  );
}

await main();
process.exit(0);
