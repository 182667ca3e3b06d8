import { describe, expect, test } from "bun:test";
import pino from "pino";
import type { FailoverPolicy } from "./failover-stream.ts";
import { GenerationCancelled } from "./generation-cancellations.ts";
import { type ModelCall, ModelCaller } from "./model-caller.ts";
import type { ModelRoute } from "./model-registry.ts";
import {
  fakeClock,
  fastFailoverPolicy,
  finish,
  overloaded,
  rateLimited,
  route,
  ScriptedProvider,
  text,
} from "./providers/__fixtures__/scripted-provider.ts";
import { ProviderError } from "./providers/provider-error.ts";
import { TokenEstimator } from "./token-estimator.ts";

/** A caller over fixed routes, with a clock that does not wait and a `now` the test moves. */
function callerOf(
  routes: ModelRoute[],
  options: { policy?: FailoverPolicy; deploymentPrompt?: string } = {},
) {
  const byId = new Map(routes.map((each) => [each.entry.id, each]));
  const clock = fakeClock();
  const estimator = new TokenEstimator();
  let milliseconds = 1_000;
  const caller = new ModelCaller({
    registry: {
      failoverChain: (modelId) => {
        const first = byId.get(modelId);
        if (!first) return [];
        return [first, ...first.entry.fallbacks.flatMap((id) => byId.get(id) ?? [])];
      },
    },
    estimator,
    policy: options.policy ?? fastFailoverPolicy,
    clock,
    deploymentPrompt: options.deploymentPrompt,
    now: () => milliseconds,
  });
  const advance = (by: number) => {
    milliseconds += by;
  };
  return { caller, clock, estimator, advance };
}

function callFor(modelId: string, overrides: Partial<ModelCall> = {}) {
  const received: string[] = [];
  const request: ModelCall = {
    modelId,
    history: [{ role: "user", content: "What is a monad?" }],
    signal: new AbortController().signal,
    onText: async (piece) => void received.push(piece),
    logger: pino({ level: "silent" }),
    ...overrides,
  };
  return { request, received };
}

