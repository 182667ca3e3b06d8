/**
 * `npm run bench:soak -- --minutes 30`: the five-process deployment of `bench:stream` under a
 * steady churn for a long while, to show that no process's memory grows with use.
 *
 * `--streams` lanes (default 50) each, over and over: take a free chat, open its SSE stream, send
 * a message, read the answer to `message_complete`, close the stream. Beside them an idle churn:
 * `--idle` connections (default 500) opened on chats, held `--idle-hold-seconds` (10), closed,
 * opened again. Every `--sample-seconds` (10) the RSS of the five services, RabbitMQ (`beam.smp`),
 * Redis and the load client is read, with the answers, errors and chunk latency of the interval.
 *
 * After the warm-up (`--warm-up-minutes`, default a fifth of the run, at most 5) each process's
 * RSS trend is fitted (bench/memory-trend.ts states the criterion for flat); the verdict is judged
 * only when at least 10 minutes remain after the warm-up. Writes <results>/soak-<time>.json and
 * prints a markdown summary. RabbitMQ and Redis are shared with anything else using them.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DistributedDeployment, infrastructureProcesses } from "./chat-system-deployment.ts";
import { type BenchChat, ChatSystemWorkload, emitMillisecondOf } from "./chat-system-workload.ts";
import type { MeteredProcess } from "./cpu-meter.ts";
import { summarizeLatencies } from "./latency-summary.ts";
import { residentKibOf } from "./measured-process.ts";
import { flatCriterion, type MemoryTrend, memoryTrend } from "./memory-trend.ts";
import type { RawSseStream } from "./sse-load-client.ts";
import { forEachLimited } from "./stream-step-result.ts";
import { WallClock } from "./wall-clock.ts";

type Settings = {
  minutes: number;
  warmUpMinutes: number;
  streams: number;
  idleConnections: number;
  idleHoldSeconds: number;
  sampleSeconds: number;
  chats: number;
  tokensPerSecond: number;
  orchestratorConcurrency: number | null;
  resultsDirectory: string;
};

/** One reading: every process's RSS and what the load did since the previous reading. */
type SoakSample = {
  atMs: number;
  rssKib: Record<string, number>;
  answers: number;
  errors: number;
  idleOpened: number;
  chunkLatencyP99Ms: number;
};

/** Minutes after the warm-up below which the verdict is not judged. */
const shortestJudgedMinutes = 10;

function readSettings(argv: string[]): Settings {
  const flag = (name: string, environment: string, fallback: string): string => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 ? (argv[index + 1] as string) : (process.env[environment] ?? fallback);
  };
  const minutes = Number(flag("minutes", "BENCH_SOAK_MINUTES", "30"));
  const concurrency = flag("orchestrator-concurrency", "BENCH_ORCHESTRATOR_CONCURRENCY", "");
  return {
    minutes,
    warmUpMinutes: Number(
      flag("warm-up-minutes", "BENCH_SOAK_WARM_UP_MINUTES", String(Math.min(5, minutes / 5))),
    ),
    streams: Number(flag("streams", "BENCH_SOAK_STREAMS", "50")),
    idleConnections: Number(flag("idle", "BENCH_SOAK_IDLE", "500")),
    idleHoldSeconds: Number(flag("idle-hold-seconds", "BENCH_SOAK_IDLE_HOLD_SECONDS", "10")),
    sampleSeconds: Number(flag("sample-seconds", "BENCH_SOAK_SAMPLE_SECONDS", "10")),
    chats: Number(flag("chats", "BENCH_SOAK_CHATS", "1000")),
    tokensPerSecond: Number(flag("rate", "BENCH_TOKENS_PER_SECOND", "40")),
    orchestratorConcurrency: concurrency === "" ? null : Number(concurrency),
    resultsDirectory: flag("results-dir", "BENCH_RESULTS_DIR", join(import.meta.dir, "results")),
  };
}

