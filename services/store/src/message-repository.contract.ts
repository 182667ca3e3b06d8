import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import {
  type AnswerDraft,
  ApiKey,
  AppError,
  Chat,
  ChatSearchHit,
  type ErrorCode,
  Message,
  SEARCH_SNIPPET_CHARS,
  type StoredApiKey,
  type StoredUser,
  type UsageRecord,
  UsageReport,
} from "@chat/contracts";
import { FormatRegistry } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { MessageRepository, NewChat } from "./message-repository.ts";

/** A repository for one test, and what removes everything it stored. */
export type RepositoryUnderTest = { repository: MessageRepository; cleanup: () => Promise<void> };

// TypeBox fails every string format that nobody registered; Elysia registers its own only where it runs.
const rfc3339DateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
if (!FormatRegistry.Has("date-time")) {
  FormatRegistry.Set("date-time", (value) => rfc3339DateTime.test(value) && !Number.isNaN(Date.parse(value)));
}

const start = Date.UTC(2025, 0, 1);

/** The time `seconds` after the start of the test data, in the form the repository returns. */
function at(seconds: number): string {
  return new Date(start + seconds * 1_000).toISOString();
}

function storedUser(id: string, email: string): StoredUser {
  return { id, email, name: `User ${id}`, role: "user", passwordHash: "$argon2id$hash", createdAt: at(0) };
}

function newChat(id: string, userId: string, createdAtSeconds: number): NewChat {
  return { id, userId, title: `Chat ${id}`, model: "demo", createdAt: at(createdAtSeconds) };
}

function userMessage(id: string, chatId: string, createdAtSeconds: number): Message {
  return { id, chatId, role: "user", content: `Content of ${id}`, createdAt: at(createdAtSeconds) };
}

function storedApiKey(id: string, hash: string, createdAtSeconds: number): StoredApiKey {
  return { id, name: `Key ${id}`, prefix: `sk-${id}`, hash, createdAt: at(createdAtSeconds) };
}

/** An answer in chat c1 of user u1 at 10 s, costing 0.1 USD; `changes` override any field. */
function usageRecord(id: string, changes: Partial<UsageRecord> = {}): UsageRecord {
  return {
    id,
    userId: "u1",
    chatId: "c1",
    messageId: `m-${id}`,
    purpose: "answer",
    model: "claude-sonnet-4",
    provider: "anthropic",
    inputTokens: 100,
    outputTokens: 50,
    costUsd: 0.1,
    timeToFirstTokenMs: 300,
    durationMs: 1_200,
    createdAt: at(10),
    ...changes,
  };
}

const noUsage = { inputTokens: 0, outputTokens: 0, costUsd: 0, generations: 0 };

async function expectAppError(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const error = await promise.then(
    () => null,
    (rejection: unknown) => rejection,
  );
  expect(AppError.isInstance(error)).toBe(true);
  expect((error as AppError).code).toBe(code);
}

/**
 * The behaviour every MessageRepository adapter must have. `make` is called before each test and must
 * return an empty repository of its own.
 *
 * @example
 * messageRepositoryContract("SqliteMessageRepository", async () => {
 *   const repository = new SqliteMessageRepository({ path: ":memory:" });
 *   return { repository, cleanup: () => repository.close() };
 * });
 */
