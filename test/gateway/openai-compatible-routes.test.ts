import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";

const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
  { role: "developer", content: "Answer briefly." },
  { role: "user", content: "Show me some code" },
];

describe("/v1: the OpenAI-compatible API, called with the official openai client", () => {
  let server: EmbeddedServer;
  let session: ChatApiClient;
  let apiKey: string;
  let client: OpenAI;

  beforeAll(async () => {
    server = await startEmbeddedServer({
      DEMO_TOKENS_PER_SECOND: "0",
    });
    session = new ChatApiClient(server.baseUrl);
    await session.register("Api");
    apiKey = (await session.request("POST", "/api/keys", { name: "tests" })).body.key;
    client = new OpenAI({ apiKey, baseURL: `${server.baseUrl}/v1` });
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** A raw request, for what the client cannot send: malformed bodies, other credentials. */
  async function post(body: string, authorization: string | null = `Bearer ${apiKey}`) {
    const response = await fetch(`${server.baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
      body,
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  test("models.list lists the demo model", async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model);
    expect(models).toContainEqual({
      id: "demo",
      object: "model",
      created: expect.any(Number),
      owned_by: "demo",
    });
  });

  test("a completion answers the demo's markdown, with usage", async () => {
    const completion = await client.chat.completions.create({ model: "demo", messages });
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("demo");
    expect(Math.abs(completion.created - Date.now() / 1000)).toBeLessThan(60);
    expect(completion.choices).toHaveLength(1);
    const [choice] = completion.choices;
    expect(choice?.finish_reason).toBe("stop");
    expect(choice?.message.role).toBe("assistant");
    expect(choice?.message.content).toContain('You asked: *"Show me some code"*');
    expect(choice?.message.content).toContain("```");
    const usage = completion.usage as OpenAI.CompletionUsage;
    expect(usage.prompt_tokens).toBeGreaterThan(0);
    expect(usage.completion_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
  });

  test("streaming reassembles to the same answer and ends with the usage", async () => {
    const whole = await client.chat.completions.create({ model: "demo", messages });
    const stream = await client.chat.completions.create({
      model: "demo",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks.every((chunk) => chunk.object === "chat.completion.chunk" && chunk.model === "demo")).toBe(
      true,
    );
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe(whole.choices[0]?.message.content as string);
    const finishReasons = chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter(Boolean);
    expect(finishReasons).toEqual(["stop"]);
    const last = chunks.at(-1) as OpenAI.Chat.ChatCompletionChunk;
    expect(last.choices).toEqual([]);
    expect(last.usage?.completion_tokens).toBeGreaterThan(0);
    expect(last.usage?.total_tokens).toBe(
      (last.usage?.prompt_tokens ?? 0) + (last.usage?.completion_tokens ?? 0),
    );
  });

  test("text parts are joined; options and unknown fields OpenAI clients send are accepted", async () => {
    const completion = await client.chat.completions.create({
      model: "demo",
      messages: [
        { role: "system", content: [{ type: "text", text: "Be kind." }] },
        {
          role: "user",
          content: [
            { type: "text", text: "first part" },
            { type: "text", text: "second part" },
          ],
        },
      ],
      max_completion_tokens: 500,
      temperature: 0.2,
      top_p: 0.9,
      n: 1,
      user: "end-user-1",
      seed: 7,
      presence_penalty: 0,
    });
    expect(completion.choices[0]?.message.content).toContain('You asked: *"first part second part"*');
  });

  test("an unknown model is a BadRequestError with our code, streamed or not", async () => {
    for (const stream of [false, true]) {
      const error = await client.chat.completions.create({ model: "no-such-model", messages, stream }).then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      const badRequest = error as InstanceType<typeof OpenAI.BadRequestError>;
      expect(badRequest.status).toBe(400);
      expect(badRequest.code).toBe("MODEL_NOT_AVAILABLE");
      expect(badRequest.type).toBe("invalid_request_error");
    }
  });

  test("a deleted key is refused at once with an AuthenticationError", async () => {
    const { key, id } = (await session.request("POST", "/api/keys", { name: "revoked" })).body;
    const revoked = new OpenAI({ apiKey: key, baseURL: `${server.baseUrl}/v1` });
    expect((await revoked.chat.completions.create({ model: "demo", messages })).choices).toHaveLength(1);
    expect((await session.request("DELETE", `/api/keys/${id}`)).status).toBe(204);

    for (const call of [
      () => revoked.chat.completions.create({ model: "demo", messages }),
      () => revoked.models.list(),
    ]) {
      const error = await Promise.resolve(call()).then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      const refused = error as InstanceType<typeof OpenAI.AuthenticationError>;
      expect(refused.code).toBe("UNAUTHORIZED");
      expect(refused.type).toBe("authentication_error");
    }
  });

  test("a session token, an unknown key or none at all: 401, before the body is looked at", async () => {
    const body = JSON.stringify({ model: "demo", messages });
    for (const authorization of [`Bearer ${session.token}`, "Bearer sk-chat-unknown", null]) {
      const refused = await post(body, authorization);
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual({
        error: {
          message: expect.any(String),
          type: "authentication_error",
          param: null,
          code: "UNAUTHORIZED",
        },
      });
      expect((await post("{}", authorization)).status).toBe(401);
    }
  });

  test("a malformed body is a 400 in OpenAI's shape, naming what is wrong", async () => {
    const invalid = [
      "{not json",
      JSON.stringify({ model: "demo" }),
      JSON.stringify({ model: "demo", messages: [] }),
      JSON.stringify({ model: "demo", messages, n: 2 }),
      JSON.stringify({ model: "demo", messages, temperature: 2.5 }),
      JSON.stringify({ model: "demo", messages: [{ role: "tool", content: "x" }] }),
      JSON.stringify({
        model: "demo",
        messages: [
          { role: "user", content: [{ type: "image_url", image_url: { url: "https://x.test/a.png" } }] },
        ],
      }),
    ];
    for (const body of invalid) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        error: {
          message: expect.any(String),
          type: "invalid_request_error",
          param: null,
          code: body.startsWith("{not") ? "MALFORMED_JSON" : "VALIDATION_FAILED",
        },
      });
    }
    const tooMany = await post(JSON.stringify({ model: "demo", messages, n: 2 }));
    expect(tooMany.body.error.message).toContain("/n");
  });

  test("routes that /v1 does not serve answer OpenAI-shaped 404s", async () => {
    const response = await fetch(`${server.baseUrl}/v1/embeddings`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "demo", input: "x" }),
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: {
        message: expect.any(String),
        type: "invalid_request_error",
        param: null,
        code: "ROUTE_NOT_FOUND",
      },
    });
  });
});

