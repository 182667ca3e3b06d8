import type { ChatCommandClient, StoreClient } from "@chat/bus";
import {
  type AdminChat,
  type AgentMessageBody,
  type AgentMessageReply,
  AppError,
  type ChatAgent,
  type ChatAssistance,
  type HelpRequestBody,
} from "@chat/contracts";
import type { Caller } from "../auth/authenticator.ts";
import type { StaffAccess } from "../auth/staff-access.ts";
import type { ChatCommandTarget } from "./chat-commands.ts";

/** How many of the newest messages `GET /api/admin/chats/:id` includes. */
const messagesShownToAgents = 100;

function chatNotFound(): AppError {
  return new AppError("CHAT_NOT_FOUND", "Chat not found", { retryable: false });
}

/**
 * Help requests and human takeover, whichever transport carried them (HTTP or WebSocket): a user
 * asks for a person in their chat; an agent takes any user's chat over, writes in it and releases
 * it. Each is one command to the chat's actor, which holds the takeover (see `ChatActor`). Staff
 * commands name the chat's owner, found in the store, since actors answer only for their owner.
 *
 * @example
 * const agent = await assistance.agentFor(caller, traceparent);
 * await assistance.takeOver(agent, chatId, traceparent); // 409 CHAT_HELD when another agent holds it
 */
export class ChatAssistanceCommands {
  constructor(
    private readonly dependencies: {
      client: Pick<
        ChatCommandClient,
        "requestHelp" | "cancelHelpRequest" | "takeOver" | "agentMessage" | "release"
      >;
      store: Pick<StoreClient, "call">;
      access: Pick<StaffAccess, "check">;
      newId: () => string;
    },
  ) {}

  /** The user asks for a person; staff are told by the durable `help_requested` event. */
  requestHelp(target: ChatCommandTarget, body: HelpRequestBody): Promise<ChatAssistance> {
    const note = body.note?.trim();
    return this.dependencies.client.requestHelp(
      { chatId: target.chatId, userId: target.userId, ...(note ? { note } : {}) },
      target.traceparent,
    );
  }

  /** The user withdraws their help request. */
  cancelHelpRequest(target: ChatCommandTarget): Promise<ChatAssistance> {
    return this.dependencies.client.cancelHelpRequest(
      { chatId: target.chatId, userId: target.userId },
      target.traceparent,
    );
  }

  /** The agent `caller` acts as, with the name users see; ROUTE_NOT_FOUND when not staff. */
  async agentFor(caller: Pick<Caller, "user" | "listedAdmin">, traceparent: string): Promise<ChatAgent> {
    const staff = await this.dependencies.access.check(caller, "agent", traceparent);
    return { id: staff.id, email: staff.email, name: caller.user.name };
  }

  /** Takes the chat over, or renews the agent's hold; CHAT_HELD names the agent holding it. */
  async takeOver(agent: ChatAgent, chatId: string, traceparent: string): Promise<ChatAssistance> {
    const userId = await this.ownerOf(chatId, traceparent);
    return this.dependencies.client.takeOver({ chatId, userId, agent }, traceparent);
  }

  /** Writes to the chat's user as the agent holding it; CHAT_NOT_HELD when the agent does not. */
  async agentMessage(
    agent: ChatAgent,
    chatId: string,
    body: AgentMessageBody,
    traceparent: string,
  ): Promise<AgentMessageReply> {
    const userId = await this.ownerOf(chatId, traceparent);
    return this.dependencies.client.agentMessage(
      {
        chatId,
        userId,
        agent,
        content: body.content,
        clientMessageId: body.clientMessageId ?? this.dependencies.newId(),
      },
      traceparent,
    );
  }

  /** Gives the chat back to the AI. */
  async release(agent: ChatAgent, chatId: string, traceparent: string): Promise<ChatAssistance> {
    const userId = await this.ownerOf(chatId, traceparent);
    return this.dependencies.client.release({ chatId, userId, agent }, traceparent);
  }

  /** Any user's chat with its newest messages and its marks, for an agent. */
  async chatForAgent(chatId: string, traceparent: string): Promise<AdminChat> {
    const found = await this.dependencies.store.call(
      "store.get_any_chat",
      { chatId, messageLimit: messagesShownToAgents },
      traceparent,
    );
    if (!found) throw chatNotFound();
    return {
      ...found.chat,
      userId: found.userId,
      messages: found.messages,
      hasOlderMessages: found.hasOlderMessages,
    };
  }

  /**
   * Whether `caller` may follow a chat that is not theirs: staff may follow any chat that exists.
   * False for users (who get the usual 404), never an error that would reveal the staff role.
   */
  async staffMayFollow(
    caller: Pick<Caller, "user" | "listedAdmin">,
    chatId: string,
    traceparent: string,
  ): Promise<boolean> {
    try {
      await this.dependencies.access.check(caller, "agent", traceparent);
    } catch (error) {
      if (AppError.isInstance(error) && error.code === "ROUTE_NOT_FOUND") return false;
      throw error;
    }
    const found = await this.dependencies.store.call(
      "store.get_any_chat",
      { chatId, messageLimit: 0 },
      traceparent,
    );
    return found !== null;
  }

  private async ownerOf(chatId: string, traceparent: string): Promise<string> {
    const found = await this.dependencies.store.call(
      "store.get_any_chat",
      { chatId, messageLimit: 0 },
      traceparent,
    );
    if (!found) throw chatNotFound();
    return found.userId;
  }
}
