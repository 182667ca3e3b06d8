/**
 * Baseline (a), the floor: one Bun process that runs the same demo model (the orchestrator's
 * `DemoModelProvider`, same tokens, same pacing) and writes every token straight to an SSE
 * response — no auth, no bus, no replay log, no coalescing. Each frame's `id:` is
 * `<Date.now() at write>-<seq>`, the same millisecond stamp our replay-log ids carry, so the
 * benchmark applies one latency definition to both.
 *
 * `POST /api/chat {prompt}` streams one answer; `GET /idle` holds an idle SSE stream (a heartbeat
 * comment every 15 s); `GET /healthz` answers 200. Run: `PORT=… DEMO_TOKENS_PER_SECOND=… bun bench/bun-relay-baseline.ts`.
 */
import { DemoModelProvider } from "../services/orchestrator/src/providers/demo-model-provider.ts";

const encoder = new TextEncoder();
const provider = new DemoModelProvider({ tokensPerSecond: Number(process.env.DEMO_TOKENS_PER_SECOND ?? 40) });
const sseHeaders = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
};

function answer(prompt: string, signal: AbortSignal): Response {
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      let seq = 0;
      let outputTokens = 0;
      try {
        for await (const part of provider.stream({
          model: "demo",
          messages: [{ role: "user", content: prompt }],
          maxOutputTokens: 4_000,
          signal,
        })) {
          if (part.type !== "text-delta") continue;
          outputTokens++;
          controller.enqueue(
            encoder.encode(
              `id: ${Date.now()}-${seq}\nevent: message_chunk\ndata: ${JSON.stringify({ content: part.text, seq })}\n\n`,
            ),
          );
          seq++;
        }
        controller.enqueue(
          encoder.encode(`event: message_complete\ndata: ${JSON.stringify({ usage: { outputTokens } })}\n\n`),
        );
        controller.close();
      } catch {
        // The client went away.
      }
    },
  });
  return new Response(body, { headers: sseHeaders });
}

function idle(signal: AbortSignal): Response {
  let heartbeat: ReturnType<typeof setInterval>;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(": connected\n\n"));
      heartbeat = setInterval(() => controller.enqueue(encoder.encode(": heartbeat\n\n")), 15_000);
      signal.addEventListener("abort", () => clearInterval(heartbeat));
    },
    cancel() {
      clearInterval(heartbeat);
    },
  });
  return new Response(body, { headers: sseHeaders });
}

const server = Bun.serve({
  port: Number(process.env.PORT ?? 0),
  idleTimeout: 0,
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/healthz") return new Response("ok");
    if (pathname === "/idle") return idle(request.signal);
    if (pathname === "/api/chat" && request.method === "POST") {
      const { prompt } = (await request.json()) as { prompt: string };
      return answer(prompt, request.signal);
    }
    return new Response("not found", { status: 404 });
  },
});

process.on("SIGTERM", () => {
  server.stop(true);
  process.exit(0);
});
