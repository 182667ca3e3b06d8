import type {
  AgentJoinedData,
  AgentLeftData,
  BranchSwitched,
  ChatUpdatedData,
  ErrorEventData,
  HelpCancelledData,
  HelpRequestedData,
  Message,
  MessageChunkData,
  MessageCompleteData,
  MessageCreatedData,
  MessageDeletedData,
  MessageRestartData,
  MessageStartData,
} from "@chat/contracts";

/** Where a message shown in the thread stands. */
export type ThreadMessageStatus = "sending" | "streaming" | "complete" | "failed";

/** A problem shown inline: from the API, or from the stream's `error` event. */
export interface ThreadError {
  code: string;
  message: string;
  retryable: boolean;
}

/** A message as the thread shows it: the stored message plus what the live stream knows. */
export type ThreadMessage = Message & {
  status: ThreadMessageStatus;
  error?: ThreadError;
  /** Highest chunk `seq` applied since the last start or restart; -1 before the first. */
  lastSeq: number;
  /** Chunks that came ahead of a missing one, by `seq`, applied once the gap is filled. */
  pendingChunks?: Readonly<Record<number, string>>;
  /** The restart attempt the text belongs to; 0 for the first. */
  attempt?: number;
  /** A line about the chat, not a message: "Grace joined the chat". Never stored. */
  notice?: true;
};

/** Everything the thread shows that the stream changes. */
export interface ThreadState {
  messages: readonly ThreadMessage[];
  /** A problem not tied to one message (shown above the composer). */
  threadError?: ThreadError;
  /**
   * The versions of the answer that followed `after` when the path went back to it (another tab
   * regenerated): the next answer to come is one more of them.
   */
  upcomingVersions?: { after: string; ids: readonly string[] };
}

/** A chat event as it arrives on `/api/chats/:id/events`. */
export type ChatStreamEvent =
  | { type: "message_created"; data: MessageCreatedData }
  | { type: "message_start"; data: MessageStartData }
  | { type: "message_chunk"; data: MessageChunkData }
  | { type: "message_restart"; data: MessageRestartData }
  | { type: "message_complete"; data: MessageCompleteData }
  | { type: "message_deleted"; data: MessageDeletedData }
  | { type: "branch_switched"; data: BranchSwitched }
  | { type: "error"; data: ErrorEventData }
  | { type: "chat_updated"; data: ChatUpdatedData }
  | { type: "help_requested"; data: HelpRequestedData }
  | { type: "help_cancelled"; data: HelpCancelledData }
  | { type: "agent_joined"; data: AgentJoinedData }
  | { type: "agent_left"; data: AgentLeftData };

/** What the thread itself does, beside what the stream tells it. */
export type ThreadAction =
  | ChatStreamEvent
  | { type: "history_loaded"; messages: readonly Message[] }
  /** The active path changed (another branch, or the path loaded again): it replaces what is shown. */
  | { type: "branch_loaded"; messages: readonly Message[] }
  | { type: "older_loaded"; messages: readonly Message[] }
  | { type: "send_started"; message: Message }
  /** Without `assistantMessageId` an agent holds the chat: no answer is coming from the AI. */
  | { type: "send_accepted"; userMessage: Message; assistantMessageId?: string; now: string }
  | { type: "send_failed"; clientMessageId: string; error: ThreadError }
  | { type: "send_retried"; clientMessageId: string }
  /** A refused message taken back out of the thread (its text goes back to the composer). */
  | { type: "send_withdrawn"; clientMessageId: string }
  | {
      type: "regenerate_accepted";
      userMessage: Message;
      assistantMessageId: string;
      replacedMessageId: string;
      now: string;
    }
  /** A new version of the question `editedMessageId` was sent: it and what followed leave the view. */
  | {
      type: "edit_accepted";
      userMessage: Message;
      assistantMessageId: string;
      editedMessageId: string;
      now: string;
    }
  | { type: "thread_error_dismissed" };

export const emptyThread: ThreadState = { messages: [] };

