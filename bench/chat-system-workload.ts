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

/** A chat of a registered bench user. */
export type BenchChat = { id: string; token: string };

/** Where the chat system under test listens and which processes make it up. */
export type ChatSystemTarget = {
  host: string;
  port: number;
  gatewayPid: number;
  servers: MeteredProcess[];
  infrastructure: MeteredProcess[];
};

const password = "bench password 0123456789";

/** The millisecond of a replay-log id `<epoch>:<ms>-<seq>`: when the chunk was appended (emitted). */
export function emitMillisecondOf(eventId: string | undefined): number {
  if (!eventId) return Number.NaN;
  const time = eventId.slice(eventId.lastIndexOf(":") + 1);
  return Number(time.slice(0, time.indexOf("-")));
}

/**
 * Drives the chat system through its public API as its users would: register, create chats, hold
 * authenticated SSE streams on them, and send messages that the demo model answers.
 */
export class ChatSystemWorkload {
  constructor(
    private readonly target: ChatSystemTarget,
    private readonly clock: WallClock,
  ) {}

  private get baseUrl(): string {
    return `http://${this.target.host}:${this.target.port}`;
  }

  /** Registers `users` users and creates `count` chats spread over them. */
  async prepareChats(count: number, users: number): Promise<BenchChat[]> {
    const tokens: string[] = [];
    for (let user = 0; user < users; user++) {
      const response = await fetch(`${this.baseUrl}/api/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: `bench-${crypto.randomUUID()}@example.test`, password, name: "Bench" }),
      });
      if (response.status !== 201) throw new Error(`register answered ${response.status}`);
      tokens.push(((await response.json()) as { accessToken: string }).accessToken);
    }
    const chats: BenchChat[] = new Array(count);
    await forEachLimited(Array.from({ length: count }), 32, async (_, index) => {
      const token = tokens[index % users] as string;
      for (let attempt = 0; ; attempt++) {
        const response = await fetch(`${this.baseUrl}/api/chats`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: "{}",
        });
        if (response.status === 201) {
          chats[index] = { id: ((await response.json()) as { id: string }).id, token };
          return;
        }
        if (attempt >= 3) throw new Error(`create chat answered ${response.status}`);
        await Bun.sleep(100);
      }
    });
    return chats;
  }

  /** Opens the chat's authenticated SSE stream (`GET /api/chats/:id/events`). */
  openStream(chat: BenchChat, onFrame: (frame: ReceivedFrame) => void): Promise<RawSseStream> {
    return RawSseStream.open(
      { host: this.target.host, port: this.target.port },
      {
        method: "GET",
        path: `/api/chats/${chat.id}/events`,
        headers: { authorization: `Bearer ${chat.token}` },
      },
      this.clock,
      onFrame,
    );
  }

  /** Sends a message to the chat (`POST /api/chats/:id/messages`) and returns the HTTP status (202: accepted). */
  async sendMessage(chat: BenchChat, content: string): Promise<number> {
    const response = await fetch(`${this.baseUrl}/api/chats/${chat.id}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${chat.token}` },
      body: JSON.stringify({ content }),
    });
    await response.arrayBuffer();
    return response.status;
  }

  /**
   * Opens one idle authenticated SSE stream on each chat and reports the gateway's RSS growth per
   * connection (after `settleMs`), then closes them all. `probe` runs just before the first RSS
   * reading and just after the second (a heap breakdown of the gateway, say).
   */
  async idleConnections(
    chats: BenchChat[],
    settleMs = 3_000,
    probe?: { beforeOpening(): Promise<void>; whileOpen(): Promise<void> },
  ): Promise<IdleConnectionsResult> {
    // Warm up the code paths first, so their one-time cost is not charged to the connections.
    const warm = await Promise.all(chats.slice(0, 200).map((chat) => this.openStream(chat, () => {})));
    for (const stream of warm) stream.close();
    await Bun.sleep(settleMs);
    const others = [...this.target.servers, ...this.target.infrastructure].filter(
      (server) => server.pid !== this.target.gatewayPid,
    );
    await probe?.beforeOpening();
    const before = residentKibOf(this.target.gatewayPid);
    const othersBefore = others.map((other) => residentKibOf(other.pid));
    const started = performance.now();
    const streams: RawSseStream[] = [];
    await forEachLimited(chats, 128, async (chat) => {
      streams.push(await this.openStream(chat, () => {}));
    });
    const openMs = Math.round(performance.now() - started);
    await Bun.sleep(settleMs);
    const after = residentKibOf(this.target.gatewayPid);
    const otherRssGrowthKib: Record<string, number> = {};
    others.forEach((other, index) => {
      otherRssGrowthKib[other.name] =
        (otherRssGrowthKib[other.name] ?? 0) + residentKibOf(other.pid) - (othersBefore[index] as number);
    });
    await probe?.whileOpen();
    const stillOpen = streams.filter((stream) => !stream.ended).length;
    for (const stream of streams) stream.close();
    return {
      connections: chats.length,
      opened: stillOpen,
      openMs,
      serverRssBeforeKib: before,
      serverRssAfterKib: after,
      perConnectionKib: Math.round(((after - before) / stillOpen) * 100) / 100,
      otherRssGrowthKib,
    };
  }

  /**
   * N = `chats.length` streams at once: each chat holds its SSE stream and sends a message, waits
   * for `message_complete`, sends the next, until `durationMs` is over (starts are spread over
   * the first second). Chunk latency = receive time − the millisecond in the chunk's replay-log id.
   */
  async streamingStep(chats: BenchChat[], durationMs: number, label: string): Promise<StreamStepResult> {
    const chunkLatencies: number[] = [];
    const ttfts: number[] = [];
    const startLatencies: number[] = [];
    const counts = { messages: 0, tokens: 0, chunks: 0, events: 0, errors: 0, busyRetries: 0 };
    type Turn = { postAt: number; firstChunk: boolean; started: boolean; done: () => void };
    const turns = new Map<string, Turn | null>();
    const streams = new Map<string, RawSseStream>();

    await forEachLimited(chats, 128, async (chat) => {
      turns.set(chat.id, null);
      const stream = await this.openStream(chat, (frame) => {
        counts.events++;
        const turn = turns.get(chat.id);
        if (frame.event === "message_chunk") {
          counts.chunks++;
          chunkLatencies.push(frame.receivedAt - emitMillisecondOf(frame.id));
          if (turn && !turn.firstChunk) {
            turn.firstChunk = true;
            ttfts.push(frame.receivedAt - turn.postAt);
          }
        } else if (frame.event === "message_start") {
          if (turn && !turn.started) {
            turn.started = true;
            startLatencies.push(frame.receivedAt - turn.postAt);
          }
        } else if (frame.event === "message_complete") {
          const data = JSON.parse(frame.data) as { usage: { outputTokens: number }; finishReason: string };
          counts.messages++;
          counts.tokens += data.usage.outputTokens;
          if (data.finishReason !== "stop") counts.errors++;
          turn?.done();
        } else if (frame.event === "error") {
          counts.errors++;
          turn?.done();
        }
      });
      streams.set(chat.id, stream);
    });

    const meter = new CpuMeter(this.target.servers, this.target.infrastructure);
    meter.start();
    const started = performance.now();
    const deadline = started + durationMs;
    await Promise.all(
      chats.map(async (chat, index) => {
        await Bun.sleep(Math.random() * Math.min(1_000, durationMs / 4));
        for (let message = 0; performance.now() < deadline; message++) {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const finished = new Promise<boolean>((resolve) => {
            const turn: Turn = {
              postAt: 0,
              firstChunk: false,
              started: false,
              done: () => {
                clearTimeout(timer);
                turns.set(chat.id, null);
                resolve(true);
              },
            };
            turns.set(chat.id, turn);
            timer = setTimeout(() => resolve(false), 60_000);
          });
          const turn = turns.get(chat.id) as Turn;
          let accepted = false;
          for (let attempt = 0; attempt < 500 && !accepted; attempt++) {
            turn.postAt = this.clock.now();
            const status = await this.sendMessage(chat, `${label}: stream ${index}, message ${message}`);
            if (status === 202) accepted = true;
            else if (status === 409) {
              counts.busyRetries++;
              await Bun.sleep(5);
            } else break;
          }
          if (!accepted || !(await finished)) {
            counts.errors++;
            clearTimeout(timer);
            turns.set(chat.id, null);
            return;
          }
        }
      }),
    );
    const elapsedMs = performance.now() - started;
    const cpu = meter.stop();
    for (const stream of streams.values()) stream.close();
    return finishStep({
      streams: chats.length,
      durationMs: Math.round(elapsedMs),
      ...counts,
      chunkLatencyMs: summarizeLatencies(chunkLatencies),
      ttftMs: summarizeLatencies(ttfts),
      startLatencyMs: summarizeLatencies(startLatencies),
      cpu,
    });
  }
}
