/**
 * `npm run bench:backpressure`: shows what the orchestrator does with more answers than its
 * `ORCHESTRATOR_CONCURRENCY`. Five processes on the local RabbitMQ and Redis (as in
 * `bench:stream`), the orchestrator limited to `--orchestrator-concurrency` (default 8); for each
 * burst size M of `--bursts` (default 8,32,96), M chats each send one message at the same moment
 * and every answer is read to its end. Sampled meanwhile: the `ai.generate` queue's waiting
 * messages, the answers streaming at once as the clients see them and the orchestrator's RSS.
 * Afterwards, from the server's own stamps (the millisecond in each event's replay-log id): the
 * most answers the orchestrator was generating at once (from an answer's `message_start` to its
 * last chunk).
 *
 * Back-pressure holds when: the answers generated at once never exceed the concurrency, the excess
 * waits in the queue (the time to `message_start` grows in steps of about one answer's length),
 * every answer arrives whole (none lost), and the orchestrator's memory does not grow with M.
 * Writes <results>/backpressure-<time>.json and prints a markdown summary.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import amqp from "amqplib";
import { DistributedDeployment } from "./chat-system-deployment.ts";
import { type BenchChat, ChatSystemWorkload, emitMillisecondOf } from "./chat-system-workload.ts";
import { type LatencySummary, summarizeLatencies } from "./latency-summary.ts";
import { residentKibOf } from "./measured-process.ts";
import type { RawSseStream } from "./sse-load-client.ts";
import { forEachLimited } from "./stream-step-result.ts";
import { WallClock } from "./wall-clock.ts";

type Settings = {
  orchestratorConcurrency: number;
  bursts: number[];
  tokensPerSecond: number;
  sampleMs: number;
  resultsDirectory: string;
};

/** One sample taken while a burst is answered. */
type BurstSample = {
  atMs: number;
  /** Messages ready in the `ai.generate` queue (not yet taken by the orchestrator). */
  queued: number;
  /**
   * Answers between `message_start` and `message_complete` as the clients see them: can pass the
   * concurrency for a moment, when one answer's end reaches its client after the next one's start.
   */
  streaming: number;
  orchestratorRssKib: number;
};

type BurstResult = {
  answers: number;
  accepted: number;
  /** Answers that ended (`message_complete` or `error`) within the wait. */
  completed: number;
  /** Answers that ended with finish reason `stop` and whose chunks, as received, add up to the completed text. */
  whole: number;
  /** Accepted but not whole: lost, failed, cut short or missing a chunk. */
  lost: number;
  /** POST sent → `message_start`, ms: the time an answer waited for a generation slot. */
  startLatencyMs: LatencySummary;
  /**
   * The POST → `message_start` times sorted and cut in groups of `concurrency` (the waves the
   * orchestrator takes them in), the median of each: grows by about one answer's length a wave.
   */
  startLatencyByWaveMs: number[];
  /** POST sent → `message_complete`, ms. */
  completionMs: LatencySummary;
  peakQueued: number;
  peakStreaming: number;
  /**
   * The most answers generating at once by the server's stamps: intervals from the replay-log
   * millisecond of `message_start` to that of the last chunk, overlapping. Must not pass the concurrency.
   */
  peakGenerating: number;
  orchestratorRssKib: { before: number; peak: number; after: number };
  samples: BurstSample[];
};

function readSettings(argv: string[]): Settings {
  const flag = (name: string, environment: string, fallback: string): string => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 ? (argv[index + 1] as string) : (process.env[environment] ?? fallback);
  };
  return {
    orchestratorConcurrency: Number(flag("orchestrator-concurrency", "BENCH_ORCHESTRATOR_CONCURRENCY", "8")),
    bursts: flag("bursts", "BENCH_BURSTS", "8,32,96").split(",").map(Number),
    tokensPerSecond: Number(flag("rate", "BENCH_TOKENS_PER_SECOND", "40")),
    sampleMs: Number(flag("sample-ms", "BENCH_SAMPLE_MS", "100")),
    resultsDirectory: flag("results-dir", "BENCH_RESULTS_DIR", join(import.meta.dir, "results")),
  };
}

