/**
 * `npm run bench:stream`: the stream benchmark. Runs, on this machine, in one go:
 *
 * 1. our system distributed — five services as separate Bun processes over the local RabbitMQ
 *    and Redis, under a namespace of their own (removed at the end): idle SSE connections, then
 *    N concurrent chats on the demo model at a fixed token rate for each N of the ladder until
 *    the p99 chunk latency passes the limit or errors appear;
 * 2. our system embedded (all-in-one process, in-process bus): the same idle connections and ladder;
 * 3. baseline (a), a single-process Bun relay of the same demo stream straight to SSE (the floor);
 * 4. baseline (b), a Vercel AI SDK `streamText` route on Node relaying an OpenAI-compatible
 *    upstream that emits the same demo tokens at the same rate.
 *
 * Every system is measured at the reference N and at the time-to-first-chunk N even when its
 * ladder stopped before them. Writes <results>/stream-<time>.json and <results>/latest.json and
 * prints a markdown summary: the issue's goals, every step, the CPU split, the ratios. Flags
 * (or env), see bench/README.md: --steps, --step-seconds, --rate, --idle, --flush-ms,
 * --orchestrator-concurrency, --reference-streams, --ttft-streams, --p99-limit-ms, --profile,
 * --low-flush, --skip-embedded, --skip-baselines, --results-dir.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join, relative } from "node:path";
import { OrchestratorConfigFields } from "@chat/orchestrator";
import {
  type ChatSystemDeployment,
  type DeploymentOptions,
  DistributedDeployment,
  EmbeddedDeployment,
} from "./chat-system-deployment.ts";
import { type BenchChat, ChatSystemWorkload } from "./chat-system-workload.ts";
import { cpuProfileBunOptions, cpuProfileMarkdown, readCpuProfile } from "./cpu-profile.ts";
import { freePort, MeasuredProcess } from "./measured-process.ts";
import { RedisCommandMeter } from "./redis-command-stats.ts";
import { RelayWorkload } from "./relay-workload.ts";
import {
  markdown,
  type ProfiledStep,
  redisCommandsMarkdown,
  type SystemRun,
  type Systems,
  summarize,
} from "./stream-benchmark-report.ts";
import type { IdleConnectionsResult, StreamStepResult } from "./stream-step-result.ts";
import { WallClock } from "./wall-clock.ts";

type Settings = {
  steps: number[];
  stepSeconds: number;
  tokensPerSecond: number;
  idleConnections: number;
  /** `CHUNK_FLUSH_MS` of ours; null = the product's default. */
  flushMs: number | null;
  /** `ORCHESTRATOR_CONCURRENCY` of ours; null = the product's default. */
  orchestratorConcurrency: number | null;
  referenceStreams: number;
  /** N at which the added time to first chunk is judged (no queueing expected). */
  ttftStreams: number;
  p99LimitMs: number;
  embedded: boolean;
  baselines: boolean;
  /** Also run ours (five processes) with CHUNK_FLUSH_MS=1 at the reference N and the lightest step. */
  lowFlush: boolean;
  /** Run the reference N of ours (both modes) again with every process under Bun's CPU profiler. */
  profile: boolean;
  resultsDirectory: string;
};

const repositoryRoot = join(import.meta.dir, "..");

/** A path as the results show it: relative to the repository when inside it. */
function shown(path: string): string {
  return path.startsWith(repositoryRoot) ? relative(repositoryRoot, path) : path;
}
const bun = process.execPath;
/** The product's own defaults, recorded beside the settings: an unset flag means these. */
const productDefaults = {
  ORCHESTRATOR_CONCURRENCY: OrchestratorConfigFields.ORCHESTRATOR_CONCURRENCY.default as number,
  CHUNK_FLUSH_MS: OrchestratorConfigFields.CHUNK_FLUSH_MS.default as number,
};

