import {
  type AgentMessageCommand,
  AppError,
  type AuditAction,
  type BranchSwitched,
  type CancelGenerationCommand,
  type CancelHelpRequestCommand,
  type CancelReply,
  type ChatAgent,
  type ChatAssistance,
  type ChatEvent,
  type ChatHold,
  type EditMessageCommand,
  type ExpireHoldCommand,
  type FinishReason,
  type GenerationFinishedCommand,
  type Message,
  type MessageCompleteData,
  type RecoverAnswerCommand,
  type RegenerateAnswerCommand,
  type ReleaseChatCommand,
  type RequestHelpCommand,
  type SendMessageCommand,
  type SendMessageReply,
  type SwitchBranchCommand,
  type TakeOverCommand,
} from "@chat/contracts";

/** The turn a chat is running: accepted, then dispatched to an orchestrator. */
export type Turn = {
  clientMessageId: string;
  userMessage: Message;
  assistantMessageId: string;
  /** `accepted`: saved, effects not yet all done (re-run on redelivery); `dispatched`: generating. */
  phase: "accepted" | "dispatched";
  startedAt: string;
  /** The model asked for this message; the chat's model when absent. */
  model?: string;
  /** Set once a cancel was asked for; the turn ends when the orchestrator reports it finished. */
  cancelRequested?: boolean;
  /** A regenerated answer: the id of the answer it is a new version of (that answer stays). */
  replaces?: string;
  /** An edited question: the id of the question it is a new version of (that question stays). */
  edits?: string;
  /** The version of the active-path change that started the turn (its question or its regeneration). */
  leafVersion?: number;
};

export type FinishedTurn = {
  clientMessageId: string;
  userMessage: Message;
  assistantMessageId: string;
  replaces?: string;
  edits?: string;
  /** The turn timed out with no report from its orchestrator (a newer turn took its place). */
  abandoned?: boolean;
  /** A question asked while an agent held the chat: stored and shown, never answered by the AI. */
  held?: { agentId: string; name: string };
};

/** The last answer, kept until the store surely has it. */
export type LastAnswer = {
  id: string;
  content: string;
  createdAt: string;
  finishReason: FinishReason;
  /** The question it answers; absent in snapshots from before message trees. */
  parentId?: string | null;
  /** The version by which it ends the active path; absent when it did not (the path had moved on). */
  leafVersion?: number;
};

/** The agent holding a chat, with the email the audit log records. */
export type Hold = ChatHold & { email: string };

/** A chat actor's persisted snapshot. */
export type ChatActorState = {
  chatId: string;
  userId: string;
  turn: Turn | null;
  /** The chat has its default title and no exchange yet: its first answer asks for a title. */
  needsTitle?: boolean;
  /** Recently finished turns, newest last: a repeated clientMessageId answers from here. */
  finishedTurns: FinishedTurn[];
  /** The last answer, kept until the store surely has it, so the next context never misses it. */
  lastAnswer: LastAnswer | null;
  /**
   * Where the chat's active path ends (null: no message yet). Absent in a snapshot from before
   * message trees: the runner reads it from the store before deciding.
   */
  activeLeafId?: string | null;
  /** The version of the latest change of the active path; every change takes the next one. */
  branchVersion?: number;
  /** The user's open help request. */
  help?: { note?: string; requestedAt: string } | null;
  /** The agent holding the chat: the AI does not answer while the hold lasts. */
  heldBy?: Hold | null;
  /** An agent took the chat over at least once. */
  assisted?: boolean;
  /** The clientMessageIds of the agents' latest messages, so a repeated one is written once. */
  agentMessages?: { clientMessageId: string; message: Message }[];
};

