import { type Bus, GenerationClient, type StoreClient } from "@chat/bus";
import {
  AppError,
  type Chat,
  type ChatCommand,
  type ChatCommandReplies,
  type ContextMessage,
  DEFAULT_CHAT_TITLE,
  type DeleteChatCommand,
  type DeleteChatReply,
  type Message,
  type RegenerateAnswerCommand,
  type StoreReplies,
  type UpdateChatCommand,
} from "@chat/contracts";
import { counter } from "@chat/metrics";
import type { ActorState, ChatEventPublisher, Snapshot } from "@chat/state";
import type { Logger } from "pino";
import {
  type ChatActorEffect,
  type ChatActorState,
  type DecisionContext,
  decide,
  type FinishedTurn,
  initialState,
  markDispatched,
} from "./chat-actor.ts";

/** A chat as the store reads it, with the newest messages of one path. */
type ChatRead = NonNullable<StoreReplies["store.get_chat"]>;

/** What the actor answers to any command, by the reply schemas of the contracts. */
type ChatCommandReply = ChatCommandReplies[ChatCommand["type"]];

const commandsHandled = counter(
  "chat_commands_total",
  "Chat commands the session handled, by type and outcome (ok, or the error code: CHAT_BUSY, ...)",
  ["type", "outcome"],
);

export type ChatActorRunnerOptions = {
  contextMessageLimit: number;
  turnTimeoutMs: number;
  /** How long an agent's hold lasts from its last takeover or message (HOLD_TTL_MS). */
  holdTtlMs: number;
  now: () => Date;
  newId: () => string;
};

/**
 * Runs chat actors: loads a chat's snapshot, lets `decide` choose, saves the new state, then
 * performs the effects. Rename and delete need no actor decision and go straight to the store.
 */
export class ChatActorRunner {
  constructor(
    private readonly dependencies: {
      bus: Bus;
      actorState: ActorState;
      store: StoreClient;
      events: ChatEventPublisher;
      logger: Logger;
    },
    private readonly options: ChatActorRunnerOptions,
  ) {
    this.generations = new GenerationClient(dependencies.bus, options);
  }

  private readonly generations: GenerationClient;

  async handle(command: ChatCommand): Promise<ChatCommandReply> {
    try {
      const reply = await this.route(command);
      commandsHandled.inc({ type: command.type, outcome: "ok" });
      return reply;
    } catch (error) {
      commandsHandled.inc({ type: command.type, outcome: AppError.from(error).code });
      throw error;
    }
  }

  private route(command: ChatCommand): Promise<ChatCommandReply> {
    switch (command.type) {
      case "update_chat":
        return this.update(command);
      case "delete_chat":
        return this.delete(command.chatId, command.userId, command.traceparent);
      case "send_message":
      case "regenerate_answer":
      case "edit_message":
      case "switch_branch":
      case "generation_finished":
      case "cancel_generation":
      case "recover_answer":
      case "request_help":
      case "cancel_help_request":
      case "take_over":
      case "agent_message":
      case "release_chat":
      case "expire_hold":
        return this.decideAndRun(command);
    }
  }

  private async decideAndRun(command: Exclude<ChatCommand, UpdateChatCommand | DeleteChatCommand>) {
    const { snapshot: loaded, read } = (await this.loadOrCreate(command)) ?? {};
    if (!loaded) {
      if (["generation_finished", "recover_answer", "expire_hold"].includes(command.type)) return null;
      if (command.type === "cancel_generation") return this.cancelWithoutActor(command);
      throw new AppError("CHAT_NOT_FOUND", "Chat not found");
    }
    const snapshot = await this.withActiveLeaf(loaded, command.traceparent);
    const decision = decide(snapshot.state, command, {
      now: this.options.now(),
      newId: this.options.newId,
      turnTimeoutMs: this.options.turnTimeoutMs,
      holdTtlMs: this.options.holdTtlMs,
      ...(await this.storeFacts(snapshot.state, command)),
    });
    // The model's context does not depend on the effects before the dispatch: it is read meanwhile.
    const dispatch = decision.effects.find((effect) => effect.type === "dispatch_generation");
    const context = dispatch && this.buildContext(decision.state, dispatch, command.traceparent, read);
    // Awaited by the dispatch; should an earlier effect fail first, its failure is the one reported.
    context?.catch(() => {});
    let current = { state: decision.state, version: snapshot.version };
    if (decision.state !== snapshot.state || snapshot.version === 0) {
      current = await this.save(command.chatId, decision.state, snapshot.version);
    }
    for (const effect of decision.effects) {
      current = await this.perform(effect, current, command.traceparent, context);
    }
    return decision.reply;
  }