/**
 * The thread after one action: a pure function, so the same events in the same order always give
 * the same thread. Events that change nothing (a duplicate chunk, a start for a finished
 * message) return `state` itself.
 *
 * - chunks apply in `seq` order: a repeated `seq` is ignored, one ahead of a gap waits for it;
 * - `message_restart` drops the text received so far (a newer attempt streams it again);
 * - `message_complete` replaces the text with `fullContent`, whatever was streamed;
 * - a finished message is never reopened by a late start, chunk or restart;
 * - `message_deleted` takes the message out;
 * - a regenerated answer or an edited question goes out of view with what followed it, and its
 *   new version comes in its place, listing both in `siblingIds` (`‹ 2 / 2 ›`);
 * - `branch_switched` notes the versions of what followed its leaf, for the answer to come; the
 *   stream loads the new path (`branch_loaded`).
 *
 * @example
 * let thread = emptyThread;
 * for (const event of events) thread = reduceThread(thread, event);
 */
export function reduceThread(state: ThreadState, action: ThreadAction): ThreadState {
  switch (action.type) {
    case "message_created":
      return confirmUserMessage(newBranchFor(state, action.data.message), action.data.message);
    case "message_start":
      return onStart(state, action.data);
    case "message_chunk":
      return onChunk(state, action.data);
    case "message_restart":
      return onRestart(state, action.data);
    case "message_complete":
      return onComplete(state, action.data);
    case "message_deleted":
      return removeMessage(state, action.data.messageId);
    case "branch_switched": {
      // The path ends at a message shown (a question answered again): what followed it goes, and
      // the answer to come is the next version of the one that did.
      const leaf = state.messages.findIndex((message) => message.id === action.data.activeLeafId);
      const next = state.messages[leaf + 1];
      if (leaf < 0 || !next) return state;
      const finished = next.role === "assistant" && isFinished(next);
      return {
        ...state,
        upcomingVersions: finished ? { after: action.data.activeLeafId, ids: versionsOf(next) } : undefined,
        messages: [
          ...state.messages.slice(0, leaf + 1),
          ...state.messages.slice(leaf + 1).filter((message) => !isFinished(message)),
        ],
      };
    }
    case "error":
      return onError(state, action.data);
    case "chat_updated":
    case "help_requested":
    case "help_cancelled":
      return state;
    case "agent_joined":
      return withNotice(
        state,
        `agent-joined-${action.data.agent.id}-${action.data.expiresAt}`,
        `${action.data.agent.name} joined the chat`,
      );
    case "agent_left":
      return withNotice(
        state,
        `agent-left-${action.data.agent.id}-${state.messages.length}`,
        `${action.data.agent.name} left the chat${action.data.reason === "expired" ? " (timed out)" : ""}: the assistant answers again`,
      );
    case "history_loaded":
      return mergeHistory(state, action.messages);
    case "branch_loaded": {
      const stored = new Set(action.messages.map((message) => message.id));
      const pending = state.messages.filter((message) => !isFinished(message) && !stored.has(message.id));
      return { ...state, messages: [...action.messages.map(storedMessage), ...pending] };
    }
    case "older_loaded": {
      const shown = new Set(state.messages.map((message) => message.id));
      const older = action.messages.filter((message) => !shown.has(message.id));
      if (older.length === 0) return state;
      return { ...state, messages: [...older.map(storedMessage), ...state.messages] };
    }
    case "send_started":
      return {
        ...state,
        threadError: undefined,
        messages: [...state.messages, { ...action.message, status: "sending", lastSeq: -1 }],
      };
    case "send_accepted": {
      const confirmed = confirmUserMessage(state, action.userMessage);
      if (action.assistantMessageId === undefined) return confirmed;
      if (confirmed.messages.some((message) => message.id === action.assistantMessageId)) return confirmed;
      return withAnswerComing(confirmed, action.userMessage.chatId, action.assistantMessageId, action.now);
    }
    case "send_failed":
      return {
        ...state,
        messages: state.messages.map((message) =>
          message.clientMessageId === action.clientMessageId && message.status === "sending"
            ? { ...message, status: "failed", error: action.error }
            : message,
        ),
      };
    case "send_retried":
      return {
        ...state,
        messages: state.messages.map((message) =>
          message.clientMessageId === action.clientMessageId && message.status === "failed"
            ? { ...message, status: "sending", error: undefined }
            : message,
        ),
      };
    case "send_withdrawn": {
      const messages = state.messages.filter(
        (message) => !(message.clientMessageId === action.clientMessageId && message.status === "sending"),
      );
      return messages.length === state.messages.length ? state : { ...state, messages };
    }
    case "regenerate_accepted": {
      // The old answer stays on the server as a version; the new one takes its place after the question.
      const replaced = state.messages.findIndex((message) => message.id === action.replacedMessageId);
      if (replaced < 0 || state.messages.some((message) => message.id === action.assistantMessageId)) {
        return reduceThread(state, {
          type: "send_accepted",
          userMessage: action.userMessage,
          assistantMessageId: action.assistantMessageId,
          now: action.now,
        });
      }
      const answer = {
        ...assistantPlaceholder(action.userMessage.chatId, action.assistantMessageId, action.now),
        siblingIds: [...versionsOf(state.messages[replaced] as ThreadMessage), action.assistantMessageId],
      };
      return {
        ...state,
        threadError: undefined,
        upcomingVersions: undefined,
        messages: [...state.messages.slice(0, replaced), answer],
      };
    }
    case "edit_accepted": {
      const edited = state.messages.findIndex((message) => message.id === action.editedMessageId);
      // The stream came first: the new version is shown already.
      if (edited < 0 || state.messages.some((message) => message.id === action.userMessage.id)) {
        return reduceThread(state, {
          type: "send_accepted",
          userMessage: action.userMessage,
          assistantMessageId: action.assistantMessageId,
          now: action.now,
        });
      }
      const question: ThreadMessage = {
        ...action.userMessage,
        status: "complete",
        lastSeq: -1,
        siblingIds: [...versionsOf(state.messages[edited] as ThreadMessage), action.userMessage.id],
      };
      const answer = assistantPlaceholder(action.userMessage.chatId, action.assistantMessageId, action.now);
      return {
        ...state,
        threadError: undefined,
        upcomingVersions: undefined,
        messages: [...state.messages.slice(0, edited), question, answer],
      };
    }
    case "thread_error_dismissed":
      return state.threadError ? { ...state, threadError: undefined } : state;
  }
}