/** Side effects the runner performs, in order, after saving the new state. */
export type ChatActorEffect =
  /** With `activeLeafVersion` the message ends the active path (unless a newer change came first). */
  | { type: "store_message"; message: Message; activeLeafVersion: number }
  | { type: "publish_message_created"; message: Message }
  | { type: "set_active_leaf"; leafId: string; version: number }
  | { type: "publish_message_complete"; data: MessageCompleteData }
  | {
      type: "dispatch_generation";
      userMessage: Message;
      assistantMessageId: string;
      /** The context is the path that ends here (the question's parent; the question itself, answered again). */
      contextPathTo: string | null;
    }
  | { type: "mark_dispatched"; clientMessageId: string }
  | { type: "request_title"; question: string; answer: string }
  | { type: "signal_cancel"; assistantMessageId: string }
  | {
      type: "mark_chat";
      needsHelp?: boolean;
      assisted?: true;
      heldBy?: ChatHold | null;
    }
  | { type: "publish_event"; event: ChatEvent }
  | {
      type: "audit";
      action: AuditAction;
      agent: { id: string; email: string };
      details: Record<string, string>;
    };

export type Decision = {
  state: ChatActorState;
  effects: ChatActorEffect[];
  reply: SendMessageReply | CancelReply | ChatAssistance | BranchSwitched | { message: Message } | null;
};

export type DecisionContext = {
  now: Date;
  newId: () => string;
  /** A turn older than this is taken as abandoned, so a lost generation never leaves a chat busy. */
  turnTimeoutMs: number;
  /**
   * For `regenerate_answer`: the chat's latest question and answer, from the actor's own finished
   * turns or else from the store; null when the chat has no answer yet.
   */
  latestExchange?: FinishedTurn | null;
  /** For `edit_message`: the message edited, with its parent, as the store has it; null when there is none. */
  editedMessage?: Message | null;
  /** For `switch_branch`: the end of the branch through the message, from the store; null when there is none. */
  branchLeaf?: string | null;
  /** How long a hold lasts from the agent's last takeover or message. */
  holdTtlMs: number;
};

const finishedTurnsKept = 50;

/**
 * The chat actor's decision function: given its state and one command, the new state, the
 * effects to run and the reply. Pure: time and ids come from the context.
 */
export function decide(
  state: ChatActorState,
  command:
    | SendMessageCommand
    | RegenerateAnswerCommand
    | EditMessageCommand
    | SwitchBranchCommand
    | GenerationFinishedCommand
    | CancelGenerationCommand
    | RecoverAnswerCommand
    | RequestHelpCommand
    | CancelHelpRequestCommand
    | TakeOverCommand
    | AgentMessageCommand
    | ReleaseChatCommand
    | ExpireHoldCommand,
  context: DecisionContext,
): Decision {
  // A hold the agent stopped renewing ends before anything else is decided: never a stuck chat.
  const expired = expireHold(state, context);
  if (command.type === "expire_hold") {
    if (expired.effects.length > 0 || state.heldBy) return { ...expired, reply: null };
    // The store still records a hold this actor does not have (its state was lost): clear it.
    return { state, effects: [{ type: "mark_chat", heldBy: null }], reply: null };
  }
  const decision = decideCommand(expired.state, command, context);
  return expired.effects.length === 0
    ? decision
    : { ...decision, effects: [...expired.effects, ...decision.effects] };
}

function decideCommand(
  state: ChatActorState,
  command: Exclude<Parameters<typeof decide>[1], ExpireHoldCommand>,
  context: DecisionContext,
): Decision {
  switch (command.type) {
    case "request_help":
      return decideRequestHelp(state, command, context);
    case "cancel_help_request":
      return decideCancelHelp(state);
    case "take_over":
      return decideTakeOver(state, command, context);
    case "agent_message":
      return decideAgentMessage(state, command, context);
    case "release_chat":
      return decideRelease(state, command);
    case "recover_answer":
      return decideRecoverAnswer(state, command, context);
    case "send_message":
      return decideSendMessage(state, command, context);
    case "regenerate_answer":
      return decideRegenerate(state, command, context);
    case "edit_message":
      return decideEdit(state, command, context);
    case "switch_branch":
      return decideSwitchBranch(state, context);
    case "generation_finished":
      return decideGenerationFinished(state, command);
    case "cancel_generation":
      return decideCancel(state);
  }
}

