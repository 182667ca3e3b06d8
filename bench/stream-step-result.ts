import type { CpuReading } from "./cpu-meter.ts";
import type { LatencySummary } from "./latency-summary.ts";

/** What one load step (N concurrent streams for a while) measured on one system. */
export type StreamStepResult = {
  streams: number;
  durationMs: number;
  messages: number;
  tokens: number;
  chunks: number;
  /** Every SSE event the clients received (chunks plus start/complete/created). */
  events: number;
  errors: number;
  /** POSTs answered 409 CHAT_BUSY (the previous turn not yet freed) and retried. */
  busyRetries: number;
  /** Client receive − emit stamp of each chunk, in ms. */
  chunkLatencyMs: LatencySummary;
  /** Client request sent → first chunk received, in ms (the demo model's own first token is due at 0). */
  ttftMs: LatencySummary;
  /** Our system only: POST sent → `message_start` received, in ms. */
  startLatencyMs?: LatencySummary;
  deliveredChunksPerSecond: number;
  tokensPerSecond: number;
  cpu: CpuReading;
  /** Server CPU (all processes under test, broker and Redis not included) per delivered chunk, in µs. */
  serverCpuPerChunkUs: number;
  /** The same, with RabbitMQ and Redis included. */
  serverAndInfrastructureCpuPerChunkUs: number;
};

/** Idle SSE connections held open on a server and what they cost its memory. */
export type IdleConnectionsResult = {
  connections: number;
  opened: number;
  openMs: number;
  /** The process that holds the connections. */
  serverRssBeforeKib: number;
  serverRssAfterKib: number;
  perConnectionKib: number;
  /** Other processes' RSS growth over the same interval (our other services, RabbitMQ, Redis), KiB. */
  otherRssGrowthKib: Record<string, number>;
};

/** Derives the rates from the raw counts of a step. */
export function finishStep(
  raw: Omit<
    StreamStepResult,
    | "deliveredChunksPerSecond"
    | "tokensPerSecond"
    | "serverCpuPerChunkUs"
    | "serverAndInfrastructureCpuPerChunkUs"
  >,
): StreamStepResult {
  const seconds = raw.durationMs / 1000;
  const infrastructureMs = Object.values(raw.cpu.infrastructureMs).reduce((sum, value) => sum + value, 0);
  const perChunk = (ms: number) => (raw.chunks > 0 ? Math.round((ms * 1000 * 100) / raw.chunks) / 100 : 0);
  return {
    ...raw,
    deliveredChunksPerSecond: Math.round(raw.chunks / seconds),
    tokensPerSecond: Math.round(raw.tokens / seconds),
    serverCpuPerChunkUs: perChunk(raw.cpu.serversMs),
    serverAndInfrastructureCpuPerChunkUs: perChunk(raw.cpu.serversMs + infrastructureMs),
  };
}

/** Runs `work` over `items` with at most `limit` at a time. */
export async function forEachLimited<T>(
  items: T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
}
