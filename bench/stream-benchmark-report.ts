import type { CpuProfileSummary } from "./cpu-profile.ts";
import type { RedisCommandCost } from "./redis-command-stats.ts";
import type { IdleConnectionsResult, StreamStepResult } from "./stream-step-result.ts";

/** A step run with every process of ours under a CPU profiler, and what each profile shows. */
export type ProfiledStep = {
  /** Where the profiles were written (`<process>/CPU.*.cpuprofile` and `.md`), and `summary.md`. */
  directory: string;
  step: StreamStepResult;
  processes: Record<string, CpuProfileSummary | null>;
  /** Five processes only: what Redis ran during the step, by command (`INFO commandstats`, the whole server's). */
  redisCommands?: RedisCommandCost[];
};

/** Redis's commands over the profiled step: calls and Redis's own execution time per delivered chunk. */
export function redisCommandsMarkdown(commands: RedisCommandCost[]): string {
  return [
    "### redis — by command (INFO commandstats: the whole server's, other users of it included; execution only, not socket I/O; a command a Lua script runs is counted on its own and again in its script's time)",
    "",
    "| command | calls | per chunk | µs inside Redis | µs per chunk |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...commands.map(
      (cost) =>
        `| ${cost.command} | ${cost.calls} | ${cost.callsPerChunk} | ${cost.usec} | ${cost.usecPerChunk} |`,
    ),
  ].join("\n");
}

/** One system's run: its idle connections, its ladder and the steps measured beside it. */
export type SystemRun = {
  description: string;
  idle?: IdleConnectionsResult;
  steps: StreamStepResult[];
  /** The largest ladder step with chunk p99 under the limit and no errors (null: none). */
  largestStreamsWithinLimit: number | null;
  /** Every step of the ladder stayed within the limit: the largest N is at least the top step. */
  reachedLadderTop: boolean;
  stoppedBecause: string;
  /**
   * Steps outside the ladder: `reference` and `ttft` when the ladder did not run that N,
   * `chunkFlushMs1` / `chunkFlushMs1Light` (ours, `--low-flush`).
   */
  extra?: Record<string, StreamStepResult>;
  profile?: ProfiledStep;
};

/** The systems of one run, by key: `distributed`, `embedded`, `bunRelay`, `aiSdkRelay`. */
export type Systems = Record<string, SystemRun>;

/** What the report needs from the settings. */
export type ReportSettings = { referenceStreams: number; ttftStreams: number; p99LimitMs: number };

const systemLabels: Record<string, string> = {
  distributed: "ours, five processes",
  embedded: "ours, embedded",
  bunRelay: "(a) Bun relay",
  aiSdkRelay: "(b) AI SDK relay",
};

/** The issue's goals: where the five-process mode (and, for memory, the embedded one) must get. */
export const goalTargets = {
  chunkLatencyP99Ms: 10,
  cpuPerChunkRatioToEmbedded: 2,
  largestStreamsWithinLimit: 400,
  ttftP50Ms: 5,
  ttftP99Ms: 15,
  idleConnectionKb: 10,
};

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  return a === null || a === undefined || b === null || b === undefined || b === 0 ? null : round(a / b);
}

/** The step of `run` at `streams`: a ladder step, else the one run for the goals off the ladder. */
export function stepAt(run: SystemRun | undefined, streams: number): StreamStepResult | undefined {
  if (!run) return undefined;
  return [...run.steps, run.extra?.reference, run.extra?.ttft].find((step) => step?.streams === streams);
}

/** Idle memory per connection in KB (1 000 bytes). */
function kilobytes(kib: number | undefined): number | null {
  return kib === undefined ? null : round(kib * 1.024);
}

/** The issue's five measures, for one system. */
export type SystemMeasures = {
  referenceStreams: number | null;
  chunkLatencyMs: { p50: number; p99: number } | null;
  /** Server CPU per delivered chunk at the reference N, µs; `withInfrastructure` adds RabbitMQ and Redis. */
  cpuPerChunkUs: { servers: number; withInfrastructure: number } | null;
  largestStreamsWithinLimit: number | null;
  reachedLadderTop: boolean;
  ttftStreams: number | null;
  ttftMs: { p50: number; p99: number } | null;
  idleConnectionKb: number | null;
  idleConnections: number | null;
};

