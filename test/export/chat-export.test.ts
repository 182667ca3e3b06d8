import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ChatExportDocument } from "@chat/contracts";
import { Value } from "@sinclair/typebox/value";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";

type Exported = {
  account?: { email: string };
  chats: Array<{
    id: string;
    activeLeafId: string | null;
    messages: Array<{ id: string; parentId: string | null; role: string; content: string }>;
  }>;
};

describe("exports: a chat as JSON or Markdown, the whole account as JSON", () => {
  let server: EmbeddedServer;
  let owner: ChatApiClient;
  let chatId: string;
  let oldAnswerId: string;

  beforeAll(async () => {
    server = await startEmbeddedServer();
    owner = await ChatApiClient.signUp(server.baseUrl, "Exporter");
    const answered = await owner.answeredChat("First question");
    chatId = answered.chatId;
    const first = (await owner.request("GET", `/api/chats/${chatId}`)).body.messages;
    oldAnswerId = first[1].id;
    // A second version of the answer: the first stays on its branch.
    await owner.request("POST", `/api/chats/${chatId}/regenerate`, { messageId: oldAnswerId });
    await answered.events.waitFor(
      (event) =>
        event.event === "message_complete" && (event.data as { messageId: string }).messageId !== oldAnswerId,
    );
    answered.events.close();
    const other = await owner.answeredChat("Another chat");
    other.events.close();
  });
  afterAll(async () => {
    await server?.stop();
  });

  test("JSON holds every branch with parents and the active leaf, in the versioned schema", async () => {
    const response = await fetch(`${server.baseUrl}/api/chats/${chatId}/export`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toMatch(
      /^attachment; filename="[A-Za-z0-9-]+\.json"$/,
    );
    const document = (await response.json()) as Exported;
    expect(Value.Check(ChatExportDocument, document)).toBe(true);
    const [chat] = document.chats;
    const roles = chat?.messages.map((message) => [
      message.role,
      message.parentId === null ? null : "parent",
    ]);
    expect(roles).toEqual([
      ["user", null],
      ["assistant", "parent"],
      ["assistant", "parent"],
    ]);
    const [question, oldAnswer, newAnswer] = chat?.messages ?? [];
    expect(oldAnswer?.id).toBe(oldAnswerId);
    expect(oldAnswer?.parentId).toBe(question?.id);
    expect(newAnswer?.parentId).toBe(question?.id);
    expect(chat?.activeLeafId).toBe(newAnswer?.id);
  });

  test("Markdown is the path the app shows: the question and the newest answer", async () => {
    const response = await fetch(`${server.baseUrl}/api/chats/${chatId}/export?format=markdown`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/markdown");
    const markdown = await response.text();
    expect(markdown.match(/^## You · /gm)?.length).toBe(1);
    expect(markdown.match(/^## Assistant/gm)?.length).toBe(1);
    expect(markdown).toContain("First question");
  });

  test("another user's chat is 404, an unknown format 400", async () => {
    const stranger = await ChatApiClient.signUp(server.baseUrl, "Stranger");
    const refused = await stranger.request("GET", `/api/chats/${chatId}/export`);
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe("CHAT_NOT_FOUND");
    const badFormat = await owner.request("GET", `/api/chats/${chatId}/export?format=pdf`);
    expect(badFormat.status).toBe(400);
  });

  test("the account export streams every chat of the user and only theirs", async () => {
    const stranger = await ChatApiClient.signUp(server.baseUrl, "Neighbour");
    const theirs = await stranger.answeredChat("Not in the export");
    theirs.events.close();
    const response = await fetch(`${server.baseUrl}/api/me/export`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    expect(response.status).toBe(200);
    const document = (await response.json()) as Exported;
    expect(Value.Check(ChatExportDocument, document)).toBe(true);
    expect(document.account?.email).toBe((await owner.request("GET", "/api/me")).body.user.email);
    expect(document.chats).toHaveLength(2);
    expect(document.chats.map((chat) => chat.id)).toContain(chatId);
    expect(JSON.stringify(document)).not.toContain("Not in the export");
  });
});
