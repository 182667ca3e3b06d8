import { afterEach, beforeEach, expect } from "bun:test";
import {
  AppError,
  type ErrorCode,
  type Message,
  type StoredApiKey,
  type StoredUser,
  type UsageRecord,
} from "@chat/contracts";
import { FormatRegistry } from "@sinclair/typebox";
import type { NewChat } from "../chat-repository.ts";
import type { StoreRepositories } from "../store-repositories.ts";

/** A store for one test, and what removes everything it stored. */
export type StoreUnderTest = { store: StoreRepositories; cleanup: () => Promise<void> };

/** Opens an empty store of its own for each test. */
export type MakeStore = () => Promise<StoreUnderTest>;

/**
 * Opens an empty store of its own before each test of the enclosing `describe` and cleans it up
 * after. The store returned stands for the running test's store, so a contract can name it once.
 *
 * @example
 * describe("users", () => {
 *   const store = storePerTest(make);
 *   test("a created user is found", async () => {
 *     await store.users.createUser(storedUser("u1", "ada@example.com"));
 *   });
 * });
 */
export function storePerTest(make: MakeStore): StoreRepositories {
  let running: StoreUnderTest | undefined;
  beforeEach(async () => {
    running = await make();
  });
  afterEach(async () => {
    await running?.cleanup();
    running = undefined;
  });
  const current = (): StoreRepositories => {
    if (running === undefined) throw new Error("the store of a test is used outside a test");
    return running.store;
  };
  return {
    get users() {
      return current().users;
    },
    get credentials() {
      return current().credentials;
    },
    get chats() {
      return current().chats;
    },
    get chatProjects() {
      return current().chatProjects;
    },
    get usage() {
      return current().usage;
    },
    get console() {
      return current().console;
    },
    get attachments() {
      return current().attachments;
    },
    get auditLog() {
      return current().auditLog;
    },
    get notifications() {
      return current().notifications;
    },
    get shares() {
      return current().shares;
    },
    get encryption() {
      return current().encryption;
    },
    isReady: () => current().isReady(),
    close: () => current().close(),
  };
}

// TypeBox fails every string format that nobody registered; Elysia registers its own only where it runs.
const rfc3339DateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
if (!FormatRegistry.Has("date-time")) {
  FormatRegistry.Set("date-time", (value) => rfc3339DateTime.test(value) && !Number.isNaN(Date.parse(value)));
}

/** The start of the test data. */
export const start = Date.UTC(2025, 0, 1);

/** The time `seconds` after the start of the test data, in the form the repository returns. */
export function at(seconds: number): string {
  return new Date(start + seconds * 1_000).toISOString();
}

/** A local user with this id and email, created at the start. */
export function storedUser(id: string, email: string): StoredUser {
  return { id, email, name: `User ${id}`, role: "user", passwordHash: "$argon2id$hash", createdAt: at(0) };
}

/** A chat of the user, created `createdAtSeconds` after the start. */
export function newChat(id: string, userId: string, createdAtSeconds: number): NewChat {
  return { id, userId, title: `Chat ${id}`, model: "demo", createdAt: at(createdAtSeconds) };
}

/** A user message in the chat, `createdAtSeconds` after the start. */
export function userMessage(id: string, chatId: string, createdAtSeconds: number): Message {
  return { id, chatId, role: "user", content: `Content of ${id}`, createdAt: at(createdAtSeconds) };
}

/** An API key with this id and hash, created `createdAtSeconds` after the start. */
export function storedApiKey(id: string, hash: string, createdAtSeconds: number): StoredApiKey {
  return { id, name: `Key ${id}`, prefix: `sk-${id}`, hash, createdAt: at(createdAtSeconds) };
}

/** An answer in chat c1 of user u1 at 10 s, costing 0.1 USD; `changes` override any field. */
export function usageRecord(id: string, changes: Partial<UsageRecord> = {}): UsageRecord {
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

/** The totals of no usage at all. */
export const noUsage = { inputTokens: 0, outputTokens: 0, costUsd: 0, generations: 0 };

/** Expects the promise to reject with an AppError of this code. */
export async function expectAppError(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const error = await promise.then(
    () => null,
    (rejection: unknown) => rejection,
  );
  expect(AppError.isInstance(error)).toBe(true);
  expect((error as AppError).code).toBe(code);
}

/** The help and takeover marks and count of a chat nobody asked for help in, with no messages. */
export const unmarkedChat = {
  messageCount: 0,
  needsHelp: false,
  assisted: false,
  heldBy: null,
  pinned: false,
  archived: false,
} as const;
