import { SseReader } from "./sse-reader.ts";

type ChunkData = { messageId: string; content: string; seq: number };
type CompleteData = { messageId: string; fullContent: string; finishReason: string };

/**
 * A chat's event stream as a careful client follows it across faults: when its gateway dies it
 * reconnects to another one with the last event id it saw, drops the text of a message on
 * `message_restart`, and assembles each answer from its chunks.
 */
export class ResumingChatStream {
  readonly eventIds: string[] = [];
  readonly texts = new Map<string, string>();
  readonly completes = new Map<string, CompleteData>();
  restarts = 0;
  reconnects = 0;
  resumeExpired = 0;
  private reader: SseReader | null = null;
  private consumed = 0;

  constructor(
    private readonly chatId: string,
    private readonly token: string,
    private gatewayUrl: () => string,
  ) {}

  async open(): Promise<void> {
    const last = this.eventIds.at(-1);
    this.reader = await SseReader.open(`${this.gatewayUrl()}/api/chats/${this.chatId}/events`, {
      authorization: `Bearer ${this.token}`,
      ...(last ? { "last-event-id": last } : {}),
    });
    this.consumed = 0;
  }

  /** Follows the stream until `messageId` is complete, reconnecting as often as needed. */
  async waitForComplete(messageId: string, timeoutMs: number): Promise<CompleteData> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.drain();
      const complete = this.completes.get(messageId);
      if (complete) return complete;
      if (Date.now() > deadline) throw new Error(`chat ${this.chatId}: no message_complete for ${messageId}`);
      if (!this.reader || this.reader.ended) {
        this.reconnects++;
        await Bun.sleep(200);
        try {
          await this.open();
        } catch {
          // That gateway is gone too, or not ready: try again.
          this.reader = null;
        }
        continue;
      }
      try {
        await this.reader.waitFor(
          () => this.reader !== null && this.reader.events.length > this.consumed,
          1_000,
        );
      } catch {
        // No new event within a second: look again (the stream may have ended).
      }
    }
  }

  /** The text received so far of one answer. */
  textOf(messageId: string): string {
    this.drain();
    return this.texts.get(messageId) ?? "";
  }

  /** Switches the gateway used by the next reconnect. */
  useGateway(gatewayUrl: () => string): void {
    this.gatewayUrl = gatewayUrl;
  }

  close(): void {
    this.reader?.close();
  }

  private drain(): void {
    if (!this.reader) return;
    for (const event of this.reader.events.slice(this.consumed)) {
      this.consumed++;
      if (event.id) this.eventIds.push(event.id);
      const data = event.data as Record<string, unknown>;
      switch (event.event) {
        case "message_chunk": {
          const chunk = data as unknown as ChunkData;
          this.texts.set(chunk.messageId, (this.texts.get(chunk.messageId) ?? "") + chunk.content);
          break;
        }
        case "message_restart":
          this.restarts++;
          this.texts.set(data.messageId as string, "");
          this.completes.delete(data.messageId as string);
          break;
        case "message_complete":
          this.completes.set(data.messageId as string, data as unknown as CompleteData);
          break;
        case "error":
          if (data.code === "RESUME_EXPIRED") this.resumeExpired++;
          break;
      }
    }
  }
}