function log(message: string): void {
  console.error(`[soak ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/** What the lanes and the idle churn count between two readings. */
class SoakCounters {
  answers = 0;
  errors = 0;
  busyRetries = 0;
  idleOpened = 0;
  chunkLatencies: number[] = [];

  /** The counts since the last call, and starts counting again. */
  take(): Pick<SoakSample, "answers" | "errors" | "idleOpened" | "chunkLatencyP99Ms"> {
    const taken = {
      answers: this.answers,
      errors: this.errors,
      idleOpened: this.idleOpened,
      chunkLatencyP99Ms: summarizeLatencies(this.chunkLatencies).p99,
    };
    this.answers = 0;
    this.errors = 0;
    this.idleOpened = 0;
    this.chunkLatencies = [];
    return taken;
  }
}

/** Hands out chats round-robin, never one that a lane is still using. */
class ChatPool {
  private next = 0;
  private readonly busy = new Set<string>();

  constructor(private readonly chats: BenchChat[]) {}

  take(): BenchChat {
    for (;;) {
      const chat = this.chats[this.next++ % this.chats.length] as BenchChat;
      if (this.busy.has(chat.id)) continue;
      this.busy.add(chat.id);
      return chat;
    }
  }

  give(chat: BenchChat): void {
    this.busy.delete(chat.id);
  }
}

/** One answer: open the chat's stream, send, read to `message_complete`, close. */
async function oneAnswer(
  workload: ChatSystemWorkload,
  chat: BenchChat,
  counters: SoakCounters,
  label: string,
): Promise<void> {
  let finish: (ok: boolean) => void = () => {};
  const finished = new Promise<boolean>((resolve) => {
    finish = resolve;
  });
  let asked = false;
  let stream: RawSseStream | undefined;
  const timer = setTimeout(() => finish(false), 60_000);
  try {
    stream = await workload.openStream(chat, (frame) => {
      if (!asked) return;
      if (frame.event === "message_chunk")
        counters.chunkLatencies.push(frame.receivedAt - emitMillisecondOf(frame.id));
      else if (frame.event === "message_complete")
        finish((JSON.parse(frame.data) as { finishReason: string }).finishReason === "stop");
      else if (frame.event === "error") finish(false);
    });
    let status = 0;
    for (let attempt = 0; attempt < 500; attempt++) {
      asked = true;
      status = await workload.sendMessage(chat, label);
      if (status !== 409) break;
      counters.busyRetries++;
      asked = false;
      await Bun.sleep(5);
    }
    if (status !== 202) finish(false);
    if (await finished) counters.answers++;
    else counters.errors++;
  } catch {
    counters.errors++;
  } finally {
    clearTimeout(timer);
    stream?.close();
  }
}

/** Idle streams opened on `count` chats, held, closed, and again, until `until()` is false. */
async function idleChurn(
  workload: ChatSystemWorkload,
  chats: BenchChat[],
  settings: Settings,
  counters: SoakCounters,
  until: () => boolean,
): Promise<void> {
  while (until()) {
    const streams: RawSseStream[] = [];
    await forEachLimited(chats.slice(0, settings.idleConnections), 64, async (chat) => {
      try {
        streams.push(await workload.openStream(chat, () => {}));
        counters.idleOpened++;
      } catch {
        counters.errors++;
      }
    });
    const holdUntil = performance.now() + settings.idleHoldSeconds * 1000;
    while (until() && performance.now() < holdUntil) await Bun.sleep(250);
    for (const stream of streams) stream.close();
    await Bun.sleep(1_000);
  }
}

function markdown(
  settings: Settings,
  trends: Record<string, MemoryTrend | null>,
  totals: { answers: number; errors: number; idleOpened: number; busyRetries: number },
  verdict: string,
  command: string,
): string {
  return [
    `### Soak, ${settings.minutes} min (warm-up ${settings.warmUpMinutes} min): ${settings.streams} answering lanes, ${settings.idleConnections} idle connections churned every ${settings.idleHoldSeconds} s`,
    "",
    `${totals.answers} answers, ${totals.errors} errors, ${totals.idleOpened} idle connections opened, ${totals.busyRetries} busy retries.`,
    "",
    "| process | RSS after warm-up, MiB | at the end | min / max | slope, MiB per 10 min | allowed | flat |",
    "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ...Object.entries(trends).map(([name, trend]) =>
      trend
        ? `| ${name} | ${trend.startMib} | ${trend.endMib} | ${trend.minMib} / ${trend.maxMib} | ${trend.slopeMibPer10Minutes} | ${trend.allowedMibPer10Minutes} | ${trend.flat ? "yes" : "no"} |`
        : `| ${name} | — | — | — | — | — | too few samples |`,
    ),
    "",
    `Verdict: ${verdict}`,
    "",
    `Reproduce: \`${command}\``,
  ].join("\n");
}