describe("ModelCaller", () => {
  test("a healthy answer hands each piece over and reports usage, cost, time to first token and duration", async () => {
    const provider = new ScriptedProvider("scripted", [
      [
        text("A monad "),
        text("is a monoid."),
        { ...finish, usage: { inputTokens: 1_000, outputTokens: 500 } },
      ],
    ]);
    const { caller, advance } = callerOf([route("one", provider)]);
    const { request, received } = callFor("one", {
      onText: async (piece) => {
        received.push(piece);
        advance(10);
      },
    });

    const outcome = await caller.call(request);

    expect(received).toEqual(["A monad ", "is a monoid."]);
    expect(outcome).toEqual({
      text: "A monad is a monoid.",
      finishReason: "stop",
      modelId: "one",
      usage: {
        inputTokens: 1_000,
        outputTokens: 500,
        // $1 per million in, $2 per million out.
        costUsd: 0.002,
        provider: "scripted",
        timeToFirstTokenMs: 0,
        durationMs: 20,
      },
    });
  });

  test("the deployment's prompt, then the chat's, come before the history the model is sent", async () => {
    const provider = new ScriptedProvider("scripted", [[text("ok"), finish]]);
    const { caller } = callerOf([route("one", provider)], { deploymentPrompt: "Be brief." });

    await caller.call(callFor("one", { chatPrompt: "Speak French." }).request);

    expect(provider.requests[0]?.messages).toEqual([
      { role: "system", content: expect.stringContaining("Be brief.") },
      { role: "user", content: "What is a monad?" },
    ]);
    expect(provider.requests[0]?.messages[0]?.content).toContain("Speak French.");
    expect(provider.requests[0]?.model).toBe("one-upstream");
  });

  test("retries before the first token wait on the clock, and the answer is the same model's", async () => {
    const provider = new ScriptedProvider("scripted", [
      [overloaded()],
      [rateLimited(1_500)],
      [text("ok"), finish],
    ]);
    const { caller, clock } = callerOf([route("one", provider)]);

    const outcome = await caller.call(callFor("one").request);

    expect(clock.waits).toEqual([50, 1_500]);
    expect(outcome).toMatchObject({ text: "ok", finishReason: "stop", modelId: "one" });
    expect(provider.requests).toHaveLength(3);
  });

  test("failover answers with the fallback, whose id, provider and price the usage names", async () => {
    const first = new ScriptedProvider("first", [[overloaded()], [overloaded()], [overloaded()]]);
    const second = new ScriptedProvider("second", [[text("from the fallback"), finish]]);
    const { caller } = callerOf([route("one", first, ["two"]), route("two", second)]);

    const outcome = await caller.call(callFor("one").request);

    expect(outcome).toMatchObject({
      text: "from the fallback",
      finishReason: "stop",
      modelId: "two",
      usage: { provider: "second", inputTokens: 3, outputTokens: 2 },
    });
  });

  test("when every model fails, the outcome is an error with the provider's code and nothing was answered", async () => {
    const only = new ScriptedProvider("scripted", [[rateLimited()], [rateLimited()], [rateLimited()]]);
    const { caller } = callerOf([route("one", only)]);

    const outcome = await caller.call(callFor("one").request);

    expect(outcome.finishReason).toBe("error");
    expect(outcome.error).toMatchObject({ code: "RATE_LIMITED", retryable: true });
    expect(outcome).toMatchObject({
      text: "",
      modelId: "one",
      usage: { inputTokens: 0, outputTokens: 0, costUsd: 0, timeToFirstTokenMs: null },
    });
  });

  test("each provider failure kind maps to its client-facing code", async () => {
    const kinds = [
      ["overloaded", "PROVIDER_OVERLOADED"],
      ["timeout", "PROVIDER_TIMEOUT"],
      ["server", "PROVIDER_ERROR"],
      ["auth", "PROVIDER_ERROR"],
      ["bad_request", "PROVIDER_ERROR"],
    ] as const;
    for (const [kind, code] of kinds) {
      const failing = new ProviderError("scripted", kind, `failed: ${kind}`);
      const provider = new ScriptedProvider("scripted", [[failing], [failing], [failing]]);
      const { caller } = callerOf([route("one", provider)]);
      const outcome = await caller.call(callFor("one").request);
      expect({ kind, code: outcome.error?.code, message: outcome.error?.message }).toEqual({
        kind,
        code,
        message: `failed: ${kind}`,
      });
    }
  });

  test("an error after text keeps the text, estimates the output tokens, and is not retried", async () => {
    const provider = new ScriptedProvider("scripted", [
      [text("twelve chars"), new ProviderError("scripted", "connection", "dropped")],
      [text("never"), finish],
    ]);
    const { caller } = callerOf([route("one", provider)]);

    const outcome = await caller.call(callFor("one").request);

    expect(outcome).toMatchObject({ text: "twelve chars", finishReason: "error", modelId: "one" });
    expect(outcome.error?.code).toBe("PROVIDER_ERROR");
    expect(outcome.usage.outputTokens).toBe(3);
    expect(outcome.usage.inputTokens).toBeGreaterThan(0);
    expect(provider.requests).toHaveLength(1);
  });

  test("a stall between tokens ends as a PROVIDER_TIMEOUT error with the text so far", async () => {
    const provider = new ScriptedProvider("scripted", [[text("first "), { wait: 1_000 }, text("never")]]);
    const { caller } = callerOf([route("one", provider)], {
      policy: { ...fastFailoverPolicy, firstTokenTimeoutMs: 30, idleTimeoutMs: 30 },
    });

    const outcome = await caller.call(callFor("one").request);

    expect(outcome).toMatchObject({ text: "first ", finishReason: "error" });
    expect(outcome.error).toMatchObject({ code: "PROVIDER_TIMEOUT", retryable: true });
  });

  test("a cancel ends the call as cancelled with the text so far and no error", async () => {
    const provider = new ScriptedProvider("scripted", [[text("one "), { wait: 5_000 }, text("two")]]);
    const { caller } = callerOf([route("one", provider)]);
    const controller = new AbortController();

    const outcome = await caller.call(
      callFor("one", {
        signal: controller.signal,
        onText: async () => controller.abort(new GenerationCancelled()),
      }).request,
    );

    expect(outcome.finishReason).toBe("cancelled");
    expect(outcome.text).toBe("one ");
    expect(outcome.error).toBeUndefined();
  });

  test("an unknown model is MODEL_NOT_AVAILABLE, not retryable, with no provider", async () => {
    const { caller } = callerOf([]);

    const outcome = await caller.call(callFor("missing").request);

    expect(outcome.finishReason).toBe("error");
    expect(outcome.error).toMatchObject({ code: "MODEL_NOT_AVAILABLE", retryable: false });
    expect(outcome).toMatchObject({ modelId: "missing", usage: { provider: "none", costUsd: 0 } });
  });

  test("a failure to hand text over is thrown as is, so the request is redelivered", async () => {
    const provider = new ScriptedProvider("scripted", [[text("lost"), finish]]);
    const { caller } = callerOf([route("one", provider)]);
    const failure = new Error("bus down");

    await expect(
      caller.call(
        callFor("one", {
          onText: async () => {
            throw failure;
          },
        }).request,
      ),
    ).rejects.toBe(failure);
  });

  test("reported input tokens teach the estimator the model's correction", async () => {
    const provider = new ScriptedProvider("scripted", [
      [text("ok"), { ...finish, usage: { inputTokens: 50, outputTokens: 1 } }],
    ]);
    const { caller, estimator } = callerOf([route("one", provider)]);

    await caller.call(callFor("one").request);

    expect(estimator.correctionFor("one")).not.toBe(1);
  });

  describe("images", () => {
    const image = { mediaType: "image/png" as const, data: "iVBORw0KGgo=" };
    const withImage = { role: "user" as const, content: "What is this?", images: [image] };

    test("a model that cannot see images refuses them with MODEL_CANNOT_SEE_IMAGES before any provider call", async () => {
      const provider = new ScriptedProvider("scripted", [[text("never"), finish]]);
      const { caller } = callerOf([route("text-only", provider, [], false)]);
      const outcome = await caller.call(callFor("text-only", { history: [withImage] }).request);
      expect(outcome.finishReason).toBe("error");
      expect(outcome.error?.serialize()).toEqual({
        code: "MODEL_CANNOT_SEE_IMAGES",
        message: 'Model "text-only" cannot see images; choose a model with vision: true in GET /api/models',
        retryable: false,
      });
      expect(provider.requests).toHaveLength(0);
      expect(outcome.usage).toMatchObject({ inputTokens: 0, outputTokens: 0, costUsd: 0 });
    });

    test("failover skips a fallback that cannot see the question's images", async () => {
      const seeing = new ScriptedProvider("seeing", [[overloaded()], [text("A pixel."), finish]]);
      const blind = new ScriptedProvider("blind", [[text("no"), finish]]);
      const { caller } = callerOf(
        [
          route("vision", seeing, ["blind", "vision-2"]),
          route("blind", blind, [], false),
          route("vision-2", seeing),
        ],
        { policy: { ...fastFailoverPolicy, maxRetries: 0 } },
      );
      const outcome = await caller.call(callFor("vision", { history: [withImage] }).request);
      expect(outcome).toMatchObject({ text: "A pixel.", modelId: "vision-2" });
      expect(blind.requests).toHaveLength(0);
      expect(seeing.requests.at(-1)?.messages).toEqual([withImage]);
    });

    test("a model without vision gets earlier images as a note, so a chat can change models", async () => {
      const provider = new ScriptedProvider("scripted", [[text("ok"), finish]]);
      const { caller } = callerOf([route("text-only", provider, [], false)]);
      const history = [
        withImage,
        { role: "assistant" as const, content: "A pixel." },
        { role: "user" as const, content: "Thanks" },
      ];
      const outcome = await caller.call(callFor("text-only", { history }).request);
      expect(outcome.error).toBeUndefined();
      expect(provider.requests[0]?.messages[0]).toEqual({
        role: "user",
        content: "What is this?\n\n[An image was attached here; this model cannot see images.]",
      });
    });
  });
});
