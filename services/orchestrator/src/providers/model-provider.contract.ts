import { describe, expect, test } from "bun:test";
import type { ContextMessage } from "@chat/contracts";
import type { GenerateRequest, ModelProvider, StreamPart } from "../model-provider.ts";
import { collectStream, providerError } from "./__fixtures__/collect-stream.ts";
import type { WireServer } from "./__fixtures__/wire-server.ts";
import type { ProviderErrorKind } from "./provider-error.ts";

/** The answers every wire server of `__fixtures__` gives in the same words. */
export type ContractScenario =
  | { kind: "stream"; text?: string; chunkDelayMs?: number; firstTokenDelayMs?: number }
  | { kind: "http_error"; status: number; retryAfter?: string; retryAfterMs?: string; body?: unknown }
  | { kind: "drop"; afterText: string; chunkDelayMs?: number }
  | { kind: "truncate"; afterText: string }
  | { kind: "malformed"; afterText: string; payload?: "not-json" | "wrong-shape" };

/** An adapter that calls an upstream API, with the local wire server that stands in for it. */
export type UpstreamSubject = {
  server: Pick<WireServer<ContractScenario>, "enqueue" | "requests" | "abortedRequests" | "waitForAborts">;
  /** What the server streams when nothing is queued. */
  defaultText: string;
  /** The same adapter, sending to `baseURL`. */
  providerAt(baseURL: string): ModelProvider;
  /** Starts another server like `server`; the contract stops it again to have a base URL where nothing listens. */
  startServer(): Pick<WireServer<ContractScenario>, "url" | "stop">;
  /** The provider's error body for a refused key, whose message repeats `secret`. */
  authErrorBody(secret: string): unknown;
};

/** One adapter under test. */
export type ModelProviderSubject = {
  provider: ModelProvider;
  /** A model name the adapter accepts. */
  model: string;
  /**
   * The adapter about to stream a long answer slowly, so that a test can abort it midway. For an
   * adapter with an upstream it defaults to `provider`, with a slow stream queued on the server.
   */
  slowAnswer?(): ModelProvider;
  /** Absent for an adapter with no upstream (the offline demo). */
  upstream?: UpstreamSubject;
};

/** The subject's provider, with a long answer queued on its upstream at 20 ms a piece. */
function slowUpstreamAnswer(subject: ModelProviderSubject): ModelProvider {
  if (!subject.upstream) throw new Error("a subject without an upstream names its slowAnswer");
  subject.upstream.server.enqueue({
    kind: "stream",
    text: "A long answer that keeps going for a while yet.",
    chunkDelayMs: 20,
  });
  return subject.provider;
}

const question: ContextMessage[] = [
  { role: "system", content: "You are terse." },
  { role: "user", content: "Say hello." },
];

/**
 * What every ModelProvider adapter must do (see the port in `model-provider.ts`): text deltas then
 * exactly one finish; the abort reason rethrown, the upstream request closed; and, for adapters with
 * an upstream, each wire failure mapped to the same `ProviderError` kind, without retries of its
 * own and without the provider's text in the message. Run it from the adapter's test file.
 *
 * @example
 * modelProviderContract("DemoModelProvider", {
 *   provider: new DemoModelProvider({ tokensPerSecond: 0 }),
 *   model: "demo",
 *   slowAnswer: () => new DemoModelProvider({ tokensPerSecond: 5 }),
 * });
 */
