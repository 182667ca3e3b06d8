import type { Chat } from "@chat/contracts";

/** What one tab tells the others of the same browser. */
export type TabMessage =
  | { type: "chat_saved"; chat: Chat }
  | { type: "chat_deleted"; chatId: string }
  | { type: "signed_in" }
  | { type: "signed_out" };

/**
 * The app's tabs talking to each other (BroadcastChannel): a chat created or deleted, a sign-in
 * or sign-out in one tab shows in the others at once. Renames, titles and new messages come from
 * the server's streams instead, which reach other devices too; the server has no event for a
 * deleted chat, so that one travels here.
 *
 * @example
 * const channel = new TabChannel((message) => console.log(message.type));
 * channel.post({ type: "chat_deleted", chatId });
 */
export class TabChannel {
  private readonly channel: BroadcastChannel | undefined;

  constructor(onMessage: (message: TabMessage) => void, name = "chat-app") {
    if (typeof BroadcastChannel === "undefined") return;
    this.channel = new BroadcastChannel(name);
    this.channel.addEventListener("message", (event: MessageEvent<TabMessage>) => onMessage(event.data));
  }

  post(message: TabMessage): void {
    this.channel?.postMessage(message);
  }

  close(): void {
    this.channel?.close();
  }
}
