import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { type ChatCommand, ChatCommand as ChatCommandSchema, chatCommandReplySchemas } from "@chat/contracts";
import pino from "pino";
import { InProcessBus } from "../in-process-bus.ts";
import { ChatCommandClient } from "./chat-command-client.ts";

const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const now = new Date("2026-12-01T10:00:00.000Z");
const chat = {
  id: "c1",
  title: "Renamed",
  model: "demo",
  createdAt: "2026-12-01T09:00:00.000Z",
  lastActivityAt: "2026-12-01T09:30:00.000Z",
};
const userMessage = {
  id: "m1",
  chatId: "c1",
  role: "user" as const,
  content: "Hello",
  createdAt: "2026-12-01T10:00:00.000Z",
};

/** The actor's replies as the session gives them, by command type. */
function replyTo(command: ChatCommand) {
  switch (command.type) {
    case "send_message":
      return { userMessage, assistantMessageId: "m2" };
    case "regenerate_answer":
      return { userMessage, assistantMessageId: "m3", replacedMessageId: command.messageId };
    case "edit_message":
      return {
        userMessage: { ...userMessage, id: "m4", content: command.content },
        assistantMessageId: "m5",
      };
    case "switch_branch":
      return { chatId: command.chatId, activeLeafId: "m3" };
    case "cancel_generation":
      return { cancelled: true, messageId: "m2" };
    case "update_chat":
      return chat;
    case "delete_chat":
      return { deleted: true as const };
    case "generation_finished":
    case "recover_answer":
    case "expire_hold":
      return null;
    case "request_help":
    case "cancel_help_request":
    case "take_over":
    case "release_chat":
      return { chatId: command.chatId, needsHelp: false, assisted: true, heldBy: null };
    case "agent_message":
      return { message: { ...userMessage, role: "assistant" as const } };
  }
}

describe("ChatCommandClient", () => {
  let bus: InProcessBus;
  let commands: ChatCommandClient;
  const received: ChatCommand[] = [];

  beforeEach(() => {
    bus = new InProcessBus({ partitions: 2, deliveryLimit: 2, logger: pino({ level: "silent" }) });
    let ids = 0;
    commands = new ChatCommandClient(bus, {
      timeoutMs: 2_000,
      newId: () => `command-${++ids}`,
      now: () => now,
    });
    received.length = 0;
  });

  afterEach(() => bus.close());

  test("each command reaches the actor as a valid envelope of its type and answers its typed reply", async () => {
    await bus.consumeCommands(
      { name: "session", schema: ChatCommandSchema, replySchemas: chatCommandReplySchemas },
      async (command) => {
        received.push(command);
        return replyTo(command);
      },
    );
    const owner = { chatId: "c1", userId: "u1" };

    expect(await commands.send({ ...owner, content: "Hello", clientMessageId: "k1" }, traceparent)).toEqual({
      userMessage,
      assistantMessageId: "m2",
    });
    expect(
      await commands.regenerate(
        { ...owner, messageId: "m2", clientMessageId: "k2", model: "other" },
        traceparent,
      ),
    ).toEqual({ userMessage, assistantMessageId: "m3", replacedMessageId: "m2" });
    expect(
      await commands.edit({ ...owner, messageId: "m1", content: "Hi", clientMessageId: "k3" }, traceparent),
    ).toEqual({ userMessage: { ...userMessage, id: "m4", content: "Hi" }, assistantMessageId: "m5" });
    expect(await commands.switchBranch({ ...owner, messageId: "m2" }, traceparent)).toEqual({
      chatId: "c1",
      activeLeafId: "m3",
    });
    expect(await commands.cancel(owner, traceparent)).toEqual({ cancelled: true, messageId: "m2" });
    expect(await commands.update({ ...owner, title: "Renamed" }, traceparent)).toEqual(chat);
    expect(await commands.delete(owner, traceparent)).toEqual({ deleted: true });

    expect(received.map((command) => command.type)).toEqual([
      "send_message",
      "regenerate_answer",
      "edit_message",
      "switch_branch",
      "cancel_generation",
      "update_chat",
      "delete_chat",
    ]);
    for (const [index, command] of received.entries()) {
      expect(command).toMatchObject({
        id: `command-${index + 1}`,
        v: 1,
        chatId: "c1",
        userId: "u1",
        occurredAt: now.toISOString(),
        traceparent,
      });
    }
    expect(received[1]).toMatchObject({ messageId: "m2", clientMessageId: "k2", model: "other" });
  });

  test("a reply that fails the command's reply schema is refused with UNAVAILABLE", async () => {
    await bus.consumeCommands({ name: "session", schema: ChatCommandSchema }, async () => ({
      cancelled: "yes",
    }));
    const error = await commands
      .cancel({ chatId: "c1", userId: "u1" }, traceparent)
      .catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: "UNAVAILABLE", retryable: false });
  });
});