export function modelProviderContract(name: string, subject: ModelProviderSubject): void {
  const request = (overrides: Partial<GenerateRequest> = {}): GenerateRequest => ({
    model: subject.model,
    messages: question,
    maxOutputTokens: 256,
    signal: new AbortController().signal,
    ...overrides,
  });

  const run = (overrides: Partial<GenerateRequest> = {}, target = subject.provider) =>
    collectStream(target, request(overrides));

  describe(`${name} keeps the ModelProvider contract`, () => {
    test("streams text deltas, then exactly one finish, last, with usage counted or null", async () => {
      const { parts, text, error } = await run();
      expect(error).toBeUndefined();
      expect(text.length).toBeGreaterThan(0);
      expect(parts.slice(0, -1).every((part) => part.type === "text-delta")).toBe(true);
      const finish = parts.at(-1);
      expect(finish?.type).toBe("finish");
      if (finish?.type !== "finish") return;
      expect(["stop", "length"]).toContain(finish.finishReason);
      if (finish.usage) {
        expect(Number.isInteger(finish.usage.inputTokens) && finish.usage.inputTokens >= 0).toBe(true);
        expect(Number.isInteger(finish.usage.outputTokens) && finish.usage.outputTokens >= 0).toBe(true);
      }
    });

    test("aborting the signal throws its reason and yields nothing more", async () => {
      const abortsBefore = subject.upstream?.server.abortedRequests ?? 0;
      const slow = subject.slowAnswer?.() ?? slowUpstreamAnswer(subject);
      const controller = new AbortController();
      const reason = new Error("the user pressed stop");
      const parts: StreamPart[] = [];
      let thrown: unknown;
      try {
        for await (const part of slow.stream(request({ signal: controller.signal }))) {
          parts.push(part);
          controller.abort(reason);
        }
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBe(reason);
      expect(parts).toHaveLength(1);
      const upstream = subject.upstream;
      if (upstream) {
        // The upstream request is closed, not left streaming to nobody.
        await upstream.server.waitForAborts(abortsBefore + 1);
        expect(upstream.server.abortedRequests).toBe(abortsBefore + 1);
      }
    });

    test("an already aborted signal throws its reason, without a request", async () => {
      const before = subject.upstream?.server.requests.length ?? 0;
      const controller = new AbortController();
      const reason = new Error("cancelled before start");
      controller.abort(reason);
      const { parts, error } = await run({ signal: controller.signal });
      expect(error).toBe(reason);
      expect(parts).toEqual([]);
      expect(subject.upstream?.server.requests.length ?? 0).toBe(before);
    });
  });

  const upstream = subject.upstream;
  if (!upstream) return;
  const { server } = upstream;

  describe(`${name} maps its upstream as the ModelProvider contract says`, () => {
    test("answers with the server's default text when nothing is queued", async () => {
      const { text, error } = await run();
      expect(error).toBeUndefined();
      expect(text).toBe(upstream.defaultText);
    });

    test("streams the text in pieces, then one finish", async () => {
      server.enqueue({ kind: "stream", text: "Hello there, how are you doing?" });
      const { parts, text, error } = await run();
      expect(error).toBeUndefined();
      expect(text).toBe("Hello there, how are you doing?");
      expect(parts.length).toBeGreaterThan(3);
      expect(parts.filter((part) => part.type === "finish")).toHaveLength(1);
      expect(parts.at(-1)?.type).toBe("finish");
    });

    test("a slow first token is waited for", async () => {
      server.enqueue({ kind: "stream", text: "Worth the wait.", firstTokenDelayMs: 300 });
      const { parts, text, error } = await run();
      expect(error).toBeUndefined();
      expect(text).toBe("Worth the wait.");
      expect(parts.at(-1)?.type).toBe("finish");
    });

    test("429 is rate_limited with retry-after in seconds", async () => {
      server.enqueue({ kind: "http_error", status: 429, retryAfter: "7" });
      const error = providerError((await run()).error);
      expect(error.kind).toBe("rate_limited");
      expect(error.retryable).toBe(true);
      expect(error.status).toBe(429);
      expect(error.retryAfterMs).toBe(7000);
    });

    test("retry-after as an HTTP date and retry-after-ms are read too, retry-after-ms first", async () => {
      server.enqueue({
        kind: "http_error",
        status: 429,
        retryAfter: new Date(Date.now() + 60_000).toUTCString(),
      });
      const fromDate = providerError((await run()).error).retryAfterMs ?? 0;
      expect(fromDate).toBeGreaterThan(50_000);
      expect(fromDate).toBeLessThanOrEqual(60_000);
      server.enqueue({ kind: "http_error", status: 429, retryAfterMs: "250" });
      expect(providerError((await run()).error).retryAfterMs).toBe(250);
      server.enqueue({ kind: "http_error", status: 429, retryAfter: "30", retryAfterMs: "1500" });
      expect(providerError((await run()).error).retryAfterMs).toBe(1500);
    });

    test("500 is a retryable server error, and the SDK itself does not retry", async () => {
      const before = server.requests.length;
      server.enqueue({ kind: "http_error", status: 500 });
      const error = providerError((await run()).error);
      expect(error.kind).toBe("server");
      expect(error.retryable).toBe(true);
      expect(error.status).toBe(500);
      expect(server.requests.length - before).toBe(1);
    });

    test("a 401 is auth, and the error message never repeats the provider's text", async () => {
      const secret = "sk-test-SECRETSECRET";
      server.enqueue({ kind: "http_error", status: 401, body: upstream.authErrorBody(secret) });
      const error = providerError((await run()).error);
      expect(error.kind).toBe("auth");
      expect(error.retryable).toBe(false);
      expect(error.message).not.toContain(secret);
      expect(String(error)).not.toContain(secret);
    });

    const statusKinds: Array<[number, ProviderErrorKind]> = [
      [400, "bad_request"],
      [402, "auth"],
      [403, "auth"],
      [404, "bad_request"],
      [413, "bad_request"],
      [422, "bad_request"],
      [503, "server"],
      [529, "overloaded"],
    ];
    test.each(statusKinds)("status %d is %s", async (status, kind) => {
      server.enqueue({ kind: "http_error", status });
      const error = providerError((await run()).error);
      expect(error.kind).toBe(kind);
      expect(error.status).toBe(status);
    });

    test("a connection reset mid-stream is a connection error, after some text deltas", async () => {
      server.enqueue({ kind: "drop", afterText: "This answer will be cut off", chunkDelayMs: 5 });
      const { parts, text, error } = await run();
      expect(parts.length).toBeGreaterThan(0);
      expect(parts.every((part) => part.type === "text-delta")).toBe(true);
      expect("This answer will be cut off".startsWith(text)).toBe(true);
      expect(providerError(error).kind).toBe("connection");
    });

    test("a stream that ends cleanly but without its finish is a connection error, after its text", async () => {
      server.enqueue({ kind: "truncate", afterText: "Ends early" });
      const { text, error } = await run();
      expect(text).toBe("Ends early");
      expect(providerError(error).kind).toBe("connection");
    });

    test("a server that does not answer is a connection error", async () => {
      const goneServer = upstream.startServer();
      await goneServer.stop();
      const gone = upstream.providerAt(goneServer.url);
      const { error } = await run({}, gone);
      expect(providerError(error).kind).toBe("connection");
    });

    test("an event that is not JSON is malformed, after the text so far", async () => {
      server.enqueue({ kind: "malformed", afterText: "Before", payload: "not-json" });
      const { text, error } = await run();
      expect(text).toBe("Before");
      expect(providerError(error).kind).toBe("malformed");
    });

    test("an event of an unexpected shape is malformed", async () => {
      server.enqueue({ kind: "malformed", afterText: "Before", payload: "wrong-shape" });
      expect(providerError((await run()).error).kind).toBe("malformed");
    });
  });
}
