import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import type { Message, StoredShare } from "@chat/contracts";
import { ConfigError } from "@chat/runtime";
import type { EncryptionKey } from "../encryption/encryption-keys.ts";
import { EncryptionSweep } from "../encryption/encryption-sweep.ts";
import { FieldCipher } from "../encryption/field-cipher.ts";
import { countValuesByKey } from "../encryption/key-usage.ts";
import { checkStoredKeys } from "../encryption/stored-key-check.ts";
import type { StoreRepositories } from "../store-repositories.ts";
import { at, expectAppError, newChat } from "./store-fixtures.ts";

/** One database for a test, opened as often as it likes with the keys it names. */
export type EncryptedDatabaseUnderTest = {
  /** Opens the database with this cipher; the previous store is closed first. */
  open(cipher: FieldCipher): Promise<StoreRepositories>;
  /** Every stored row or document as text: what a reader of the database files or a backup sees. */
  rawText(): Promise<string>;
  /** Replaces the stored (sealed) title of a chat, as someone with write access to the database could. */
  overwriteStoredTitle(chatId: string, stored: string): Promise<void>;
  cleanup(): Promise<void>;
};

/** Makes an empty database of its own for each test. */
export type MakeEncryptedDatabase = () => Promise<EncryptedDatabaseUnderTest>;

const k1: EncryptionKey = { id: "k1", bytes: randomBytes(32) };
const k2: EncryptionKey = { id: "k2", bytes: randomBytes(32) };

/** The user content of the test data: none of it may appear in the stored bytes. */
const secrets = {
  title: "Marmalade smuggling",
  systemPrompt: "Answer like a lighthouse keeper",
  content: "The vault combination is swordfish",
  answer: "Noted: swordfish opens the vault",
  code: "let treasure = 'doubloons';",
  attachmentName: "passport-scan-zanzibar.pdf",
  draft: "Half an answer about quokkas",
  shareTitle: "Shared walrus facts",
  sharedMessage: "Walruses sleep in water",
  projectName: "Operation pelican",
  projectInstructions: "Always answer in haiku about pelicans",
};

const userQuestion: Message = {
  id: "m1",
  chatId: "c1",
  role: "user",
  content: secrets.content,
  createdAt: at(11),
  attachments: [{ id: "a1", name: secrets.attachmentName, mediaType: "application/pdf", size: 10 }],
};
const answer: Message = {
  id: "m2",
  chatId: "c1",
  role: "assistant",
  content: secrets.answer,
  createdAt: at(12),
  codeBlocks: [{ language: "ts", code: secrets.code, startIndex: 0, endIndex: 10 }],
  parentId: "m1",
};
const share: StoredShare = {
  id: "s1",
  userId: "u1",
  chatId: "c1",
  title: secrets.shareTitle,
  model: "demo",
  createdAt: at(13),
  truncated: false,
  messages: [{ role: "assistant", content: secrets.sharedMessage, createdAt: at(12) }],
};

/** Writes one of every kind of encrypted value. */
async function writeEverything(store: StoreRepositories): Promise<void> {
  await store.chats.createChat({
    ...newChat("c1", "u1", 10),
    title: secrets.title,
    systemPrompt: secrets.systemPrompt,
  });
  await store.chats.appendMessage("u1", userQuestion);
  await store.chats.appendMessage("u1", answer);
  await store.attachments.createAttachment(
    {
      id: "a1",
      userId: "u1",
      chatId: null,
      name: secrets.attachmentName,
      kind: "pdf",
      mediaType: "application/pdf",
      size: 10,
      storageKey: "u1/a1",
      createdAt: at(10),
    },
    1_000,
  );
  await store.chats.saveAnswerDraft({
    messageId: "m3",
    chatId: "c1",
    userId: "u1",
    content: secrets.draft,
    model: "demo",
    createdAt: at(14),
    updatedAt: at(15),
  });
  await store.shares.createShare(share);
  await store.chatProjects.createProject({
    id: "p1",
    userId: "u1",
    name: secrets.projectName,
    instructions: secrets.projectInstructions,
    createdAt: at(16),
  });
}