function measuresOf(run: SystemRun, settings: ReportSettings): SystemMeasures {
  const reference = stepAt(run, settings.referenceStreams);
  const ttft = stepAt(run, settings.ttftStreams);
  return {
    referenceStreams: reference?.streams ?? null,
    chunkLatencyMs: reference
      ? { p50: reference.chunkLatencyMs.p50, p99: reference.chunkLatencyMs.p99 }
      : null,
    cpuPerChunkUs: reference
      ? {
          servers: reference.serverCpuPerChunkUs,
          withInfrastructure: reference.serverAndInfrastructureCpuPerChunkUs,
        }
      : null,
    largestStreamsWithinLimit: run.largestStreamsWithinLimit,
    reachedLadderTop: run.reachedLadderTop,
    ttftStreams: ttft?.streams ?? null,
    ttftMs: ttft ? { p50: ttft.ttftMs.p50, p99: ttft.ttftMs.p99 } : null,
    idleConnectionKb: kilobytes(run.idle?.perConnectionKib),
    idleConnections: run.idle?.opened ?? null,
  };
}

/**
 * The CPU per chunk a system is judged by: ours (five processes) with RabbitMQ and Redis, every
 * other system its own server processes (for the AI SDK relay, without its upstream model server).
 */
function cpuPerChunkOf(name: string, measure: SystemMeasures): number | null {
  if (!measure.cpuPerChunkUs) return null;
  return name === "distributed" ? measure.cpuPerChunkUs.withInfrastructure : measure.cpuPerChunkUs.servers;
}

/** One goal of the issue: the five-process figure (or figures) against the target, and the verdict. */
export type GoalResult = {
  goal: string;
  measured: number | string | null;
  /** The same measure for every system, for comparison. */
  bySystem: Record<string, number | string | null>;
  met: boolean;
};