function log(message: string): void {
  console.error(`[backpressure ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/** M answers asked for at the same moment, each read to its end, with the queue and memory sampled. */
async function burst(
  deployment: DistributedDeployment,
  chats: BenchChat[],
  settings: Settings,
  clock: WallClock,
  queueDepth: () => Promise<number>,
  answerMs: number,
): Promise<BurstResult> {
  const workload = new ChatSystemWorkload(deployment.target(), clock);
  const orchestratorPid = deployment.service("orchestrator").pid;
  type Answer = {
    postAt: number;
    startAt?: number;
    /** Server stamps (replay-log milliseconds) of `message_start` and of the latest chunk. */
    startEmit?: number;
    lastChunkEmit?: number;
    completeAt?: number;
    /** The chunks' text by `seq`, to compare with the completed message. */
    chunks: string[];
    /** Finished with `stop` and the chunks received add up to the stored text. */
    whole?: boolean;
  };
  const answers = new Map<string, Answer>();
  let streaming = 0;
  let finished = 0;
  let allFinished: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    allFinished = resolve;
  });
  const streams: RawSseStream[] = [];
  await forEachLimited(chats, 64, async (chat) => {
    streams.push(
      await workload.openStream(chat, (frame) => {
        const answer = answers.get(chat.id);
        if (!answer) return;
        if (frame.event === "message_start" && answer.startAt === undefined) {
          answer.startAt = frame.receivedAt;
          answer.startEmit = emitMillisecondOf(frame.id);
          streaming++;
        } else if (frame.event === "message_chunk") {
          const chunk = JSON.parse(frame.data) as { content: string; seq: number };
          answer.chunks[chunk.seq] = chunk.content;
          answer.lastChunkEmit = emitMillisecondOf(frame.id);
        } else if (frame.event === "message_restart") {
          answer.chunks = [];
        } else if (frame.event === "message_complete" || frame.event === "error") {
          if (answer.completeAt !== undefined) return;
          answer.completeAt = frame.receivedAt;
          if (frame.event === "message_complete") {
            const data = JSON.parse(frame.data) as { fullContent: string; finishReason: string };
            answer.whole = data.finishReason === "stop" && answer.chunks.join("") === data.fullContent;
          }
          if (answer.startAt !== undefined) streaming--;
          if (++finished === chats.length) allFinished();
        }
      }),
    );
  });

  const before = residentKibOf(orchestratorPid);
  const samples: BurstSample[] = [];
  const started = performance.now();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      samples.push({
        atMs: Math.round(performance.now() - started),
        queued: await queueDepth(),
        streaming,
        orchestratorRssKib: residentKibOf(orchestratorPid),
      });
      await Bun.sleep(settings.sampleMs);
    }
  })();

  let accepted = 0;
  await Promise.all(
    chats.map(async (chat, index) => {
      const answer: Answer = { postAt: clock.now(), chunks: [] };
      answers.set(chat.id, answer);
      const status = await workload.sendMessage(chat, `backpressure: answer ${index} of ${chats.length}`);
      if (status === 202) accepted++;
      else {
        answers.delete(chat.id);
        if (++finished === chats.length) allFinished();
      }
    }),
  );
  // Every answer gets its turn after the ones before it: waves of `concurrency`, each one answer long.
  const waitMs = Math.ceil(chats.length / settings.orchestratorConcurrency) * answerMs * 3 + 30_000;
  await Promise.race([done, Bun.sleep(waitMs)]);
  sampling = false;
  await sampler;
  for (const stream of streams) stream.close();
  await Bun.sleep(1_000);
  const after = residentKibOf(orchestratorPid);

  const all = [...answers.values()];
  const whole = all.filter((answer) => answer.whole);
  const starts = all
    .filter((answer) => answer.startAt !== undefined)
    .map((answer) => (answer.startAt as number) - answer.postAt)
    .sort((a, b) => a - b);
  const waves: number[] = [];
  for (let first = 0; first < starts.length; first += settings.orchestratorConcurrency) {
    const wave = starts.slice(first, first + settings.orchestratorConcurrency);
    waves.push(Math.round(wave[Math.floor(wave.length / 2)] as number));
  }
  return {
    answers: chats.length,
    accepted,
    completed: all.filter((answer) => answer.completeAt !== undefined).length,
    whole: whole.length,
    lost: accepted - whole.length,
    startLatencyMs: summarizeLatencies(
      all
        .filter((answer) => answer.startAt !== undefined)
        .map((answer) => (answer.startAt as number) - answer.postAt),
    ),
    startLatencyByWaveMs: waves,
    completionMs: summarizeLatencies(whole.map((answer) => (answer.completeAt as number) - answer.postAt)),
    peakQueued: Math.max(0, ...samples.map((sample) => sample.queued)),
    peakStreaming: Math.max(0, ...samples.map((sample) => sample.streaming)),
    peakGenerating: mostAtOnce(
      all.map((answer) => ({ from: answer.startEmit ?? Number.NaN, to: answer.lastChunkEmit ?? Number.NaN })),
    ),
    orchestratorRssKib: {
      before,
      peak: Math.max(before, ...samples.map((sample) => sample.orchestratorRssKib)),
      after,
    },
    samples,
  };
}

/**
 * The most intervals open at once. An interval that ends in the millisecond another starts does
 * not overlap it (stamps are whole milliseconds, and a slot is freed before the next answer starts).
 */
function mostAtOnce(intervals: Array<{ from: number; to: number }>): number {
  const edges = intervals
    .filter((interval) => Number.isFinite(interval.from) && Number.isFinite(interval.to))
    .flatMap((interval) => [
      { at: interval.from, change: 1 },
      { at: interval.to, change: -1 },
    ])
    .sort((a, b) => a.at - b.at || a.change - b.change);
  let open = 0;
  let most = 0;
  for (const edge of edges) {
    open += edge.change;
    most = Math.max(most, open);
  }
  return most;
}

function markdown(settings: Settings, results: BurstResult[], command: string): string {
  const mib = (kib: number) => Math.round((kib / 1024) * 10) / 10;
  return [
    `### Back-pressure, ORCHESTRATOR_CONCURRENCY=${settings.orchestratorConcurrency}, demo model ${settings.tokensPerSecond} tokens/s`,
    "",
    `| answers at once | accepted | whole | lost or cut | peak queued | peak generating at once (server stamps) | peak streaming at once (clients) | POST → message_start p50 / p99 / max ms | message_start by wave of ${settings.orchestratorConcurrency}, median ms | POST → complete max ms | orchestrator RSS before / peak / after MiB |`,
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...results.map(
      (result) =>
        `| ${result.answers} | ${result.accepted} | ${result.whole} | ${result.lost} | ${result.peakQueued} | ${result.peakGenerating} | ${result.peakStreaming} | ${result.startLatencyMs.p50} / ${result.startLatencyMs.p99} / ${result.startLatencyMs.max} | ${result.startLatencyByWaveMs.join(", ")} | ${result.completionMs.max} | ${mib(result.orchestratorRssKib.before)} / ${mib(result.orchestratorRssKib.peak)} / ${mib(result.orchestratorRssKib.after)} |`,
    ),
    "",
    `Reproduce: \`${command}\``,
  ].join("\n");
}