/** True while an answer is on its way: the composer does not send meanwhile. */
export function isTurnRunning(state: ThreadState): boolean {
  return state.messages.some((message) => message.status === "sending" || message.status === "streaming");
}

/** The answer being written now, if any. */
export function streamingMessage(state: ThreadState): ThreadMessage | undefined {
  return state.messages.find((message) => message.role === "assistant" && message.status === "streaming");
}

/**
 * The thread ready for a message that starts a new branch (a question edited in another tab): what
 * followed its parent goes, and the message will be shown as the next version of what did.
 */
function newBranchFor(state: ThreadState, message: Message): ThreadState {
  if (message.parentId === undefined || state.messages.some((shown) => shown.id === message.id)) return state;
  const parent =
    message.parentId === null ? -1 : state.messages.findIndex((shown) => shown.id === message.parentId);
  if (message.parentId !== null && parent < 0) return state;
  const next = state.messages.slice(parent + 1).find((shown) => !shown.notice);
  const same = next?.clientMessageId !== undefined && next.clientMessageId === message.clientMessageId;
  if (!next || same || (message.parentId === null && next.parentId !== null)) return state;
  const version: ThreadMessage = {
    ...message,
    status: "complete",
    lastSeq: -1,
    siblingIds: [...versionsOf(next), message.id],
  };
  return { ...state, messages: [...state.messages.slice(0, parent + 1), version] };
}

/** The ids of a message's versions as shown, oldest first; itself alone when it has none. */
function versionsOf(message: ThreadMessage): string[] {
  return message.siblingIds ?? [message.id];
}