/** Expects every value `writeEverything` wrote to read back as it was written. */
async function expectEverythingReads(store: StoreRepositories): Promise<void> {
  const chat = await store.chats.getChat("c1", "u1");
  expect(chat?.title).toBe(secrets.title);
  expect(chat?.systemPrompt).toBe(secrets.systemPrompt);
  const { messages } = await store.chats.recentMessages("c1", "u1", 10);
  expect(messages.map((message) => message.content)).toEqual([secrets.content, secrets.answer]);
  expect(messages[0]?.attachments).toEqual(userQuestion.attachments);
  expect(messages[1]?.codeBlocks).toEqual(answer.codeBlocks);
  expect((await store.attachments.findAttachment("u1", "a1"))?.name).toBe(secrets.attachmentName);
  expect((await store.chats.listAnswerDrafts(10)).map((draft) => draft.content)).toEqual([secrets.draft]);
  expect(await store.shares.findShare("s1")).toEqual(share);
  expect((await store.shares.listShares("u1", { limit: 10 })).items.map((listing) => listing.title)).toEqual([
    secrets.shareTitle,
  ]);
  expect((await store.console.getChat("c1", at(20), 60_000))?.title).toBe(secrets.title);
  expect(await store.chatProjects.getProject("p1", "u1")).toMatchObject({
    name: secrets.projectName,
    instructions: secrets.projectInstructions,
  });
}

function plaintextIn(raw: string): string[] {
  const lowered = raw.toLowerCase();
  return Object.values(secrets).filter((secret) => lowered.includes(secret.toLowerCase()));
}

