import { describe, expect, test } from "bun:test";
import { AppError } from "@chat/contracts";
import { fakeChat, fakeChatBackend, fakeUser } from "./__fixtures__/fake-chat-backend.ts";

const target = { userId: fakeUser.id, chatId: fakeChat.id, traceparent: "00-trace-span-01" };
const envelope = {
  v: 1 as const,
  chatId: fakeChat.id,
  occurredAt: "2026-01-01T00:00:00.000Z",
  traceparent: target.traceparent,
  userId: fakeUser.id,
};

async function failureOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(AppError.isInstance(error)).toBe(true);
  return error as AppError;
}

describe("ChatCommands", () => {
  test("send: the typed send_message command goes to the chat's actor and its reply comes back", async () => {
    const backend = fakeChatBackend();
    const reply = await backend.commands.send(target, { content: "Hello", model: "demo" });
    expect(backend.sent).toEqual([
      {
        ...envelope,
        id: "id-2",
        type: "send_message",
        content: "Hello",
        clientMessageId: "id-1",
        model: "demo",
      },
    ]);
    expect(reply).toMatchObject({ assistantMessageId: "answer-1", userMessage: { content: "Hello" } });
  });

  test("send keeps the client's clientMessageId and, without a model, the chat's", async () => {
    const backend = fakeChatBackend();
    await backend.commands.send(target, { content: "Hello", clientMessageId: "mine" });
    expect(backend.sent[0]).toEqual({
      ...envelope,
      id: "id-1",
      type: "send_message",
      content: "Hello",
      clientMessageId: "mine",
    });
  });

  test("send refuses before anything goes out: too long, over the generation limit, an unknown model", async () => {
    const backend = fakeChatBackend({ maxMessageChars: 5, generationsPerMinute: 1 });
    expect((await failureOf(backend.commands.send(target, { content: "too long" }))).code).toBe(
      "VALIDATION_FAILED",
    );
    expect((await failureOf(backend.commands.send(target, { content: "hi", model: "gone" }))).code).toBe(
      "MODEL_NOT_AVAILABLE",
    );
    expect((await failureOf(backend.commands.send(target, { content: "hi" }))).code).toBe("RATE_LIMITED");
    expect(backend.sent).toEqual([]);
  });

  test("beforeCommand runs once the checks passed, just before the command goes out", async () => {
    const backend = fakeChatBackend({ maxMessageChars: 5 });
    const order: string[] = [];
    const before = async () => {
      order.push(`before, ${backend.sent.length} sent`);
    };
    await failureOf(backend.commands.send(target, { content: "too long" }, before));
    expect(order).toEqual([]);
    await backend.commands.send(target, { content: "hi" }, before);
    await backend.commands.regenerate(target, { messageId: "answer-1" }, before);
    expect(order).toEqual(["before, 0 sent", "before, 1 sent"]);
  });

  test("the actor's refusal comes back as its AppError", async () => {
    const backend = fakeChatBackend();
    const failure = await failureOf(backend.commands.regenerate(target, { messageId: "answer-0" }));
    expect(failure).toMatchObject({ code: "NOT_LATEST_ANSWER", retryable: false });
    const elsewhere = { ...target, chatId: "chat-2" };
    expect((await failureOf(backend.commands.cancel(elsewhere))).code).toBe("CHAT_NOT_FOUND");
  });

  test("regenerate, cancel, update and delete send their typed commands", async () => {
    const backend = fakeChatBackend();
    expect(await backend.commands.regenerate(target, { messageId: "answer-1", model: "demo" })).toMatchObject(
      {
        assistantMessageId: "answer-2",
        replacedMessageId: "answer-1",
      },
    );
    expect(await backend.commands.cancel(target)).toEqual({ cancelled: true, messageId: "answer-1" });
    expect(
      await backend.commands.update(target, { title: "  ", model: "demo", systemPrompt: " Be brief " }),
    ).toEqual({ ...fakeChat, title: "New chat" });
    await backend.commands.delete(target);
    expect(backend.sent.map(({ id: _id, ...command }) => command)).toEqual([
      {
        ...envelope,
        type: "regenerate_answer",
        messageId: "answer-1",
        clientMessageId: "id-1",
        model: "demo",
      },
      { ...envelope, type: "cancel_generation" },
      { ...envelope, type: "update_chat", title: "New chat", model: "demo", systemPrompt: "Be brief" },
      { ...envelope, type: "delete_chat" },
    ]);
  });

  test("update checks a new model and leaves out what is not changed", async () => {
    const backend = fakeChatBackend();
    expect((await failureOf(backend.commands.update(target, { model: "gone" }))).code).toBe(
      "MODEL_NOT_AVAILABLE",
    );
    await backend.commands.update(target, { title: " Renamed " });
    await backend.commands.update(target, { pinned: true, archived: false, projectId: null });
    await backend.commands.update(target, { projectId: "project-1" });
    expect(backend.sent.map(({ id: _id, ...command }) => command)).toEqual([
      { ...envelope, type: "update_chat", title: "Renamed" },
      { ...envelope, type: "update_chat", pinned: true, archived: false, projectId: null },
      { ...envelope, type: "update_chat", projectId: "project-1" },
    ]);
  });

  test("update sends a temperature, and a null one that restores the model's default", async () => {
    const backend = fakeChatBackend();
    await backend.commands.update(target, { temperature: 0 });
    await backend.commands.update(target, { temperature: null });
    expect(backend.sent.map(({ id: _id, ...command }) => command)).toEqual([
      { ...envelope, type: "update_chat", temperature: 0 },
      { ...envelope, type: "update_chat", temperature: null },
    ]);
  });
});
