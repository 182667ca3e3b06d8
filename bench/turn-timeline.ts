import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { ChatApiClient } from "../test/support/chat-api-client.ts";
import { ClusterDeployment } from "../test/support/cluster-deployment.ts";
import { OtlpReceiver, type ReceivedSpan } from "../test/support/otlp-receiver.ts";
import { summarizeLatencies } from "./latency-summary.ts";

/**
 * Where the time of one chat turn goes in the five processes, from their own traces: sends
 * `--turns` messages one after another through a gateway (each with a traceparent of its own),
 * collects every span over OTLP, and prints for each span of a turn when it starts after the
 * gateway took the POST and how long it lasts (p50 and p90 over the turns, the first `--warm-up`
 * left out), beside what the client saw: POST → `message_start` and → the first chunk.
 *
 *   bun bench/turn-timeline.ts --turns 60
 */
const { values: flags } = parseArgs({
  options: {
    turns: { type: "string", default: "60" },
    "warm-up": { type: "string", default: "10" },
  },
});
const turns = Number(flags.turns);
const warmUp = Number(flags["warm-up"]);

const receiver = OtlpReceiver.start();
const cluster = new ClusterDeployment("timeline", 2, {
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
  OTEL_BSP_SCHEDULE_DELAY: "200",
});

/** The span's key in a turn: its service, name and which of that name it is (a turn makes several store calls). */
function keyed(spans: ReceivedSpan[]): Map<string, ReceivedSpan> {
  const byKey = new Map<string, ReceivedSpan>();
  const seen = new Map<string, number>();
  for (const span of [...spans].sort((a, b) => a.startMs - b.startMs)) {
    const name = `${span.service}: ${span.name}`;
    const occurrence = (seen.get(name) ?? 0) + 1;
    seen.set(name, occurrence);
    byKey.set(occurrence === 1 ? name : `${name} #${occurrence}`, span);
  }
  return byKey;
}

try {
  for (const kind of ["store", "session", "orchestrator", "notifier"]) await cluster.start(kind);
  const gateway = await cluster.start("gateway");
  const client = await ChatApiClient.signUp(gateway.baseUrl, "Timeline");
  const traceIds: string[] = [];
  const toStart: number[] = [];
  const toFirstChunk: number[] = [];
  for (let turn = 0; turn < turns; turn++) {
    const chatId = (await client.request("POST", "/api/chats", {})).body.id as string;
    const events = await client.events(`/api/chats/${chatId}/events`);
    const traceId = randomBytes(16).toString("hex");
    const sentAt = performance.now();
    const seenBefore = events.events.length;
    await client.request(
      "POST",
      `/api/chats/${chatId}/messages`,
      { content: `Turn ${turn}` },
      { traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` },
    );
    await events.waitFor((event) => event.event === "message_start");
    const startedAt = performance.now();
    await events.waitFor((event) => event.event === "message_chunk");
    const chunkAt = performance.now();
    await events.waitFor((event) => event.event === "message_complete");
    events.close();
    if (turn < warmUp || events.events.length <= seenBefore) continue;
    traceIds.push(traceId);
    toStart.push(startedAt - sentAt);
    toFirstChunk.push(chunkAt - sentAt);
  }
  await Bun.sleep(1_500);

  const offsets = new Map<string, { start: number[]; duration: number[] }>();
  for (const traceId of traceIds) {
    const spans = keyed(receiver.spans.filter((span) => span.traceId === traceId));
    const post = [...spans.values()].find(
      (span) => span.service === "gateway" && span.name.startsWith("POST"),
    );
    if (!post) continue;
    for (const [key, span] of spans) {
      const entry = offsets.get(key) ?? { start: [], duration: [] };
      entry.start.push(span.startMs - post.startMs);
      entry.duration.push(span.endMs - span.startMs);
      offsets.set(key, entry);
    }
  }
  const rows = [...offsets.entries()]
    .map(([key, entry]) => ({
      key,
      start: summarizeLatencies(entry.start),
      lasts: summarizeLatencies(entry.duration),
    }))
    .filter((row) => row.start.count >= traceIds.length / 2)
    .sort((a, b) => a.start.p50 - b.start.p50);

  const post = summarizeLatencies(toStart);
  const chunk = summarizeLatencies(toFirstChunk);
  console.log(
    `${traceIds.length} turns measured (${warmUp} warm-up left out), one at a time, five processes`,
  );
  console.log(
    `client: POST → message_start p50 ${post.p50} ms, p90 ${post.p90}; → first chunk p50 ${chunk.p50}, p90 ${chunk.p90}`,
  );
  console.log("| span | starts after the POST p50 / p90 ms | lasts p50 / p90 ms |");
  console.log("| --- | --- | --- |");
  for (const row of rows)
    console.log(`| ${row.key} | ${row.start.p50} / ${row.start.p90} | ${row.lasts.p50} / ${row.lasts.p90} |`);
} finally {
  await cluster.remove();
  receiver.stop();
}