/** The chat's help and takeover status, as commands about it answer. */
export function assistanceOf(state: ChatActorState): ChatAssistance {
  const hold = state.heldBy;
  return {
    chatId: state.chatId,
    needsHelp: Boolean(state.help),
    ...(state.help?.note !== undefined && { helpNote: state.help.note }),
    assisted: state.assisted === true,
    heldBy: hold
      ? { agentId: hold.agentId, name: hold.name, since: hold.since, expiresAt: hold.expiresAt }
      : null,
  };
}

function publicHold(hold: Hold): ChatHold {
  return { agentId: hold.agentId, name: hold.name, since: hold.since, expiresAt: hold.expiresAt };
}

function expireHold(state: ChatActorState, context: DecisionContext): Omit<Decision, "reply"> {
  const hold = state.heldBy;
  if (!hold || Date.parse(hold.expiresAt) > context.now.getTime()) return { state, effects: [] };
  return {
    state: { ...state, heldBy: null },
    effects: leaveEffects(state, hold, "expired"),
  };
}

function leaveEffects(state: ChatActorState, hold: Hold, reason: "released" | "expired"): ChatActorEffect[] {
  const agent = { id: hold.agentId, name: hold.name };
  return [
    { type: "mark_chat", heldBy: null },
    { type: "publish_event", event: { type: "agent_left", data: { chatId: state.chatId, agent, reason } } },
    {
      type: "audit",
      action: "chat_released",
      agent: { id: hold.agentId, email: hold.email },
      details: { userId: state.userId, reason },
    },
  ];
}

function decideRequestHelp(
  state: ChatActorState,
  command: RequestHelpCommand,
  context: DecisionContext,
): Decision {
  // Open already, or a person is in the chat now: nothing to ask.
  if (state.help || state.heldBy) return { state, effects: [], reply: assistanceOf(state) };
  const requestedAt = context.now.toISOString();
  const help = { requestedAt, ...(command.note ? { note: command.note } : {}) };
  const next = { ...state, help };
  return {
    state: next,
    effects: [
      { type: "mark_chat", needsHelp: true },
      { type: "publish_event", event: { type: "help_requested", data: { chatId: state.chatId, ...help } } },
    ],
    reply: assistanceOf(next),
  };
}

function decideCancelHelp(state: ChatActorState): Decision {
  if (!state.help) return { state, effects: [], reply: assistanceOf(state) };
  const next = { ...state, help: null };
  return {
    state: next,
    effects: [
      { type: "mark_chat", needsHelp: false },
      {
        type: "publish_event",
        event: { type: "help_cancelled", data: { chatId: state.chatId, reason: "cancelled" } },
      },
    ],
    reply: assistanceOf(next),
  };
}

function heldError(hold: Hold): AppError {
  return new AppError("CHAT_HELD", `${hold.name} is holding this chat until ${hold.expiresAt}`, {
    retryable: false,
  });
}

function notHeldError(): AppError {
  return new AppError("CHAT_NOT_HELD", "You are not holding this chat; take it over first", {
    retryable: false,
  });
}

function renewed(hold: Hold, context: DecisionContext): Hold {
  return { ...hold, expiresAt: new Date(context.now.getTime() + context.holdTtlMs).toISOString() };
}

/** The hold of `agent`, or throws: another agent's hold is CHAT_HELD, none is CHAT_NOT_HELD. */
function ownHold(state: ChatActorState, agent: ChatAgent): Hold {
  const hold = state.heldBy;
  if (!hold) throw notHeldError();
  if (hold.agentId !== agent.id) throw heldError(hold);
  return hold;
}