export function messageRepositoryContract(name: string, make: () => Promise<RepositoryUnderTest>): void {
  describe(`${name} (MessageRepository contract)`, () => {
    let repository: MessageRepository;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ repository, cleanup } = await make());
    });

    afterEach(async () => {
      await cleanup();
    });

    async function listAllChats(userId: string, limit: number): Promise<string[]> {
      const ids: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 100; pages += 1) {
        const page = await repository.listChats(userId, { cursor, limit });
        expect(page.items.length).toBeLessThanOrEqual(limit);
        ids.push(...page.items.map((chat) => chat.id));
        if (page.nextCursor === null) return ids;
        cursor = page.nextCursor;
      }
      throw new Error("listChats never returned a last page");
    }

    async function listAllMessages(chatId: string, userId: string, limit: number): Promise<string[][]> {
      const pages: string[][] = [];
      let cursor: string | undefined;
      for (let count = 0; count < 100; count += 1) {
        const page = await repository.listMessages(chatId, userId, { cursor, limit });
        pages.push(page.items.map((message) => message.id));
        if (page.nextCursor === null) return pages;
        cursor = page.nextCursor;
      }
      throw new Error("listMessages never returned a last page");
    }

    test("is ready while open", async () => {
      expect(await repository.isReady()).toBe(true);
    });

    describe("users", () => {
      test("a created user is found by id and by email in any case", async () => {
        const user = storedUser("u1", "Ada.Lovelace@Example.com");
        await repository.createUser(user);

        expect(await repository.findUserById("u1")).toStrictEqual(user);
        expect(await repository.findUserByEmail("ada.lovelace@example.com")).toStrictEqual(user);
        expect(await repository.findUserByEmail("ADA.LOVELACE@EXAMPLE.COM")).toStrictEqual(user);
      });

      test("unknown users are null", async () => {
        await repository.createUser(storedUser("u1", "ada@example.com"));

        expect(await repository.findUserById("u2")).toBeNull();
        expect(await repository.findUserByEmail("grace@example.com")).toBeNull();
      });

      test("an email taken in another case is refused with EMAIL_TAKEN", async () => {
        await repository.createUser(storedUser("u1", "ada@example.com"));

        await expectAppError(repository.createUser(storedUser("u2", "ADA@Example.com")), "EMAIL_TAKEN");
        expect(await repository.findUserById("u2")).toBeNull();
        expect(await repository.countUsers()).toBe(1);
      });

      test("look-alikes of a taken email (fullwidth, Kelvin sign, trailing dot) are refused with EMAIL_TAKEN", async () => {
        await repository.createUser(storedUser("u1", "kate@example.com"));

        const lookAlikes = [
          "ｋａｔｅ@example.com",
          "\u212Aate@example.com",
          "kate@example.com.",
          "KATE＠EXAMPLE.COM",
        ];
        for (const [index, email] of lookAlikes.entries()) {
          await expectAppError(repository.createUser(storedUser(`u${index + 2}`, email)), "EMAIL_TAKEN");
          expect((await repository.findUserByEmail(email))?.id).toBe("u1");
        }
        expect(await repository.countUsers()).toBe(1);
      });

      test("counts users", async () => {
        expect(await repository.countUsers()).toBe(0);
        await repository.createUser(storedUser("u1", "ada@example.com"));
        await repository.createUser(storedUser("u2", "grace@example.com"));

        expect(await repository.countUsers()).toBe(2);
      });

      test("createUser returns the user as stored", async () => {
        const user = storedUser("u1", "ada@example.com");
        expect(await repository.createUser(user)).toStrictEqual(user);
        const admin = { ...storedUser("u2", "grace@example.com"), role: "admin" as const };
        expect(await repository.createUser(admin, { adminIfFirst: true })).toStrictEqual(admin);
      });

      test("with adminIfFirst, only the very first account becomes admin", async () => {
        const first = await repository.createUser(storedUser("u1", "ada@example.com"), {
          adminIfFirst: true,
        });
        const second = await repository.createUser(storedUser("u2", "grace@example.com"), {
          adminIfFirst: true,
        });

        expect(first.role).toBe("admin");
        expect(second.role).toBe("user");
        expect((await repository.findUserById("u1"))?.role).toBe("admin");
        expect((await repository.findUserById("u2"))?.role).toBe("user");
      });

      test("of many first registrations at once, exactly one becomes admin", async () => {
        const created = await Promise.all(
          Array.from({ length: 8 }, (_, index) =>
            repository.createUser(storedUser(`u${index}`, `user${index}@example.com`), {
              adminIfFirst: true,
            }),
          ),
        );

        expect(created.filter((user) => user.role === "admin")).toHaveLength(1);
      });

      test("without adminIfFirst the first account keeps the role it was given", async () => {
        expect((await repository.createUser(storedUser("u1", "ada@example.com"))).role).toBe("user");
      });
    });

    describe("external users", () => {
      const identity = { issuer: "https://idp.example.com/", subject: "auth0|123" };
      const newUser = (id: string, email: string) => ({
        id,
        email,
        name: `User ${id}`,
        role: "user" as const,
        createdAt: at(0),
      });

      test("the first sight creates the user, later sights find the same one", async () => {
        const created = await repository.findOrCreateExternalUser(identity, newUser("x1", "ada@example.com"));
        expect(created).toStrictEqual({ ...newUser("x1", "ada@example.com"), passwordHash: "" });

        const again = await repository.findOrCreateExternalUser(
          identity,
          newUser("x2", "changed@example.com"),
        );
        expect(again).toStrictEqual(created);
        expect(await repository.findUserById("x1")).toStrictEqual(created);
        expect(await repository.findUserById("x2")).toBeNull();
      });

      test("concurrent first sights create one user", async () => {
        const users = await Promise.all(
          ["x1", "x2", "x3", "x4"].map((id) =>
            repository.findOrCreateExternalUser(identity, newUser(id, "ada@example.com")),
          ),
        );

        expect(new Set(users.map((user) => user.id)).size).toBe(1);
        expect(await repository.countUsers()).toBe(1);
      });

      test("the same subject at another issuer, or another subject, is another user", async () => {
        const ada = await repository.findOrCreateExternalUser(identity, newUser("x1", "ada@example.com"));
        const otherIssuer = await repository.findOrCreateExternalUser(
          { ...identity, issuer: "https://other.example.com/" },
          newUser("x2", "ada@example.com"),
        );
        const otherSubject = await repository.findOrCreateExternalUser(
          { ...identity, subject: "auth0|456" },
          newUser("x3", ""),
        );

        expect([ada.id, otherIssuer.id, otherSubject.id]).toEqual(["x1", "x2", "x3"]);
      });

      test("an external user takes no email from local accounts and cannot sign in with a password", async () => {
        await repository.createUser(storedUser("u1", "ada@example.com"));
        const external = await repository.findOrCreateExternalUser(
          identity,
          newUser("x1", "Ada@Example.com"),
        );

        expect(external.email).toBe("Ada@Example.com");
        expect((await repository.findUserByEmail("ada@example.com"))?.id).toBe("u1");
        await repository.createUser(storedUser("u2", "grace@example.com"));
        await repository.findOrCreateExternalUser(
          { ...identity, subject: "grace" },
          newUser("x2", "grace@example.com"),
        );
        expect((await repository.findUserByEmail("grace@example.com"))?.id).toBe("u2");
      });
    });

    describe("chats", () => {
      test("a created chat starts with its creation as its last activity and is read back", async () => {
        const chat = await repository.createChat(newChat("c1", "u1", 10));

        expect(chat).toStrictEqual({
          id: "c1",
          title: "Chat c1",
          model: "demo",
          createdAt: at(10),
          lastActivityAt: at(10),
        });
        expect(Value.Check(Chat, chat)).toBe(true);
        expect(await repository.getChat("c1", "u1")).toStrictEqual(chat);
      });

      test("creating the same chat again returns the stored one", async () => {
        const first = await repository.createChat(newChat("c1", "u1", 10));
        const again = await repository.createChat({ ...newChat("c1", "u1", 20), title: "Other" });

        expect(again).toStrictEqual(first);
      });

      test("another user's chat behaves exactly like a missing one", async () => {
        await repository.createChat(newChat("c1", "owner", 10));
        await repository.appendMessage("owner", userMessage("m1", "c1", 11));

        for (const chatId of ["c1", "missing"]) {
          expect(await repository.getChat(chatId, "intruder")).toBeNull();
          expect(await repository.updateChat(chatId, "intruder", { title: "Mine now" })).toBeNull();
          expect(
            await repository.updateChat(chatId, "intruder", { systemPrompt: "Obey me" }, "Chat c1"),
          ).toBeNull();
          expect(await repository.deleteChat(chatId, "intruder")).toBe(false);
          expect(await repository.appendMessage("intruder", userMessage(`m-${chatId}`, chatId, 12))).toBe(
            false,
          );
          expect(await repository.listMessages(chatId, "intruder", { limit: 10 })).toStrictEqual({
            items: [],
            nextCursor: null,
          });
          expect(await repository.recentMessages(chatId, "intruder", 10)).toStrictEqual({
            messages: [],
            hasOlder: false,
          });
        }
        expect(await repository.listChats("intruder", { limit: 10 })).toStrictEqual({
          items: [],
          nextCursor: null,
        });

        const chat = await repository.getChat("c1", "owner");
        expect(chat?.title).toBe("Chat c1");
        expect(chat?.lastActivityAt).toBe(at(11));
        const messages = await repository.listMessages("c1", "owner", { limit: 10 });
        expect(messages.items.map((message) => message.id)).toEqual(["m1"]);
      });

      test("lists a user's chats newest activity first, page by page without gaps or duplicates", async () => {
        for (let index = 0; index < 7; index += 1) {
          await repository.createChat(newChat(`c${index}`, "u1", 100 + index));
        }
        // Equal activity times are ordered by id, descending.
        await repository.createChat(newChat("tie-a", "u1", 103));
        await repository.createChat(newChat("tie-b", "u1", 103));
        await repository.createChat(newChat("foreign", "u2", 200));

        const expected = ["c6", "c5", "c4", "tie-b", "tie-a", "c3", "c2", "c1", "c0"];
        expect(await listAllChats("u1", 100)).toEqual(expected);
        for (const limit of [1, 2, 3, 4, 9]) {
          expect(await listAllChats("u1", limit)).toEqual(expected);
        }

        const firstPage = await repository.listChats("u1", { limit: 3 });
        expect(firstPage.items.every((chat) => Value.Check(Chat, chat))).toBe(true);
        const lastPage = await repository.listChats("u1", { limit: 9 });
        expect(lastPage.nextCursor).toBeNull();
      });

      test("a new message moves its chat to the top; an older one never moves it back", async () => {
        await repository.createChat(newChat("old", "u1", 100));
        await repository.createChat(newChat("middle", "u1", 200));
        await repository.createChat(newChat("new", "u1", 300));

        expect(await repository.appendMessage("u1", userMessage("m1", "old", 400))).toBe(true);
        expect(await listAllChats("u1", 2)).toEqual(["old", "new", "middle"]);
        expect((await repository.getChat("old", "u1"))?.lastActivityAt).toBe(at(400));

        expect(await repository.appendMessage("u1", userMessage("m2", "old", 150))).toBe(true);
        expect((await repository.getChat("old", "u1"))?.lastActivityAt).toBe(at(400));
        expect((await repository.getChat("old", "u1"))?.createdAt).toBe(at(100));
      });

      test("deleting a chat removes it and its messages, and nothing else", async () => {
        await repository.createChat(newChat("c1", "u1", 10));
        await repository.createChat(newChat("c2", "u1", 20));
        await repository.appendMessage("u1", userMessage("m1", "c1", 11));
        await repository.appendMessage("u1", userMessage("m2", "c1", 12));
        await repository.appendMessage("u1", userMessage("m3", "c2", 21));

        expect(await repository.deleteChat("c1", "u1")).toBe(true);

        expect(await repository.getChat("c1", "u1")).toBeNull();
        expect(await repository.deleteChat("c1", "u1")).toBe(false);
        expect((await repository.listChats("u1", { limit: 10 })).items.map((chat) => chat.id)).toEqual([
          "c2",
        ]);
        expect(
          (await repository.listMessages("c2", "u1", { limit: 10 })).items.map((message) => message.id),
        ).toEqual(["m3"]);
        // The same chat id made again starts empty, and the old message ids are free again.
        await repository.createChat(newChat("c1", "u1", 30));
        expect(await repository.listMessages("c1", "u1", { limit: 10 })).toStrictEqual({
          items: [],
          nextCursor: null,
        });
        expect(await repository.appendMessage("u1", userMessage("m1", "c1", 31))).toBe(true);
      });

      test("an invalid chat cursor is refused with VALIDATION_FAILED", async () => {
        await repository.createChat(newChat("c1", "u1", 10));

        await expectAppError(
          repository.listChats("u1", { cursor: "not a cursor", limit: 10 }),
          "VALIDATION_FAILED",
        );
        const wrongShape = Buffer.from(JSON.stringify({ at: at(10), id: "c1" })).toString("base64url");
        await expectAppError(
          repository.listChats("u1", { cursor: wrongShape, limit: 10 }),
          "VALIDATION_FAILED",
        );
      });
    });

    describe("search", () => {
      async function searchAll(userId: string, query: string, limit: number): Promise<ChatSearchHit[]> {
        const hits: ChatSearchHit[] = [];
        let cursor: string | undefined;
        for (let pages = 0; pages < 100; pages += 1) {
          const page = await repository.searchChats(userId, query, { cursor, limit });
          expect(page.items.length).toBeLessThanOrEqual(limit);
          hits.push(...page.items);
          if (page.nextCursor === null) return hits;
          cursor = page.nextCursor;
        }
        throw new Error("searchChats never returned a last page");
      }

      async function foundChatIds(userId: string, query: string): Promise<string[]> {
        return (await searchAll(userId, query, 100)).map((hit) => hit.chat.id);
      }

      test("finds chats by title or by a message; the title wins when both contain the query", async () => {
        const byTitle = await repository.createChat({
          ...newChat("by-title", "u1", 10),
          title: "Pasta recipes",
        });
        await repository.appendMessage("u1", { ...userMessage("m1", "by-title", 11), content: "Boil water" });
        const both = await repository.createChat({ ...newChat("both", "u1", 20), title: "Pasta night" });
        await repository.appendMessage("u1", { ...userMessage("m2", "both", 21), content: "More pasta!" });
        const byMessage = await repository.createChat({
          ...newChat("by-message", "u1", 30),
          title: "Dinner",
        });
        await repository.appendMessage("u1", {
          ...userMessage("m3", "by-message", 31),
          role: "assistant",
          content: "Try pasta with pesto.",
        });
        await repository.createChat({ ...newChat("none", "u1", 40), title: "Weather" });
        await repository.appendMessage("u1", { ...userMessage("m4", "none", 41), content: "Rain all day" });

        const page = await repository.searchChats("u1", "pasta", { limit: 10 });

        expect(page).toStrictEqual({
          items: [
            {
              chat: { ...byMessage, lastActivityAt: at(31) },
              match: {
                in: "message",
                messageId: "m3",
                role: "assistant",
                createdAt: at(31),
                snippet: "Try pasta with pesto.",
              },
            },
            { chat: { ...both, lastActivityAt: at(21) }, match: { in: "title" } },
            { chat: { ...byTitle, lastActivityAt: at(11) }, match: { in: "title" } },
          ],
          nextCursor: null,
        });
        expect(page.items.every((hit) => Value.Check(ChatSearchHit, hit))).toBe(true);
      });

      test("nothing matching is an empty last page", async () => {
        await repository.createChat(newChat("c1", "u1", 10));
        await repository.appendMessage("u1", userMessage("m1", "c1", 11));

        expect(await repository.searchChats("u1", "pasta", { limit: 10 })).toStrictEqual({
          items: [],
          nextCursor: null,
        });
      });

      test("the match is the newest message containing the query, by creation time, then id", async () => {
        await repository.createChat({ ...newChat("c1", "u1", 0), title: "Desserts" });
        await repository.appendMessage("u1", { ...userMessage("a", "c1", 11), content: "Apple pie" });
        // The same instant as at(13), written in another form.
        await repository.appendMessage("u1", {
          ...userMessage("c", "c1", 0),
          content: "apple tart",
          createdAt: "2025-01-01T02:00:13+02:00",
        });
        await repository.appendMessage("u1", { ...userMessage("b", "c1", 13), content: "APPLE crumble" });
        await repository.appendMessage("u1", { ...userMessage("d", "c1", 14), content: "Banana bread" });
        await repository.appendMessage("u1", { ...userMessage("e", "c1", 12), content: "An apple a day" });

        const [hit] = (await repository.searchChats("u1", "apple", { limit: 10 })).items;

        expect(hit?.match).toStrictEqual({
          in: "message",
          messageId: "c",
          role: "user",
          createdAt: at(13),
          snippet: "apple tart",
        });
        const listed = (await repository.listMessages("c1", "u1", { limit: 10 })).items;
        expect(listed.find((message) => message.id === "c")?.createdAt).toBe(at(13));
      });

      test("ignores the case of ASCII letters in titles and messages", async () => {
        await repository.createChat({ ...newChat("by-title", "u1", 10), title: "Weekend in PARIS" });
        await repository.createChat({ ...newChat("by-message", "u1", 20), title: "Travel" });
        await repository.appendMessage("u1", {
          ...userMessage("m1", "by-message", 21),
          content: "Flights to Paris are cheap",
        });

        for (const query of ["paris", "PARIS", "pArIs"]) {
          const hits = (await repository.searchChats("u1", query, { limit: 10 })).items;
          expect(hits.map((hit) => [hit.chat.id, hit.match.in])).toEqual([
            ["by-message", "message"],
            ["by-title", "title"],
          ]);
          expect(hits[0]?.match).toMatchObject({ snippet: "Flights to Paris are cheap" });
        }
      });

      test("the snippet of a long message shows the text around the query", async () => {
        const filler = "lorem ipsum dolor ".repeat(30);
        await repository.createChat(newChat("c1", "u1", 10));
        await repository.appendMessage("u1", {
          ...userMessage("m1", "c1", 11),
          content: `${filler}\n\nWhere is the Needle?\n\n${filler}`,
        });

        const [hit] = (await repository.searchChats("u1", "needle", { limit: 10 })).items;

        expect(hit && Value.Check(ChatSearchHit, hit)).toBe(true);
        const snippet = hit?.match.in === "message" ? hit.match.snippet : "";
        expect(snippet).toContain(" Where is the Needle? ");
        expect(snippet.length).toBeLessThanOrEqual(SEARCH_SNIPPET_CHARS);
        expect(snippet.startsWith("…")).toBe(true);
        expect(snippet.endsWith("…")).toBe(true);
      });

      test("never finds another user's chats, whatever their titles and messages contain", async () => {
        await repository.createChat({ ...newChat("theirs-by-title", "u2", 10), title: "Pasta secrets" });
        await repository.createChat({ ...newChat("theirs-by-message", "u2", 20), title: "Dinner" });
        await repository.appendMessage("u2", {
          ...userMessage("m1", "theirs-by-message", 21),
          content: "pasta",
        });
        await repository.createChat({ ...newChat("mine", "u1", 5), title: "Pasta" });

        expect(await foundChatIds("u1", "pasta")).toEqual(["mine"]);
        expect(await foundChatIds("intruder", "pasta")).toEqual([]);
        expect(await foundChatIds("u2", "pasta")).toEqual(["theirs-by-message", "theirs-by-title"]);
      });

      test("lists hits in listChats' order, page by page without gaps or duplicates, with its cursors", async () => {
        for (let index = 0; index < 6; index += 1) {
          const title = index % 2 === 0 ? `Pasta ${index}` : `Chat c${index}`;
          await repository.createChat({ ...newChat(`c${index}`, "u1", 100 + index), title });
        }
        await repository.createChat({ ...newChat("tie-a", "u1", 103), title: "Pasta tie" });
        await repository.createChat({ ...newChat("tie-b", "u1", 103), title: "Pasta tie" });
        await repository.appendMessage("u1", { ...userMessage("m1", "c1", 200), content: "Pasta again" });
        await repository.appendMessage("u1", { ...userMessage("m2", "c3", 150), content: "Soup" });
        await repository.createChat({ ...newChat("foreign", "u2", 300), title: "Pasta" });

        const listed = (await repository.listChats("u1", { limit: 100 })).items;
        expect(listed.map((chat) => chat.id)).toEqual(["c1", "c3", "c5", "c4", "tie-b", "tie-a", "c2", "c0"]);
        const expected = listed.filter((chat) => !["c3", "c5"].includes(chat.id));
        for (const limit of [1, 2, 3, 6, 100]) {
          expect((await searchAll("u1", "pasta", limit)).map((hit) => hit.chat)).toStrictEqual(expected);
        }
        expect((await repository.searchChats("u1", "pasta", { limit: 6 })).nextCursor).toBeNull();

        const afterFourListed = (await repository.listChats("u1", { limit: 4 })).nextCursor ?? undefined;
        const rest = await repository.searchChats("u1", "pasta", { cursor: afterFourListed, limit: 10 });
        expect(rest.items.map((hit) => hit.chat.id)).toEqual(["tie-b", "tie-a", "c2", "c0"]);
      });

      test("an invalid cursor or limit is refused with VALIDATION_FAILED", async () => {
        await repository.createChat({ ...newChat("c1", "u1", 10), title: "Pasta" });

        await expectAppError(
          repository.searchChats("u1", "pasta", { cursor: "not a cursor", limit: 10 }),
          "VALIDATION_FAILED",
        );
        const wrongShape = Buffer.from(JSON.stringify({ at: at(10), id: "c1" })).toString("base64url");
        await expectAppError(
          repository.searchChats("u1", "pasta", { cursor: wrongShape, limit: 10 }),
          "VALIDATION_FAILED",
        );
        await expectAppError(repository.searchChats("u1", "pasta", { limit: 0 }), "VALIDATION_FAILED");
      });

      test("takes LIKE and regular-expression metacharacters literally", async () => {
        await repository.createChat({ ...newChat("percent", "u1", 10), title: "100% sure" });
        await repository.createChat({ ...newChat("underscore", "u1", 20), title: "snake_case names" });
        await repository.createChat({ ...newChat("backslash", "u1", 30), title: "Paths" });
        await repository.appendMessage("u1", {
          ...userMessage("m1", "backslash", 31),
          content: "Open C:\\Users\\ada",
        });
        await repository.createChat({ ...newChat("formula", "u1", 40), title: "f(x) = x+1" });
        await repository.createChat({ ...newChat("plain", "u1", 50), title: "abc" });

        expect(await foundChatIds("u1", "%")).toEqual(["percent"]);
        expect(await foundChatIds("u1", "0% s")).toEqual(["percent"]);
        expect(await foundChatIds("u1", "_")).toEqual(["underscore"]);
        expect(await foundChatIds("u1", "\\")).toEqual(["backslash"]);
        expect(await foundChatIds("u1", "(x)")).toEqual(["formula"]);
        expect(await foundChatIds("u1", "x+1")).toEqual(["formula"]);
        for (const query of ["a%c", "a_c", ".*", "a.c", "^abc$"]) {
          expect(await foundChatIds("u1", query)).toEqual([]);
        }
      });
    });

    describe("messages", () => {
      beforeEach(async () => {
        await repository.createChat(newChat("c1", "u1", 0));
      });

      test("appending the same id twice stores the first and reports the second as not written", async () => {
        const first = userMessage("m1", "c1", 10);
        expect(await repository.appendMessage("u1", first)).toBe(true);

        const second = { ...first, content: "A different content", createdAt: at(50) };
        expect(await repository.appendMessage("u1", second)).toBe(false);

        expect((await repository.listMessages("c1", "u1", { limit: 10 })).items).toStrictEqual([first]);
        expect((await repository.getChat("c1", "u1"))?.lastActivityAt).toBe(at(10));
      });

      test("lists messages by creation time, then id, whatever the order of appending", async () => {
        await repository.appendMessage("u1", userMessage("m3", "c1", 30));
        await repository.appendMessage("u1", userMessage("m1", "c1", 10));
        await repository.appendMessage("u1", userMessage("b", "c1", 20));
        await repository.appendMessage("u1", userMessage("a", "c1", 20));

        const page = await repository.listMessages("c1", "u1", { limit: 10 });

        expect(page.items.map((message) => message.id)).toEqual(["m1", "a", "b", "m3"]);
        expect(page.nextCursor).toBeNull();
      });

      test("compares creation times as instants, not as the strings they were written in", async () => {
        await repository.appendMessage("u1", {
          ...userMessage("whole", "c1", 0),
          createdAt: "2025-01-01T00:00:01Z",
        });
        await repository.appendMessage("u1", {
          ...userMessage("half", "c1", 0),
          createdAt: "2025-01-01T02:00:00.500+02:00",
        });

        const page = await repository.listMessages("c1", "u1", { limit: 10 });

        expect(page.items.map((message) => [message.id, message.createdAt])).toEqual([
          ["half", "2025-01-01T00:00:00.500Z"],
          ["whole", "2025-01-01T00:00:01.000Z"],
        ]);
      });

      test("pages through messages without gaps or duplicates", async () => {
        for (let index = 0; index < 7; index += 1) {
          await repository.appendMessage("u1", userMessage(`m${index}`, "c1", 10 + index));
        }

        expect(await listAllMessages("c1", "u1", 3)).toEqual([
          ["m0", "m1", "m2"],
          ["m3", "m4", "m5"],
          ["m6"],
        ]);
        expect(await listAllMessages("c1", "u1", 7)).toEqual([["m0", "m1", "m2", "m3", "m4", "m5", "m6"]]);
        expect(await listAllMessages("c1", "u1", 1)).toHaveLength(7);
      });

      test("a page boundary falling between messages of the same time loses none of them", async () => {
        for (const id of ["e", "d", "c", "b", "a"]) {
          await repository.appendMessage("u1", userMessage(id, "c1", 10));
        }

        expect(await listAllMessages("c1", "u1", 2)).toEqual([["a", "b"], ["c", "d"], ["e"]]);
      });

      test("recentMessages returns the newest ones, oldest first, and whether older ones exist", async () => {
        for (let index = 0; index < 5; index += 1) {
          await repository.appendMessage("u1", userMessage(`m${index}`, "c1", 10 + index));
        }

        const newestThree = await repository.recentMessages("c1", "u1", 3);
        expect(newestThree.messages.map((message) => message.id)).toEqual(["m2", "m3", "m4"]);
        expect(newestThree.hasOlder).toBe(true);

        const all = await repository.recentMessages("c1", "u1", 5);
        expect(all.messages.map((message) => message.id)).toEqual(["m0", "m1", "m2", "m3", "m4"]);
        expect(all.hasOlder).toBe(false);

        expect(await repository.recentMessages("c1", "u1", 0)).toStrictEqual({
          messages: [],
          hasOlder: true,
        });
        expect(await repository.recentMessages("empty", "u1", 3)).toStrictEqual({
          messages: [],
          hasOlder: false,
        });
      });

      test("an assistant message keeps its code blocks, usage, finish reason, model and client id", async () => {
        const content = "Here:\n```ts\nconst answer = 42;\n```\n";
        const assistant: Message = {
          id: "m2",
          chatId: "c1",
          role: "assistant",
          content,
          createdAt: at(20),
          codeBlocks: [
            { language: "ts", code: "const answer = 42;\n", startIndex: 6, endIndex: content.length - 1 },
          ],
          finishReason: "length",
          model: "claude-sonnet-4",
          usage: { inputTokens: 120, outputTokens: 4096 },
          clientMessageId: "client-1",
        };
        const user = userMessage("m1", "c1", 10);
        await repository.appendMessage("u1", user);
        await repository.appendMessage("u1", assistant);

        const { items } = await repository.listMessages("c1", "u1", { limit: 10 });

        expect(items).toStrictEqual([user, assistant]);
        expect(items.every((message) => Value.Check(Message, message))).toBe(true);
        for (const field of ["codeBlocks", "finishReason", "model", "usage", "clientMessageId"]) {
          expect(items[0] && field in items[0]).toBe(false);
        }
        expect((await repository.recentMessages("c1", "u1", 1)).messages).toStrictEqual([assistant]);
      });

      test("an empty list of code blocks stays an empty list", async () => {
        const message: Message = { ...userMessage("m1", "c1", 10), role: "assistant", codeBlocks: [] };
        await repository.appendMessage("u1", message);

        expect((await repository.listMessages("c1", "u1", { limit: 1 })).items).toStrictEqual([message]);
      });

      test("an invalid message cursor is refused with VALIDATION_FAILED", async () => {
        await repository.appendMessage("u1", userMessage("m1", "c1", 10));
        const valid = (await repository.listMessages("c1", "u1", { limit: 1 })).items;
        expect(valid).toHaveLength(1);

        for (const cursor of ["%%%", "", Buffer.from("[1,2]").toString("base64url"), `${"x".repeat(10)}!`]) {
          await expectAppError(
            repository.listMessages("c1", "u1", { cursor, limit: 10 }),
            "VALIDATION_FAILED",
          );
        }
        const notATime = Buffer.from(JSON.stringify(["yesterday", "m1"])).toString("base64url");
        await expectAppError(
          repository.listMessages("c1", "u1", { cursor: notATime, limit: 10 }),
          "VALIDATION_FAILED",
        );
      });
    });

    describe("answer drafts", () => {
      beforeEach(async () => {
        await repository.createChat(newChat("c1", "u1", 0));
        await repository.appendMessage("u1", userMessage("m1", "c1", 10));
      });

      function draft(messageId: string, content: string, updatedAtSeconds: number): AnswerDraft {
        return {
          messageId,
          chatId: "c1",
          userId: "u1",
          content,
          model: "demo",
          createdAt: at(11),
          updatedAt: at(updatedAtSeconds),
        };
      }

      test("keeps the newest checkpoint of each answer, never as a message", async () => {
        expect(await repository.saveAnswerDraft(draft("a1", "", 11))).toBe(true);
        expect(await repository.saveAnswerDraft(draft("a1", "The answer so", 12))).toBe(true);
        expect(await repository.listAnswerDrafts(10)).toStrictEqual([draft("a1", "The answer so", 12)]);
        const messages = await repository.recentMessages("c1", "u1", 10);
        expect(messages.messages.map((message) => message.id)).toEqual(["m1"]);
      });

      test("lists the least recently checkpointed first, up to the limit", async () => {
        await repository.saveAnswerDraft(draft("a2", "Two", 30));
        await repository.saveAnswerDraft(draft("a1", "One", 20));
        await repository.saveAnswerDraft(draft("a3", "Three", 40));
        const listed = await repository.listAnswerDrafts(2);
        expect(listed.map((found) => found.messageId)).toEqual(["a1", "a2"]);
      });

      test("the written answer drops its draft, and a late checkpoint of it is refused", async () => {
        await repository.saveAnswerDraft(draft("a1", "The answer so", 12));
        await repository.appendMessage("u1", {
          ...userMessage("a1", "c1", 11),
          role: "assistant",
          content: "The answer so far and more.",
          finishReason: "stop",
        });
        expect(await repository.listAnswerDrafts(10)).toEqual([]);
        expect(await repository.saveAnswerDraft(draft("a1", "The answer so far", 13))).toBe(false);
        expect(await repository.listAnswerDrafts(10)).toEqual([]);
      });

      test("a deleted answer drops its draft and takes none after", async () => {
        await repository.saveAnswerDraft(draft("a1", "Partly", 12));
        await repository.deleteMessage("u1", "c1", "a1");
        expect(await repository.listAnswerDrafts(10)).toEqual([]);
        expect(await repository.saveAnswerDraft(draft("a1", "Partly more", 13))).toBe(false);
        expect(await repository.listAnswerDrafts(10)).toEqual([]);
      });

      test("only the chat's own user saves a draft, and deleting the chat drops its drafts", async () => {
        expect(await repository.saveAnswerDraft({ ...draft("a1", "Stolen", 12), userId: "u2" })).toBe(false);
        expect(await repository.saveAnswerDraft({ ...draft("a1", "x", 12), chatId: "missing" })).toBe(false);
        expect(await repository.listAnswerDrafts(10)).toEqual([]);
        await repository.saveAnswerDraft(draft("a1", "Partly", 12));
        await repository.deleteChat("c1", "u1");
        expect(await repository.listAnswerDrafts(10)).toEqual([]);
      });
    });

    describe("deleting a message", () => {
      beforeEach(async () => {
        await repository.createChat(newChat("c1", "u1", 0));
      });

      async function messageIds(chatId: string, userId: string): Promise<string[]> {
        return (await repository.listMessages(chatId, userId, { limit: 10 })).items.map(
          (message) => message.id,
        );
      }

      test("removes the message from listings and search, true once and false after", async () => {
        await repository.appendMessage("u1", { ...userMessage("m1", "c1", 10), content: "Pasta tonight?" });
        await repository.appendMessage("u1", {
          ...userMessage("m2", "c1", 20),
          role: "assistant",
          content: "Pasta with pesto.",
        });
        expect((await repository.searchChats("u1", "pesto", { limit: 10 })).items).toHaveLength(1);

        expect(await repository.deleteMessage("u1", "c1", "m2")).toBe(true);
        expect(await repository.deleteMessage("u1", "c1", "m2")).toBe(false);

        expect(await messageIds("c1", "u1")).toEqual(["m1"]);
        expect(
          (await repository.recentMessages("c1", "u1", 10)).messages.map((message) => message.id),
        ).toEqual(["m1"]);
        expect(await repository.searchChats("u1", "pesto", { limit: 10 })).toStrictEqual({
          items: [],
          nextCursor: null,
        });
        const [hit] = (await repository.searchChats("u1", "pasta", { limit: 10 })).items;
        expect(hit?.match).toMatchObject({ in: "message", messageId: "m1" });
        expect((await repository.getChat("c1", "u1"))?.lastActivityAt).toBe(at(20));
      });

      test("a deleted id is never written again, not even with other content", async () => {
        await repository.appendMessage("u1", userMessage("m1", "c1", 10));
        await repository.deleteMessage("u1", "c1", "m1");

        expect(
          await repository.appendMessage("u1", { ...userMessage("m1", "c1", 30), content: "Again" }),
        ).toBe(false);
        expect(await messageIds("c1", "u1")).toEqual([]);
      });

      test("a deletion before the write makes the write a no-op that returns false", async () => {
        expect(await repository.deleteMessage("u1", "c1", "m1")).toBe(false);

        expect(await repository.appendMessage("u1", userMessage("m1", "c1", 10))).toBe(false);
        expect(await repository.appendMessage("u1", userMessage("m1", "c1", 10))).toBe(false);

        expect(await messageIds("c1", "u1")).toEqual([]);
        expect((await repository.getChat("c1", "u1"))?.lastActivityAt).toBe(at(0));
        expect(await repository.appendMessage("u1", userMessage("m2", "c1", 20))).toBe(true);
        expect(await messageIds("c1", "u1")).toEqual(["m2"]);
      });

      test("a deletion racing the write leaves no message, whichever runs first", async () => {
        const ids = ["a", "b", "c", "d", "e", "f"];
        await Promise.all(
          ids.map((id, index) => {
            const append = () => repository.appendMessage("u1", userMessage(id, "c1", 10 + index));
            const remove = () => repository.deleteMessage("u1", "c1", id);
            return index % 2 === 0 ? Promise.all([append(), remove()]) : Promise.all([remove(), append()]);
          }),
        );

        expect(await messageIds("c1", "u1")).toEqual([]);
        for (const id of ids) {
          expect(await repository.appendMessage("u1", userMessage(id, "c1", 50))).toBe(false);
        }
      });

      test("in another user's chat or a missing one, does nothing and leaves no tombstone", async () => {
        await repository.appendMessage("u1", userMessage("m1", "c1", 10));

        expect(await repository.deleteMessage("intruder", "c1", "m1")).toBe(false);
        expect(await repository.deleteMessage("intruder", "c1", "m2")).toBe(false);
        expect(await repository.deleteMessage("u1", "missing", "m3")).toBe(false);

        expect(await messageIds("c1", "u1")).toEqual(["m1"]);
        expect(await repository.appendMessage("u1", userMessage("m2", "c1", 20))).toBe(true);
        await repository.createChat(newChat("missing", "u1", 30));
        expect(await repository.appendMessage("u1", userMessage("m3", "missing", 31))).toBe(true);
        expect(await messageIds("c1", "u1")).toEqual(["m1", "m2"]);
      });

      test("deleting the chat removes its tombstones with it", async () => {
        await repository.createChat(newChat("c2", "u1", 5));
        await repository.appendMessage("u1", userMessage("m1", "c1", 10));
        await repository.deleteMessage("u1", "c1", "m1");
        await repository.deleteMessage("u1", "c1", "m2");
        await repository.deleteMessage("u1", "c2", "m3");

        expect(await repository.deleteChat("c1", "u1")).toBe(true);

        expect(await repository.getChat("c1", "u1")).toBeNull();
        expect(await repository.deleteChat("c1", "u1")).toBe(false);
        expect(await repository.appendMessage("u1", userMessage("m3", "c2", 20))).toBe(false);
        // The same chat id made again accepts the old message ids.
        await repository.createChat(newChat("c1", "u1", 30));
        expect(await repository.appendMessage("u1", userMessage("m1", "c1", 31))).toBe(true);
        expect(await repository.appendMessage("u1", userMessage("m2", "c1", 32))).toBe(true);
        expect(await messageIds("c1", "u1")).toEqual(["m1", "m2"]);
      });
    });

    describe("chat settings", () => {
      test("a chat created with a system prompt keeps it; an empty one is stored as none", async () => {
        const withPrompt = await repository.createChat({
          ...newChat("c1", "u1", 10),
          systemPrompt: "Be brief.",
        });
        const withEmptyPrompt = await repository.createChat({ ...newChat("c2", "u1", 20), systemPrompt: "" });

        expect(withPrompt).toStrictEqual({
          id: "c1",
          title: "Chat c1",
          model: "demo",
          systemPrompt: "Be brief.",
          createdAt: at(10),
          lastActivityAt: at(10),
        });
        expect(Value.Check(Chat, withPrompt)).toBe(true);
        expect(await repository.getChat("c1", "u1")).toStrictEqual(withPrompt);
        expect("systemPrompt" in withEmptyPrompt).toBe(false);
        expect(await repository.getChat("c2", "u1")).toStrictEqual(withEmptyPrompt);
        expect((await repository.listChats("u1", { limit: 10 })).items).toStrictEqual([
          withEmptyPrompt,
          withPrompt,
        ]);
      });

      test("updates title, model and system prompt without moving the chat's activity", async () => {
        await repository.createChat(newChat("c1", "u1", 10));
        const other = await repository.createChat(newChat("c2", "u1", 30));
        await repository.appendMessage("u1", userMessage("m1", "c1", 20));

        const result = await repository.updateChat("c1", "u1", {
          title: "A better title",
          model: "claude-sonnet-4",
          systemPrompt: "Answer in French.",
        });

        const expected = {
          id: "c1",
          title: "A better title",
          model: "claude-sonnet-4",
          systemPrompt: "Answer in French.",
          createdAt: at(10),
          lastActivityAt: at(20),
        };
        expect(result).toStrictEqual({ chat: expected, updated: true });
        expect(await repository.getChat("c1", "u1")).toStrictEqual(expected);
        expect((await repository.listChats("u1", { limit: 10 })).items).toStrictEqual([other, expected]);
      });

      test("an absent change keeps its value; an empty system prompt clears it", async () => {
        await repository.createChat({ ...newChat("c1", "u1", 10), systemPrompt: "Be brief." });

        const modelChanged = await repository.updateChat("c1", "u1", { model: "gpt-5" });
        expect(modelChanged?.chat).toStrictEqual({
          id: "c1",
          title: "Chat c1",
          model: "gpt-5",
          systemPrompt: "Be brief.",
          createdAt: at(10),
          lastActivityAt: at(10),
        });

        const withoutPrompt = {
          id: "c1",
          title: "Chat c1",
          model: "gpt-5",
          createdAt: at(10),
          lastActivityAt: at(10),
        };
        expect(await repository.updateChat("c1", "u1", { systemPrompt: "" })).toStrictEqual({
          chat: withoutPrompt,
          updated: true,
        });
        expect(await repository.getChat("c1", "u1")).toStrictEqual(withoutPrompt);
        expect((await repository.listChats("u1", { limit: 1 })).items).toStrictEqual([withoutPrompt]);

        // Clearing what is already clear is no error, and setting it again works.
        expect((await repository.updateChat("c1", "u1", { systemPrompt: "" }))?.chat).toStrictEqual(
          withoutPrompt,
        );
        const setAgain = await repository.updateChat("c1", "u1", { systemPrompt: "Be kind." });
        expect(setAgain?.chat.systemPrompt).toBe("Be kind.");
      });

      test("onlyIfTitle changes the chat while its title still matches, and nothing otherwise", async () => {
        await repository.createChat({ ...newChat("c1", "u1", 10), title: "New chat" });

        const titled = await repository.updateChat("c1", "u1", { title: "Pasta recipes" }, "New chat");
        expect(titled?.updated).toBe(true);
        expect(titled?.chat.title).toBe("Pasta recipes");

        // The user names the chat; a late automatic title for the old one must not replace it.
        await repository.updateChat("c1", "u1", { title: "My dinner plans" });
        const late = await repository.updateChat(
          "c1",
          "u1",
          { title: "Cooking", model: "other", systemPrompt: "Ignored" },
          "New chat",
        );

        const expected = {
          id: "c1",
          title: "My dinner plans",
          model: "demo",
          createdAt: at(10),
          lastActivityAt: at(10),
        };
        expect(late).toStrictEqual({ chat: expected, updated: false });
        expect(await repository.getChat("c1", "u1")).toStrictEqual(expected);
        expect(await repository.updateChat("missing", "u1", { title: "Cooking" }, "New chat")).toBeNull();
      });

      test("an update without changes returns the chat as it is", async () => {
        const created = await repository.createChat({
          ...newChat("c1", "u1", 10),
          systemPrompt: "Be brief.",
        });

        expect(await repository.updateChat("c1", "u1", {})).toStrictEqual({ chat: created, updated: true });
        expect(await repository.updateChat("c1", "u1", {}, "Chat c1")).toStrictEqual({
          chat: created,
          updated: true,
        });
        expect(await repository.updateChat("c1", "u1", {}, "Another title")).toStrictEqual({
          chat: created,
          updated: false,
        });
        expect(await repository.updateChat("c1", "u2", {})).toBeNull();
      });
    });

    describe("API keys", () => {
      beforeEach(async () => {
        await repository.createUser(storedUser("u1", "ada@example.com"));
        await repository.createUser(storedUser("u2", "grace@example.com"));
      });

      test("a created key has no lastUsedAt, and a user's keys are listed newest first without hashes", async () => {
        const created = await repository.createApiKey("u1", storedApiKey("k1", "hash-1", 10));
        await repository.createApiKey("u1", storedApiKey("k2", "hash-2", 30));
        await repository.createApiKey("u1", storedApiKey("k3", "hash-3", 20));
        await repository.createApiKey("u2", storedApiKey("k4", "hash-4", 40));

        expect(created).toStrictEqual({
          id: "k1",
          name: "Key k1",
          prefix: "sk-k1",
          createdAt: at(10),
          lastUsedAt: null,
        });
        const keys = await repository.listApiKeys("u1");
        expect(keys.map((key) => key.id)).toEqual(["k2", "k3", "k1"]);
        expect(keys[2]).toStrictEqual(created);
        expect(keys.every((key) => Value.Check(ApiKey, key) && !("hash" in key))).toBe(true);
        expect((await repository.listApiKeys("u2")).map((key) => key.id)).toEqual(["k4"]);
        expect(await repository.listApiKeys("nobody")).toEqual([]);
      });

      test("creating the same key again returns it; another key's id or hash is refused", async () => {
        const first = await repository.createApiKey("u1", storedApiKey("k1", "hash-1", 10));

        expect(await repository.createApiKey("u1", storedApiKey("k1", "hash-1", 10))).toStrictEqual(first);
        await expectAppError(
          repository.createApiKey("u2", storedApiKey("k1", "hash-2", 20)),
          "VALIDATION_FAILED",
        );
        await expectAppError(
          repository.createApiKey("u1", storedApiKey("k1", "hash-3", 20)),
          "VALIDATION_FAILED",
        );
        await expectAppError(
          repository.createApiKey("u2", storedApiKey("k2", "hash-1", 20)),
          "VALIDATION_FAILED",
        );

        expect(await repository.listApiKeys("u1")).toStrictEqual([first]);
        expect(await repository.listApiKeys("u2")).toEqual([]);
        expect((await repository.findApiKeyByHash("hash-1", at(50)))?.apiKey.id).toBe("k1");
        expect(await repository.findApiKeyByHash("hash-2", at(50))).toBeNull();
        expect(await repository.findApiKeyByHash("hash-3", at(50))).toBeNull();
      });

      test("a key found by its hash comes with its owner, and its lastUsedAt only moves forward", async () => {
        await repository.createApiKey("u1", storedApiKey("k1", "hash-1", 10));
        await repository.createApiKey("u1", storedApiKey("k2", "hash-2", 20));

        const found = await repository.findApiKeyByHash("hash-1", at(100));

        expect(found).toStrictEqual({
          apiKey: { id: "k1", name: "Key k1", prefix: "sk-k1", createdAt: at(10), lastUsedAt: at(100) },
          user: storedUser("u1", "ada@example.com"),
        });
        expect(found && "hash" in found.apiKey).toBe(false);
        expect((await repository.listApiKeys("u1")).map((key) => [key.id, key.lastUsedAt])).toEqual([
          ["k2", null],
          ["k1", at(100)],
        ]);

        expect((await repository.findApiKeyByHash("hash-1", at(50)))?.apiKey.lastUsedAt).toBe(at(100));
        expect(
          (await repository.findApiKeyByHash("hash-1", "2025-01-01T02:03:20+02:00"))?.apiKey.lastUsedAt,
        ).toBe(at(200));
        expect((await repository.listApiKeys("u1"))[1]?.lastUsedAt).toBe(at(200));
        expect(await repository.findApiKeyByHash("unknown-hash", at(300))).toBeNull();
      });

      test("a key whose owner does not exist is not found", async () => {
        await repository.createApiKey("ghost", storedApiKey("k1", "hash-1", 10));

        expect(await repository.findApiKeyByHash("hash-1", at(100))).toBeNull();
      });

      test("only its owner deletes a key, and a deleted key is not found at once", async () => {
        await repository.createApiKey("u1", storedApiKey("k1", "hash-1", 10));
        await repository.createApiKey("u1", storedApiKey("k2", "hash-2", 20));

        expect(await repository.deleteApiKey("u2", "k1")).toBe(false);
        expect(await repository.deleteApiKey("u1", "missing")).toBe(false);
        expect((await repository.findApiKeyByHash("hash-1", at(30)))?.user.id).toBe("u1");

        expect(await repository.deleteApiKey("u1", "k1")).toBe(true);

        expect(await repository.findApiKeyByHash("hash-1", at(40))).toBeNull();
        expect((await repository.listApiKeys("u1")).map((key) => key.id)).toEqual(["k2"]);
        expect(await repository.deleteApiKey("u1", "k1")).toBe(false);
        expect((await repository.findApiKeyByHash("hash-2", at(40)))?.apiKey.id).toBe("k2");
      });
    });

    describe("usage", () => {
      test("a report of a period without usage is empty", async () => {
        expect(await repository.usageReport("u1", at(0), at(100))).toStrictEqual({
          from: at(0),
          to: at(100),
          total: noUsage,
          chats: [],
          models: [],
        });
      });

      test("recording the same record id twice keeps the first", async () => {
        expect(await repository.recordUsage(usageRecord("r1"))).toBe(true);
        expect(
          await repository.recordUsage(
            usageRecord("r1", { inputTokens: 999, costUsd: 5, createdAt: at(11) }),
          ),
        ).toBe(false);

        const report = await repository.usageReport("u1", at(0), at(100));
        expect(report.total).toStrictEqual({
          inputTokens: 100,
          outputTokens: 50,
          costUsd: 0.1,
          generations: 1,
        });
      });

      test("a period includes records at its start and excludes those at its end", async () => {
        await repository.recordUsage(usageRecord("before", { createdAt: at(9) }));
        await repository.recordUsage(usageRecord("at-start", { createdAt: at(10), inputTokens: 1 }));
        await repository.recordUsage(usageRecord("inside", { createdAt: at(15), inputTokens: 2 }));
        await repository.recordUsage(usageRecord("at-end", { createdAt: at(20) }));
        await repository.recordUsage(usageRecord("after", { createdAt: at(21) }));

        // The same instants written with an offset.
        const report = await repository.usageReport(
          "u1",
          "2025-01-01T02:00:10+02:00",
          "2025-01-01T00:00:20Z",
        );

        expect(report.from).toBe(at(10));
        expect(report.to).toBe(at(20));
        expect(report.total).toStrictEqual({
          inputTokens: 3,
          outputTokens: 100,
          costUsd: 0.2,
          generations: 2,
        });
        expect((await repository.usageReport("u1", at(0), at(100))).total.generations).toBe(5);
        expect(await repository.usageReport("u1", at(15), at(15))).toStrictEqual({
          from: at(15),
          to: at(15),
          total: noUsage,
          chats: [],
          models: [],
        });
      });

      test("sums per chat and per model, most expensive first, API usage under a null chat", async () => {
        await repository.recordUsage(usageRecord("r1", { chatId: "c1", costUsd: 0.1 }));
        await repository.recordUsage(
          usageRecord("r2", {
            chatId: "c1",
            model: "gpt-5",
            provider: "openai",
            inputTokens: 10,
            outputTokens: 5,
            costUsd: 0.2,
          }),
        );
        await repository.recordUsage(
          usageRecord("r3", {
            chatId: "c2",
            purpose: "title",
            inputTokens: 1,
            outputTokens: 2,
            costUsd: 0.4,
          }),
        );
        await repository.recordUsage(
          usageRecord("r4", {
            chatId: null,
            messageId: null,
            purpose: "api",
            model: "gpt-5",
            provider: "openai",
            inputTokens: 7,
            outputTokens: 3,
            costUsd: 0.3,
            timeToFirstTokenMs: null,
          }),
        );
        await repository.recordUsage(
          usageRecord("r5", {
            chatId: "c3",
            provider: "openrouter",
            inputTokens: 20,
            outputTokens: 0,
            costUsd: 0.3,
          }),
        );

        const report = await repository.usageReport("u1", at(0), at(100));

        expect(Value.Check(UsageReport, report)).toBe(true);
        expect(report.total).toStrictEqual({
          inputTokens: 138,
          outputTokens: 60,
          costUsd: 1.3,
          generations: 5,
        });
        // c1 costs 0.1 + 0.2, which is 0.30000000000000004 in floating point: rounded, it ties with
        // the API and c3, and the tie is ordered by chat id, the API (null) first.
        expect(report.chats).toStrictEqual([
          { chatId: "c2", inputTokens: 1, outputTokens: 2, costUsd: 0.4, generations: 1 },
          { chatId: null, inputTokens: 7, outputTokens: 3, costUsd: 0.3, generations: 1 },
          { chatId: "c1", inputTokens: 110, outputTokens: 55, costUsd: 0.3, generations: 2 },
          { chatId: "c3", inputTokens: 20, outputTokens: 0, costUsd: 0.3, generations: 1 },
        ]);
        expect(report.models).toStrictEqual([
          {
            model: "claude-sonnet-4",
            provider: "anthropic",
            inputTokens: 101,
            outputTokens: 52,
            costUsd: 0.5,
            generations: 2,
          },
          {
            model: "gpt-5",
            provider: "openai",
            inputTokens: 17,
            outputTokens: 8,
            costUsd: 0.5,
            generations: 2,
          },
          {
            model: "claude-sonnet-4",
            provider: "openrouter",
            inputTokens: 20,
            outputTokens: 0,
            costUsd: 0.3,
            generations: 1,
          },
        ]);
      });

      test("a user's report never counts another user's records", async () => {
        await repository.recordUsage(usageRecord("mine", { costUsd: 0.25 }));
        await repository.recordUsage(usageRecord("theirs", { userId: "u2", costUsd: 4, inputTokens: 7 }));

        const mine = await repository.usageReport("u1", at(0), at(100));
        const theirs = await repository.usageReport("u2", at(0), at(100));

        expect(mine.total).toStrictEqual({
          inputTokens: 100,
          outputTokens: 50,
          costUsd: 0.25,
          generations: 1,
        });
        expect(mine.chats).toStrictEqual([{ chatId: "c1", ...mine.total }]);
        expect(theirs.total).toStrictEqual({ inputTokens: 7, outputTokens: 50, costUsd: 4, generations: 1 });
        expect(await repository.usageReport("nobody", at(0), at(100))).toStrictEqual({
          from: at(0),
          to: at(100),
          total: noUsage,
          chats: [],
          models: [],
        });
      });

      test("the usage of a deleted chat still counts", async () => {
        await repository.createChat(newChat("c1", "u1", 0));
        await repository.appendMessage("u1", userMessage("m1", "c1", 5));
        await repository.recordUsage(usageRecord("r1", { chatId: "c1", messageId: "m1" }));

        expect(await repository.deleteChat("c1", "u1")).toBe(true);

        const report = await repository.usageReport("u1", at(0), at(100));
        expect(report.chats).toStrictEqual([
          { chatId: "c1", inputTokens: 100, outputTokens: 50, costUsd: 0.1, generations: 1 },
        ]);
        expect(await repository.recordUsage(usageRecord("r1"))).toBe(false);
      });
    });

    describe("refresh tokens", () => {
      const day = 24 * 3600;
      // Tokens live in the future: a real mongod's TTL monitor deletes expired ones by the wall
      // clock (about once a minute), whatever time the test data pretends it is.
      const tokenStart = Date.UTC(2100, 0, 1);

      /** The time `seconds` after the start of the token data. */
      function tokenTime(seconds: number): string {
        return new Date(tokenStart + seconds * 1_000).toISOString();
      }

      /** The first token of family `familyId` of `userId`, made at `createdAtSeconds`, valid for a day. */
      function firstToken(hash: string, familyId: string, userId: string, createdAtSeconds = 0) {
        return {
          hash,
          familyId,
          userId,
          createdAt: tokenTime(createdAtSeconds),
          expiresAt: tokenTime(createdAtSeconds + day),
        };
      }

      /** A successor made at `seconds`, valid for a day. */
      function successor(hash: string, seconds: number) {
        return { hash, createdAt: tokenTime(seconds), expiresAt: tokenTime(seconds + day) };
      }

      beforeEach(async () => {
        await repository.createUser(storedUser("u1", "ada@example.com"));
        await repository.createUser(storedUser("u2", "grace@example.com"));
      });

      test("rotation uses the token up and the successor works in its place, in the same family", async () => {
        await repository.startRefreshFamily(firstToken("h1", "f1", "u1"));

        const first = await repository.rotateRefreshToken("h1", successor("h2", 10));
        expect(first).toStrictEqual({
          outcome: "rotated",
          user: storedUser("u1", "ada@example.com"),
          familyId: "f1",
        });
        const second = await repository.rotateRefreshToken("h2", successor("h3", 20));
        expect(second).toMatchObject({ outcome: "rotated", familyId: "f1", user: { id: "u1" } });
      });

      test("reusing a used token revokes the whole family: every token of it stops working", async () => {
        await repository.startRefreshFamily(firstToken("h1", "f1", "u1"));
        await repository.rotateRefreshToken("h1", successor("h2", 10));
        await repository.rotateRefreshToken("h2", successor("h3", 20));

        expect(await repository.rotateRefreshToken("h1", successor("h4", 30))).toStrictEqual({
          outcome: "reused",
          familyId: "f1",
        });
        expect(await repository.rotateRefreshToken("h3", successor("h5", 40))).toStrictEqual({
          outcome: "revoked",
        });
        expect(await repository.rotateRefreshToken("h4", successor("h6", 50))).toStrictEqual({
          outcome: "unknown",
        });
        expect(await repository.rotateRefreshToken("h2", successor("h7", 60))).toStrictEqual({
          outcome: "revoked",
        });
      });

      test("of two rotations of one token at once, one rotates and the other is a reuse", async () => {
        await repository.startRefreshFamily(firstToken("h1", "f1", "u1"));

        const outcomes = await Promise.all([
          repository.rotateRefreshToken("h1", successor("h2", 10)),
          repository.rotateRefreshToken("h1", successor("h3", 10)),
        ]);
        expect(outcomes.map((rotation) => rotation.outcome).sort()).toEqual(["reused", "rotated"]);
        const winner = outcomes[0]?.outcome === "rotated" ? "h2" : "h3";
        expect((await repository.rotateRefreshToken(winner, successor("h4", 20))).outcome).toBe("revoked");
      });

      test("of several rotations of one token at once, one rotates, one is the reuse, the rest find it revoked", async () => {
        await repository.startRefreshFamily(firstToken("h1", "f1", "u1"));

        const outcomes = await Promise.all(
          ["h2", "h3", "h4", "h5"].map((hash) => repository.rotateRefreshToken("h1", successor(hash, 10))),
        );
        expect(outcomes.map((rotation) => rotation.outcome).sort()).toEqual([
          "reused",
          "revoked",
          "revoked",
          "rotated",
        ]);
      });

      test("an expired token is refused and rotates nothing; its family is not revoked", async () => {
        await repository.startRefreshFamily(firstToken("h1", "f1", "u1"));
        await repository.startRefreshFamily(firstToken("k1", "f2", "u1", 100));

        const late = await repository.rotateRefreshToken("h1", successor("h2", day));
        expect(["expired", "unknown"]).toContain(late.outcome);
        expect((await repository.rotateRefreshToken("h2", successor("h3", day + 1))).outcome).toBe("unknown");
        expect((await repository.rotateRefreshToken("k1", successor("k2", day))).outcome).toBe("rotated");
      });

      test("a successor lives from its own creation (a sliding expiry)", async () => {
        await repository.startRefreshFamily(firstToken("h1", "f1", "u1"));
        await repository.rotateRefreshToken("h1", successor("h2", day - 10));

        expect((await repository.rotateRefreshToken("h2", successor("h3", day + 10))).outcome).toBe(
          "rotated",
        );
      });

      test("revoking (sign-out) stops the family's current token, and only that family", async () => {
        await repository.startRefreshFamily(firstToken("h1", "f1", "u1"));
        await repository.rotateRefreshToken("h1", successor("h2", 10));
        await repository.startRefreshFamily(firstToken("k1", "f2", "u1"));

        expect(await repository.revokeRefreshFamily("h2", tokenTime(20))).toBe("f1");
        expect(await repository.revokeRefreshFamily("h2", tokenTime(30))).toBe("f1");
        expect(await repository.revokeRefreshFamily("nope", tokenTime(30))).toBeNull();
        expect(await repository.rotateRefreshToken("h2", successor("h3", 40))).toStrictEqual({
          outcome: "revoked",
        });
        expect((await repository.rotateRefreshToken("k1", successor("k2", 40))).outcome).toBe("rotated");
      });

      test("revoking by family id (sign-out with an access token) needs the family's own user", async () => {
        await repository.startRefreshFamily(firstToken("h1", "f1", "u1"));
        await repository.startRefreshFamily(firstToken("k1", "f2", "u1"));

        expect(await repository.revokeRefreshFamilyById("f1", "u2", at(10))).toBe(false);
        expect((await repository.rotateRefreshToken("h1", successor("h2", 20))).outcome).toBe("rotated");
        expect(await repository.revokeRefreshFamilyById("f1", "u1", at(30))).toBe(true);
        expect(await repository.revokeRefreshFamilyById("f1", "u1", at(40))).toBe(true);
        expect(await repository.revokeRefreshFamilyById("nope", "u1", at(40))).toBe(false);
        expect((await repository.rotateRefreshToken("h2", successor("h3", 50))).outcome).toBe("revoked");
        expect((await repository.rotateRefreshToken("k1", successor("k2", 50))).outcome).toBe("rotated");
      });

      test("revoking by an old, used token of the family revokes it too", async () => {
        await repository.startRefreshFamily(firstToken("h1", "f1", "u1"));
        await repository.rotateRefreshToken("h1", successor("h2", 10));

        expect(await repository.revokeRefreshFamily("h1", tokenTime(20))).toBe("f1");
        expect((await repository.rotateRefreshToken("h2", successor("h3", 30))).outcome).toBe("revoked");
      });

      test("another user's token is theirs: it rotates to them, and their reuse leaves others alone", async () => {
        await repository.startRefreshFamily(firstToken("a1", "fa", "u1"));
        await repository.startRefreshFamily(firstToken("b1", "fb", "u2"));

        const grace = await repository.rotateRefreshToken("b1", successor("b2", 10));
        expect(grace).toMatchObject({ outcome: "rotated", familyId: "fb", user: { id: "u2" } });
        expect((await repository.rotateRefreshToken("b1", successor("b3", 20))).outcome).toBe("reused");

        const ada = await repository.rotateRefreshToken("a1", successor("a2", 30));
        expect(ada).toMatchObject({ outcome: "rotated", familyId: "fa", user: { id: "u1" } });
      });

      test("a family id cannot be started twice, not even for another user", async () => {
        await repository.startRefreshFamily(firstToken("a1", "f1", "u1"));

        await expectAppError(
          repository.startRefreshFamily(firstToken("b1", "f1", "u2")),
          "VALIDATION_FAILED",
        );
        expect((await repository.rotateRefreshToken("b1", successor("b2", 10))).outcome).toBe("unknown");
        expect(await repository.rotateRefreshToken("a1", successor("a2", 10))).toMatchObject({
          user: { id: "u1" },
        });
      });

      test("an unknown token is unknown", async () => {
        expect(await repository.rotateRefreshToken("nope", successor("h2", 10))).toStrictEqual({
          outcome: "unknown",
        });
      });
    });

    describe("ended sign-ins", () => {
      // Far ahead of the clock, so no adapter's own expiry (MongoDB's TTL monitor) takes them early.
      const later = Date.UTC(2100, 0, 1);
      const after = (seconds: number) => new Date(later + seconds * 1_000).toISOString();

      test("a revoked sign-in is revoked until its expiry, and only that one", async () => {
        expect(await repository.isSignInRevoked("s1", after(0))).toBe(false);
        await repository.revokeSignIn("s1", after(0), after(900));

        expect(await repository.isSignInRevoked("s1", after(1))).toBe(true);
        expect(await repository.isSignInRevoked("s1", after(899))).toBe(true);
        expect(await repository.isSignInRevoked("s1", after(900))).toBe(false);
        expect(await repository.isSignInRevoked("s2", after(1))).toBe(false);
      });

      test("revoking again sets the new expiry", async () => {
        await repository.revokeSignIn("s1", after(0), after(900));
        await repository.revokeSignIn("s1", after(600), after(1_500));

        expect(await repository.isSignInRevoked("s1", after(1_000))).toBe(true);
        expect(await repository.isSignInRevoked("s1", after(1_500))).toBe(false);
      });

      test("a later revocation, which may sweep expired ones, keeps the live ones", async () => {
        await repository.revokeSignIn("old", after(0), after(10));
        await repository.revokeSignIn("live", after(0), after(900));
        await repository.revokeSignIn("new", after(20), after(900));

        expect(await repository.isSignInRevoked("old", after(20))).toBe(false);
        expect(await repository.isSignInRevoked("live", after(30))).toBe(true);
        expect(await repository.isSignInRevoked("new", after(30))).toBe(true);
      });
    });
  });
}