async function main(): Promise<void> {
  const settings = readSettings(process.argv.slice(2));
  const clock = new WallClock();
  const startedAt = new Date();
  const command = `npm run bench:soak -- ${process.argv.slice(2).join(" ")}`.trim();
  log(`settings ${JSON.stringify(settings)}`);
  const deployment = await DistributedDeployment.start({
    tokensPerSecond: settings.tokensPerSecond,
    ...(settings.orchestratorConcurrency === null
      ? {}
      : { orchestratorConcurrency: settings.orchestratorConcurrency }),
  });
  const samples: SoakSample[] = [];
  const counters = new SoakCounters();
  const totals = { answers: 0, errors: 0, idleOpened: 0, busyRetries: 0 };
  try {
    const workload = new ChatSystemWorkload(deployment.target(), clock);
    const chatCount = Math.max(settings.chats, settings.streams * 2, settings.idleConnections);
    log(`creating ${chatCount} chats`);
    const chats = await workload.prepareChats(chatCount, 20);
    const processes: MeteredProcess[] = [
      ...deployment.processes(),
      ...infrastructureProcesses(),
      { name: "load client", pid: process.pid },
    ];
    const started = performance.now();
    const deadline = started + settings.minutes * 60_000;
    const running = () => performance.now() < deadline;
    const read = () => {
      const taken = counters.take();
      totals.answers += taken.answers;
      totals.errors += taken.errors;
      totals.idleOpened += taken.idleOpened;
      samples.push({
        atMs: Math.round(performance.now() - started),
        rssKib: Object.fromEntries(processes.map(({ name, pid }) => [name, residentKibOf(pid)])),
        ...taken,
      });
    };
    read();
    const sampler = (async () => {
      while (running()) {
        await Bun.sleep(Math.min(settings.sampleSeconds * 1000, Math.max(0, deadline - performance.now())));
        read();
        const last = samples.at(-1) as SoakSample;
        const minute = Math.floor(last.atMs / 60_000);
        if (minute !== Math.floor(((samples.at(-2)?.atMs ?? -60_000) as number) / 60_000))
          log(
            `${Math.round(last.atMs / 1000)} s: ${totals.answers} answers, ${totals.errors} errors; RSS MiB ${Object.entries(
              last.rssKib,
            )
              .map(([name, kib]) => `${name} ${Math.round(kib / 1024)}`)
              .join(", ")}`,
          );
      }
    })();
    const pool = new ChatPool(chats);
    const lanes = Array.from({ length: settings.streams }, async (_, lane) => {
      await Bun.sleep(Math.random() * 1_000);
      for (let turn = 0; running(); turn++) {
        const chat = pool.take();
        await oneAnswer(workload, chat, counters, `soak: lane ${lane}, turn ${turn}`);
        pool.give(chat);
      }
    });
    const idle =
      settings.idleConnections > 0
        ? idleChurn(workload, chats.slice(-settings.idleConnections), settings, counters, running)
        : Promise.resolve();
    await Promise.all([...lanes, idle, sampler]);
    totals.busyRetries = counters.busyRetries;
  } finally {
    await deployment.stop();
  }

  const warmUpMs = settings.warmUpMinutes * 60_000;
  const afterWarmUp = samples.filter((sample) => sample.atMs >= warmUpMs);
  const names = Object.keys(samples[0]?.rssKib ?? {});
  const trends = Object.fromEntries(
    names.map((name) => [
      name,
      memoryTrend(
        afterWarmUp.map((sample) => ({ atMs: sample.atMs, rssKib: sample.rssKib[name] as number })),
      ),
    ]),
  );
  const judgedMinutes = settings.minutes - settings.warmUpMinutes;
  const growing = Object.entries(trends)
    .filter(([name, trend]) => name !== "load client" && trend !== null && !trend.flat)
    .map(([name]) => name);
  const verdict =
    judgedMinutes < shortestJudgedMinutes
      ? `not judged: ${judgedMinutes} min after the warm-up, fewer than ${shortestJudgedMinutes} (the slopes above are shown for checking only)${growing.length > 0 ? `; growing so far: ${growing.join(", ")}` : ""}`
      : growing.length === 0
        ? "flat: every process's RSS slope after the warm-up is within the allowance"
        : `not flat: ${growing.join(", ")}`;
  const output = {
    benchmark: "soak",
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command,
    settings,
    criterion: {
      ...flatCriterion,
      shortestJudgedMinutes,
      text: "after the warm-up, each process's least-squares RSS slope ≤ max(absoluteMibPer10Minutes, relativePer10Minutes × its median RSS) per 10 minutes; the load client is shown, not judged",
    },
    totals,
    trends,
    verdict,
    samples,
  };
  mkdirSync(settings.resultsDirectory, { recursive: true });
  writeFileSync(
    join(settings.resultsDirectory, `soak-${startedAt.toISOString().replace(/[:.]/g, "-")}.json`),
    `${JSON.stringify(output, null, 2)}\n`,
  );
  console.log(markdown(settings, trends, totals, verdict, command));
}

await main();
process.exit(0);