function decideTakeOver(state: ChatActorState, command: TakeOverCommand, context: DecisionContext): Decision {
  const { agent } = command;
  const current = state.heldBy;
  if (current && current.agentId !== agent.id) throw heldError(current);
  if (current) {
    // The same agent again: the hold is renewed, nothing is shown.
    const next = { ...state, heldBy: renewed(current, context) };
    return {
      state: next,
      effects: [{ type: "mark_chat", heldBy: publicHold(next.heldBy) }],
      reply: assistanceOf(next),
    };
  }
  const hold = renewed(
    {
      agentId: agent.id,
      name: agent.name,
      email: agent.email,
      since: context.now.toISOString(),
      expiresAt: "",
    },
    context,
  );
  const turn = state.turn;
  // An answer that was streaming stops: the existing cancel path, the turn ends when reported.
  const cancels = turn && !turn.cancelRequested;
  const next: ChatActorState = {
    ...state,
    help: null,
    heldBy: hold,
    assisted: true,
    ...(cancels && turn ? { turn: { ...turn, cancelRequested: true } } : {}),
  };
  const effects: ChatActorEffect[] = [];
  if (turn && cancels) effects.push({ type: "signal_cancel", assistantMessageId: turn.assistantMessageId });
  effects.push({ type: "mark_chat", needsHelp: false, assisted: true, heldBy: publicHold(hold) });
  if (state.help) {
    effects.push({
      type: "publish_event",
      event: { type: "help_cancelled", data: { chatId: state.chatId, reason: "taken_over" } },
    });
  }
  effects.push(
    {
      type: "publish_event",
      event: {
        type: "agent_joined",
        data: { chatId: state.chatId, agent: { id: agent.id, name: agent.name }, expiresAt: hold.expiresAt },
      },
    },
    {
      type: "audit",
      action: "chat_taken_over",
      agent: { id: agent.id, email: agent.email },
      details: { userId: state.userId },
    },
  );
  return { state: next, effects, reply: assistanceOf(next) };
}

const agentMessagesKept = 20;

function decideAgentMessage(
  state: ChatActorState,
  command: AgentMessageCommand,
  context: DecisionContext,
): Decision {
  const repeated = state.agentMessages?.find((entry) => entry.clientMessageId === command.clientMessageId);
  if (repeated) return { state, effects: [], reply: { message: repeated.message } };
  const hold = ownHold(state, command.agent);
  const message: Message = {
    id: context.newId(),
    chatId: state.chatId,
    role: "assistant",
    content: command.content,
    createdAt: context.now.toISOString(),
    clientMessageId: command.clientMessageId,
    author: { kind: "agent", id: hold.agentId, name: hold.name },
    parentId: state.activeLeafId ?? null,
  };
  const leafVersion = nextVersion(state);
  const agentMessages = [
    ...(state.agentMessages ?? []),
    { clientMessageId: command.clientMessageId, message },
  ].slice(-agentMessagesKept);
  const next: ChatActorState = {
    ...state,
    heldBy: renewed(hold, context),
    agentMessages,
    activeLeafId: message.id,
    branchVersion: leafVersion,
  };
  return {
    state: next,
    effects: [
      { type: "store_message", message, activeLeafVersion: leafVersion },
      { type: "publish_message_created", message },
      // The renewed hold is recorded too, so readers of the chat do not take it as expiring sooner.
      { type: "mark_chat", heldBy: publicHold(next.heldBy as Hold) },
      {
        type: "audit",
        action: "agent_message",
        agent: { id: hold.agentId, email: hold.email },
        details: { userId: state.userId, messageId: message.id },
      },
    ],
    reply: { message },
  };
}

function decideRelease(state: ChatActorState, command: ReleaseChatCommand): Decision {
  // Released already (or expired, which the effects in front of this decision announced).
  if (!state.heldBy) return { state, effects: [], reply: assistanceOf(state) };
  const hold = ownHold(state, command.agent);
  const next = { ...state, heldBy: null };
  return { state: next, effects: leaveEffects(state, hold, "released"), reply: assistanceOf(next) };
}

