import { describe, expect, test } from "bun:test";
import { chatRoutesApp, goodToken } from "./__fixtures__/chat-transports.ts";
import { fakeChat, fakeChatBackend } from "./__fixtures__/fake-chat-backend.ts";

function request(method: string, path: string, body?: unknown, token = goodToken) {
  return new Request(`http://gateway.test${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe("chatRoutes, in process", () => {
  test("every route is signed in: no valid token answers 401 before anything is sent", async () => {
    const backend = fakeChatBackend();
    const app = chatRoutesApp(backend);
    for (const [method, path, body] of [
      ["GET", `/api/chats/${fakeChat.id}`],
      ["PATCH", `/api/chats/${fakeChat.id}`, { title: "x" }],
      ["POST", `/api/chats/${fakeChat.id}/messages`, { content: "Hi" }],
      ["POST", `/api/chats/${fakeChat.id}/cancel`],
    ] as const) {
      const response = await app.handle(request(method, path, body, "stolen"));
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 401 });
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
    }
    expect(backend.sent).toEqual([]);
  });

  test("a sent message is accepted with 202 and the actor's reply", async () => {
    const backend = fakeChatBackend();
    const response = await chatRoutesApp(backend).handle(
      request("POST", `/api/chats/${fakeChat.id}/messages`, { content: "Hi", clientMessageId: "c-1" }),
    );
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({
      assistantMessageId: "answer-1",
      userMessage: { content: "Hi", clientMessageId: "c-1" },
    });
    expect(backend.sent.map((command) => command.type)).toEqual(["send_message"]);
  });

  test("PATCH renames through the actor; DELETE answers 204", async () => {
    const backend = fakeChatBackend();
    const app = chatRoutesApp(backend);
    const renamed = await app.handle(request("PATCH", `/api/chats/${fakeChat.id}`, { title: " Renamed " }));
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toEqual({ ...fakeChat, title: "Renamed" });
    const deleted = await app.handle(request("DELETE", `/api/chats/${fakeChat.id}`));
    expect(deleted.status).toBe(204);
    expect(backend.sent.map((command) => command.type)).toEqual(["update_chat", "delete_chat"]);
  });

  test("GET a chat reads the store; another user's is 404 CHAT_NOT_FOUND", async () => {
    const app = chatRoutesApp(fakeChatBackend());
    const found = await app.handle(request("GET", `/api/chats/${fakeChat.id}`));
    expect(found.status).toBe(200);
    expect(await found.json()).toEqual({ ...fakeChat, messages: [], hasOlderMessages: false });
    const missing = await app.handle(request("GET", "/api/chats/chat-2"));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: "CHAT_NOT_FOUND", message: "Chat not found" } });
  });

  test("a body the schema refuses is 400 VALIDATION_FAILED and nothing is sent", async () => {
    const backend = fakeChatBackend();
    const response = await chatRoutesApp(backend).handle(
      request("POST", `/api/chats/${fakeChat.id}/messages`, { content: "Hi", extra: true }),
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("VALIDATION_FAILED");
    expect(backend.sent).toEqual([]);
  });
});