/** The issue's five goals, judged on this run, plus the ratios of ours to each other system. */
export function summarize(settings: ReportSettings, systems: Systems) {
  const measures = Object.fromEntries(
    Object.entries(systems).map(([name, run]) => [name, measuresOf(run, settings)]),
  ) as Record<string, SystemMeasures>;
  const ours = measures.distributed as SystemMeasures;
  const embedded = measures.embedded;
  const each = (pick: (measure: SystemMeasures) => number | string | null) =>
    Object.fromEntries(Object.entries(measures).map(([name, measure]) => [name, pick(measure)]));
  const largest = (measure: SystemMeasures) =>
    measure.largestStreamsWithinLimit === null
      ? null
      : measure.reachedLadderTop
        ? `≥ ${measure.largestStreamsWithinLimit}`
        : measure.largestStreamsWithinLimit;
  const atReference = ours.referenceStreams === settings.referenceStreams;
  const cpuRatio = ratio(ours.cpuPerChunkUs?.withInfrastructure, embedded?.cpuPerChunkUs?.servers);
  const goals: GoalResult[] = [
    {
      goal: `chunk latency p99 ≤ ${goalTargets.chunkLatencyP99Ms} ms at ${settings.referenceStreams} streams, five processes`,
      measured: ours.chunkLatencyMs?.p99 ?? null,
      bySystem: each((measure) => measure.chunkLatencyMs?.p99 ?? null),
      met:
        atReference &&
        (ours.chunkLatencyMs?.p99 ?? Number.POSITIVE_INFINITY) <= goalTargets.chunkLatencyP99Ms,
    },
    {
      goal: `server CPU per delivered chunk, RabbitMQ + Redis included, ≤ ${goalTargets.cpuPerChunkRatioToEmbedded}× embedded (µs per chunk at ${settings.referenceStreams} streams; measured = the ratio)`,
      measured: cpuRatio,
      bySystem: Object.fromEntries(
        Object.entries(measures).map(([name, measure]) => [name, cpuPerChunkOf(name, measure)]),
      ),
      met: cpuRatio !== null && cpuRatio <= goalTargets.cpuPerChunkRatioToEmbedded,
    },
    {
      goal: `largest N with chunk p99 < ${settings.p99LimitMs} ms ≥ ${goalTargets.largestStreamsWithinLimit}, five processes`,
      measured: largest(ours),
      bySystem: each(largest),
      met: (ours.largestStreamsWithinLimit ?? 0) >= goalTargets.largestStreamsWithinLimit,
    },
    {
      goal: `added time to first chunk at ${settings.ttftStreams} streams p50 ≤ ${goalTargets.ttftP50Ms} ms and p99 ≤ ${goalTargets.ttftP99Ms} ms, five processes`,
      measured: ours.ttftMs ? `${ours.ttftMs.p50} / ${ours.ttftMs.p99}` : null,
      bySystem: each((measure) => (measure.ttftMs ? `${measure.ttftMs.p50} / ${measure.ttftMs.p99}` : null)),
      met:
        ours.ttftStreams === settings.ttftStreams &&
        ours.ttftMs !== null &&
        ours.ttftMs.p50 <= goalTargets.ttftP50Ms &&
        ours.ttftMs.p99 <= goalTargets.ttftP99Ms,
    },
    {
      goal: `memory per idle SSE connection ≤ ${goalTargets.idleConnectionKb} KB, gateway and embedded (measured = gateway / embedded)`,
      measured: `${ours.idleConnectionKb ?? "—"} / ${embedded?.idleConnectionKb ?? "—"}`,
      bySystem: each((measure) => measure.idleConnectionKb),
      met:
        ours.idleConnectionKb !== null &&
        ours.idleConnectionKb <= goalTargets.idleConnectionKb &&
        embedded?.idleConnectionKb !== null &&
        embedded?.idleConnectionKb !== undefined &&
        embedded.idleConnectionKb <= goalTargets.idleConnectionKb,
    },
  ];
  const reference = stepAt(systems.distributed, settings.referenceStreams);
  const ratios = Object.fromEntries(
    Object.entries(measures)
      .filter(([name]) => name !== "distributed")
      .map(([name, other]) => [
        name,
        {
          atStreams: other.referenceStreams,
          chunkLatencyP50: ratio(ours.chunkLatencyMs?.p50, other.chunkLatencyMs?.p50),
          chunkLatencyP99: ratio(ours.chunkLatencyMs?.p99, other.chunkLatencyMs?.p99),
          ttftP50: ratio(ours.ttftMs?.p50, other.ttftMs?.p50),
          ttftP99: ratio(ours.ttftMs?.p99, other.ttftMs?.p99),
          cpuPerChunk: ratio(ours.cpuPerChunkUs?.servers, other.cpuPerChunkUs?.servers),
          cpuPerChunkWithInfrastructure: ratio(
            ours.cpuPerChunkUs?.withInfrastructure,
            cpuPerChunkOf(name, other),
          ),
          idleConnectionMemory: ratio(ours.idleConnectionKb, other.idleConnectionKb),
          largestStreamsWithinLimit: [largest(ours), largest(other)],
        },
      ]),
  );
  return {
    referenceStreams: reference?.streams ?? null,
    ttftStreams: settings.ttftStreams,
    brokerMessagesPerToken: reference
      ? {
          chunkPublishesPerToken: round(reference.chunks / reference.tokens, 3),
          chatEventPublishesPerToken: round(reference.events / reference.tokens, 3),
          tokensPerMessage: round(reference.tokens / reference.messages, 1),
          chunksPerMessage: round(reference.chunks / reference.messages, 1),
        }
      : null,
    measures,
    goals,
    ratios,
  };
}

export type Summary = ReturnType<typeof summarize>;

function cell(value: number | string | null | undefined): string {
  return value === null || value === undefined ? "—" : String(value);
}

