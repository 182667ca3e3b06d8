/**
 * The upstream "model server" of baseline (b): a small Bun server that speaks the OpenAI Chat
 * Completions streaming wire format (`data: {chunk}` lines with `choices[0].delta.content`, a
 * finish chunk, a usage chunk, `data: [DONE]`) and emits the demo model's tokens (the
 * orchestrator's `DemoModelProvider`: same tokens, same pacing).
 *
 * It records when it wrote each token (`Date.now()`, keyed by the request's last user message), so
 * the benchmark can time each delta from the model's emit to the client; `GET /emits` hands the
 * records over and forgets them. Run: `PORT=… DEMO_TOKENS_PER_SECOND=… bun bench/openai-compatible-upstream.ts`.
 */
import { DemoModelProvider } from "../services/orchestrator/src/providers/demo-model-provider.ts";

type ChatRequest = {
  model: string;
  stream?: boolean;
  messages: Array<{ role: string; content: string | Array<{ type: string; text?: string }> }>;
};

const encoder = new TextEncoder();
const provider = new DemoModelProvider({ tokensPerSecond: Number(process.env.DEMO_TOKENS_PER_SECOND ?? 40) });
const emits = new Map<string, number[]>();

function textOf(content: ChatRequest["messages"][number]["content"]): string {
  return typeof content === "string" ? content : content.map((part) => part.text ?? "").join("");
}

function completion(request: ChatRequest, signal: AbortSignal): Response {
  const messages = request.messages
    .filter((message) => message.role === "user" || message.role === "assistant")
    .map((message) => ({ role: message.role as "user" | "assistant", content: textOf(message.content) }));
  const key = messages.findLast((message) => message.role === "user")?.content ?? "";
  const written: number[] = [];
  emits.set(key, written);
  const id = `chatcmpl-${crypto.randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (choices: unknown[], usage?: unknown) =>
    encoder.encode(
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: request.model, choices, ...(usage ? { usage } : {}) })}\n\n`,
    );
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        let first = true;
        for await (const part of provider.stream({
          model: request.model,
          messages,
          maxOutputTokens: 4_000,
          signal,
        })) {
          if (part.type === "text-delta") {
            const delta = first ? { role: "assistant", content: part.text } : { content: part.text };
            first = false;
            controller.enqueue(chunk([{ index: 0, delta, finish_reason: null }]));
            written.push(Date.now());
          } else {
            controller.enqueue(chunk([{ index: 0, delta: {}, finish_reason: "stop" }]));
            const { inputTokens, outputTokens } = part.usage ?? { inputTokens: 0, outputTokens: 0 };
            controller.enqueue(
              chunk([], {
                prompt_tokens: inputTokens,
                completion_tokens: outputTokens,
                total_tokens: inputTokens + outputTokens,
              }),
            );
          }
        }
        controller.enqueue(encoder.encode("data: [DONE]\n\n"));
        controller.close();
      } catch {
        // The relay went away.
      }
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" },
  });
}

const server = Bun.serve({
  port: Number(process.env.PORT ?? 0),
  idleTimeout: 0,
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/healthz") return new Response("ok");
    if (pathname === "/emits") {
      const all = Object.fromEntries(emits);
      emits.clear();
      return Response.json(all);
    }
    if (pathname === "/v1/chat/completions" && request.method === "POST") {
      const body = (await request.json()) as ChatRequest;
      if (!body.stream) return Response.json({ error: { message: "only stream: true" } }, { status: 400 });
      return completion(body, request.signal);
    }
    return new Response("not found", { status: 404 });
  },
});

process.on("SIGTERM", () => {
  server.stop(true);
  process.exit(0);
});
