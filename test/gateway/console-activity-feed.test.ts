import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InProcessBus, StoreClient } from "@chat/bus";
import { type ChatActivity, type ConsoleChat, chatActivityKey, newEnvelope } from "@chat/contracts";
import { ConsoleActivityFeed, type ConsoleListener } from "@chat/gateway";
import type { RunningService } from "@chat/runtime";
import { openRepository, startStore } from "@chat/store";
import pino from "pino";

const logger = pino({ level: "silent" });
const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

/** A listener that keeps what it heard. */
function recordingListener() {
  const heard: Array<
    { kind: "chat"; chat: ConsoleChat } | { kind: "deleted"; chatId: string } | { kind: "gap" }
  > = [];
  const listener: ConsoleListener = {
    onChat: (chat) => heard.push({ kind: "chat", chat }),
    onDeleted: (chatId) => heard.push({ kind: "deleted", chatId }),
    onGap: () => heard.push({ kind: "gap" }),
  };
  return { heard, listener };
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

// The gateway's live feed of the console against the real store service on the in-process bus.
describe("ConsoleActivityFeed", () => {
  let bus: InProcessBus;
  let repository: Awaited<ReturnType<typeof openRepository>>;
  let store: StoreClient;
  let service: RunningService;
  let feed: ConsoleActivityFeed;
  let directory: string;

  beforeEach(async () => {
    bus = new InProcessBus({ partitions: 2, deliveryLimit: 3, logger });
    directory = mkdtempSync(join(tmpdir(), "console-feed-"));
    repository = await openRepository({ DATA_DIR: directory, MONGODB_DATABASE: "chat" });
    service = await startStore({ bus, repository, logger });
    store = new StoreClient(bus, { timeoutMs: 2_000, newId: () => crypto.randomUUID() });
    feed = new ConsoleActivityFeed({ bus, store, logger, coalesceMs: 50 });
  });

  afterEach(async () => {
    await service.stop();
    await bus.close();
    await repository.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const createChat = (id: string) =>
    store.call(
      "store.create_chat",
      { userId: "u1", chat: { id, title: `Chat ${id}`, model: "demo", createdAt: new Date().toISOString() } },
      traceparent,
    );

  test("sends each changed chat's row to every listener, once for changes close together", async () => {
    const first = recordingListener();
    const second = recordingListener();
    await feed.follow(first.listener);
    await feed.follow(second.listener);

    await createChat("c1");
    await store.call("store.mark_chat", { chatId: "c1", userId: "u1", needsHelp: true }, traceparent);
    await waitFor(() => first.heard.length > 0 && second.heard.length > 0, "the row");
    await Bun.sleep(100);

    expect(first.heard).toHaveLength(1);
    expect(first.heard[0]).toMatchObject({ kind: "chat", chat: { id: "c1", needsHelp: true, userId: "u1" } });
    expect(second.heard).toEqual(first.heard);
  });

  test("a deleted chat is sent as deleted; a malformed activity is dropped", async () => {
    const { heard, listener } = recordingListener();
    await feed.follow(listener);
    await bus.publishEvent(chatActivityKey("c9"), { type: "chat_activity", chatId: "c9" } as never);
    await createChat("c1");
    await store.call("store.delete_chat", { chatId: "c1", userId: "u1" }, traceparent);
    await waitFor(() => heard.some((event) => event.kind === "deleted"), "the deletion");

    expect(heard.at(-1)).toEqual({ kind: "deleted", chatId: "c1" });
  });

  test("a feed nobody follows any more stops hearing activity", async () => {
    const { heard, listener } = recordingListener();
    const stop = await feed.follow(listener);
    await stop();
    const activity: ChatActivity = {
      ...newEnvelope("chat_activity", "c1", { id: "a1", traceparent, now: new Date() }),
      userId: "u1",
      change: "deleted",
    };
    await bus.publishEvent(chatActivityKey("c1"), activity);
    await Bun.sleep(150);

    expect(heard).toEqual([]);
  });
});