function decideCancel(state: ChatActorState): Decision {
  const turn = state.turn;
  if (!turn)
    return { state, effects: [], reply: { cancelled: false, messageId: null } satisfies CancelReply };
  // Signalled again on a repeated cancel: the first signal may have reached no orchestrator yet.
  return {
    state: turn.cancelRequested ? state : { ...state, turn: { ...turn, cancelRequested: true } },
    effects: [{ type: "signal_cancel", assistantMessageId: turn.assistantMessageId }],
    reply: { cancelled: true, messageId: turn.assistantMessageId } satisfies CancelReply,
  };
}

/**
 * The effects that start a turn: a new question (also a new version of one) is stored and shown; a
 * regenerated question becomes the end of the active path again. Every device hears of a new branch.
 */
function turnEffects(state: ChatActorState, turn: Turn): ChatActorEffect[] {
  const question = turn.userMessage;
  const version = turn.leafVersion ?? 0;
  const regenerated = turn.replaces !== undefined;
  const dispatch: ChatActorEffect = {
    type: "dispatch_generation",
    userMessage: question,
    assistantMessageId: turn.assistantMessageId,
    contextPathTo: regenerated ? question.id : (question.parentId ?? null),
  };
  const switched: ChatActorEffect = {
    type: "publish_event",
    event: { type: "branch_switched", data: { chatId: state.chatId, activeLeafId: question.id } },
  };
  const start: ChatActorEffect[] = regenerated
    ? [{ type: "set_active_leaf", leafId: question.id, version }, switched]
    : [
        { type: "store_message", message: question, activeLeafVersion: version },
        { type: "publish_message_created", message: question },
        ...(turn.edits ? [switched] : []),
      ];
  return [...start, dispatch, { type: "mark_dispatched", clientMessageId: turn.clientMessageId }];
}

/**
 * What a repeated or conflicting turn command decides before anything new starts: the same
 * clientMessageId answers as the first time (its effects run again while the turn is only
 * accepted); another turn still running answers CHAT_BUSY. Undefined when a new turn may start.
 */
function decideRepeatOrBusy(
  state: ChatActorState,
  clientMessageId: string,
  context: DecisionContext,
): Decision | undefined {
  const finished = state.finishedTurns.find((turn) => turn.clientMessageId === clientMessageId);
  if (finished) {
    return { state, effects: [], reply: replyFor(finished) };
  }
  const running = state.turn;
  if (running?.clientMessageId === clientMessageId) {
    // A redelivered command whose effects may have been cut short: run them again (all idempotent).
    const effects = running.phase === "accepted" ? turnEffects(state, running) : [];
    return { state, effects, reply: replyFor(running) };
  }
  if (running && !isAbandoned(running, context)) {
    throw new AppError("CHAT_BUSY", "The chat is still answering the previous message", { retryable: true });
  }
  return undefined;
}

/**
 * The state with `turn` running, its question the end of the active path by the next version; an
 * abandoned turn it replaces is remembered as finished.
 */
function startTurn(state: ChatActorState, started: Omit<Turn, "leafVersion">): Decision {
  const leafVersion = nextVersion(state);
  const turn: Turn = { ...started, leafVersion };
  const finishedTurns = state.turn
    ? remember(state.finishedTurns, { ...state.turn, abandoned: true })
    : state.finishedTurns;
  const next: ChatActorState = {
    ...state,
    turn,
    finishedTurns,
    activeLeafId: turn.userMessage.id,
    branchVersion: leafVersion,
  };
  return { state: next, effects: turnEffects(next, turn), reply: replyFor(turn) };
}

function nextVersion(state: ChatActorState): number {
  return (state.branchVersion ?? 0) + 1;
}

