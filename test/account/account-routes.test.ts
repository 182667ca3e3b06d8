import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { WebSocketCloseCode } from "@chat/contracts";
import { ChatApiClient, defaultPassword } from "../support/chat-api-client.ts";
import { type EmbeddedServer, startEmbeddedServer } from "../support/embedded-server.ts";

/** The email the client registered with. */
async function emailOf(client: ChatApiClient): Promise<string> {
  return (await client.request("GET", "/api/me")).body.user.email;
}

/** A second sign-in of the same account, as another device would have. */
async function otherDevice(client: ChatApiClient): Promise<ChatApiClient> {
  const device = new ChatApiClient(client.baseUrl);
  const signedIn = await device.login(await emailOf(client));
  expect(signedIn.status).toBe(200);
  return device;
}

async function upload(client: ChatApiClient, name: string, text: string): Promise<string> {
  const form = new FormData();
  form.append("file", new Blob([text], { type: "text/plain" }), name);
  const response = await fetch(`${client.baseUrl}/api/uploads`, {
    method: "POST",
    headers: { authorization: `Bearer ${client.token}` },
    body: form,
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

function filesOnDisk(server: EmbeddedServer): string[] {
  return readdirSync(join(server.dataDirectory, "uploads"), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe("/api/me: the user's own account", () => {
  let server: EmbeddedServer;
  let admin: ChatApiClient;

  beforeAll(async () => {
    server = await startEmbeddedServer();
    // The first account of a server is its admin.
    admin = await ChatApiClient.signUp(server.baseUrl, "Root");
  });
  afterAll(async () => {
    await server?.stop();
  });

  test("PATCH renames the user; an empty or unknown field is refused", async () => {
    const ada = await ChatApiClient.signUp(server.baseUrl, "Ada");
    const renamed = await ada.request("PATCH", "/api/me", { name: "  Ada King  " });
    expect(renamed.status).toBe(200);
    expect(renamed.body.user).toMatchObject({ name: "Ada King", role: "user" });
    expect((await ada.request("GET", "/api/me")).body.user.name).toBe("Ada King");

    for (const body of [{ name: "" }, { name: "x".repeat(101) }, { name: "A", role: "admin" }]) {
      const refused = await ada.request("PATCH", "/api/me", body);
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe("VALIDATION_FAILED");
    }
    expect((await ada.request("GET", "/api/me")).body.user).toMatchObject({ name: "Ada King", role: "user" });
  });

  test("PUT /password needs the current one, keeps this sign-in and ends every other", async () => {
    const grace = await ChatApiClient.signUp(server.baseUrl, "Grace");
    const laptop = await otherDevice(grace);
    const email = await emailOf(grace);

    const wrong = await grace.request("PUT", "/api/me/password", {
      currentPassword: "not the password",
      newPassword: "a new long passphrase",
    });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe("NOT_CONFIRMED");
    const weak = await grace.request("PUT", "/api/me/password", {
      currentPassword: defaultPassword,
      newPassword: email,
    });
    expect(weak.status).toBe(400);
    expect(weak.body.error.details[0].path).toBe("/password");
    expect((await laptop.request("GET", "/api/me")).status).toBe(200);

    const changed = await grace.request("PUT", "/api/me/password", {
      currentPassword: defaultPassword,
      newPassword: "a new long passphrase",
    });
    expect(changed.status).toBe(204);
    expect((await grace.request("GET", "/api/me")).status).toBe(200);
    expect((await laptop.request("GET", "/api/me")).status).toBe(401);
    expect((await new ChatApiClient(server.baseUrl).login(email)).status).toBe(401);
    expect((await new ChatApiClient(server.baseUrl).login(email, "a new long passphrase")).status).toBe(200);
  });

  test("POST /sign-out-everywhere ends every sign-in of the user, and only theirs", async () => {
    const linus = await ChatApiClient.signUp(server.baseUrl, "Linus");
    const phone = await otherDevice(linus);
    const socket = await phone.socket();
    const bystander = await ChatApiClient.signUp(server.baseUrl, "Bystander");

    const signedOut = await linus.request("POST", "/api/me/sign-out-everywhere");
    expect(signedOut.status).toBe(204);
    expect(signedOut.headers.getSetCookie().some((cookie) => cookie.startsWith("chat_session=;"))).toBe(true);
    expect((await linus.request("GET", "/api/me")).status).toBe(401);
    expect((await phone.request("GET", "/api/me")).status).toBe(401);
    socket.send({ type: "ping", requestId: "after" });
    expect((await socket.closed()).code).toBe(WebSocketCloseCode.signedOut);
    expect((await bystander.request("GET", "/api/me")).status).toBe(200);
  });

  test("DELETE needs the password, then removes the chats, files, keys and sign-ins, and the user", async () => {
    const mary = await ChatApiClient.signUp(server.baseUrl, "Mary");
    const email = await emailOf(mary);
    const bystander = await ChatApiClient.signUp(server.baseUrl, "Neighbour");
    const kept = await bystander.answeredChat("my own chat");
    kept.events.close();
    const keptFile = await upload(bystander, "theirs.txt", "the neighbour's file");

    const first = await mary.answeredChat("first question");
    first.events.close();
    const second = await mary.answeredChat("second question");
    second.events.close();
    const sent = await upload(mary, "sent.txt", "a file sent in a chat");
    await mary.request("POST", `/api/chats/${first.chatId}/messages`, {
      content: "see the file",
      attachmentIds: [sent],
    });
    await upload(mary, "draft.txt", "a file never sent");
    const { key } = (await mary.request("POST", "/api/keys", { name: "cli" })).body;
    const laptop = await otherDevice(mary);
    const maryId = (await mary.request("GET", "/api/me")).body.user.id as string;
    const neighbourId = (await bystander.request("GET", "/api/me")).body.user.id as string;
    const filesOf = (userId: string) => filesOnDisk(server).filter((path) => path.includes(`/${userId}/`));
    expect(filesOf(maryId).length).toBeGreaterThanOrEqual(2);
    const neighbourFiles = filesOf(neighbourId);

    const unconfirmed = await mary.request("DELETE", "/api/me", { password: "wrong" });
    expect(unconfirmed.status).toBe(403);
    expect(unconfirmed.body.error.code).toBe("NOT_CONFIRMED");
    expect((await mary.request("DELETE", "/api/me", {})).status).toBe(403);
    expect((await mary.request("GET", `/api/chats/${first.chatId}`)).status).toBe(200);

    const deleted = await mary.request("DELETE", "/api/me", { password: defaultPassword });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ chats: 2, files: 1 });

    expect((await mary.request("GET", "/api/me")).status).toBe(401);
    expect((await laptop.request("GET", "/api/chats")).status).toBe(401);
    expect((await new ChatApiClient(server.baseUrl).login(email)).status).toBe(401);
    const withKey = await fetch(`${server.baseUrl}/v1/models`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(withKey.status).toBe(401);
    expect(filesOf(maryId)).toEqual([]);
    expect(filesOf(neighbourId)).toEqual(neighbourFiles);
    const again = await new ChatApiClient(server.baseUrl).request("POST", "/api/auth/register", {
      email,
      password: defaultPassword,
      name: "Mary again",
    });
    expect(again.status).toBe(201);
    const fresh = new ChatApiClient(server.baseUrl);
    fresh.token = again.body.accessToken;
    expect((await fresh.request("GET", "/api/chats")).body.chats).toEqual([]);
    expect((await fresh.request("GET", `/api/chats/${first.chatId}`)).status).toBe(404);

    expect((await bystander.request("GET", `/api/chats/${kept.chatId}`)).status).toBe(200);
    const file = await bystander.request("GET", `/api/attachments/${keptFile}`);
    expect(file.status).toBe(200);
  });

  test("the last admin cannot delete the account: 409 LAST_ADMIN, and nothing is deleted", async () => {
    const chat = await admin.answeredChat("an admin's chat");
    chat.events.close();
    const refused = await admin.request("DELETE", "/api/me", { password: defaultPassword });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("LAST_ADMIN");
    expect((await admin.request("GET", "/api/me")).body.user.role).toBe("admin");
    expect((await admin.request("GET", `/api/chats/${chat.chatId}`)).status).toBe(200);
  });
});
