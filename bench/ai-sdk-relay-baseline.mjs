/**
 * Baseline (b), what people hand-roll: a Node `http` server whose route calls the Vercel AI SDK's
 * `streamText` on an OpenAI-compatible upstream (`@ai-sdk/openai-compatible`, pointed at
 * bench/openai-compatible-upstream.ts) and pipes the result to the client as the AI SDK's SSE UI
 * message stream (`pipeUIMessageStreamToResponse`).
 *
 * `POST /api/chat {prompt}` streams one answer; `GET /idle` holds an idle SSE stream (a heartbeat
 * comment every 15 s); `GET /healthz` answers 200.
 * Run with Node: `PORT=… UPSTREAM_URL=http://127.0.0.1:… node bench/ai-sdk-relay-baseline.mjs`.
 */
import { createServer } from "node:http";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { streamText } from "ai";

const upstream = createOpenAICompatible({
  name: "upstream",
  baseURL: `${process.env.UPSTREAM_URL}/v1`,
  apiKey: "bench",
  includeUsage: true,
});

/** Reads a request body as JSON. */
async function jsonBody(request) {
  const parts = [];
  for await (const part of request) parts.push(part);
  return JSON.parse(Buffer.concat(parts).toString("utf8"));
}

const server = createServer(async (request, response) => {
  if (request.url === "/healthz") return response.end("ok");
  if (request.url === "/idle") {
    response.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    response.write(": connected\n\n");
    const heartbeat = setInterval(() => response.write(": heartbeat\n\n"), 15_000);
    request.on("close", () => clearInterval(heartbeat));
    return;
  }
  if (request.url === "/api/chat" && request.method === "POST") {
    const { prompt } = await jsonBody(request);
    const abort = new AbortController();
    response.on("close", () => abort.abort());
    const result = streamText({ model: upstream("demo"), prompt, abortSignal: abort.signal });
    result.pipeUIMessageStreamToResponse(response);
    return;
  }
  response.writeHead(404).end("not found");
});

server.keepAliveTimeout = 0;
server.requestTimeout = 0;
server.headersTimeout = 0;
server.timeout = 0;
server.maxConnections = 100_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1");
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
