import type { FollowedChatEvent, ReplayLogTail, ReplayLogTailOptions } from "../actor-state.ts";

/** A replay-log tail in this process: appends reach it as they are made, so it never has a gap. */
export class MemoryReplayLogTail implements ReplayLogTail {
  private readonly watched = new Set<string>();

  constructor(
    private readonly options: ReplayLogTailOptions,
    private readonly detach: (tail: MemoryReplayLogTail) => void,
  ) {}

  async watch(chatId: string): Promise<void> {
    this.watched.add(chatId);
  }

  async unwatch(chatId: string): Promise<void> {
    this.watched.delete(chatId);
  }

  async close(): Promise<void> {
    this.watched.clear();
    this.detach(this);
  }

  offer(followed: FollowedChatEvent): void {
    if (this.watched.has(followed.chatId)) this.options.onEvent(followed);
  }
}