async function main(): Promise<void> {
  const settings = readSettings(process.argv.slice(2));
  const clock = new WallClock();
  const startedAt = new Date();
  const command = `npm run bench:backpressure -- ${process.argv.slice(2).join(" ")}`.trim();
  log(`settings ${JSON.stringify(settings)}`);
  const deployment = await DistributedDeployment.start({
    tokensPerSecond: settings.tokensPerSecond,
    orchestratorConcurrency: settings.orchestratorConcurrency,
  });
  const rabbit = await amqp.connect(process.env.BENCH_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672");
  const channel = await rabbit.createChannel();
  const queue = `${deployment.namespace}.ai.generate`;
  const queueDepth = async () => (await channel.checkQueue(queue)).messageCount;
  const results: BurstResult[] = [];
  try {
    const workload = new ChatSystemWorkload(deployment.target(), clock);
    const chats = await workload.prepareChats(Math.max(...settings.bursts), 20);
    const warmUp = await workload.streamingStep(chats.slice(0, Math.min(8, chats.length)), 2_000, "warm-up");
    const answerMs =
      ((warmUp.tokens / Math.max(warmUp.messages, 1)) * 1000) / Math.max(settings.tokensPerSecond, 1);
    for (const size of settings.bursts) {
      // Fresh chats each burst would be fairer to memory, but one answer per chat per burst keeps
      // every chat free (no 409) before it is asked again.
      const result = await burst(deployment, chats.slice(0, size), settings, clock, queueDepth, answerMs);
      log(
        `M=${size}: ${result.whole}/${result.accepted} whole, peak queued ${result.peakQueued}, peak generating ${result.peakGenerating} (clients saw ${result.peakStreaming}), message_start p50 ${result.startLatencyMs.p50} max ${result.startLatencyMs.max} ms, orchestrator RSS peak ${Math.round(result.orchestratorRssKib.peak / 1024)} MiB`,
      );
      results.push(result);
    }
  } finally {
    await channel.close().catch(() => {});
    await rabbit.close().catch(() => {});
    await deployment.stop();
  }
  const held = results.every(
    (result) =>
      result.accepted === result.answers &&
      result.lost === 0 &&
      result.peakGenerating <= settings.orchestratorConcurrency,
  );
  const output = {
    benchmark: "backpressure",
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command,
    settings,
    verdict: held
      ? "held: no answer lost or cut short, never more answers generating at once than the concurrency; the excess waited in the queue"
      : "not held: see accepted, lost and peakGenerating",
    bursts: results,
  };
  mkdirSync(settings.resultsDirectory, { recursive: true });
  writeFileSync(
    join(settings.resultsDirectory, `backpressure-${startedAt.toISOString().replace(/[:.]/g, "-")}.json`),
    `${JSON.stringify(output, null, 2)}\n`,
  );
  console.log(markdown(settings, results, command));
  console.log(`\nVerdict: ${output.verdict}`);
}

await main();
process.exit(0);