/** Every process's share of the reference step: CPU ms, % of one core, µs per delivered chunk. */
function cpuSplitRows(name: string, step: StreamStepResult): string[] {
  const share = (ms: number) =>
    `${Math.round(ms)} | ${Math.round((ms / step.cpu.elapsedMs) * 100)} % | ${
      step.chunks > 0 ? round((ms * 1000) / step.chunks, 1) : "—"
    }`;
  return [
    ...Object.entries(step.cpu.byProcess).map(([process, ms]) => `| ${name} | ${process} | ${share(ms)} |`),
    ...Object.entries(step.cpu.infrastructureMs).map(
      ([process, ms]) => `| ${name} | ${process} (infrastructure) | ${share(ms)} |`,
    ),
    `| ${name} | load client | ${share(step.cpu.clientMs)} |`,
    `| ${name} | whole machine | ${share(step.cpu.machineBusyMs)} |`,
  ];
}

function stepRow(label: string, step: StreamStepResult, infrastructure: boolean): string {
  const start = step.startLatencyMs ? `${step.startLatencyMs.p50} / ${step.startLatencyMs.p99}` : "—";
  const cpu = infrastructure
    ? `${step.serverCpuPerChunkUs} (${step.serverAndInfrastructureCpuPerChunkUs})`
    : String(step.serverCpuPerChunkUs);
  return `| ${label} | ${step.streams} | ${step.chunkLatencyMs.p50} / ${step.chunkLatencyMs.p99} | ${step.ttftMs.p50} / ${step.ttftMs.p99} | ${start} | ${step.deliveredChunksPerSecond} | ${cpu} | ${step.errors} |`;
}