function decideRegenerate(
  state: ChatActorState,
  command: RegenerateAnswerCommand,
  context: DecisionContext,
): Decision {
  const repeated = decideRepeatOrBusy(state, command.clientMessageId, context);
  if (repeated) return repeated;
  if (state.heldBy) throw heldError(state.heldBy);
  const latest = context.latestExchange;
  if (latest?.assistantMessageId !== command.messageId) {
    throw new AppError(
      "NOT_LATEST_ANSWER",
      "Only the latest answer of the active path can be answered again",
      {
        retryable: false,
      },
    );
  }
  return startTurn(state, {
    clientMessageId: command.clientMessageId,
    userMessage: latest.userMessage,
    assistantMessageId: context.newId(),
    phase: "accepted",
    startedAt: context.now.toISOString(),
    replaces: command.messageId,
    ...(command.model ? { model: command.model } : {}),
  });
}

/** A new version of a sent question, branching from the question's parent, answered at once. */
function decideEdit(state: ChatActorState, command: EditMessageCommand, context: DecisionContext): Decision {
  const repeated = decideRepeatOrBusy(state, command.clientMessageId, context);
  if (repeated) return repeated;
  if (state.heldBy) throw heldError(state.heldBy);
  const edited = context.editedMessage;
  if (edited?.role !== "user") {
    throw new AppError("MESSAGE_NOT_FOUND", "This chat has no question with that id", { retryable: false });
  }
  const userMessage: Message = {
    id: context.newId(),
    chatId: state.chatId,
    role: "user",
    content: command.content,
    createdAt: context.now.toISOString(),
    clientMessageId: command.clientMessageId,
    parentId: edited.parentId ?? null,
    // The files of the question stay with its new version.
    ...(edited.attachments?.length ? { attachments: edited.attachments } : {}),
  };
  return startTurn(state, {
    clientMessageId: command.clientMessageId,
    userMessage,
    assistantMessageId: context.newId(),
    phase: "accepted",
    startedAt: context.now.toISOString(),
    edits: edited.id,
    ...(command.model ? { model: command.model } : {}),
  });
}

/**
 * Makes the branch through a message the active path. Refused with CHAT_BUSY while an answer is
 * written, as a new turn is: the answer belongs to the path it was asked on.
 */
function decideSwitchBranch(state: ChatActorState, context: DecisionContext): Decision {
  if (state.turn && !isAbandoned(state.turn, context)) {
    throw new AppError("CHAT_BUSY", "The chat is still answering; switch branches once it is done", {
      retryable: true,
    });
  }
  const leafId = context.branchLeaf;
  if (!leafId)
    throw new AppError("MESSAGE_NOT_FOUND", "This chat has no message with that id", { retryable: false });
  const version = nextVersion(state);
  const reply: BranchSwitched = { chatId: state.chatId, activeLeafId: leafId };
  return {
    state: { ...state, activeLeafId: leafId, branchVersion: version },
    effects: [
      { type: "set_active_leaf", leafId, version },
      { type: "publish_event", event: { type: "branch_switched", data: reply } },
    ],
    reply,
  };
}

function decideSendMessage(
  state: ChatActorState,
  command: SendMessageCommand,
  context: DecisionContext,
): Decision {
  const hold = state.heldBy;
  if (hold) {
    // The agent answers: the question is stored and shown, and no answer is generated.
    const finished = state.finishedTurns.find((turn) => turn.clientMessageId === command.clientMessageId);
    if (finished) return { state, effects: [], reply: replyFor(finished) };
    const userMessage = newUserMessage(state, command, context);
    const held = { agentId: hold.agentId, name: hold.name };
    const entry: FinishedTurn = {
      clientMessageId: command.clientMessageId,
      userMessage,
      assistantMessageId: "",
      held,
    };
    const leafVersion = nextVersion(state);
    return {
      state: {
        ...state,
        finishedTurns: remember(state.finishedTurns, entry),
        activeLeafId: userMessage.id,
        branchVersion: leafVersion,
      },
      effects: [
        { type: "store_message", message: userMessage, activeLeafVersion: leafVersion },
        { type: "publish_message_created", message: userMessage },
      ],
      reply: replyFor(entry),
    };
  }
  const repeated = decideRepeatOrBusy(state, command.clientMessageId, context);
  if (repeated) return repeated;
  const userMessage = newUserMessage(state, command, context);
  return startTurn(state, {
    clientMessageId: command.clientMessageId,
    userMessage,
    assistantMessageId: context.newId(),
    phase: "accepted",
    startedAt: context.now.toISOString(),
    ...(command.model ? { model: command.model } : {}),
  });
}