/** Encryption at rest: the contract both store adapters keep, run against the database `make` opens. */
export function encryptionContract(name: string, make: MakeEncryptedDatabase): void {
  describe(`${name} (encryption at rest contract)`, () => {
    let database: EncryptedDatabaseUnderTest;
    beforeEach(async () => {
      database = await make();
    });
    afterEach(async () => {
      await database.cleanup();
    });

    test("stores no plaintext of titles, prompts, messages, code, attachment names, drafts, shares or projects, and reads them back", async () => {
      const store = await database.open(new FieldCipher([k1]));
      await checkStoredKeys(store.encryption, at(0));
      await writeEverything(store);

      expect(plaintextIn(await database.rawText())).toEqual([]);
      await expectEverythingReads(store);
      expect(await countValuesByKey(store.encryption)).toEqual({ k1: 12 });
    });

    test("with encryption off the same data is stored as it is (the control of the test above)", async () => {
      const store = await database.open(FieldCipher.off);
      await writeEverything(store);

      expect(plaintextIn(await database.rawText())).toEqual(Object.values(secrets));
      await expectEverythingReads(store);
    });

    test("rotation: old-key values read while the sweep moves every value, plain ones too, to the new key", async () => {
      const plain = await database.open(FieldCipher.off);
      await plain.chats.createChat({ ...newChat("c0", "u1", 5), title: "Plain old chat" });
      const first = await database.open(new FieldCipher([k1]));
      await checkStoredKeys(first.encryption, at(0));
      await writeEverything(first);

      const rotated = await database.open(new FieldCipher([k2, k1]));
      await checkStoredKeys(rotated.encryption, at(1));
      await expectEverythingReads(rotated);
      await rotated.chats.updateChat("c1", "u1", { title: "Marmalade smuggling, part two" });
      expect(await countValuesByKey(rotated.encryption)).toEqual({ plain: 1, k1: 11, k2: 1 });

      const progress = await new EncryptionSweep(rotated.encryption, {
        batchSize: 2,
        pause: async () => {},
      }).run();
      expect(progress.rewritten).toBe(12);
      expect(await countValuesByKey(rotated.encryption)).toEqual({ k2: 13 });
      expect(await new EncryptionSweep(rotated.encryption).run()).toEqual({ examined: 13, rewritten: 0 });

      const withoutOldKey = await database.open(new FieldCipher([k2]));
      await checkStoredKeys(withoutOldKey.encryption, at(2));
      expect((await withoutOldKey.chats.getChat("c0", "u1"))?.title).toBe("Plain old chat");
      expect((await withoutOldKey.chats.getChat("c1", "u1"))?.title).toBe("Marmalade smuggling, part two");
      expect(await withoutOldKey.shares.findShare("s1")).toEqual(share);
      // The blind index was rebuilt under the new key: the old key's tokens are gone.
      const hits = await withoutOldKey.chats.searchChats("u1", "SWORDFISH vault", { limit: 10 });
      expect(hits.items.map((hit) => hit.match)).toEqual([
        { in: "message", messageId: "m2", role: "assistant", createdAt: at(12), snippet: secrets.answer },
      ]);
      expect((await withoutOldKey.chats.searchChats("u1", "plain", { limit: 10 })).items[0]?.chat.id).toBe(
        "c0",
      );
      expect(plaintextIn(await database.rawText())).toEqual([]);
    });

    test("a missing key that values still use stops the start with an error naming it; reads are DATA_UNREADABLE", async () => {
      const first = await database.open(new FieldCipher([k1]));
      await checkStoredKeys(first.encryption, at(0));
      await writeEverything(first);

      for (const cipher of [new FieldCipher([k2]), FieldCipher.off]) {
        const store = await database.open(cipher);
        const refusal = await checkStoredKeys(store.encryption, at(1)).then(
          () => null,
          (error: unknown) => error,
        );
        expect(refusal).toBeInstanceOf(ConfigError);
        expect((refusal as Error).message).toContain('"k1" (12 values)');
        await expectAppError(store.chats.getChat("c1", "u1"), "DATA_UNREADABLE");
      }
      const restored = await database.open(new FieldCipher([k2, k1]));
      await checkStoredKeys(restored.encryption, at(2));
      await expectEverythingReads(restored);
    });

    test("an altered ciphertext, or one moved from another field, is DATA_UNREADABLE, never garbage", async () => {
      const store = await database.open(new FieldCipher([k1]));
      await writeEverything(store);
      const [chat] = await store.encryption.page("chats", "", 1);
      const [message] = await store.encryption.page("messages", "", 1);
      const title = chat?.values.find((value) => value.field === "chat.title")?.stored ?? "";
      const content = message?.values.find((value) => value.field === "message.content")?.stored ?? "";

      const flipped = title.slice(0, -6) + (title.at(-6) === "A" ? "B" : "A") + title.slice(-5);
      await database.overwriteStoredTitle("c1", flipped);
      await expectAppError(store.chats.getChat("c1", "u1"), "DATA_UNREADABLE");
      await database.overwriteStoredTitle("c1", content);
      await expectAppError(store.chats.getChat("c1", "u1"), "DATA_UNREADABLE");
      await database.overwriteStoredTitle("c1", title);
      expect((await store.chats.getChat("c1", "u1"))?.title).toBe(secrets.title);
    });

    test("search finds whole words of titles and messages, any case, all words of the query, the user's own only", async () => {
      const store = await database.open(new FieldCipher([k1]));
      await writeEverything(store);
      await store.chats.createChat({ ...newChat("c2", "u1", 20), title: "Pasta night" });
      await store.chats.createChat({ ...newChat("c3", "u2", 30), title: "Pasta for someone else" });
      const found = async (query: string) =>
        (await store.chats.searchChats("u1", query, { limit: 10 })).items.map((hit) => [
          hit.chat.id,
          hit.match.in,
        ]);

      expect(await found("PASTA")).toEqual([["c2", "title"]]);
      expect(await found("night pasta")).toEqual([["c2", "title"]]);
      expect(await found("marmalade")).toEqual([["c1", "title"]]);
      expect(await found("vault swordfish")).toEqual([["c1", "message"]]);
      expect(await found("combination")).toEqual([["c1", "message"]]);
      // Whole words only: a part of a word, or a word missing from every text, finds nothing.
      expect(await found("past")).toEqual([]);
      expect(await found("pasta vault")).toEqual([]);
      expect(await found("!!!")).toEqual([]);

      await store.chats.updateChat("c2", "u1", { title: "Risotto night" });
      expect(await found("pasta")).toEqual([]);
      expect(await found("risotto")).toEqual([["c2", "title"]]);
    });

    test("an automatic title is set only while the title is still the one it replaces", async () => {
      const store = await database.open(new FieldCipher([k1]));
      await store.chats.createChat({ ...newChat("c1", "u1", 10), title: "New chat" });

      const kept = await store.chats.updateChat("c1", "u1", { title: "Auto" }, "Something else");
      expect(kept?.updated).toBe(false);
      const changed = await store.chats.updateChat("c1", "u1", { title: "Auto" }, "New chat");
      expect(changed?.updated).toBe(true);
      expect(changed?.chat.title).toBe("Auto");
    });
  });
}
