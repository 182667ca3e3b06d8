import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ChatApiClient } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";
import { ServiceProcess } from "../support/service-process.ts";

/** The bytes of the SQLite database and its write-ahead log, as a reader of DATA_DIR sees them. */
function databaseBytes(dataDirectory: string): string {
  return ["chat.sqlite", "chat.sqlite-wal"]
    .map((file) => join(dataDirectory, file))
    .filter((path) => existsSync(path))
    .map((path) => readFileSync(path).toString("latin1"))
    .join("");
}

describe("encryption at rest, end to end: the embedded server with ENCRYPTION_KEYS", () => {
  let server: EmbeddedServer;
  let client: ChatApiClient;

  beforeAll(async () => {
    server = await startEmbeddedServer({ ENCRYPTION_KEYS: `k1:${randomBytes(32).toString("base64")}` });
    client = await ChatApiClient.signUp(server.baseUrl, "Encrypted");
  });
  afterAll(async () => {
    await server?.stop();
  });

  test("titles and messages reach no database byte in clear, and search finds them by word", async () => {
    await client.request("POST", "/api/chats", { title: "Periwinkle walrus plans" });
    const answered = await client.answeredChat("The quokka password is marmalade");
    answered.events.close();
    // The answer is written by the store when it hears message_complete: it may take a moment.
    let messages = (await client.request("GET", `/api/chats/${answered.chatId}`)).body.messages;
    for (let attempt = 0; messages.length < 2 && attempt < 50; attempt++) {
      await Bun.sleep(100);
      messages = (await client.request("GET", `/api/chats/${answered.chatId}`)).body.messages;
    }
    const answer = messages[1].content as string;

    const search = async (text: string) =>
      (await client.request("GET", `/api/search?q=${encodeURIComponent(text)}`)).body;
    expect((await search("PERIWINKLE")).results[0].match).toEqual({ in: "title" });
    // The first message names the chat too (an automatic title).
    expect(
      (await search("marmalade quokka")).results.map((hit: { chat: { id: string } }) => hit.chat.id),
    ).toEqual([answered.chatId]);
    const [byAnswer] = (await search("OFFLINE demo")).results;
    expect(byAnswer).toMatchObject({
      chat: { id: answered.chatId },
      match: { in: "message", role: "assistant" },
    });
    expect(byAnswer.match.snippet).toContain("offline demo model");
    expect((await search("passwords")).results).toEqual([]);

    const raw = databaseBytes(server.dataDirectory);
    expect(raw).toContain("enc:v1:k1:");
    for (const text of [
      "Periwinkle",
      "quokka",
      "marmalade",
      "offline demo model",
      "xargs wc",
      answer.slice(0, 40),
    ])
      expect(raw.includes(text)).toBe(false);
  });

  test("started again without the key its values use, the server stops at once, naming the key", async () => {
    await server.process.stop();
    const start = ServiceProcess.start("all-in-one", "services/all-in-one/main.ts", {
      ...server.environment,
      ENCRYPTION_KEYS: `k2:${randomBytes(32).toString("base64")}`,
    });
    await expect(start).rejects.toThrow(/exited with 1[\s\S]*"k1" \(\d+ values?\), which is not configured/);
  });
});