function readSettings(argv: string[]): Settings {
  const flag = (name: string, environment: string, fallback: string): string => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 ? (argv[index + 1] as string) : (process.env[environment] ?? fallback);
  };
  const optionalNumber = (name: string, environment: string): number | null => {
    const value = flag(name, environment, "");
    return value === "" ? null : Number(value);
  };
  const has = (name: string) => argv.includes(`--${name}`);
  const settings: Settings = {
    steps: flag("steps", "BENCH_STEPS", "25,50,100,200,400,800").split(",").map(Number),
    stepSeconds: Number(flag("step-seconds", "BENCH_STEP_SECONDS", "8")),
    tokensPerSecond: Number(flag("rate", "BENCH_TOKENS_PER_SECOND", "40")),
    idleConnections: Number(flag("idle", "BENCH_IDLE_CONNECTIONS", "10000")),
    flushMs: optionalNumber("flush-ms", "BENCH_FLUSH_MS"),
    orchestratorConcurrency: optionalNumber("orchestrator-concurrency", "BENCH_ORCHESTRATOR_CONCURRENCY"),
    referenceStreams: Number(flag("reference-streams", "BENCH_REFERENCE_STREAMS", "200")),
    ttftStreams: Number(flag("ttft-streams", "BENCH_TTFT_STREAMS", "25")),
    p99LimitMs: Number(flag("p99-limit-ms", "BENCH_P99_LIMIT_MS", "50")),
    embedded: !has("skip-embedded"),
    baselines: !has("skip-baselines"),
    lowFlush: has("low-flush"),
    profile: has("profile"),
    resultsDirectory: flag("results-dir", "BENCH_RESULTS_DIR", join(import.meta.dir, "results")),
  };
  for (const [name, value] of Object.entries(settings))
    if ((typeof value === "number" && !(value >= 0)) || (Array.isArray(value) && value.some((n) => !(n > 0))))
      throw new Error(`--${name}: not a number (${value})`);
  return settings;
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
  const start = step.startLatencyMs
    ? `, message_start p50 ${step.startLatencyMs.p50} p99 ${step.startLatencyMs.p99} ms`
    : "";
  log(
    `${name} N=${step.streams}: chunk p50 ${step.chunkLatencyMs.p50} p99 ${step.chunkLatencyMs.p99} ms, ` +
      `TTFT p50 ${step.ttftMs.p50} p99 ${step.ttftMs.p99} ms${start}, ${step.deliveredChunksPerSecond} chunks/s, ` +
      `${step.serverCpuPerChunkUs} µs CPU/chunk, errors ${step.errors}, machine busy ${Math.round(
        (step.cpu.machineBusyMs / step.cpu.elapsedMs) * 100,
      )}% of 1 core`,
  );
}

/**
 * Runs the ladder: each N until the p99 passes the limit or a step has errors; then the reference
 * N and the time-to-first-chunk N if the ladder did not run them.
 */
async function ladder(
  name: string,
  settings: Settings,
  step: (streams: number, label: string) => Promise<StreamStepResult>,
): Promise<
  Pick<SystemRun, "steps" | "largestStreamsWithinLimit" | "reachedLadderTop" | "stoppedBecause" | "extra">
