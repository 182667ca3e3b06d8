import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import chatGptExport from "../../services/gateway/src/import/__fixtures__/chatgpt-conversations.json";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";

type ExportedMessages = Array<{ id: string; parentId: string | null; role: string; content: string }>;

describe("imports: ChatGPT's conversations.json and this app's export, idempotent and bounded", () => {
  let server: EmbeddedServer;

  beforeAll(async () => {
    server = await startEmbeddedServer({ IMPORT_MAX_BYTES: String(256 * 1024) });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const exportOf = async (client: ChatApiClient, chatId: string) =>
    (await client.request("GET", `/api/chats/${chatId}/export`)).body.chats[0] as {
      title: string;
      activeLeafId: string;
      messages: ExportedMessages;
    };

  test("a ChatGPT export keeps its branches and the path shown, leaves out system and tool messages, and imports once", async () => {
    const client = await ChatApiClient.signUp(server.baseUrl, "Importer");
    const first = await client.request("POST", "/api/imports", chatGptExport);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ source: "chatgpt", imported: 1, alreadyImported: 0 });
    expect(first.body.skipped).toEqual([
      { chat: "Only a system prompt", reason: "no text message of the user or the assistant" },
    ]);
    const chatId = first.body.chats[0].id as string;

    const shown = (await client.request("GET", `/api/chats/${chatId}`)).body;
    expect(shown.title).toBe("Reversing lists");
    expect(shown.messages.map((message: { content: string }) => message.content)).toEqual([
      "How do I reverse a list in Python?",
      "Use `reversed(items)` or `items[::-1]`.",
      "And a tuple?",
      "Tuples are immutable: `tuple(reversed(t))` gives a new one.",
    ]);
    const exported = await exportOf(client, chatId);
    expect(exported.messages).toHaveLength(7);
    const byContent = new Map(exported.messages.map((message) => [message.content, message]));
    const question = byContent.get("How do I reverse a list in Python?");
    const edited = exported.messages.find((message) => message.content.includes("What is in this picture"));
    expect(question?.parentId).toBeNull();
    expect(edited?.parentId).toBeNull();
    expect(edited?.content).toStartWith("[an image or file that was not imported]");
    expect(byContent.get("Call `items.reverse()` to reverse in place.")?.parentId).toBe(question?.id);
    expect(byContent.get("Tuples are immutable: `tuple(reversed(t))` gives a new one.")?.parentId).toBe(
      byContent.get("And a tuple?")?.id,
    );

    const again = await client.request("POST", "/api/imports", chatGptExport);
    expect(again.body).toMatchObject({ imported: 0, alreadyImported: 1 });
    expect((await client.request("GET", "/api/chats")).body.chats).toHaveLength(1);
    expect((await exportOf(client, chatId)).messages).toHaveLength(7);
  });

  test("this app's export comes back whole, branches included, for another account too", async () => {
    const author = await ChatApiClient.signUp(server.baseUrl, "Author");
    const { chatId, events } = await author.answeredChat("Keep this");
    const answerId = (await author.request("GET", `/api/chats/${chatId}`)).body.messages[1].id as string;
    await author.request("POST", `/api/chats/${chatId}/regenerate`, { messageId: answerId });
    await events.waitFor(
      (event) =>
        event.event === "message_complete" && (event.data as { messageId: string }).messageId !== answerId,
    );
    events.close();
    const file = (await author.request("GET", `/api/chats/${chatId}/export`)).body;

    const reader = await ChatApiClient.signUp(server.baseUrl, "Reader");
    const imported = await reader.request("POST", "/api/imports", file);
    expect(imported.body).toMatchObject({
      source: "chat-system",
      imported: 1,
      alreadyImported: 0,
      skipped: [],
    });
    const copy = await exportOf(reader, imported.body.chats[0].id);
    const original = file.chats[0];
    expect(copy.messages.map((message) => [message.role, message.content])).toEqual(
      original.messages.map((message: { role: string; content: string }) => [message.role, message.content]),
    );
    const copyIndex = copy.messages.findIndex((message) => message.id === copy.activeLeafId);
    const originalIndex = original.messages.findIndex(
      (message: { id: string }) => message.id === original.activeLeafId,
    );
    expect(copyIndex).toBe(originalIndex);
    expect((await reader.request("POST", "/api/imports", file)).body).toMatchObject({
      imported: 0,
      alreadyImported: 1,
    });
  });

  test("an unknown file is 400, an oversized one 413, and a chat past the limits is skipped with the reason", async () => {
    const client = await ChatApiClient.signUp(server.baseUrl, "Careful");
    const unknown = await client.request("POST", "/api/imports", { hello: "world" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe("VALIDATION_FAILED");
    const wrongVersion = await client.request("POST", "/api/imports", {
      format: "chat-system-export",
      version: 99,
      chats: [],
    });
    expect(wrongVersion.status).toBe(400);

    const huge = await client.request("POST", "/api/imports", [
      { mapping: {}, filler: "x".repeat(300 * 1024) },
    ]);
    expect(huge.status).toBe(413);

    // The first question, a character past the limit.
    const long = JSON.parse(
      JSON.stringify(chatGptExport[0]).replace("How do I reverse a list in Python?", "y".repeat(100_001)),
    );
    const skipped = await client.request("POST", "/api/imports", [long]);
    expect(skipped.status).toBe(200);
    expect(skipped.body.imported).toBe(0);
    expect(skipped.body.skipped).toEqual([
      { chat: "Reversing lists", reason: "a message longer than 100000 characters" },
    ]);
    expect((await client.request("GET", "/api/chats")).body.chats).toEqual([]);
  });
});
