import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { OrchestratorRequest, orchestratorReplySchemas } from "@chat/contracts";
import pino from "pino";
import { InProcessBus } from "../in-process-bus.ts";
import { OrchestratorClient } from "./orchestrator-client.ts";

const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const models = {
  defaultModel: "demo",
  models: [
    {
      id: "demo",
      displayName: "Demo",
      provider: "demo",
      contextWindow: 8_000,
      maxOutputTokens: 1_000,
      inputPricePerMillion: 0,
      outputPricePerMillion: 0,
      vision: true,
    },
  ],
};

describe("OrchestratorClient", () => {
  let bus: InProcessBus;
  let orchestrator: OrchestratorClient;

  beforeEach(() => {
    bus = new InProcessBus({ partitions: 2, deliveryLimit: 2, logger: pino({ level: "silent" }) });
    orchestrator = new OrchestratorClient(bus, { timeoutMs: 2_000, newId: () => "request-1" });
  });

  afterEach(() => bus.close());

  test("listModels asks the orchestrators with a valid envelope and answers their list", async () => {
    const asked: OrchestratorRequest[] = [];
    await bus.serve(
      { name: "orchestrator", schema: OrchestratorRequest, replySchemas: orchestratorReplySchemas },
      async (request) => {
        asked.push(request);
        return models;
      },
    );
    expect(await orchestrator.listModels(traceparent)).toEqual(models);
    expect(asked).toMatchObject([
      { id: "request-1", type: "orchestrator.list_models", chatId: "", traceparent },
    ]);
  });

  test("a list that fails its schema is refused with UNAVAILABLE", async () => {
    await bus.serve({ name: "orchestrator", schema: OrchestratorRequest }, async () => ({ models: "demo" }));
    const error = await orchestrator.listModels(traceparent).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: "UNAVAILABLE", retryable: false });
  });
});
