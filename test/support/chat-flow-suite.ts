import { expect, test } from "bun:test";
import { ChatWithMessages, ErrorBody, type Message, type MessageCompleteData } from "@chat/contracts";
import { Value } from "@sinclair/typebox/value";
import { ChatApiClient } from "./chat-api-client.ts";
import { SseReader } from "./sse-reader.ts";

function expectError(response: { status: number; body: unknown }, status: number, code: string): void {
  expect({
    status: response.status,
    code: (response.body as ErrorBody | null)?.error?.code as string | undefined,
  }).toEqual({ status, code });
  expect(Value.Check(ErrorBody, response.body)).toBe(true);
}

/**
 * The whole chat flow over the public API, as a client sees it, plus the bad-input cases. Runs
 * against any deployment: the embedded default and the five separate processes.
 */
export function chatFlowSuite(baseUrl: () => string, options: { maxBodyBytes: number }): void {
  const alice = () => new ChatApiClient(baseUrl());

  test("a new user signs up, chats with the demo model, watches it stream, and finds the history", async () => {
    const client = alice();
    const registered = await client.register("Alice");
    expect(registered.status).toBe(201);
    expect(registered.body.user).toMatchObject({ name: "Alice" });
    // The first account of a deployment is admin (roles are tested in the gateway's auth tests).
    expect(["user", "admin"]).toContain(registered.body.user.role);
    expect(registered.headers.get("set-cookie")).toContain("HttpOnly");

    const login = await client.request("POST", "/api/auth/login", {
      email: registered.body.user.email,
      password: "correct horse battery",
    });
    expect(login.status).toBe(200);
    expect(login.body.user.id).toBe(registered.body.user.id);
    expect(login.headers.get("set-cookie")).toMatch(/chat_session=[^;]+; .*HttpOnly/);

    const created = await client.request("POST", "/api/chats", { title: "First chat" });
    expect(created.status).toBe(201);
    const chatId = created.body.id as string;

    const events = await client.events(`/api/chats/${chatId}/events`);
    const sent = await client.request("POST", `/api/chats/${chatId}/messages`, {
      content: "Show me some code, please",
      clientMessageId: "first-message",
    });
    expect(sent.status).toBe(202);
    const assistantMessageId = sent.body.assistantMessageId as string;
    expect(sent.body.userMessage).toMatchObject({
      role: "user",
      content: "Show me some code, please",
      chatId,
    });

    const busy = await client.request("POST", `/api/chats/${chatId}/messages`, { content: "And more?" });
    expectError(busy, 409, "CHAT_BUSY");
    const repeated = await client.request("POST", `/api/chats/${chatId}/messages`, {
      content: "Show me some code, please",
      clientMessageId: "first-message",
    });
    expect(repeated.status).toBe(202);
    expect(repeated.body).toEqual(sent.body);

    const complete = await events.waitFor(
      (event) =>
        event.event === "message_complete" &&
        (event.data as MessageCompleteData).messageId === assistantMessageId,
    );
    const data = complete.data as MessageCompleteData;
    const echoed = await events.waitFor((event) => event.event === "message_created");
    expect((echoed.data as { message: { id: string } }).message.id).toBe(sent.body.userMessage.id);
    const chunks = events.events.filter((event) => event.event === "message_chunk");
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.map((event) => (event.data as { content: string }).content).join("")).toBe(
      data.fullContent,
    );
    expect(chunks.map((event) => (event.data as { seq: number }).seq)).toEqual(
      chunks.map((_, index) => index),
    );
    expect(data.finishReason).toBe("stop");
    expect(data.codeBlocks.length).toBeGreaterThanOrEqual(1);
    const block = data.codeBlocks[0] as MessageCompleteData["codeBlocks"][number];
    expect(data.fullContent.slice(block.startIndex, block.endIndex)).toContain(block.code);
    const ids = events.events.map((event) => event.id);
    expect(ids.every((id) => typeof id === "string" && /^[\w-]+:\d+-\d+$/.test(id as string))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    events.close();

    let chat = await client.request("GET", `/api/chats/${chatId}`);
    for (let attempt = 0; (chat.body.messages?.length ?? 0) < 2 && attempt < 50; attempt++) {
      await Bun.sleep(100);
      chat = await client.request("GET", `/api/chats/${chatId}`);
    }
    expect(chat.status).toBe(200);
    expect(Value.Check(ChatWithMessages, chat.body)).toBe(true);
    expect(chat.body.messages.map((message: { role: string }) => message.role)).toEqual([
      "user",
      "assistant",
    ]);
    expect(chat.body.messages[1]).toMatchObject({ id: assistantMessageId, content: data.fullContent });
    expect(chat.body.messages[1].codeBlocks).toEqual(data.codeBlocks);

    const list = await client.request("GET", "/api/chats");
    expect(list.body.chats[0].id).toBe(chatId);
    const messages = await client.request("GET", `/api/chats/${chatId}/messages?limit=1`);
    expect(messages.body.messages).toHaveLength(1);
    const next = await client.request(
      "GET",
      `/api/chats/${chatId}/messages?limit=1&cursor=${messages.body.nextCursor}`,
    );
    expect(next.body.messages[0].id).toBe(assistantMessageId);
  });

  test("a second turn sees the first in its context and the list orders by activity, with cursors", async () => {
    const client = alice();
    await client.register("Paging");
    const chatIds: string[] = [];
    for (let index = 0; index < 3; index++) {
      chatIds.push((await client.request("POST", "/api/chats", { title: `Chat ${index}` })).body.id);
    }
    const events = await client.events(`/api/chats/${chatIds[0]}/events`);
    const first = await client.request("POST", `/api/chats/${chatIds[0]}/messages`, { content: "one" });
    await events.waitFor((event) => event.event === "message_complete");
    let second = await client.request("POST", `/api/chats/${chatIds[0]}/messages`, { content: "two" });
    for (let attempt = 0; second.status === 409 && attempt < 50; attempt++) {
      await Bun.sleep(100);
      second = await client.request("POST", `/api/chats/${chatIds[0]}/messages`, { content: "two" });
    }
    expect(second.status).toBe(202);
    const answer = await events.waitFor(
      (event) =>
        event.event === "message_complete" &&
        (event.data as MessageCompleteData).messageId === second.body.assistantMessageId,
    );
    expect((answer.data as MessageCompleteData).fullContent).toContain("message 2 of our chat");
    expect(first.status).toBe(202);
    events.close();

    const firstPage = await client.request("GET", "/api/chats?limit=2");
    expect(firstPage.body.chats.map((chat: { id: string }) => chat.id)).toEqual([chatIds[0], chatIds[2]]);
    const secondPage = await client.request("GET", `/api/chats?limit=2&cursor=${firstPage.body.nextCursor}`);
    expect(secondPage.body.chats.map((chat: { id: string }) => chat.id)).toEqual([chatIds[1]]);
    expect(secondPage.body.nextCursor).toBeNull();
  });

  test("renaming reaches the chat stream and, through the notifier, the user's other devices", async () => {
    const client = alice();
    await client.register("Renamer");
    const chatId = (await client.request("POST", "/api/chats", {})).body.id;
    const chatEvents = await client.events(`/api/chats/${chatId}/events`);
    const userEvents = await client.events("/api/events");
    const renamed = await client.request("PATCH", `/api/chats/${chatId}`, { title: "Renamed chat" });
    expect(renamed.status).toBe(200);
    expect(renamed.body.title).toBe("Renamed chat");
    const update = await chatEvents.waitFor((event) => event.event === "chat_updated");
    expect((update.data as { chat: { title: string } }).chat.title).toBe("Renamed chat");
    const notification = await userEvents.waitFor((event) => event.event === "notification");
    expect(notification.data).toMatchObject({ chatId, kind: "chat_renamed", body: "Renamed chat" });
    await userEvents.waitFor((event) => event.event === "chat_updated");
    chatEvents.close();
    userEvents.close();
  });

  test("deleting a chat removes it and its messages", async () => {
    const client = alice();
    await client.register("Deleter");
    const chatId = (await client.request("POST", "/api/chats", {})).body.id;
    expect((await client.request("DELETE", `/api/chats/${chatId}`)).status).toBe(204);
    expectError(await client.request("GET", `/api/chats/${chatId}`), 404, "CHAT_NOT_FOUND");
    expectError(await client.request("GET", `/api/chats/${chatId}/messages`), 404, "CHAT_NOT_FOUND");
  });

  test("bad input gets the right 4xx and a typed error body, and stored data stays intact", async () => {
    const client = alice();
    await client.register("Careful");
    const chatId = (await client.request("POST", "/api/chats", { title: "Kept" })).body.id;
    const post = (body: unknown, headers?: Record<string, string>) =>
      client.request("POST", `/api/chats/${chatId}/messages`, body, headers);

    expectError(await post({ content: "" }), 400, "VALIDATION_FAILED");
    expectError(await post({ content: "x".repeat(32_001) }), 400, "VALIDATION_FAILED");
    expectError(await post({ content: "y".repeat(options.maxBodyBytes + 10) }), 413, "PAYLOAD_TOO_LARGE");
    expectError(await post('{"content": "unterminated'), 400, "MALFORMED_JSON");
    expectError(await post({ content: 42 }), 400, "VALIDATION_FAILED");
    expectError(await post({ content: "hi", extra: true }), 400, "VALIDATION_FAILED");
    expectError(await post({ content: "hi", clientMessageId: "not valid!" }), 400, "VALIDATION_FAILED");
    expectError(await client.request("POST", "/api/chats", { title: 7 }), 400, "VALIDATION_FAILED");
    expectError(
      await client.request("POST", "/api/auth/register", { email: "nope", password: "short", name: "" }),
      400,
      "VALIDATION_FAILED",
    );
    expectError(await client.request("GET", "/api/chats?limit=100000"), 400, "VALIDATION_FAILED");
    expectError(await client.request("GET", "/api/chats?cursor=garbage"), 400, "VALIDATION_FAILED");

    const unknown = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    expectError(await client.request("GET", `/api/chats/${unknown}`), 404, "CHAT_NOT_FOUND");
    expectError(
      await client.request("POST", `/api/chats/${unknown}/messages`, { content: "hi" }),
      404,
      "CHAT_NOT_FOUND",
    );
    expectError(await client.request("GET", `/api/chats/${unknown}/events`), 404, "CHAT_NOT_FOUND");
    expectError(await client.request("GET", "/api/no-such-route"), 404, "ROUTE_NOT_FOUND");

    const mallory = alice();
    await mallory.register("Mallory");
    expectError(await mallory.request("GET", `/api/chats/${chatId}`), 404, "CHAT_NOT_FOUND");
    expectError(await mallory.request("GET", `/api/chats/${chatId}/messages`), 404, "CHAT_NOT_FOUND");
    expectError(
      await mallory.request("POST", `/api/chats/${chatId}/messages`, { content: "hi" }),
      404,
      "CHAT_NOT_FOUND",
    );
    expectError(
      await mallory.request("PATCH", `/api/chats/${chatId}`, { title: "Mine" }),
      404,
      "CHAT_NOT_FOUND",
    );
    expectError(await mallory.request("DELETE", `/api/chats/${chatId}`), 404, "CHAT_NOT_FOUND");
    expectError(await mallory.request("GET", `/api/chats/${chatId}/events`), 404, "CHAT_NOT_FOUND");
    expect((await mallory.request("GET", "/api/chats")).body.chats).toEqual([]);

    const anonymous = alice();
    expectError(await anonymous.request("GET", "/api/chats"), 401, "UNAUTHORIZED");
    expectError(await anonymous.request("GET", `/api/chats/${chatId}/events`), 401, "UNAUTHORIZED");
    anonymous.token = "not.a.jwt";
    expectError(await anonymous.request("GET", "/api/me"), 401, "UNAUTHORIZED");
    const wrongPassword = await anonymous.request("POST", "/api/auth/login", {
      email: "nobody@example.test",
      password: "whatever1",
    });
    expectError(wrongPassword, 401, "INVALID_CREDENTIALS");

    const kept = await client.request("GET", `/api/chats/${chatId}`);
    expect(kept.body).toMatchObject({ id: chatId, title: "Kept", messages: [] });
  });

  test("the cookie alone authenticates, as a browser's EventSource does", async () => {
    const client = alice();
    const registered = await client.register("Cookie");
    const cookie = (registered.headers.get("set-cookie") ?? "").split(";")[0] as string;
    client.token = null;
    const me = await client.request("GET", "/api/me", undefined, { cookie });
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(registered.body.user.id);
  });

  test("cancel stops the answer, keeps the partial text with finishReason cancelled, and frees the chat", async () => {
    const client = alice();
    await client.register("Canceller");
    const chatId = (await client.request("POST", "/api/chats", {})).body.id;
    const idle = await client.request("POST", `/api/chats/${chatId}/cancel`);
    expect(idle.status).toBe(200);
    expect(idle.body).toEqual({ cancelled: false, messageId: null });

    const events = await client.events(`/api/chats/${chatId}/events`);
    const sent = await client.request("POST", `/api/chats/${chatId}/messages`, {
      content: "Talk for a while",
    });
    await events.waitFor((event) => event.event === "message_chunk");
    const cancel = await client.request("POST", `/api/chats/${chatId}/cancel`);
    expect(cancel.status).toBe(200);
    expect(cancel.body).toEqual({ cancelled: true, messageId: sent.body.assistantMessageId });
    const complete = await events.waitFor((event) => event.event === "message_complete");
    const data = complete.data as MessageCompleteData;
    expect(data.finishReason).toBe("cancelled");
    const chunks = events.events.filter((event) => event.event === "message_chunk");
    expect(chunks.map((event) => (event.data as { content: string }).content).join("")).toBe(
      data.fullContent,
    );
    expect(data.fullContent.length).toBeGreaterThan(0);
    expect(data.fullContent).not.toContain("demonstration.");
    events.close();

    let stored = await client.request("GET", `/api/chats/${chatId}`);
    for (let attempt = 0; stored.body.messages.length < 2 && attempt < 50; attempt++) {
      await Bun.sleep(100);
      stored = await client.request("GET", `/api/chats/${chatId}`);
    }
    expect(stored.body.messages[1]).toMatchObject({ content: data.fullContent, finishReason: "cancelled" });
    let next = await client.request("POST", `/api/chats/${chatId}/messages`, { content: "Next question" });
    for (let attempt = 0; next.status === 409 && attempt < 50; attempt++) {
      await Bun.sleep(100);
      next = await client.request("POST", `/api/chats/${chatId}/messages`, { content: "Next question" });
    }
    expect(next.status).toBe(202);
    const mallory = alice();
    await mallory.register("Mallory");
    expectError(await mallory.request("POST", `/api/chats/${chatId}/cancel`), 404, "CHAT_NOT_FOUND");
  });

  test("every device of the user sees the message sent from another and the same stream", async () => {
    const phone = alice();
    await phone.register("Devices");
    const laptop = alice();
    laptop.token = phone.token;
    const chatId = (await phone.request("POST", "/api/chats", {})).body.id;
    const phoneEvents = await phone.events(`/api/chats/${chatId}/events`);
    const laptopEvents = await laptop.events(`/api/chats/${chatId}/events`);
    const sent = await phone.request("POST", `/api/chats/${chatId}/messages`, { content: "From my phone" });
    for (const events of [phoneEvents, laptopEvents]) {
      const created = await events.waitFor((event) => event.event === "message_created");
      expect((created.data as { message: { id: string; content: string } }).message).toMatchObject({
        id: sent.body.userMessage.id,
        content: "From my phone",
      });
      await events.waitFor((event) => event.event === "message_complete");
    }
    // Later events (the auto-title's chat_updated) may still be on their way to one of the two.
    const untilComplete = (events: typeof phoneEvents) => {
      const complete = events.events.findIndex((event) => event.event === "message_complete");
      return events.events.slice(0, complete + 1).map((event) => [event.id, event.event]);
    };
    expect(untilComplete(laptopEvents)).toEqual(untilComplete(phoneEvents));
    phoneEvents.close();
    laptopEvents.close();
  });

  test("a message sent the moment message_complete arrives is accepted, over HTTP and over WebSocket", async () => {
    const client = alice();
    await client.register("Quick");
    const chatId = (await client.request("POST", "/api/chats", { title: "Quick" })).body.id as string;
    const events = await client.events(`/api/chats/${chatId}/events`);
    for (let round = 0; round < 3; round++) {
      const sent = await client.request("POST", `/api/chats/${chatId}/messages`, {
        content: `Round ${round}`,
      });
      expect(sent.status).toBe(202);
      await events.waitFor(
        (event) =>
          event.event === "message_complete" &&
          (event.data as MessageCompleteData).messageId === sent.body.assistantMessageId,
      );
    }
    const last = await client.request("POST", `/api/chats/${chatId}/messages`, { content: "And now?" });
    expect(last.status).toBe(202);
    await events.waitFor(
      (event) =>
        event.event === "message_complete" &&
        (event.data as MessageCompleteData).messageId === last.body.assistantMessageId,
    );
    events.close();

    const socket = await client.socket();
    socket.send({ type: "subscribe", chatId, requestId: "s" });
    await socket.waitFor((frame) => frame.type === "subscribed");
    // The next message leaves in the very handler that receives the answer's message_complete.
    const rounds = 4;
    let round = 0;
    let answering: string | null = null;
    socket.socket.addEventListener("message", (event) => {
      const frame = JSON.parse(String(event.data));
      if (frame.type === "message_accepted") answering = frame.assistantMessageId;
      if (frame.type === "message_complete" && frame.messageId === answering && ++round < rounds) {
        socket.send({
          type: "chat_message",
          chatId,
          content: `Socket round ${round}`,
          requestId: `r${round}`,
        });
      }
    });
    socket.send({ type: "chat_message", chatId, content: "Socket round 0", requestId: "r0" });
    for (let index = 0; index < rounds; index++) {
      const answer = await socket.waitFor(
        (frame) =>
          (frame.type === "message_accepted" || frame.type === "error") && frame.requestId === `r${index}`,
      );
      expect(answer).toMatchObject({ type: "message_accepted", requestId: `r${index}` });
    }
    await socket.waitFor((frame) => frame.type === "message_complete" && frame.messageId === answering);
    socket.socket.close();
  });

  /** The active path of the chat once it has `count` messages (answers are written a moment after they complete). */
  async function activePath(client: ChatApiClient, chatId: string, count: number) {
    let chat = await client.request("GET", `/api/chats/${chatId}`);
    for (let attempt = 0; chat.body.messages.length !== count && attempt < 50; attempt++) {
      await Bun.sleep(100);
      chat = await client.request("GET", `/api/chats/${chatId}`);
    }
    expect(Value.Check(ChatWithMessages, chat.body)).toBe(true);
    return chat.body.messages as Message[];
  }
  const idsOf = (messages: Message[]) => messages.map((message) => `${message.role}:${message.id}`);
  const completed = (id: string) => (event: { event: string; data: unknown }) =>
    event.event === "message_complete" && (event.data as MessageCompleteData).messageId === id;

  test("regenerate keeps the old answer as a version: the path shows the new one, a switch the old one", async () => {
    const client = alice();
    await client.register("Regenerator");
    const chatId = (await client.request("POST", "/api/chats", { title: "Again" })).body.id as string;
    const events = await client.events(`/api/chats/${chatId}/events`);
    const sent = await client.request("POST", `/api/chats/${chatId}/messages`, { content: "Show me a loop" });
    const first = sent.body.assistantMessageId as string;
    await events.waitFor(completed(first));
    const question = sent.body.userMessage.id as string;
    expect(idsOf(await activePath(client, chatId, 2))).toEqual([`user:${question}`, `assistant:${first}`]);
    const regenerateWhenIdle = (messageId: string) =>
      client.request("POST", `/api/chats/${chatId}/regenerate`, { messageId });

    const regenerated = await regenerateWhenIdle(first);
    expect(regenerated.status).toBe(202);
    expect(regenerated.body).toMatchObject({ userMessage: { id: question }, replacedMessageId: first });
    const second = regenerated.body.assistantMessageId as string;
    expect(second).not.toBe(first);
    const switched = await events.waitFor((event) => event.event === "branch_switched");
    expect(switched.data).toEqual({ chatId, activeLeafId: question });
    const complete = await events.waitFor(completed(second));
    expect((complete.data as MessageCompleteData).fullContent).toContain("Show me a loop");
    let path = await activePath(client, chatId, 2);
    for (let attempt = 0; path.at(-1)?.id !== second && attempt < 50; attempt++) {
      await Bun.sleep(100);
      path = await activePath(client, chatId, 2);
    }
    expect(idsOf(path)).toEqual([`user:${question}`, `assistant:${second}`]);
    expect(path[1]?.siblingIds).toEqual([first, second]);
    expect(events.events.some((event) => event.event === "message_deleted")).toBe(false);
    expectError(await regenerateWhenIdle(first), 409, "NOT_LATEST_ANSWER");

    // Back to version 1: every device hears it, and the next question follows it.
    const back = await client.request("POST", `/api/chats/${chatId}/branch`, { messageId: first });
    expect(back).toMatchObject({ status: 200, body: { chatId, activeLeafId: first } });
    await events.waitFor(
      (event) =>
        event.event === "branch_switched" && (event.data as { activeLeafId: string }).activeLeafId === first,
    );
    expect(idsOf(await activePath(client, chatId, 2))).toEqual([`user:${question}`, `assistant:${first}`]);
    const next = await client.request("POST", `/api/chats/${chatId}/messages`, { content: "And another" });
    // While it is answered, no other branch operation is taken.
    expectError(await regenerateWhenIdle(first), 409, "CHAT_BUSY");
    expectError(
      await client.request("POST", `/api/chats/${chatId}/branch`, { messageId: second }),
      409,
      "CHAT_BUSY",
    );
    expectError(
      await client.request("POST", `/api/chats/${chatId}/messages/${question}/edit`, { content: "Edited" }),
      409,
      "CHAT_BUSY",
    );
    const nextComplete = await events.waitFor(completed(next.body.assistantMessageId));
    expect((nextComplete.data as MessageCompleteData).fullContent).toContain("message 2 of our chat");
    events.close();
    expect(idsOf((await activePath(client, chatId, 4)).slice(0, 3))).toEqual([
      `user:${question}`,
      `assistant:${first}`,
      `user:${next.body.userMessage.id}`,
    ]);
    expectError(await regenerateWhenIdle(first), 409, "NOT_LATEST_ANSWER");
    expectError(
      await client.request("POST", `/api/chats/${chatId}/branch`, { messageId: "no-such-message" }),
      404,
      "MESSAGE_NOT_FOUND",
    );
    expectError(
      await client.request("POST", `/api/chats/${chatId}/regenerate`, {}),
      400,
      "VALIDATION_FAILED",
    );
    const mallory = alice();
    await mallory.register("Mallory");
    expectError(
      await mallory.request("POST", `/api/chats/${chatId}/regenerate`, {
        messageId: next.body.assistantMessageId,
      }),
      404,
      "CHAT_NOT_FOUND",
    );
    expectError(
      await mallory.request("POST", `/api/chats/${chatId}/branch`, { messageId: first }),
      404,
      "CHAT_NOT_FOUND",
    );
  });

  test("editing a middle question answers a new branch from its path; the old branch stays reachable, also over WebSocket", async () => {
    const client = alice();
    await client.register("Editor");
    const chatId = (await client.request("POST", "/api/chats", { title: "Edits" })).body.id as string;
    const events = await client.events(`/api/chats/${chatId}/events`);
    const turns: Array<{ question: string; answer: string }> = [];
    for (const content of ["First question", "Second question", "Third question"]) {
      const sent = await client.request("POST", `/api/chats/${chatId}/messages`, { content });
      await events.waitFor(completed(sent.body.assistantMessageId));
      turns.push({ question: sent.body.userMessage.id, answer: sent.body.assistantMessageId });
    }
    const [one, two, three] = turns as [(typeof turns)[0], (typeof turns)[0], (typeof turns)[0]];
    await activePath(client, chatId, 6);
    const lastEventId = events.events.at(-1)?.id as string;

    const edited = await client.request("POST", `/api/chats/${chatId}/messages/${two.question}/edit`, {
      content: "Second question, edited",
      clientMessageId: "edit-1",
    });
    expect(edited.status).toBe(202);
    expect(edited.body).toMatchObject({
      editedMessageId: two.question,
      userMessage: { content: "Second question, edited", parentId: one.answer },
    });
    const editedAnswer = await events.waitFor(completed(edited.body.assistantMessageId));
    // The model saw the path up to the edited question: two questions, not four.
    expect((editedAnswer.data as MessageCompleteData).fullContent).toContain("message 2 of our chat");
    const path = await activePath(client, chatId, 4);
    expect(path.map((message) => message.content.slice(0, 40))).toEqual([
      "First question",
      expect.any(String),
      "Second question, edited",
      expect.stringContaining("Second question, edited"),
    ]);
    expect(path[2]?.siblingIds).toEqual([two.question, edited.body.userMessage.id]);
    // The same clientMessageId is the same edit.
    const repeated = await client.request("POST", `/api/chats/${chatId}/messages/${two.question}/edit`, {
      content: "Second question, edited",
      clientMessageId: "edit-1",
    });
    expect(repeated.body.userMessage.id).toBe(edited.body.userMessage.id);
    expectError(
      await client.request("POST", `/api/chats/${chatId}/messages/${two.answer}/edit`, {
        content: "An answer?",
      }),
      404,
      "MESSAGE_NOT_FOUND",
    );

    // A client resuming from before the edit hears of the new branch.
    const resumed = await SseReader.open(`${client.baseUrl}/api/chats/${chatId}/events`, {
      authorization: `Bearer ${client.token}`,
      "last-event-id": lastEventId,
    });
    await resumed.waitFor((event) => event.event === "branch_switched");
    resumed.close();

    // Over the WebSocket: back to the old question's branch, down to its end, then edit the first question.
    const socket = await client.socket();
    socket.send({ type: "switch_branch", chatId, messageId: two.question, requestId: "b1" });
    expect(await socket.waitFor((frame) => frame.requestId === "b1")).toMatchObject({
      type: "switch_branch_accepted",
      chatId,
      activeLeafId: three.answer,
    });
    expect(idsOf(await activePath(client, chatId, 6))).toEqual(
      turns.flatMap((turn) => [`user:${turn.question}`, `assistant:${turn.answer}`]),
    );
    socket.send({
      type: "edit_message",
      chatId,
      messageId: one.question,
      content: "First, again",
      requestId: "e2",
    });
    const accepted = await socket.waitFor((frame) => frame.requestId === "e2");
    expect(accepted).toMatchObject({
      type: "edit_accepted",
      editedMessageId: one.question,
      userMessage: { parentId: null },
    });
    const socketAnswer = await socket.waitFor(
      (frame) => frame.type === "message_complete" && frame.messageId === accepted.assistantMessageId,
    );
    expect(String(socketAnswer.fullContent)).toContain("message 1 of our chat");
    const firstVersions = (await activePath(client, chatId, 2))[0];
    expect(firstVersions?.siblingIds).toEqual([one.question, accepted.userMessage.id]);
    socket.close();
    events.close();
  });

  test("search finds the user's chats by title and by the text of any message, and never another user's", async () => {
    const client = alice();
    await client.register("Searcher");
    const titled = (await client.request("POST", "/api/chats", { title: "Quarterly budget review" })).body;
    // Named, so that no automatic title (made from the question) matches too.
    const asked = (await client.request("POST", "/api/chats", { title: "Where things are" })).body;
    const events = await client.events(`/api/chats/${asked.id}/events`);
    // Longer than the demo model quotes back (77 characters), so its last word is in the question only.
    const question =
      "Please tell me, in as much detail as you can manage today, where the old archive is: Zanzibar";
    await client.request("POST", `/api/chats/${asked.id}/messages`, { content: question });
    const complete = await events.waitFor((event) => event.event === "message_complete");
    events.close();
    const answer = (complete.data as MessageCompleteData).fullContent;
    const answerWord = ["fibonacci", "greet", "xargs"].find((word) => answer.includes(word)) as string;
    expect(answerWord).toBeDefined();
    const mallory = alice();
    await mallory.register("Mallory");
    await mallory.request("POST", "/api/chats", { title: "Zanzibar budget notes" });

    const search = (text: string) => client.request("GET", `/api/search?q=${encodeURIComponent(text)}`);
    const byTitle = await search("  QUARTERLY budget ");
    expect(byTitle.status).toBe(200);
    expect(byTitle.body).toEqual({
      results: [{ chat: expect.objectContaining({ id: titled.id }), match: { in: "title" } }],
      nextCursor: null,
    });

    // The answer is written by the store when it hears message_complete: it may take a moment.
    let byAnswer = await search(answerWord);
    for (let attempt = 0; byAnswer.body.results?.length === 0 && attempt < 50; attempt++) {
      await Bun.sleep(100);
      byAnswer = await search(answerWord);
    }
    expect(byAnswer.body.results).toHaveLength(1);
    expect(byAnswer.body.results[0].match).toMatchObject({ in: "message", role: "assistant" });
    expect(byAnswer.body.results[0].match.snippet.toLowerCase()).toContain(answerWord);

    const byQuestion = await search("zanzibar");
    expect(byQuestion.body.results).toHaveLength(1);
    expect(byQuestion.body.results[0]).toMatchObject({
      chat: { id: asked.id },
      match: { in: "message", role: "user", snippet: question },
    });
    // Text in both the question and the answer's quote of it: the newest message is the match.
    const quoted = await search("as much detail");
    expect(quoted.body.results[0].match).toMatchObject({ in: "message", role: "assistant" });

    const budget = await search("budget");
    expect(budget.body.results.map((result: { chat: { id: string } }) => result.chat.id)).toEqual([
      titled.id,
    ]);
    const malloryOwn = await mallory.request("GET", "/api/search?q=zanzibar");
    expect(malloryOwn.body.results).toHaveLength(1);
    expect(malloryOwn.body.results[0].chat.title).toBe("Zanzibar budget notes");

    expect((await search("nothing like this anywhere")).body).toEqual({ results: [], nextCursor: null });
    expectError(await search("   "), 400, "VALIDATION_FAILED");
    expectError(await search("x".repeat(201)), 400, "VALIDATION_FAILED");
    expectError(await client.request("GET", "/api/search"), 400, "VALIDATION_FAILED");
    expectError(
      await new ChatApiClient(baseUrl()).request("GET", "/api/search?q=budget"),
      401,
      "UNAUTHORIZED",
    );
  });

  test("a client that reconnects with Last-Event-ID gets exactly what it missed; an unknown id answers RESUME_EXPIRED", async () => {
    const client = alice();
    await client.register("Resumer");
    const chatId = (await client.request("POST", "/api/chats", {})).body.id;
    const witness = await client.events(`/api/chats/${chatId}/events`);
    const dropped = await client.events(`/api/chats/${chatId}/events`);
    await client.request("POST", `/api/chats/${chatId}/messages`, { content: "Resume me" });
    await dropped.waitFor(
      (event) => event.event === "message_chunk" && (event.data as { seq: number }).seq >= 2,
    );
    dropped.close();
    const lastSeen = dropped.events.at(-1)?.id as string;
    await witness.waitFor((event) => event.event === "message_complete");

    const resumed = await SseReader.open(`${baseUrl()}/api/chats/${chatId}/events`, {
      authorization: `Bearer ${client.token}`,
      "last-event-id": lastSeen,
    });
    await resumed.waitFor((event) => event.event === "message_complete");
    // Up to the answer's end: the chat's title may follow it in the log at any moment.
    const ids = (events: Array<{ id?: string; event?: string }>) =>
      events
        .slice(0, events.findIndex((event) => event.event === "message_complete") + 1)
        .map((event) => event.id);
    expect([...dropped.events.map((event) => event.id), ...ids(resumed.events)]).toEqual(ids(witness.events));
    resumed.close();
    witness.close();

    const expired = await client.events(`/api/chats/${chatId}/events?lastEventId=gone:1-0`);
    const error = await expired.waitFor((event) => event.event === "error");
    expect(error.data).toMatchObject({ code: "RESUME_EXPIRED", retryable: false });
    expect(error.id).toBeUndefined();
    expired.close();
  });
}
