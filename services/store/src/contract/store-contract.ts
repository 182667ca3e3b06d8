import { describe, expect, test } from "bun:test";
import { accountDataContract } from "./account-data.contract.ts";
import { apiKeyContract } from "./api-key.contract.ts";
import { attachmentRepositoryContract } from "./attachment-repository.contract.ts";
import { auditLogContract } from "./audit-log.contract.ts";
import { chatAssistanceContract } from "./chat-assistance.contract.ts";
import { chatProjectContract } from "./chat-project.contract.ts";
import { chatRepositoryContract } from "./chat-repository.contract.ts";
import { chatSearchContract } from "./chat-search.contract.ts";
import { chatSettingsContract } from "./chat-settings.contract.ts";
import { consoleRepositoryContract } from "./console-repository.contract.ts";
import { messageContract } from "./message.contract.ts";
import { messageDeletionContract } from "./message-deletion.contract.ts";
import { messageTreeContract } from "./message-tree.contract.ts";
import { notificationRepositoryContract } from "./notification-repository.contract.ts";
import { shareRepositoryContract } from "./share-repository.contract.ts";
import { signInContract } from "./sign-in.contract.ts";
import { type MakeStore, storePerTest } from "./store-fixtures.ts";
import { usageRepositoryContract } from "./usage-repository.contract.ts";
import { userRepositoryContract } from "./user-repository.contract.ts";

/**
 * The behaviour every store adapter must have, port by port. `make` is called before each test and
 * must return an empty store of its own; `encrypted`: it encrypts at rest, so search matches words.
 *
 * @example
 * storeContract("SqliteStore", async () => {
 *   const store = new SqliteStore({ path: ":memory:" });
 *   return { store, cleanup: () => store.close() };
 * });
 */
export function storeContract(name: string, make: MakeStore, options: { encrypted?: boolean } = {}): void {
  describe(`${name} (StoreRepositories contract)`, () => {
    const store = storePerTest(make);

    test("is ready while open", async () => {
      expect(await store.isReady()).toBe(true);
    });
  });
  userRepositoryContract(name, make);
  chatRepositoryContract(name, make);
  chatSearchContract(name, make, { byWords: options.encrypted });
  messageContract(name, make);
  messageDeletionContract(name, make);
  messageTreeContract(name, make);
  chatSettingsContract(name, make);
  chatProjectContract(name, make);
  chatAssistanceContract(name, make);
  apiKeyContract(name, make);
  signInContract(name, make);
  usageRepositoryContract(name, make);
  auditLogContract(name, make);
  notificationRepositoryContract(name, make);
  attachmentRepositoryContract(name, make);
  accountDataContract(name, make);
  shareRepositoryContract(name, make);
  consoleRepositoryContract(name, make);
}