  /**
   * The chat's actor, or a new one from what the store keeps; `read` is that store read (the
   * newest messages of the active path, as many as a context takes), for the context to reuse.
   */
  private async loadOrCreate(command: { chatId: string; userId: string; traceparent: string; type: string }) {
    const snapshot = await this.dependencies.actorState.load<ChatActorState>(command.chatId);
    if (snapshot) return snapshot.state.userId === command.userId ? { snapshot } : null;
    // An answer finished or to recover may be all that is left of a chat whose actor was lost
    // with its memory (Redis restarted empty, the embedded process restarted).
    const starts = [
      "send_message",
      "regenerate_answer",
      "edit_message",
      "switch_branch",
      "recover_answer",
      "generation_finished",
      "request_help",
      "cancel_help_request",
      "take_over",
      "agent_message",
      "release_chat",
      "expire_hold",
    ];
    if (!starts.includes(command.type)) return null;
    const found = await this.dependencies.store.call(
      "store.get_chat",
      {
        chatId: command.chatId,
        userId: command.userId,
        messageLimit: this.options.contextMessageLimit,
        withProjectInstructions: true,
      },
      command.traceparent,
    );
    if (!found) return null;
    const state = initialState({
      chatId: command.chatId,
      userId: command.userId,
      needsTitle: found.chat.title === DEFAULT_CHAT_TITLE && found.messages.length === 0,
    });
    state.activeLeafId = found.activeLeaf?.id ?? found.messages.at(-1)?.id ?? null;
    state.branchVersion = found.activeLeaf?.version ?? 0;
    // The marks the store keeps outlive a lost actor (Redis emptied, the embedded process
    // restarted), the hold too while it lasts: the audit log needs its agent's email again.
    if (found.chat.assisted) state.assisted = true;
    const hold = found.chat.heldBy;
    if (hold && Date.parse(hold.expiresAt) > this.options.now().getTime()) {
      const agent = await this.dependencies.store.call(
        "store.find_user_by_id",
        { userId: hold.agentId },
        command.traceparent,
      );
      state.heldBy = { ...hold, email: agent?.email ?? "" };
    }
    return { snapshot: { state, version: 0 } satisfies Snapshot<ChatActorState>, read: found };
  }

  private async save(chatId: string, state: ChatActorState, expectedVersion: number) {
    const version = await this.dependencies.actorState.save(chatId, state, expectedVersion);
    if (version === null) {
      throw new AppError("UNAVAILABLE", "The chat changed concurrently; try again", { retryable: true });
    }
    return { state, version };
  }

  private async perform(
    effect: ChatActorEffect,
    current: Snapshot<ChatActorState>,
    traceparent: string,
    context: Promise<{ chat: Chat; messages: ContextMessage[]; projectInstructions?: string }> | undefined,
  ): Promise<Snapshot<ChatActorState>> {
    const { store, events } = this.dependencies;
    const { chatId, userId } = current.state;
    switch (effect.type) {
      case "store_message":
        await store.call(
          "store.append_message",
          { userId, message: effect.message, activeLeafVersion: effect.activeLeafVersion },
          traceparent,
        );
        return current;
      case "set_active_leaf":
        await store.call(
          "store.set_active_leaf",
          { chatId, userId, leafId: effect.leafId, version: effect.version },
          traceparent,
        );
        return current;
      case "publish_message_created":
        await events.publish(
          { type: "message_created", data: { chatId, message: effect.message } },
          { chatId, userId, traceparent },
        );
        return current;
      case "publish_message_complete":
        await events.publish(
          { type: "message_complete", data: effect.data },
          { chatId, userId, traceparent },
        );
        return current;
      case "dispatch_generation": {
        const { chat, messages, projectInstructions } = await (context ??
          this.buildContext(current.state, effect, traceparent));
        await this.generations.request(
          "generation_requested",
          {
            chatId,
            userId,
            assistantMessageId: effect.assistantMessageId,
            model: current.state.turn?.model ?? chat.model,
            ...(chat.systemPrompt ? { systemPrompt: chat.systemPrompt } : {}),
            ...(chat.temperature !== undefined ? { temperature: chat.temperature } : {}),
            ...(projectInstructions ? { projectInstructions } : {}),
            messages,
          },
          traceparent,
        );
        return current;
      }
      case "request_title":
        await this.requestTitle(current.state, effect, traceparent);
        return current;
      case "mark_dispatched":
        return this.save(chatId, markDispatched(current.state, effect.clientMessageId), current.version);
      case "mark_chat": {
        const { type: _, ...marks } = effect;
        await store.call("store.mark_chat", { chatId, userId, ...marks }, traceparent);
        return current;
      }
      case "publish_event":
        await events.publish(effect.event, { chatId, userId, traceparent });
        return current;
      case "audit":
        await store.call(
          "store.append_audit_entry",
          {
            entry: {
              id: this.options.newId(),
              actor: effect.agent,
              action: effect.action,
              chatId,
              details: effect.details,
              at: this.options.now().toISOString(),
            },
          },
          traceparent,
        );
        return current;
      case "signal_cancel": {
        await this.generations.cancel(
          { chatId, userId, assistantMessageId: effect.assistantMessageId },
          traceparent,
        );
        return current;
      }
    }
  }

