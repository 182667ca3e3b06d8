import { deleteListedChats, type StoreClient } from "@chat/bus";
import type { AccountDeleted } from "@chat/contracts";
import type { ChatCommands } from "../chats/chat-commands.ts";

/** Chats read per round while an account's chats are deleted. */
const chatsPerRound = 100;

/** What ends a sign-in's access tokens at once; absent with an identity provider's tokens. */
export type SignInEnder = { endSignIn(signInId: string): Promise<void> };

/**
 * Deletes an account and everything kept of it, whichever transport asked: the last admin is
 * refused first (LAST_ADMIN); every sign-in ends (refresh families revoked, access tokens ended,
 * so open streams and WebSockets close); each chat is deleted through its actor, which also
 * removes its replay log and state from Redis; then the store erases the rest (files, keys,
 * usage, alerts naming the user) and the user last. A failure part-way leaves an account that can
 * sign in again and be deleted again.
 *
 * @example
 * const { chats } = await deletion.delete(user.id, traceparent);
 */
export class AccountDeletion {
  constructor(
    private readonly dependencies: {
      store: StoreClient;
      commands: Pick<ChatCommands, "delete">;
      signIns: SignInEnder | null;
      now?: () => Date;
    },
  ) {}

  async delete(userId: string, traceparent: string): Promise<AccountDeleted> {
    const { store, signIns } = this.dependencies;
    await store.call("store.prepare_account_deletion", { userId }, traceparent);
    const revokedAt = (this.dependencies.now?.() ?? new Date()).toISOString();
    const { familyIds } = await store.call("store.revoke_user_sign_ins", { userId, revokedAt }, traceparent);
    for (const familyId of familyIds) await signIns?.endSignIn(familyId);
    const chatsThroughActors = await this.deleteChats(userId, traceparent);
    const erased = await store.call("store.erase_user", { userId }, traceparent);
    return { chats: chatsThroughActors + erased.chats, files: erased.files };
  }

  private deleteChats(userId: string, traceparent: string): Promise<number> {
    const { store, commands } = this.dependencies;
    return deleteListedChats(
      async () => {
        const page = await store.call("store.list_chats", { userId, limit: chatsPerRound }, traceparent);
        return page.items.map((chat) => ({ chatId: chat.id, userId }));
      },
      (chat) => commands.delete({ ...chat, traceparent }),
      { pageSize: chatsPerRound },
    );
  }
}