> {
  const steps: StreamStepResult[] = [];
  let largest: number | null = null;
  let stoppedBecause = "every step stayed within the limit";
  for (const streams of settings.steps) {
    const result = await step(streams, `step ${streams}`);
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
  for (const [key, streams] of [
    ["reference", settings.referenceStreams],
    ["ttft", settings.ttftStreams],
  ] as const) {
    if ([...steps, ...Object.values(extra)].some((result) => result.streams === streams)) continue;
    // The goals are stated at these N: measure them even when the ladder stopped before.
    extra[key] = await step(streams, `${key} ${streams}`);
    describeStep(`${name} (${key})`, extra[key]);
  }
  return {
    steps,
    largestStreamsWithinLimit: largest,
    reachedLadderTop: largest !== null && largest === settings.steps.at(-1),
    stoppedBecause,
    extra,
  };
}

function deploymentOptions(settings: Settings): DeploymentOptions {
  return {
    tokensPerSecond: settings.tokensPerSecond,
    ...(settings.flushMs === null ? {} : { flushMs: settings.flushMs }),
    ...(settings.orchestratorConcurrency === null
      ? {}
      : { orchestratorConcurrency: settings.orchestratorConcurrency }),
  };
}

/**
 * The reference N again with every process of the deployment restarted under Bun's CPU profiler;
 * the processes are restarted once more without it, which writes the profiles, then read.
 */
async function profiledStep(
  deployment: ChatSystemDeployment,
  chats: BenchChat[],
  settings: Settings,
  clock: WallClock,
  directory: string,
): Promise<ProfiledStep> {
  const name = deployment.kind;
  log(`${name}: restarting under the CPU profiler (${shown(directory)})`);
  await deployment.restart((process) => ({ BUN_OPTIONS: cpuProfileBunOptions(join(directory, process)) }));
  const names = deployment.processes().map((process) => process.name);
  const workload = new ChatSystemWorkload(deployment.target(), clock);
  await workload.streamingStep(chats.slice(0, 20), 2_000, "profile warm-up");
  const streams = settings.referenceStreams;
  const redis = deployment.kind === "distributed" ? new RedisCommandMeter() : null;
  await redis?.start();
  const step = await workload.streamingStep(
    chats.slice(0, streams),
    settings.stepSeconds * 1000,
    `profile ${streams}`,
  );
  const redisCommands = (await redis?.stop(step.chunks))?.slice(0, 10);
  describeStep(`${name} (under the CPU profiler)`, step);
  await deployment.restart(() => ({}));
  const processes = Object.fromEntries(
    names.map((process) => [process, readCpuProfile(join(directory, process))]),
  );
  const sections = Object.entries(processes).map(([process, profile]) =>
    profile
      ? cpuProfileMarkdown(process, step.cpu.byProcess[process], profile)
      : `### ${process}\n\nno profile written`,
  );
  const infrastructure = Object.entries(step.cpu.infrastructureMs)
    .map(([process, ms]) => `${process} ${Math.round(ms)} ms`)
    .join(", ");
  writeFileSync(
    join(directory, "summary.md"),
    [
      `# CPU profiles, ${name}, N = ${streams} for ${settings.stepSeconds} s`,
      "",
      `Each process was sampled from its start (after a restart) to its exit: a 2 s warm-up of 20 streams, then the step. CPU in the step: ${Object.entries(
        step.cpu.byProcess,
      )
        .map(([process, ms]) => `${process} ${Math.round(ms)} ms`)
        .join(
          ", ",
        )}${infrastructure ? `; not profiled: ${infrastructure}` : ""}; load client ${step.cpu.clientMs} ms; ${step.chunks} chunks delivered.`,
      "",
      ...sections.flatMap((section) => [section, ""]),
      ...(redisCommands ? [redisCommandsMarkdown(redisCommands), ""] : []),
    ].join("\n"),
  );
  return { directory: shown(directory), step, processes, ...(redisCommands ? { redisCommands } : {}) };
}

/** Ours, in either mode: chats, idle connections, the ladder, and the optional profiled and low-flush steps. */
async function runChatSystem(
  deployment: ChatSystemDeployment,
  settings: Settings,
  clock: WallClock,
  profileDirectory: string,
): Promise<Omit<SystemRun, "description">> {
  const name = deployment.kind;
  let workload = new ChatSystemWorkload(deployment.target(), clock);
  const maxStreams = Math.max(...settings.steps, settings.referenceStreams, settings.ttftStreams);
  const chatCount = Math.max(settings.idleConnections, maxStreams, 200);
  log(`${name}: creating ${chatCount} chats`);
  const chats = await workload.prepareChats(chatCount, 20);
  let idle: IdleConnectionsResult | undefined;
  if (settings.idleConnections > 0) {
    log(`${name}: ${settings.idleConnections} idle SSE connections`);
    idle = await workload.idleConnections(chats.slice(0, settings.idleConnections));
    log(`${name}: ${idle.perConnectionKib} KiB per idle connection (${idle.opened} open)`);
    await Bun.sleep(2_000);
  }
  await workload.streamingStep(chats.slice(0, 20), 3_000, "warm-up");
  const run = await ladder(name, settings, (streams, label) =>
    workload.streamingStep(chats.slice(0, streams), settings.stepSeconds * 1000, label),
  );
  const extra: Record<string, StreamStepResult> = { ...run.extra };
  const profile = settings.profile
    ? await profiledStep(deployment, chats, settings, clock, join(profileDirectory, name))
    : undefined;
  if (settings.lowFlush && deployment instanceof DistributedDeployment) {
    await deployment.restart(() => ({ CHUNK_FLUSH_MS: "1" }), ["orchestrator"]);
    workload = new ChatSystemWorkload(deployment.target(), clock);
    await workload.streamingStep(chats.slice(0, 20), 2_000, "warm-up");
    const streams = settings.referenceStreams;
    extra.chunkFlushMs1 = await workload.streamingStep(
      chats.slice(0, streams),
      settings.stepSeconds * 1000,
      `flush-1 ${streams}`,
    );
    describeStep(`${name} CHUNK_FLUSH_MS=1`, extra.chunkFlushMs1);
    // TTFT of our own hops without queueing: the lightest step again, with CHUNK_FLUSH_MS=1.
    const light = Math.min(...settings.steps);
    extra.chunkFlushMs1Light = await workload.streamingStep(
      chats.slice(0, light),
      settings.stepSeconds * 1000,
      `flush-1 ${light}`,
    );
    describeStep(`${name} CHUNK_FLUSH_MS=1`, extra.chunkFlushMs1Light);
  }
  return { idle, ...run, extra, ...(profile ? { profile } : {}) };
}

async function runDistributed(
  settings: Settings,
  clock: WallClock,
  profileDirectory: string,
): Promise<SystemRun> {
  const deployment = await DistributedDeployment.start(deploymentOptions(settings));
  log(`distributed: five services started under namespace ${deployment.namespace}`);
  try {
    return {
      description:
        "five services as separate Bun processes (gateway, session, store, orchestrator, notifier) over the local RabbitMQ and Redis, SQLite store",
      ...(await runChatSystem(deployment, settings, clock, profileDirectory)),
    };
  } finally {
    await deployment.stop();
    log("distributed: stopped, queues and keys removed");
  }
}

async function runEmbedded(
  settings: Settings,
  clock: WallClock,
  profileDirectory: string,
): Promise<SystemRun> {
  const deployment = await EmbeddedDeployment.start(deploymentOptions(settings));
  try {
    return {
      description:
        "all five services in one Bun process (services/all-in-one), in-process bus, in-memory actor state, SQLite store",
      ...(await runChatSystem(deployment, settings, clock, profileDirectory)),
    };
  } finally {
    await deployment.stop();
  }
}

async function runBunRelay(settings: Settings, clock: WallClock): Promise<SystemRun> {
  const relay = await MeasuredProcess.start({
    name: "bun-relay",
    command: [bun, "bench/bun-relay-baseline.ts"],
    port: freePort(),
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
    const run = await ladder("bun relay", settings, (streams, label) =>
      workload.streamingStep(streams, settings.stepSeconds * 1000, label),
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
    port: freePort(),
    environment: { DEMO_TOKENS_PER_SECOND: String(settings.tokensPerSecond) },
    readyPath: "/healthz",
  });
  let relay: MeasuredProcess | undefined;
  try {
    relay = await MeasuredProcess.start({
      name: "ai-sdk-relay",
      command: ["node", "bench/ai-sdk-relay-baseline.mjs"],
      port: freePort(),
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
    const run = await ladder("ai sdk relay", settings, (streams, label) =>
      workload.streamingStep(streams, settings.stepSeconds * 1000, label),
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

async function main(): Promise<void> {
  const settings = readSettings(process.argv.slice(2));
  const clock = new WallClock();
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
  const profileDirectory = join(settings.resultsDirectory, `profile-${stamp}`);
  const command = `npm run bench:stream -- ${process.argv.slice(2).join(" ")}`.trim();
  log(`settings ${JSON.stringify(settings)}; product defaults ${JSON.stringify(productDefaults)}`);
  const concurrency = settings.orchestratorConcurrency ?? productDefaults.ORCHESTRATOR_CONCURRENCY;
  if (concurrency < Math.max(...settings.steps, settings.referenceStreams))
    log(
      `ORCHESTRATOR_CONCURRENCY ${concurrency} < the largest N: answers beyond ${concurrency} at once wait in the queue (see message_start)`,
    );
  const systems: Systems = {};
  systems.distributed = await runDistributed(settings, clock, profileDirectory);
  if (settings.embedded) systems.embedded = await runEmbedded(settings, clock, profileDirectory);
  if (settings.baselines) {
    systems.bunRelay = await runBunRelay(settings, clock);
    systems.aiSdkRelay = await runAiSdkRelay(settings, clock);
  }
  const summary = summarize(settings, systems);
  const result = {
    benchmark: "stream",
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command,
    machine: machine(),
    settings,
    productDefaults,
    definitions: {
      chunkLatency:
        "client receive time − the chunk's emit stamp. Ours: the millisecond in the chunk's replay-log id (Redis time of the append, taken as the orchestrator publishes the chunk, after coalescing). Bun relay: Date.now() as the relay writes the token. AI SDK relay: Date.now() as the upstream writes the token. Emit stamps are whole milliseconds (truncated) in all three, so every figure reads ~0.5 ms high on average; receive times are sub-millisecond, calibrated to Date.now().",
      ttft: "client request sent → first chunk received, at N = ttftStreams (ours: POST /api/chats/:id/messages on an already open SSE stream; baselines: the POST that returns the stream, timed from its write on an open socket). The demo model's first token is due at 0, so this is all overhead; ours includes any coalescing wait of the first chunk.",
      cpu: "utime+stime from /proc/<pid>/stat (10 ms ticks) of the server processes over the step, divided by chunks delivered. RabbitMQ and Redis are read separately (serverAndInfrastructureCpuPerChunkUs adds them) and may include other users of them; the AI SDK upstream (the 'model') is listed under infrastructure. The CPU goal compares ours with RabbitMQ and Redis to the embedded process.",
      idleMemory:
        "RSS growth (VmRSS) of the process holding the connections (our gateway; the embedded process; each baseline's server) from before to 3 s after opening N idle SSE streams (ours: authenticated, one per chat), divided by N; KB = 1000 bytes.",
      largestStreamsWithinLimit:
        "the largest ladder step with chunk p99 < p99LimitMs and no errors; reachedLadderTop = every step stayed within, so the figure is a lower bound.",
      brokerMessagesPerToken:
        "counted from what clients receive: each delivered chat event (message_created, message_start, message_chunk, message_complete) is one publish to the clients' side, a Redis PUBLISH inside the replay-log append since ADR 0012; the per-turn RabbitMQ messages (commands, generation requests, store requests) are not counted.",
      machineShared:
        "load client and servers share the machine's cores; cpu.machineBusyMs shows everything that ran.",
    },
    systems,
    ...summary,
  };
  mkdirSync(settings.resultsDirectory, { recursive: true });
  const json = `${JSON.stringify(result, null, 2)}\n`;
  writeFileSync(join(settings.resultsDirectory, `stream-${stamp}.json`), json);
  writeFileSync(join(settings.resultsDirectory, "latest.json"), json);
  console.log(markdown(summary, systems, settings, command));
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