  /**
   * A snapshot from before message trees does not know where its active path ends: the store's
   * leaf, or the last answer when the store has not written it yet (ADR 0002).
   */
  private async withActiveLeaf(
    snapshot: Snapshot<ChatActorState>,
    traceparent: string,
  ): Promise<Snapshot<ChatActorState>> {
    const { state } = snapshot;
    if (state.activeLeafId !== undefined) return snapshot;
    const found = await this.dependencies.store.call(
      "store.get_chat",
      { chatId: state.chatId, userId: state.userId, messageLimit: 1 },
      traceparent,
    );
    const stored = found?.activeLeaf?.id ?? found?.messages.at(-1)?.id ?? null;
    const answer = state.lastAnswer;
    const unwritten = answer && stored !== answer.id && answer.parentId === stored;
    return {
      ...snapshot,
      state: {
        ...state,
        activeLeafId: unwritten ? answer.id : stored,
        branchVersion: found?.activeLeaf?.version ?? 0,
      },
    };
  }

  /** What a command's decision needs from the store besides the actor's state. */
  private async storeFacts(
    state: ChatActorState,
    command: ChatCommand,
  ): Promise<Pick<DecisionContext, "latestExchange" | "editedMessage" | "branchLeaf">> {
    const { store } = this.dependencies;
    const owner = { chatId: command.chatId, userId: state.userId };
    switch (command.type) {
      case "regenerate_answer":
        return { latestExchange: await this.latestExchange(state, command) };
      case "edit_message":
        return {
          editedMessage: await store.call(
            "store.get_message",
            { ...owner, messageId: command.messageId },
            command.traceparent,
          ),
        };
      case "switch_branch": {
        const found = await store.call(
          "store.find_branch_leaf",
          { ...owner, messageId: command.messageId },
          command.traceparent,
        );
        // The newest version of a question may be the answer the store has not written yet.
        const answer = state.lastAnswer;
        const leafId = found && answer?.parentId === found.leafId ? answer.id : found?.leafId;
        return { branchLeaf: leafId ?? null };
      }
      default:
        return {};
    }
  }

  /**
   * The latest question and answer of the active path, for a regenerate: the actor's last finished
   * turn when its answer ends the path (the store may not have written it yet), else the store's
   * two last messages of the path.
   */
  private async latestExchange(
    state: ChatActorState,
    command: RegenerateAnswerCommand,
  ): Promise<FinishedTurn | null> {
    const remembered = state.finishedTurns.at(-1);
    if (remembered && !state.turn && remembered.assistantMessageId === state.activeLeafId) return remembered;
    const found = await this.dependencies.store.call(
      "store.get_chat",
      { chatId: command.chatId, userId: command.userId, messageLimit: 2 },
      command.traceparent,
    );
    const [question, answer] = found?.messages ?? [];
    if (question?.role !== "user" || answer?.role !== "assistant") return null;
    return {
      clientMessageId: question.clientMessageId ?? question.id,
      userMessage: question,
      assistantMessageId: answer.id,
    };
  }