function newUserMessage(
  state: ChatActorState,
  command: SendMessageCommand,
  context: DecisionContext,
): Message {
  return {
    id: context.newId(),
    chatId: state.chatId,
    role: "user",
    content: command.content,
    createdAt: context.now.toISOString(),
    clientMessageId: command.clientMessageId,
    ...(command.attachments?.length ? { attachments: command.attachments } : {}),
    parentId: state.activeLeafId ?? null,
  };
}

function decideGenerationFinished(state: ChatActorState, command: GenerationFinishedCommand): Decision {
  const messageId = command.assistantMessageId;
  const answer: LastAnswer = {
    id: messageId,
    content: command.fullContent,
    createdAt: command.occurredAt,
    finishReason: command.finishReason,
  };
  const turn = state.turn;
  if (!turn || turn.assistantMessageId !== messageId) {
    // A redelivered report whose turn already ended here: its answer may not have been published.
    const last = state.lastAnswer;
    const republish = last?.id === messageId && last.finishReason === command.finishReason;
    // An answer this actor never heard of, with no turn running: its state was lost while the
    // answer was written (Redis restarted empty). The answer is whole; it is published all the same.
    const known =
      last?.id === messageId || state.finishedTurns.some((entry) => entry.assistantMessageId === messageId);
    if (!turn && !known) {
      const complete = { type: "publish_message_complete" as const, data: completeData(command) };
      return { state: { ...state, lastAnswer: answer }, effects: [complete], reply: null };
    }
    const data = { ...completeData(command), ...(last ? placeOf(last) : {}) };
    return { state, effects: republish ? [{ type: "publish_message_complete", data }] : [], reply: null };
  }
  const titled = state.needsTitle === true && command.finishReason !== "error" && command.fullContent !== "";
  const ended = endTurn(state, turn, answer, titled);
  const complete: ChatActorEffect = {
    type: "publish_message_complete",
    data: { ...completeData(command), ...placeOf(ended.lastAnswer as LastAnswer) },
  };
  // The chat is free before the answer is published complete: whoever sees it complete can send.
  return {
    state: ended,
    effects: titled
      ? [
          complete,
          { type: "request_title", question: questionText(turn.userMessage), answer: command.fullContent },
        ]
      : [complete],
    reply: null,
  };
}

/** Where an answer goes in the tree, as its `message_complete` tells the store. */
function placeOf(answer: LastAnswer): Pick<MessageCompleteData, "parentId" | "activeLeafVersion"> {
  return {
    ...(answer.parentId !== undefined && { parentId: answer.parentId }),
    ...(answer.leafVersion !== undefined && { activeLeafVersion: answer.leafVersion }),
  };
}

/**
 * An answer left as a draft by a writer that is gone: published complete as "interrupted" with
 * the draft's text, unless a turn that has not timed out is still writing it or it was finished.
 */
