import {
  type BranchSwitched,
  type CancelReply,
  type Chat,
  type ChatAssistance,
  type ChatCommand,
  chatCommandReplySchemas,
  type DeleteChatReply,
  type Message,
  newEnvelope,
  type SendMessageReply,
} from "@chat/contracts";
import type { Static } from "@sinclair/typebox";
import type { Bus } from "../bus.ts";

/** The command types a client waits on; the others are sent by services without waiting. */
type RequestedCommand =
  | "send_message"
  | "regenerate_answer"
  | "edit_message"
  | "switch_branch"
  | "cancel_generation"
  | "update_chat"
  | "delete_chat"
  | "request_help"
  | "cancel_help_request"
  | "take_over"
  | "agent_message"
  | "release_chat";

/** The command types services send without waiting for a reply. */
type NotifiedCommand = "generation_finished" | "recover_answer" | "update_chat" | "expire_hold";

/** A command's own fields, with the `chatId` of its envelope (it routes the command to its partition). */
type CommandFields<T extends ChatCommand["type"]> = Omit<
  Extract<ChatCommand, { type: T }>,
  "id" | "type" | "v" | "occurredAt" | "traceparent"
>;

/**
 * Typed commands to a chat's actor over the bus, each waiting for its reply: builds each envelope
 * and checks each reply against its schema in `chatCommandReplySchemas`. One implementation for
 * every transport (HTTP routes, WebSocket frames).
 *
 * @example
 * const { userMessage, assistantMessageId } = await commands.send(
 *   { chatId, userId, content: "Hello", clientMessageId },
 *   traceparent,
 * );
 */
export class ChatCommandClient {
  constructor(
    private readonly bus: Pick<Bus, "requestCommand" | "sendCommand">,
    private readonly options: { timeoutMs: number; newId: () => string; now?: () => Date },
  ) {}

  /** Sends a user's message; the reply names the answer that is being written. */
  send(fields: CommandFields<"send_message">, traceparent: string): Promise<SendMessageReply> {
    return this.request("send_message", fields, traceparent);
  }

  /** Answers the latest question of the active path again; the answer `messageId` stays as a version. */
  regenerate(fields: CommandFields<"regenerate_answer">, traceparent: string): Promise<SendMessageReply> {
    return this.request("regenerate_answer", fields, traceparent);
  }

  /** Sends a new version of the question `messageId`, branching from its parent; its answer streams. */
  edit(fields: CommandFields<"edit_message">, traceparent: string): Promise<SendMessageReply> {
    return this.request("edit_message", fields, traceparent);
  }

  /** Makes the branch through `messageId` the chat's active path. */
  switchBranch(fields: CommandFields<"switch_branch">, traceparent: string): Promise<BranchSwitched> {
    return this.request("switch_branch", fields, traceparent);
  }

  /** Stops the chat's running generation, if any. */
  cancel(fields: CommandFields<"cancel_generation">, traceparent: string): Promise<CancelReply> {
    return this.request("cancel_generation", fields, traceparent);
  }

  /** Changes the chat's settings; the reply is the chat as it is now. */
  update(fields: CommandFields<"update_chat">, traceparent: string): Promise<Chat> {
    return this.request("update_chat", fields, traceparent);
  }

  /** Deletes the chat with its messages and its actor. */
  delete(fields: CommandFields<"delete_chat">, traceparent: string): Promise<DeleteChatReply> {
    return this.request("delete_chat", fields, traceparent);
  }

  /** The chat's user asks for a person. */
  requestHelp(fields: CommandFields<"request_help">, traceparent: string): Promise<ChatAssistance> {
    return this.request("request_help", fields, traceparent);
  }

  /** The chat's user withdraws the help request. */
  cancelHelpRequest(
    fields: CommandFields<"cancel_help_request">,
    traceparent: string,
  ): Promise<ChatAssistance> {
    return this.request("cancel_help_request", fields, traceparent);
  }

  /** An agent takes the chat over, or renews the hold they have. */
  takeOver(fields: CommandFields<"take_over">, traceparent: string): Promise<ChatAssistance> {
    return this.request("take_over", fields, traceparent);
  }

  /** The agent holding the chat writes to its user. */
  agentMessage(fields: CommandFields<"agent_message">, traceparent: string): Promise<{ message: Message }> {
    return this.request("agent_message", fields, traceparent);
  }

  /** The agent holding the chat gives it back to the AI. */
  release(fields: CommandFields<"release_chat">, traceparent: string): Promise<ChatAssistance> {
    return this.request("release_chat", fields, traceparent);
  }

  /**
   * Sends a command that nobody waits on (an orchestrator's report, a recovery, a title), to the
   * chat's partition like every other.
   */
  notify<T extends NotifiedCommand>(type: T, fields: CommandFields<T>, traceparent: string): Promise<void> {
    return this.bus.sendCommand({ ...this.envelope(type, fields.chatId, traceparent), ...fields });
  }

  private request<T extends RequestedCommand>(
    type: T,
    fields: CommandFields<T>,
    traceparent: string,
  ): Promise<Static<(typeof chatCommandReplySchemas)[T]>> {
    return this.bus.requestCommand(
      { ...this.envelope(type, fields.chatId, traceparent), ...fields },
      { replySchema: chatCommandReplySchemas[type], timeoutMs: this.options.timeoutMs },
    );
  }

  private envelope<T extends string>(type: T, chatId: string, traceparent: string) {
    return newEnvelope(type, chatId, {
      id: this.options.newId(),
      traceparent,
      now: this.options.now?.() ?? new Date(),
    });
  }
}
