import { CpuMeter, type MeteredProcess } from "./cpu-meter.ts";
import { summarizeLatencies } from "./latency-summary.ts";
import { residentKibOf } from "./measured-process.ts";
import { RawSseStream, type ReceivedFrame } from "./sse-load-client.ts";
import {
  finishStep,
  forEachLimited,
  type IdleConnectionsResult,
  type StreamStepResult,
} from "./stream-step-result.ts";
import type { WallClock } from "./wall-clock.ts";

/**
 * A baseline relay under test. `bun-relay`: SSE frames `message_chunk` whose `id:` starts with the
 * emit millisecond. `ai-sdk`: the AI SDK UI message stream (`data: {"type":"text-delta",…}`),
 * whose deltas are timed against the upstream's recorded write times (`emitsUrl`).
 */
export type RelayTarget = {
  kind: "bun-relay" | "ai-sdk";
  host: string;
  port: number;
  relayPid: number;
  servers: MeteredProcess[];
  infrastructure: MeteredProcess[];
  emitsUrl?: string;
};

/**
 * Drives a baseline: each of N streams POSTs `/api/chat {prompt}`, reads the streamed answer to
 * its end, and asks again until the step's time is over.
 */
export class RelayWorkload {
  constructor(
    private readonly target: RelayTarget,
    private readonly clock: WallClock,
  ) {}

  /** Opens `count` idle SSE streams (`GET /idle`) and reports the relay's RSS growth per connection. */
  async idleConnections(count: number, settleMs = 3_000): Promise<IdleConnectionsResult> {
    const open = () => RawSseStream.open(this.target, { method: "GET", path: "/idle" }, this.clock, () => {});
    const warm = await Promise.all(Array.from({ length: 200 }, open));
    for (const stream of warm) stream.close();
    await Bun.sleep(settleMs);
    const before = residentKibOf(this.target.relayPid);
    const started = performance.now();
    const streams: RawSseStream[] = [];
    await forEachLimited(Array.from({ length: count }), 128, async () => {
      streams.push(await open());
    });
    const openMs = Math.round(performance.now() - started);
    await Bun.sleep(settleMs);
    const after = residentKibOf(this.target.relayPid);
    const stillOpen = streams.filter((stream) => !stream.ended).length;
    for (const stream of streams) stream.close();
    return {
      connections: count,
      opened: stillOpen,
      openMs,
      serverRssBeforeKib: before,
      serverRssAfterKib: after,
      perConnectionKib: Math.round(((after - before) / stillOpen) * 100) / 100,
      otherRssGrowthKib: {},
    };
  }

  /** N = `streams` concurrent answers, back to back, for `durationMs` (starts spread over 1 s). */
  async streamingStep(streams: number, durationMs: number, label: string): Promise<StreamStepResult> {
    const chunkLatencies: number[] = [];
    const ttfts: number[] = [];
    const counts = { messages: 0, tokens: 0, chunks: 0, events: 0, errors: 0, busyRetries: 0 };
    /** ai-sdk: the receive times of each prompt's deltas, matched to upstream emits afterwards. */
    const deltaTimes = new Map<string, number[]>();

    const meter = new CpuMeter(this.target.servers, this.target.infrastructure);
    meter.start();
    const started = performance.now();
    const deadline = started + durationMs;
    await Promise.all(
      Array.from({ length: streams }, async (_, index) => {
        await Bun.sleep(Math.random() * Math.min(1_000, durationMs / 4));
        for (let message = 0; performance.now() < deadline; message++) {
          const prompt = `${label}: stream ${index}, message ${message}`;
          const received: number[] = [];
          let completed = false;
          let sentAt = 0;
          const onFrame = (frame: ReceivedFrame) => {
            counts.events++;
            if (this.target.kind === "bun-relay") {
              if (frame.event === "message_chunk") {
                received.push(frame.receivedAt);
                const emit = Number(frame.id?.slice(0, frame.id.indexOf("-")));
                chunkLatencies.push(frame.receivedAt - emit);
              } else if (frame.event === "message_complete") {
                completed = true;
                counts.tokens += (
                  JSON.parse(frame.data) as { usage: { outputTokens: number } }
                ).usage.outputTokens;
              }
            } else if (frame.data.startsWith('{"type":"text-delta"')) {
              received.push(frame.receivedAt);
            } else if (frame.data === "[DONE]") {
              completed = true;
            }
          };
          try {
            const stream = await RawSseStream.open(
              this.target,
              { method: "POST", path: "/api/chat", body: JSON.stringify({ prompt }) },
              this.clock,
              onFrame,
            );
            sentAt = stream.sentAt;
            await stream.finished();
          } catch {
            // Counted below as an error.
          }
          if (!completed || received.length === 0) {
            counts.errors++;
            return;
          }
          counts.messages++;
          counts.chunks += received.length;
          ttfts.push((received[0] as number) - sentAt);
          if (this.target.kind === "ai-sdk") {
            counts.tokens += received.length;
            deltaTimes.set(prompt, received);
          }
        }
      }),
    );
    const elapsedMs = performance.now() - started;
    const cpu = meter.stop();

    if (this.target.kind === "ai-sdk" && this.target.emitsUrl) {
      const emits = (await (await fetch(this.target.emitsUrl)).json()) as Record<string, number[]>;
      for (const [prompt, times] of deltaTimes) {
        const written = emits[prompt];
        if (!written || written.length !== times.length) {
          counts.errors++;
          continue;
        }
        times.forEach((time, index) => {
          chunkLatencies.push(time - (written[index] as number));
        });
      }
    }
    return finishStep({
      streams,
      durationMs: Math.round(elapsedMs),
      ...counts,
      chunkLatencyMs: summarizeLatencies(chunkLatencies),
      ttftMs: summarizeLatencies(ttfts),
      cpu,
    });
  }
}