  /**
   * The model's context: the path that ends at `contextPathTo` (the newest messages of it, oldest
   * first), then the question of this turn. The last answer is taken from the actor's state when
   * the store has not written it yet.
   */
  private async buildContext(
    state: ChatActorState,
    turn: { userMessage: Message; contextPathTo: string | null },
    traceparent: string,
    read?: ChatRead,
  ) {
    const { userMessage, contextPathTo } = turn;
    const found = await this.readPath(state, contextPathTo, traceparent, read);
    if (!found) throw new AppError("CHAT_NOT_FOUND", "Chat not found", { retryable: false });
    let history: Message[] = found.messages.filter((message) => message.id !== userMessage.id);
    const lastAnswer = state.lastAnswer;
    if (
      lastAnswer &&
      contextPathTo === lastAnswer.id &&
      !history.some((message) => message.id === lastAnswer.id)
    ) {
      const before = lastAnswer.parentId
        ? await this.readPath(state, lastAnswer.parentId, traceparent, read)
        : null;
      history = [
        ...(before?.messages ?? []),
        { ...lastAnswer, chatId: state.chatId, role: "assistant" as const },
      ];
    }
    const messages: ContextMessage[] = [...history, userMessage]
      .slice(-this.options.contextMessageLimit)
      .map((message) => ({
        role: message.role,
        content: message.content,
        ...(message.attachments?.length ? { attachments: message.attachments } : {}),
      }));
    // The model needs turns that alternate: consecutive messages of one role (questions asked
    // while an agent held the chat, an agent's several messages) are joined into one.
    const alternating: ContextMessage[] = [];
    for (const message of messages) {
      const previous = alternating.at(-1);
      if (previous?.role === message.role) {
        previous.content = `${previous.content}\n\n${message.content}`;
        if (message.attachments)
          previous.attachments = [...(previous.attachments ?? []), ...message.attachments];
      } else alternating.push({ ...message });
    }
    // The project's instructions are read with the path at each answer, so a change reaches the next one.
    return { chat: found.chat, messages: alternating, projectInstructions: found.projectInstructions };
  }

  /**
   * The chat, with the newest messages of the path that ends at `pathTo` (none for null); `read`
   * when it is that path already (the active path the actor was just created from).
   */
  private async readPath(state: ChatActorState, pathTo: string | null, traceparent: string, read?: ChatRead) {
    if (read && pathTo === (read.messages.at(-1)?.id ?? null)) return read;
    return this.dependencies.store.call(
      "store.get_chat",
      {
        chatId: state.chatId,
        userId: state.userId,
        messageLimit: pathTo === null ? 0 : this.options.contextMessageLimit,
        ...(pathTo !== null && { pathTo }),
        withProjectInstructions: true,
      },
      traceparent,
    );
  }

  /** Asks the orchestrators for a title, unless the chat was named meanwhile. Never blocks the answer. */
  private async requestTitle(
    state: ChatActorState,
    exchange: { question: string; answer: string },
    traceparent: string,
  ): Promise<void> {
    const found = await this.dependencies.store.call(
      "store.get_chat",
      { chatId: state.chatId, userId: state.userId, messageLimit: 0 },
      traceparent,
    );
    if (!found || found.chat.title !== DEFAULT_CHAT_TITLE) return;
    await this.generations.request(
      "title_requested",
      {
        chatId: state.chatId,
        userId: state.userId,
        model: found.chat.model,
        question: exchange.question,
        answer: exchange.answer,
        currentTitle: found.chat.title,
      },
      traceparent,
    );
  }

  /** A chat with no actor has nothing running: answer for it, or 404 when it is not the user's. */
  private async cancelWithoutActor(command: { chatId: string; userId: string; traceparent: string }) {
    const snapshot = await this.dependencies.actorState.load<ChatActorState>(command.chatId);
    const found =
      !snapshot &&
      (await this.dependencies.store.call(
        "store.get_chat",
        { chatId: command.chatId, userId: command.userId, messageLimit: 0 },
        command.traceparent,
      ));
    if (!found) throw new AppError("CHAT_NOT_FOUND", "Chat not found");
    return { cancelled: false, messageId: null };
  }

  private async update(command: UpdateChatCommand) {
    const { chatId, userId, traceparent, title, model, systemPrompt, temperature, onlyIfTitle } = command;
    const { projectId, pinned, archived } = command;
    const result = await this.dependencies.store.call(
      "store.update_chat",
      { chatId, userId, title, model, systemPrompt, temperature, onlyIfTitle, projectId, pinned, archived },
      traceparent,
    );
    if (!result) throw new AppError("CHAT_NOT_FOUND", "Chat not found");
    if (result.updated) {
      await this.dependencies.events.publish(
        { type: "chat_updated", data: { chatId, chat: result.chat } },
        { chatId, userId, traceparent },
      );
    }
    return result.chat;
  }

  private async delete(chatId: string, userId: string, traceparent: string): Promise<DeleteChatReply> {
    const { deleted } = await this.dependencies.store.call(
      "store.delete_chat",
      { chatId, userId },
      traceparent,
    );
    if (!deleted) throw new AppError("CHAT_NOT_FOUND", "Chat not found");
    await this.dependencies.actorState.delete(chatId);
    await this.dependencies.actorState.replayLog.delete(chatId);
    return { deleted: true };
  }
}
