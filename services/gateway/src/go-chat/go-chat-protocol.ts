import {
  type ErrorEventData,
  type ErrorFrame,
  type GoChatServerFrame,
  goChatClientFrameSchemas,
  type MessageChunkData,
  type MessageCompleteData,
  type MessageStartData,
  type PongFrame,
} from "@chat/contracts";
import { type ClientFrameReading, readFrame } from "../websocket/read-client-frame.ts";
import type { WebSocketProtocol } from "../websocket/websocket-session.ts";
import { codeBlockLines } from "./code-block-lines.ts";

/** Timestamped pings waiting for their pong; past this many the oldest is answered bare. */
const maxPendingPings = 32;

/**
 * The frames of the Go Chat compatible socket `/ws/chat?projectId=` (PRD-002), translated to and
 * from the session's own: `chat_message {content}` is the session's `chat_message` to the
 * project's chat (the same command as `POST /api/chats/:id/messages`), `ping` its `ping`, answered
 * by the PRD's bare `pong` (a ping that carries a `timestamp` gets it back in its pong, which the
 * PRD leaves out). Of what the session sends, the project's answer streams as `message_start`,
 * `message_chunk` and `message_complete` (`fullContent`, code blocks by offset and by line), and
 * failures as `error`; every other frame has no counterpart here and is not sent. One instance per
 * connection.
 *
 * @example
 * const protocol = new GoChatProtocol(chatId);
 * protocol.read('{"type":"ping"}', 65_536); // { ok: true, frame: { type: "ping" } }
 */
export class GoChatProtocol implements WebSocketProtocol {
  /** The client's timestamp of each timestamped ping not yet answered, by the requestId given to it. */
  private readonly pendingPings = new Map<string, string | number>();
  private pings = 0;

  constructor(
    private readonly projectId: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  read(message: string | Uint8Array, maxFrameBytes: number): ClientFrameReading {
    const reading = readFrame(message, maxFrameBytes, goChatClientFrameSchemas);
    if (!reading.ok) return reading;
    const { frame } = reading;
    if (frame.type === "chat_message") {
      return { ok: true, frame: { type: "chat_message", chatId: this.projectId, content: frame.content } };
    }
    if (frame.timestamp === undefined) return { ok: true, frame: { type: "ping" } };
    const requestId = `ping-${++this.pings}`;
    if (this.pendingPings.size >= maxPendingPings) {
      const oldest = this.pendingPings.keys().next().value;
      if (oldest !== undefined) this.pendingPings.delete(oldest);
    }
    this.pendingPings.set(requestId, frame.timestamp);
    return { ok: true, frame: { type: "ping", requestId } };
  }

  write(frame: Record<string, unknown>): GoChatServerFrame | null {
    const timestamp = this.now();
    switch (frame.type) {
      case "pong": {
        const { requestId } = frame as PongFrame;
        const pinged = requestId === undefined ? undefined : this.pendingPings.get(requestId);
        if (requestId !== undefined) this.pendingPings.delete(requestId);
        return pinged === undefined ? { type: "pong" } : { type: "pong", timestamp: pinged };
      }
      case "error": {
        // A refused frame (`ErrorFrame`) or a failed answer (the chat's `error` event).
        const { code, error, requestId, chatId } = frame as Pick<ErrorFrame, "code" | "error" | "requestId"> &
          Partial<Pick<ErrorEventData, "chatId">>;
        if (chatId !== undefined && chatId !== this.projectId) return null;
        if (requestId !== undefined) this.pendingPings.delete(requestId);
        return { type: "error", code, error, timestamp };
      }
    }
    if (frame.chatId !== this.projectId) return null;
    switch (frame.type) {
      // A restarted answer starts over: the client drops the text it has, as at a new start.
      case "message_start":
      case "message_restart": {
        const { messageId } = frame as unknown as MessageStartData;
        return { type: "message_start", messageId, timestamp };
      }
      case "message_chunk": {
        const { messageId, content } = frame as unknown as MessageChunkData;
        return { type: "message_chunk", messageId, content, timestamp };
      }
      case "message_complete": {
        const { messageId, fullContent, codeBlocks } = frame as unknown as MessageCompleteData;
        return {
          type: "message_complete",
          messageId,
          fullContent,
          codeBlocks: codeBlockLines(fullContent, codeBlocks),
          timestamp,
        };
      }
      default:
        return null;
    }
  }

  private now(): string {
    return this.clock().toISOString();
  }
}