function assistantPlaceholder(chatId: string, messageId: string, createdAt: string): ThreadMessage {
  return {
    id: messageId,
    chatId,
    role: "assistant",
    content: "",
    createdAt,
    status: "streaming",
    lastSeq: -1,
  };
}

function update(state: ThreadState, messageId: string, change: Partial<ThreadMessage>): ThreadState {
  return {
    ...state,
    messages: state.messages.map((message) =>
      message.id === messageId ? { ...message, ...change } : message,
    ),
  };
}

/** The message with this id, adding an assistant placeholder when its start was missed. */
function ensureAssistant(
  state: ThreadState,
  chatId: string,
  messageId: string,
): [ThreadState, ThreadMessage] {
  const shown = state.messages.find((message) => message.id === messageId);
  if (shown) return [state, shown];
  const next = withAnswerComing(state, chatId, messageId, new Date().toISOString());
  return [next, next.messages.at(-1) as ThreadMessage];
}

/** The thread with a placeholder for an answer being written, the next version when one is due. */
function withAnswerComing(state: ThreadState, chatId: string, messageId: string, now: string): ThreadState {
  const upcoming = state.upcomingVersions;
  const placeholder: ThreadMessage = {
    ...assistantPlaceholder(chatId, messageId, now),
    ...(upcoming && !upcoming.ids.includes(messageId) ? { siblingIds: [...upcoming.ids, messageId] } : {}),
  };
  return { ...state, upcomingVersions: undefined, messages: [...state.messages, placeholder] };
}

function removeMessage(state: ThreadState, messageId: string): ThreadState {
  if (!state.messages.some((message) => message.id === messageId)) return state;
  return { ...state, messages: state.messages.filter((message) => message.id !== messageId) };
}

function isFinished(message: ThreadMessage): boolean {
  return message.status === "complete" || (message.status === "failed" && message.finishReason !== undefined);
}

/** Swaps the optimistic copy of a user message for the stored one, or appends it (another tab sent it). */
function confirmUserMessage(state: ThreadState, message: Message): ThreadState {
  const index = state.messages.findIndex(
    (shown) =>
      shown.id === message.id ||
      (message.clientMessageId !== undefined && shown.clientMessageId === message.clientMessageId),
  );
  if (index === -1) {
    return { ...state, messages: [...state.messages, { ...message, status: "complete", lastSeq: -1 }] };
  }
  const shown = state.messages[index] as ThreadMessage;
  if (shown.id === message.id && shown.status === "complete") return state;
  const messages = [...state.messages];
  messages[index] = { ...shown, ...message, status: "complete", error: undefined, lastSeq: -1 };
  return { ...state, messages };
}

function onStart(state: ThreadState, data: MessageStartData): ThreadState {
  const [next, message] = ensureAssistant(state, data.chatId, data.messageId);
  if (isFinished(message)) return next;
  if (message.status === "streaming" && message.model === data.model) return next;
  return update(next, data.messageId, { status: "streaming", model: data.model });
}

function onChunk(state: ThreadState, data: MessageChunkData): ThreadState {
  const [next, message] = ensureAssistant(state, data.chatId, data.messageId);
  if (isFinished(message)) return next;
  const pending = message.pendingChunks ?? {};
  if (data.seq <= message.lastSeq || data.seq in pending) return next;
  if (data.seq > message.lastSeq + 1) {
    return update(next, data.messageId, { pendingChunks: { ...pending, [data.seq]: data.content } });
  }
  let content = message.content + data.content;
  let lastSeq = data.seq;
  const waiting: Record<number, string> = { ...pending };
  while (waiting[lastSeq + 1] !== undefined) {
    content += waiting[lastSeq + 1];
    delete waiting[lastSeq + 1];
    lastSeq += 1;
  }
  return update(next, data.messageId, {
    content,
    lastSeq,
    pendingChunks: Object.keys(waiting).length > 0 ? waiting : undefined,
    status: message.status === "failed" ? "failed" : "streaming",
  });
}

