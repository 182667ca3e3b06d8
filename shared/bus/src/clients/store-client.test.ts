import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { type StoreRequest, StoreRequest as StoreRequestSchema, storeReplySchemas } from "@chat/contracts";
import pino from "pino";
import { InProcessBus } from "../in-process-bus.ts";
import { StoreClient } from "./store-client.ts";

const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const now = new Date("2026-12-01T10:00:00.000Z");
const chat = {
  id: "c1",
  title: "Budget",
  model: "demo",
  createdAt: "2026-12-01T09:00:00.000Z",
  lastActivityAt: "2026-12-01T09:30:00.000Z",
};

describe("StoreClient", () => {
  let bus: InProcessBus;
  let store: StoreClient;
  const received: StoreRequest[] = [];

  beforeEach(() => {
    bus = new InProcessBus({ partitions: 2, deliveryLimit: 2, logger: pino({ level: "silent" }) });
    store = new StoreClient(bus, { timeoutMs: 2_000, newId: () => "request-1", now: () => now });
    received.length = 0;
  });

  afterEach(() => bus.close());

  test("sends an envelope the store's schema accepts, with the chat's id, and answers the typed reply", async () => {
    await bus.serve(
      { name: "store", schema: StoreRequestSchema, replySchemas: storeReplySchemas },
      async (request) => {
        received.push(request);
        return { chat, messages: [], hasOlderMessages: false };
      },
    );
    const found = await store.call(
      "store.get_chat",
      { chatId: "c1", userId: "u1", messageLimit: 0 },
      traceparent,
    );
    expect(found).toEqual({ chat, messages: [], hasOlderMessages: false });
    expect(received).toEqual([
      {
        id: "request-1",
        type: "store.get_chat",
        v: 1,
        chatId: "c1",
        occurredAt: now.toISOString(),
        traceparent,
        userId: "u1",
        messageLimit: 0,
      },
    ]);
  });

  test("a request about no chat has an empty chatId", async () => {
    await bus.serve({ name: "store", schema: StoreRequestSchema }, async (request) => {
      received.push(request);
      return [];
    });
    expect(await store.call("store.list_api_keys", { userId: "u1" }, traceparent)).toEqual([]);
    expect(received[0]?.chatId).toBe("");
  });

  test("a reply that fails the request type's reply schema is refused with UNAVAILABLE", async () => {
    await bus.serve({ name: "store", schema: StoreRequestSchema }, async () => ({ chat: { id: "c1" } }));
    const error = await store
      .call("store.get_chat", { chatId: "c1", userId: "u1", messageLimit: 0 }, traceparent)
      .catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: "UNAVAILABLE", retryable: false });
  });
});
