import { describe, expect, test } from "bun:test";
import type { ContextMessage } from "@chat/contracts";
import { buildModelContext } from "./model-context.ts";
import { TokenEstimator } from "./token-estimator.ts";

const user = (content: string): ContextMessage => ({ role: "user", content });
const assistant = (content: string): ContextMessage => ({ role: "assistant", content });
/** 400 characters: 100 tokens plus 4 per message = 104 estimated tokens. */
const long = (label: string) => label.padEnd(400, ".");

describe("buildModelContext", () => {
  test("joins the deployment's and the chat's system prompts into one system message, first", () => {
    const context = buildModelContext({
      deploymentPrompt: "Be kind.",
      chatPrompt: "Answer in French.",
      history: [user("Hi")],
      contextWindow: 8_000,
      tokenCorrection: 1,
      vision: false,
    });
    expect(context).toEqual([
      { role: "system", content: "Be kind.\n\nAnswer in French." },
      { role: "user", content: "Hi" },
    ]);
  });

  test("puts the project's instructions between the deployment's prompt and the chat's", () => {
    const context = buildModelContext({
      deploymentPrompt: "Be kind.",
      projectPrompt: "You help with the garden.",
      chatPrompt: "Answer in French.",
      history: [user("Hi")],
      contextWindow: 8_000,
      tokenCorrection: 1,
      vision: false,
    });
    expect(context[0]).toEqual({
      role: "system",
      content: "Be kind.\n\nYou help with the garden.\n\nAnswer in French.",
    });
  });

  test("without prompts there is no system message; system messages in the history are dropped", () => {
    const context = buildModelContext({
      history: [{ role: "system", content: "injected" }, user("Hi")],
      contextWindow: 8_000,
      tokenCorrection: 1,
      vision: false,
    });
    expect(context).toEqual([user("Hi")]);
  });

  test("keeps everything that fits in 80 % of the window", () => {
    const history = [user(long("q1")), assistant(long("a1")), user(long("q2"))];
    // 3 × 104 = 312 tokens; 80 % of 400 = 320.
    expect(buildModelContext({ history, contextWindow: 400, tokenCorrection: 1, vision: false })).toEqual(
      history,
    );
  });

  test("drops the oldest first, and never starts with an answer", () => {
    const history = [
      user(long("q1")),
      assistant(long("a1")),
      user(long("q2")),
      assistant(long("a2")),
      user(long("q3")),
    ];
    // 80 % of 400 = 320 tokens: q3, a2, q2 fit (312); the context must start with a user message.
    expect(buildModelContext({ history, contextWindow: 400, tokenCorrection: 1, vision: false })).toEqual(
      history.slice(2),
    );
    // 80 % of 300 = 240: q3 and a2 fit, but a context that opens with an answer drops it too.
    expect(buildModelContext({ history, contextWindow: 300, tokenCorrection: 1, vision: false })).toEqual(
      history.slice(4),
    );
  });

  test("the system prompt and the newest message are kept even when they alone overflow", () => {
    const context = buildModelContext({
      deploymentPrompt: long("rules"),
      history: [user("old"), assistant("older answer"), user(long("huge question"))],
      contextWindow: 256,
      tokenCorrection: 1,
      vision: false,
    });
    expect(context.map((message) => message.role)).toEqual(["system", "user"]);
    expect(context[1]?.content.startsWith("huge question")).toBe(true);
  });

  test("a learned correction makes the same history trim sooner; the result is deterministic", () => {
    const history = [user(long("q1")), assistant(long("a1")), user(long("q2"))];
    const input = { history, contextWindow: 400, tokenCorrection: 1.5, vision: false };
    expect(buildModelContext(input)).toEqual(history.slice(2));
    expect(buildModelContext(input)).toEqual(buildModelContext(input));
  });
});

describe("TokenEstimator", () => {
  test("learns per model from reported input tokens, bounded and smoothed", () => {
    const estimator = new TokenEstimator();
    const messages = [user(long("q"))];
    expect(estimator.estimate("gpt", messages)).toBe(104);
    estimator.observe("gpt", messages, 208);
    expect(estimator.correctionFor("gpt")).toBe(2);
    expect(estimator.estimate("gpt", messages)).toBe(208);
    estimator.observe("gpt", messages, 104);
    expect(estimator.correctionFor("gpt")).toBeCloseTo(1.7, 5);
    expect(estimator.correctionFor("claude")).toBe(1);
    estimator.observe("claude", messages, 100_000);
    expect(estimator.correctionFor("claude")).toBe(3);
  });
});