/** The printed summary: the goals, every step, the CPU split at the reference N, the reproduce command. */
export function markdown(
  summary: Summary,
  systems: Systems,
  settings: ReportSettings,
  command: string,
): string {
  const names = Object.keys(systems);
  const measures = summary.measures;
  const lines: string[] = [
    "### The issue's goals (judged on ours, five processes; the other systems for comparison)",
    "",
    `| measure | ${names.map((name) => systemLabels[name] ?? name).join(" | ")} | goal | met |`,
    `| --- | ${names.map(() => "---").join(" | ")} | --- | --- |`,
  ];
  const row = (
    label: string,
    pick: (measure: SystemMeasures, name: string) => string,
    goal: string,
    met: boolean,
  ) =>
    lines.push(
      `| ${label} | ${names.map((name) => pick(measures[name] as SystemMeasures, name)).join(" | ")} | ${goal} | ${met ? "yes" : "no"} |`,
    );
  const [latency, cpu, largest, ttft, memory] = summary.goals as GoalResult[];
  row(
    `chunk latency p50 / p99 ms, N = ${settings.referenceStreams}`,
    (measure) =>
      measure.chunkLatencyMs ? `${measure.chunkLatencyMs.p50} / ${measure.chunkLatencyMs.p99}` : "—",
    `p99 ≤ ${goalTargets.chunkLatencyP99Ms}`,
    latency?.met ?? false,
  );
  row(
    `server CPU µs per chunk, N = ${settings.referenceStreams} (with RabbitMQ + Redis)`,
    (measure, name) =>
      measure.cpuPerChunkUs
        ? name === "distributed"
          ? `${measure.cpuPerChunkUs.servers} (${measure.cpuPerChunkUs.withInfrastructure})`
          : String(measure.cpuPerChunkUs.servers)
        : "—",
    `≤ ${goalTargets.cpuPerChunkRatioToEmbedded}× embedded: ${cell(cpu?.measured)}×`,
    cpu?.met ?? false,
  );
  row(
    `largest N with chunk p99 < ${settings.p99LimitMs} ms`,
    (measure) =>
      measure.largestStreamsWithinLimit === null
        ? "none"
        : `${measure.reachedLadderTop ? "≥ " : ""}${measure.largestStreamsWithinLimit}`,
    `≥ ${goalTargets.largestStreamsWithinLimit}`,
    largest?.met ?? false,
  );
  row(
    `added time to first chunk p50 / p99 ms, N = ${settings.ttftStreams}`,
    (measure) => (measure.ttftMs ? `${measure.ttftMs.p50} / ${measure.ttftMs.p99}` : "—"),
    `≤ ${goalTargets.ttftP50Ms} / ${goalTargets.ttftP99Ms}`,
    ttft?.met ?? false,
  );
  row(
    "memory per idle SSE connection, KB",
    (measure) =>
      measure.idleConnectionKb === null
        ? "—"
        : `${measure.idleConnectionKb} (${measure.idleConnections} open)`,
    `≤ ${goalTargets.idleConnectionKb} (gateway and embedded)`,
    memory?.met ?? false,
  );

  lines.push(
    "",
    "### Steps",
    "",
    "| system | N | chunk latency p50 / p99 ms | TTFT p50 / p99 ms | POST → message_start p50 / p99 ms | chunks/s | server CPU µs/chunk (with RabbitMQ + Redis) | errors |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const [name, run] of Object.entries(systems)) {
    const label = systemLabels[name] ?? name;
    for (const step of run.steps) lines.push(stepRow(label, step, name === "distributed"));
    for (const [key, step] of Object.entries(run.extra ?? {}))
      lines.push(
        stepRow(
          key.startsWith("chunkFlushMs1")
            ? `${label}, CHUNK_FLUSH_MS=1`
            : `${label} (${key}, off the ladder)`,
          step,
          name === "distributed",
        ),
      );
    if (run.profile)
      lines.push(stepRow(`${label}, under the CPU profiler`, run.profile.step, name === "distributed"));
    lines.push(`| ${label}: ladder stopped | ${run.stoppedBecause} | | | | | | |`);
  }

  lines.push(
    "",
    `### CPU split at N = ${settings.referenceStreams}`,
    "",
    "| system | process | CPU ms | of one core | µs per delivered chunk |",
    "| --- | --- | ---: | ---: | ---: |",
  );
  for (const [name, run] of Object.entries(systems)) {
    const step = stepAt(run, settings.referenceStreams);
    if (step) lines.push(...cpuSplitRows(systemLabels[name] ?? name, step));
  }

  const ratioRows = Object.entries(summary.ratios).map(
    ([name, value]) =>
      `| ${systemLabels[name] ?? name} | ${cell(value.chunkLatencyP50)}× / ${cell(value.chunkLatencyP99)}× | ${cell(value.cpuPerChunk)}× (${cell(value.cpuPerChunkWithInfrastructure)}×) | ${cell(value.ttftP50)}× / ${cell(value.ttftP99)}× | ${cell(value.idleConnectionMemory)}× |`,
  );
  if (ratioRows.length > 0)
    lines.push(
      "",
      "### Ratios, ours (five processes) ÷ each other system",
      "",
      `| to | chunk latency p50 / p99 (N = ${settings.referenceStreams}) | CPU per chunk, servers only (ours with RabbitMQ + Redis) | time to first chunk p50 / p99 (N = ${settings.ttftStreams}) | idle memory |`,
      "| --- | --- | --- | --- | --- |",
      ...ratioRows,
    );

  const profiled = Object.entries(systems).filter(([, run]) => run.profile);
  if (profiled.length > 0) {
    lines.push(
      "",
      "### CPU profiles at the reference N: where each process's samples go (by origin, Bun's own frames charged to their caller) and its hottest functions",
    );
    for (const [name, run] of profiled) {
      const profile = run.profile as ProfiledStep;
      lines.push("", `${systemLabels[name] ?? name}: \`${profile.directory}/summary.md\``, "");
      for (const [process, summary] of Object.entries(profile.processes)) {
        if (!summary) {
          lines.push(`- ${process}: no profile written`);
          continue;
        }
        const origins = summary.byOrigin
          .slice(0, 4)
          .map((share) => `${share.origin} ${share.selfPercent} %`)
          .join(", ");
        const hottest = summary.hotFunctions
          .slice(0, 3)
          .map((row) => `\`${row.name}\` ${row.selfPercent} %`)
          .join(", ");
        lines.push(`- ${process} (${summary.samples} samples): ${origins}; hottest ${hottest}`);
      }
      if (profile.redisCommands && profile.redisCommands.length > 0)
        lines.push(
          `- redis, calls and µs inside Redis per delivered chunk: ${profile.redisCommands
            .slice(0, 5)
            .map((cost) => `${cost.command} ${cost.callsPerChunk} / ${cost.usecPerChunk} µs`)
            .join(", ")}`,
        );
    }
  }
  lines.push("", `Reproduce: \`${command}\``);
  return lines.join("\n");
}