function decideRecoverAnswer(
  state: ChatActorState,
  command: RecoverAnswerCommand,
  context: DecisionContext,
): Decision {
  const messageId = command.assistantMessageId;
  const turn = state.turn;
  const running = turn?.assistantMessageId === messageId && !isAbandoned(turn, context);
  const finished =
    state.lastAnswer?.id === messageId ||
    state.finishedTurns.some((entry) => entry.assistantMessageId === messageId && !entry.abandoned);
  if (running || finished) return { state, effects: [], reply: null };
  // An abandoned turn's answer belongs to that turn's question.
  const question = state.finishedTurns.find((entry) => entry.assistantMessageId === messageId)?.userMessage;
  const answer: LastAnswer = {
    id: messageId,
    content: command.content,
    createdAt: command.occurredAt,
    finishReason: "interrupted",
    ...(question ? { parentId: question.id } : {}),
  };
  const next =
    turn?.assistantMessageId === messageId
      ? endTurn(state, { ...turn, abandoned: true }, answer, false)
      : turn
        ? state
        : { ...state, lastAnswer: answer };
  const data: MessageCompleteData = {
    chatId: state.chatId,
    messageId,
    fullContent: command.content,
    codeBlocks: [],
    usage: { inputTokens: 0, outputTokens: 0 },
    finishReason: "interrupted",
    model: command.model,
    createdAt: command.answerCreatedAt,
    ...placeOf(next.lastAnswer?.id === messageId ? next.lastAnswer : answer),
  };
  return { state: next, effects: [{ type: "publish_message_complete", data }], reply: null };
}

/**
 * The state once `turn` ended with `answer`: the chat is free, the answer is the last one, and it
 * ends the active path when the path still ends at its question (an agent may have written since).
 */
function endTurn(
  state: ChatActorState,
  turn: FinishedTurn,
  answer: LastAnswer,
  titled: boolean,
): ChatActorState {
  const question = turn.userMessage.id;
  const extendsPath = state.activeLeafId === question;
  const leafVersion = nextVersion(state);
  return {
    ...state,
    needsTitle: state.needsTitle && !titled,
    turn: null,
    finishedTurns: remember(state.finishedTurns, turn),
    lastAnswer: { ...answer, parentId: question, ...(extendsPath ? { leafVersion } : {}) },
    ...(extendsPath ? { activeLeafId: answer.id, branchVersion: leafVersion } : {}),
  };
}

function completeData(command: GenerationFinishedCommand): MessageCompleteData {
  return {
    chatId: command.chatId,
    messageId: command.assistantMessageId,
    fullContent: command.fullContent,
    codeBlocks: command.codeBlocks,
    usage: command.usage,
    finishReason: command.finishReason,
    model: command.model,
    createdAt: command.answerCreatedAt,
  };
}

/** The state after the dispatch effects of the current turn completed. */
export function markDispatched(state: ChatActorState, clientMessageId: string): ChatActorState {
  if (state.turn?.clientMessageId !== clientMessageId) return state;
  return { ...state, turn: { ...state.turn, phase: "dispatched" } };
}

function isAbandoned(turn: Turn, context: DecisionContext): boolean {
  return context.now.getTime() - Date.parse(turn.startedAt) > context.turnTimeoutMs;
}

function remember(finishedTurns: FinishedTurn[], turn: FinishedTurn): FinishedTurn[] {
  const entry: FinishedTurn = {
    clientMessageId: turn.clientMessageId,
    userMessage: turn.userMessage,
    assistantMessageId: turn.assistantMessageId,
    ...(turn.replaces ? { replaces: turn.replaces } : {}),
    ...(turn.edits ? { edits: turn.edits } : {}),
    ...(turn.abandoned ? { abandoned: true } : {}),
    ...(turn.held ? { held: turn.held } : {}),
  };
  return [...finishedTurns, entry].slice(-finishedTurnsKept);
}

function replyFor(turn: FinishedTurn): SendMessageReply {
  if (turn.held) return { userMessage: turn.userMessage, heldBy: turn.held };
  return {
    userMessage: turn.userMessage,
    assistantMessageId: turn.assistantMessageId,
    ...(turn.replaces ? { replacedMessageId: turn.replaces } : {}),
  };
}

/** A fresh actor for a chat the store knows. */
export function initialState(chat: { chatId: string; userId: string; needsTitle: boolean }): ChatActorState {
  return { ...chat, turn: null, finishedTurns: [], lastAnswer: null };
}

/** What a title is made of: the question's text, or the names of its files when it is files alone. */
function questionText(question: Message): string {
  if (question.content.trim() !== "") return question.content;
  return (question.attachments ?? []).map((attachment) => attachment.name).join(", ");
}