function onRestart(state: ThreadState, data: MessageRestartData): ThreadState {
  const [next, message] = ensureAssistant(state, data.chatId, data.messageId);
  if (isFinished(message) || data.attempt <= (message.attempt ?? 0)) return next;
  return update(next, data.messageId, {
    content: "",
    lastSeq: -1,
    pendingChunks: undefined,
    attempt: data.attempt,
    status: "streaming",
    error: undefined,
  });
}

function onComplete(state: ThreadState, data: MessageCompleteData): ThreadState {
  const [next, message] = ensureAssistant(state, data.chatId, data.messageId);
  const status = data.finishReason === "error" ? "failed" : "complete";
  if (
    message.status === status &&
    message.content === data.fullContent &&
    message.finishReason === data.finishReason
  ) {
    return next;
  }
  return update(next, data.messageId, {
    content: data.fullContent,
    codeBlocks: data.codeBlocks,
    usage: data.usage,
    finishReason: data.finishReason,
    model: data.model,
    createdAt: data.createdAt,
    status,
    pendingChunks: undefined,
    error: status === "failed" ? (message.error ?? genericFailure) : undefined,
  });
}

const genericFailure: ThreadError = {
  code: "GENERATION_FAILED",
  message: "The answer stopped because of an error.",
  retryable: true,
};

function onError(state: ThreadState, data: ErrorEventData): ThreadState {
  const failure: ThreadError = { code: data.code, message: data.error, retryable: data.retryable };
  // RESUME_EXPIRED is about the connection, not the thread: the stream reloads the chat.
  if (data.code === "RESUME_EXPIRED") return state;
  if (data.messageId) {
    const [next, message] = ensureAssistant(state, data.chatId, data.messageId);
    if (message.status === "complete") return next;
    return update(next, data.messageId, { status: "failed", error: failure });
  }
  // An error for the whole chat ends any answer still waiting for its first words.
  return {
    ...state,
    threadError: failure,
    messages: state.messages.map((message) =>
      message.status === "streaming" && message.content === ""
        ? { ...message, status: "failed", error: failure }
        : message,
    ),
  };
}

/**
 * The stored history, then anything shown that it does not hold yet (a message being sent, an
 * answer being written). Stored messages win: they are the final text. A finished message that
 * it does not hold has left the chat (a regenerated answer), unless it is older than the history
 * (a page shown by "Show earlier messages"): that one stays before it.
 */
function mergeHistory(state: ThreadState, stored: readonly Message[]): ThreadState {
  const storedIds = new Set(stored.map((message) => message.id));
  const storedClientIds = new Set(stored.flatMap((message) => message.clientMessageId ?? []));
  const notStored = state.messages.filter(
    (message) =>
      !storedIds.has(message.id) &&
      !(message.clientMessageId !== undefined && storedClientIds.has(message.clientMessageId)),
  );
  const historyStart = stored[0]?.createdAt;
  const earlier = notStored.filter(
    (message) => isFinished(message) && historyStart !== undefined && message.createdAt < historyStart,
  );
  const pending = notStored.filter((message) => !isFinished(message));
  return { ...state, messages: [...earlier, ...stored.map(storedMessage), ...pending] };
}

/** The thread with a notice line at its end, unless one with that id is shown already. */
function withNotice(state: ThreadState, id: string, text: string): ThreadState {
  if (state.messages.some((message) => message.id === id)) return state;
  const last = state.messages.at(-1);
  const notice: ThreadMessage = {
    id,
    chatId: last?.chatId ?? "",
    role: "assistant",
    content: text,
    createdAt: last?.createdAt ?? "",
    status: "complete",
    lastSeq: -1,
    notice: true,
  };
  return { ...state, messages: [...state.messages, notice] };
}

function storedMessage(message: Message): ThreadMessage {
  const failed = message.finishReason === "error";
  return {
    ...message,
    status: failed ? "failed" : "complete",
    error: failed ? genericFailure : undefined,
    lastSeq: -1,
  };
}