describe("/v1 when the caller or the gateway goes away mid-answer", () => {
  let server: EmbeddedServer;
  let apiKey: string;
  let client: OpenAI;

  beforeAll(async () => {
    server = await startEmbeddedServer({
      DEMO_TOKENS_PER_SECOND: "40",
      // The orchestrator logs how each completion finished: that is how these tests see a cancel.
      LOG_LEVEL: "info",
    });
    const session = new ChatApiClient(server.baseUrl);
    await session.register("Leaver");
    apiKey = (await session.request("POST", "/api/keys", { name: "tests" })).body.key;
    client = new OpenAI({ apiKey, baseURL: `${server.baseUrl}/v1` });
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** Waits for the orchestrator's log line of a completion that ended cancelled. */
  async function cancelledUpstream(marker: string): Promise<boolean> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const lines = server.process.output.join("").split("\n");
      if (lines.some((line) => line.includes(marker) && line.includes('"finishReason":"cancelled"')))
        return true;
      await Bun.sleep(50);
    }
    return false;
  }

  test("a streaming client that leaves cancels the generation upstream", async () => {
    const stream = await client.chat.completions.create({ model: "demo", messages, stream: true });
    let completionId = "";
    for await (const chunk of stream) {
      completionId = chunk.id.replace(/^chatcmpl-/, "");
      if (chunk.choices[0]?.delta.content) break;
    }
    expect(completionId).not.toBe("");
    expect(await cancelledUpstream(completionId)).toBe(true);
  });

  test("a client that stops waiting for a whole answer cancels it upstream", async () => {
    const traceId = crypto.randomUUID().replaceAll("-", "");
    const request = fetch(`${server.baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${apiKey}`,
        "content-type": "application/json",
        traceparent: `00-${traceId}-b7ad6b7169203331-01`,
      },
      body: JSON.stringify({ model: "demo", messages }),
      signal: AbortSignal.timeout(300),
    });
    expect(
      await request.then(
        () => null,
        (caught: unknown) => caught,
      ),
    ).toBeInstanceOf(Error);
    expect(await cancelledUpstream(traceId)).toBe(true);
  });

  test("a gateway that stops answers the waiting callers 503 UNAVAILABLE, so they retry elsewhere", async () => {
    const waiting = fetch(`${server.baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "demo", messages }),
    });
    await Bun.sleep(300);
    const stopped = server.stop();
    const response = await waiting;
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: { message: expect.any(String), type: "api_error", param: null, code: "UNAVAILABLE" },
    });
    expect(await stopped).toBe(0);
  });
});
