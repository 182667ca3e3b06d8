import { describe, expect, test } from "bun:test";
import { InProcessBus } from "@chat/bus";
import type { ChatEvent, LoggedChatEvent } from "@chat/contracts";
import { createLogger } from "@chat/runtime";
import { MemoryActorState, type ReplayLog } from "@chat/state";
import { type EventSink, feedChatEvents } from "./chat-event-feed.ts";
import { LiveEventHub } from "./live-event-hub.ts";

const logger = createLogger("chat-event-feed-test", "silent");

const chunk = (seq: number): ChatEvent => ({
  type: "message_chunk",
  data: { chatId: "c1", messageId: "m1", content: `${seq} `, seq },
});

class RecordingSink implements EventSink {
  readonly sent: LoggedChatEvent[] = [];
  readonly notices: unknown[] = [];
  isClosed = false;
  send(event: LoggedChatEvent): void {
    this.sent.push(event);
  }
  sendUnlogged(_type: string, data: unknown): void {
    this.notices.push(data);
  }
  onClose(): void {}
}

/** A replay log whose live tail loses the appends `lose` picks, as a dropped pub/sub message would. */
function lossyLog(log: ReplayLog, lose: (event: LoggedChatEvent) => boolean): ReplayLog {
  return {
    append: (chatId, event) => log.append(chatId, event),
    readAfter: (chatId, after) => log.readAfter(chatId, after),
    delete: (chatId) => log.delete(chatId),
    openTail: (options) =>
      log.openTail({ ...options, onEvent: (followed) => !lose(followed.event) && options.onEvent(followed) }),
  };
}

describe("feedChatEvents", () => {
  test("a live event that does not follow the last id sent makes the feed read the gap from the log", async () => {
    const state = new MemoryActorState({ ttlSeconds: 60, replayLogMaxLength: 100 });
    const bus = new InProcessBus({ partitions: 1, deliveryLimit: 1, logger });
    const replayLog = lossyLog(
      state.replayLog,
      (event) => event.type === "message_chunk" && event.data.seq % 3 === 1,
    );
    const hub = await LiveEventHub.open(bus, replayLog, logger);
    const sink = new RecordingSink();
    try {
      const first = await state.replayLog.append("c1", {
        type: "message_start",
        data: { chatId: "c1", messageId: "m1", model: "demo" },
      });
      await feedChatEvents({ sink, hub, replayLog, chatId: "c1", lastEventId: first.eventId });
      const appended: LoggedChatEvent[] = [];
      for (let seq = 0; seq < 10; seq++) appended.push(await state.replayLog.append("c1", chunk(seq)));
      for (let waited = 0; sink.sent.length < 10 && waited < 1_000; waited += 5) await Bun.sleep(5);

      expect(sink.sent.map((event) => event.eventId)).toEqual(appended.map((event) => event.eventId));
      expect(sink.notices).toEqual([]);
    } finally {
      await hub.close();
      await bus.close();
    }
  });
});
